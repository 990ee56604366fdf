'use client';

import Link from 'next/link';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';

/**
 * "Current" and "Deleted" views of a list page (`?deleted=1`), as links. Links say which one is
 * shown with aria-current; aria-pressed (a toggle button's) is not allowed on links. A client
 * component: the `undefined` that removes it would not survive the trip from a server component.
 */
export function ListViewSwitch({ basePath, deleted, label }: { basePath: string; deleted: boolean; label: string }) {
  return (
    <ToggleButtonGroup size="small" value={deleted ? 'deleted' : 'current'} exclusive aria-label={label}>
      <ToggleButton value="current" component={Link} href={basePath} aria-current={deleted ? undefined : 'page'} aria-pressed={undefined}>
        Current
      </ToggleButton>
      <ToggleButton value="deleted" component={Link} href={`${basePath}?deleted=1`} aria-current={deleted ? 'page' : undefined} aria-pressed={undefined}>
        Deleted
      </ToggleButton>
    </ToggleButtonGroup>
  );
}
