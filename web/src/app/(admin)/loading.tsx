import Box from '@mui/material/Box';
import Skeleton from '@mui/material/Skeleton';

/** Loading state of every admin page. */
export default function AdminLoading() {
  return (
    <Box aria-busy="true" aria-label="Loading">
      <Skeleton variant="text" sx={{ fontSize: '2.125rem', width: 240 }} />
      <Skeleton variant="rounded" height={120} sx={{ mt: 3 }} />
      <Skeleton variant="rounded" height={240} sx={{ mt: 3 }} />
    </Box>
  );
}
