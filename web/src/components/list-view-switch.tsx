import Link from 'next/link';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';

/** "Current" and "Deleted" views of a list page (`?deleted=1`), as links. */
export function ListViewSwitch({ basePath, deleted, label }: { basePath: string; deleted: boolean; label: string }) {
  return (
    <ToggleButtonGroup size="small" value={deleted ? 'deleted' : 'current'} exclusive aria-label={label}>
      <ToggleButton value="current" component={Link} href={basePath} aria-current={deleted ? undefined : 'page'}>
        Current
      </ToggleButton>
      <ToggleButton value="deleted" component={Link} href={`${basePath}?deleted=1`} aria-current={deleted ? 'page' : undefined}>
        Deleted
      </ToggleButton>
    </ToggleButtonGroup>
  );
}
