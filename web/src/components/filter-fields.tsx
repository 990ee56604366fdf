import type { ReactNode } from 'react';
import Link from 'next/link';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import TextField from '@mui/material/TextField';

/** A select of a list's filter form, its `<option>`s as children (native: keyboard friendly, no JS). */
export function NativeSelect({ name, label, value, children }: { name: string; label: string; value: string; children: ReactNode }) {
  return (
    <TextField select name={name} label={label} size="small" defaultValue={value} slotProps={{ select: { native: true }, inputLabel: { shrink: true } }}>
      {children}
    </TextField>
  );
}

/** The instrument picker of a list's filter form. */
export function InstrumentSelect({ instruments, value }: { instruments: ReadonlyArray<{ id: string; name: string }>; value: string }) {
  return (
    <NativeSelect name="instrumentId" label="Instrument" value={value}>
      <option value="">All instruments</option>
      {instruments.map((i) => (
        <option key={i.id} value={i.id}>
          {i.name}
        </option>
      ))}
    </NativeSelect>
  );
}

/** `from` and `to` date inputs of a list's filter form. */
export function DateRangeFields({ from, to, fromLabel, toLabel }: { from: string; to: string; fromLabel: string; toLabel: string }) {
  return (
    <>
      <TextField type="date" name="from" label={fromLabel} size="small" defaultValue={from} slotProps={{ inputLabel: { shrink: true } }} />
      <TextField type="date" name="to" label={toLabel} size="small" defaultValue={to} slotProps={{ inputLabel: { shrink: true } }} />
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
