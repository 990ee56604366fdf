import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';

export function EmptyState({ message }: { message: string }) {
  return (
    <Paper variant="outlined" sx={{ p: 3, textAlign: 'center' }}>
      <Typography color="text.secondary">{message}</Typography>
    </Paper>
  );
}
