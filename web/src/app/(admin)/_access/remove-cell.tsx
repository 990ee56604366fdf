'use client';

import Button from '@mui/material/Button';
import TableCell from '@mui/material/TableCell';

/** The last cell of a member or grant row: its removal, which asks first (useConfirmedRowAction). */
export function RemoveCell({ label, accessibleName, onClick }: { label: string; accessibleName: string; onClick: () => void }) {
  return (
    <TableCell align="right">
      <Button size="small" color="error" variant="outlined" aria-label={accessibleName} onClick={onClick}>
        {label}
      </Button>
    </TableCell>
  );
}
