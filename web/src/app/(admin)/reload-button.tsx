'use client';

import Button from '@mui/material/Button';

/**
 * Loads the page again as it is: the same address, so the user keeps their page and filters (a
 * link to the start page would lose them), and the admin layout asks the API again.
 */
export function ReloadButton({ children }: { children: string }) {
  return (
    <Button color="inherit" size="small" onClick={() => window.location.reload()}>
      {children}
    </Button>
  );
}
