import Link from 'next/link';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import TextField from '@mui/material/TextField';

/** The instrument picker of a list's filter form (a native select: keyboard friendly, no JS). */
export function InstrumentSelect({ instruments, value }: { instruments: ReadonlyArray<{ id: string; name: string }>; value: string }) {
  return (
    <TextField select name="instrumentId" label="Instrument" size="small" defaultValue={value} slotProps={{ select: { native: true }, inputLabel: { shrink: true } }}>
      <option value="">All instruments</option>
      {instruments.map((i) => (
        <option key={i.id} value={i.id}>
          {i.name}
        </option>
      ))}
    </TextField>
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
