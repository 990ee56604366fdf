import type { ReactNode } from 'react';
import Link from 'next/link';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import TextField from '@mui/material/TextField';

import type { InstrumentFilter } from '@/lib/instrument-filter';
import { instrumentChoices } from '@/lib/list-filters';

/** A select of a list's filter form, its `<option>`s as children (native: keyboard friendly, no JS). */
export function NativeSelect({ name, label, value, errorText, children }: { name: string; label: string; value: string; errorText?: string; children: ReactNode }) {
  return (
    <TextField
      select
      name={name}
      label={label}
      size="small"
      defaultValue={value}
      error={Boolean(errorText)}
      helperText={errorText}
      slotProps={{ select: { native: true }, inputLabel: { shrink: true } }}
    >
      {children}
    </TextField>
  );
}

/**
 * The instrument picker of a list's filter form; a chosen instrument that is not among the live
 * ones stays chosen (see instrumentChoices).
 */
export function InstrumentSelect({ filter, value, errorText }: { filter: InstrumentFilter; value: string; errorText?: string }) {
  return (
    <NativeSelect name="instrumentId" label="Instrument" value={value} errorText={errorText}>
      <option value="">All instruments</option>
      {instrumentChoices(filter.instruments, value, filter.chosen).map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </NativeSelect>
  );
}

/** `from` and `to` date inputs of a list's filter form, each with the API's refusal of it when there is one. */
export function DateRangeFields({
  from,
  to,
  fromLabel,
  toLabel,
  fromError,
  toError,
}: {
  from: string;
  to: string;
  fromLabel: string;
  toLabel: string;
  fromError?: string;
  toError?: string;
}) {
  return (
    <>
      <TextField
        type="date"
        name="from"
        label={fromLabel}
        size="small"
        defaultValue={from}
        error={Boolean(fromError)}
        helperText={fromError}
        slotProps={{ inputLabel: { shrink: true } }}
      />
      <TextField type="date" name="to" label={toLabel} size="small" defaultValue={to} error={Boolean(toError)} helperText={toError} slotProps={{ inputLabel: { shrink: true } }} />
    </>
  );
}

/** Submit, and a Clear link back to the unfiltered list while a filter is set. */
export function FilterActions({ submitLabel, clearHref, filtered }: { submitLabel: string; clearHref: string; filtered: boolean }) {
  return (
    <Box sx={{ display: 'flex', gap: 1 }}>
      <Button type="submit" variant="outlined">
        {submitLabel}
      </Button>
      {filtered && (
        <Button component={Link} href={clearHref}>
          Clear
        </Button>
      )}
    </Box>
  );
}
