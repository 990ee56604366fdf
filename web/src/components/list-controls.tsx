import type { ReactNode } from 'react';
import Link from 'next/link';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import TextField from '@mui/material/TextField';

import { formatDateTime } from '@/lib/format';

import { KeyedBySearch } from './keyed-by-search';

/** A list page's header button to the resource's creation form. */
export function NewResourceLink({ href, children }: { href: string; children: ReactNode }) {
  return (
    <Button component={Link} href={href} variant="contained">
      {children}
    </Button>
  );
}

/** The row above a list's table: its search or filter form, then e.g. the current/deleted switch. */
export function ListToolbar({ children }: { children: ReactNode }) {
  return <Box sx={{ display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: 2, mb: 2 }}>{children}</Box>;
}

/** A list's filter form (GET to `action`); keeps the deleted view (`?deleted=1`) when submitted. */
export function ListFilterForm({
  action,
  label,
  deleted = false,
  columns,
  children,
}: {
  action: string;
  /** The search landmark's name; without one the form is the page's only search. */
  label?: string;
  /** Whether the list shows its deleted rows; lists without a deleted view leave it out. */
  deleted?: boolean;
  /**
   * CSS grid columns from `md` up, one per field plus `auto` for the buttons, or per breakpoint
   * for forms that wrap onto several rows (`{ sm: '1fr 1fr', md: 'repeat(3, 1fr)' }`); without
   * them fields sit in a row. One column below that.
   */
  columns?: string | { sm?: string; md: string };
  children: ReactNode;
}) {
  return (
    <Box
      component="form"
      action={action}
      role="search"
      aria-label={label}
      sx={
        columns
          ? { display: 'grid', gap: 1.5, flexGrow: 1, gridTemplateColumns: { xs: '1fr', ...(typeof columns === 'string' ? { md: columns } : columns) }, alignItems: 'center' }
          : { display: 'flex', gap: 1, flexGrow: 1, maxWidth: 480 }
      }
    >
      {deleted && <input type="hidden" name="deleted" value="1" />}
      <KeyedBySearch>{children}</KeyedBySearch>
    </Box>
  );
}

/** The one-field search of a short list: `?q=` and a Search button. */
export function NameSearchForm({ action, label, q, deleted }: { action: string; label: string; q: string; deleted: boolean }) {
  return (
    <ListFilterForm action={action} deleted={deleted}>
      <TextField name="q" label={label} size="small" defaultValue={q} />
      <Button type="submit" variant="outlined">
        Search
      </Button>
    </ListFilterForm>
  );
}

/** A deleted row's date with its restore button, in the deleted view of a list. */
export function DeletedCellContent({ deletedAt, restore }: { deletedAt: string | null; restore?: ReactNode }) {
  return (
    <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, flexWrap: 'wrap' }}>
      <span>{formatDateTime(deletedAt)}</span>
      {restore}
    </Box>
  );
}
