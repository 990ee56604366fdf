import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Box from '@mui/material/Box';

import { ReloadButton } from './reload-button';

/** Shown instead of the admin area when the API does not answer; a reload retries. */
export function ApiUnavailable() {
  return (
    <Box component="main" sx={{ minHeight: '100dvh', display: 'grid', placeItems: 'center', px: 2 }}>
      <Alert severity="error" sx={{ maxWidth: 480 }} action={<ReloadButton>Retry</ReloadButton>}>
        <AlertTitle>The Sheaf API cannot be reached</AlertTitle>
        The portal could not contact the API. Please try again in a moment.
      </Alert>
    </Box>
  );
}
