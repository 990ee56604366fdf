import Box from '@mui/material/Box';
import LinearProgress from '@mui/material/LinearProgress';
import Typography from '@mui/material/Typography';

import { percent } from '@/lib/format';

/** A labelled progress bar: "label  done / total (n %)". */
export function ProgressLine({ label, done, total, text }: { label: string; done: number; total: number; text: string }) {
  const value = percent(done, total);
  return (
    <Box sx={{ mb: 1 }}>
      <Box sx={{ display: 'flex', justifyContent: 'space-between', gap: 2 }}>
        <Typography variant="body2">{label}</Typography>
        <Typography variant="body2" color="text.secondary">
          {text} ({value} %)
        </Typography>
      </Box>
      <LinearProgress variant="determinate" value={value} aria-label={`${label}: ${value} %`} sx={{ height: 8, borderRadius: 1 }} />
    </Box>
  );
}
