'use client';

import { useState } from 'react';
import { useRouter } from 'next/navigation';
import Button from '@mui/material/Button';

export function LogoutButton() {
  const router = useRouter();
  const [pending, setPending] = useState(false);

  async function logout() {
    setPending(true);
    try {
      await fetch('/session', { method: 'DELETE' });
    } finally {
      // Even if the request failed the user asked to leave; the login page is the right place.
      router.replace('/login');
      router.refresh();
    }
  }

  return (
    <Button variant="outlined" size="small" onClick={() => void logout()} loading={pending}>
      Sign out
    </Button>
  );
}
