import Chip, { type ChipProps } from '@mui/material/Chip';

const COLORS: Record<string, ChipProps['color']> = {
  succeeded: 'success',
  verified: 'success',
  running: 'info',
  pending: 'default',
  failed: 'error',
  mismatch: 'error',
  cancelled: 'warning',
  held: 'warning',
  deferred: 'default',
  skipped: 'default',
};

/** A run, file or transfer status; the text carries the meaning, the colour only helps. */
export function StatusChip({ status }: { status: string }) {
  return <Chip size="small" label={status} color={COLORS[status] ?? 'default'} variant="outlined" />;
}
