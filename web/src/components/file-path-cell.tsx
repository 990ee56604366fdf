import Link from 'next/link';
import MuiLink from '@mui/material/Link';
import TableCell from '@mui/material/TableCell';

/** A table cell with a file version's path (monospace, wrapping anywhere), linking to the file's page. */
export function FilePathCell({ fileVersionId, path }: { fileVersionId: string; path: string }) {
  return (
    <TableCell sx={{ fontFamily: 'monospace', overflowWrap: 'anywhere' }}>
      <MuiLink component={Link} href={`/files/${fileVersionId}`}>
        {path}
      </MuiLink>
    </TableCell>
  );
}
