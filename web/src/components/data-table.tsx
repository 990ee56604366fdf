import type { ReactNode } from 'react';
import type { SxProps, Theme } from '@mui/material/styles';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';

/** A column heading: its text, or the text with its alignment (numbers right) and width. */
export type DataTableColumn = string | { label: string; align?: 'right'; width?: string };

/**
 * The portal's tables: small, in an outlined card, named for screen readers (`label`), with one
 * row of column headings. `false` in `columns` leaves a column out (e.g. actions the viewer may
 * not take); without `columns` the table has no heading row (rows carry their own row headers).
 */
export function DataTable({
  label,
  columns,
  minWidth,
  sx,
  children,
}: {
  label: string;
  columns?: ReadonlyArray<DataTableColumn | false>;
  /** On narrow screens (below `md`) the table keeps this width and the card scrolls sideways, instead of squeezing the columns. */
  minWidth?: number;
  /** Styles of the card, e.g. a margin, or `'& th'` rules for the headings. */
  sx?: SxProps<Theme>;
  /** The rows. */
  children: ReactNode;
}) {
  return (
    <TableContainer component={Paper} variant="outlined" sx={sx}>
      <Table size="small" aria-label={label} sx={minWidth ? { minWidth: { xs: minWidth, md: 0 } } : undefined}>
        {columns && (
          <TableHead>
            <TableRow>
              {columns.map((column) => {
                if (column === false) return null;
                const { label: text, align, width }: Exclude<DataTableColumn, string> = typeof column === 'string' ? { label: column } : column;
                return (
                  <TableCell key={text} align={align} sx={width ? { width } : undefined}>
                    {text}
                  </TableCell>
                );
              })}
            </TableRow>
          </TableHead>
        )}
        <TableBody>{children}</TableBody>
      </Table>
    </TableContainer>
  );
}
