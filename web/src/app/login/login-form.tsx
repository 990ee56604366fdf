'use client';

import { useRef, useState, type FormEvent } from 'react';
import { useRouter } from 'next/navigation';
import type { ApiError } from '@sheaf/contracts';
import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';

import { API_UNREACHABLE_MESSAGE } from '@/lib/messages';

type Field = 'email' | 'password';


function messageFor(error: ApiError): string {
  if (error.statusCode === 401) return 'Wrong email or password.';
  if (error.statusCode === 429) return 'Too many sign-in attempts. Wait a moment and try again.';
  return error.message || 'Signing in failed. Please try again.';
}

/** `next`: the page to go back to once signed in (a path of this portal, checked by the page). */
export function LoginForm({ sessionExpired, next }: { sessionExpired: boolean; next?: string }) {
  const router = useRouter();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [pending, setPending] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<Field, string>>>({});
  const inputs = { email: useRef<HTMLInputElement>(null), password: useRef<HTMLInputElement>(null) };

  /** Keyboard users land back where they can fix the problem. */
  function focusLater(field: Field) {
    requestAnimationFrame(() => inputs[field].current?.focus());
  }

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending) return;
    setFormError(null);

    const missing: Partial<Record<Field, string>> = {};
    if (email.trim() === '') missing.email = 'Enter your email address.';
    if (password === '') missing.password = 'Enter your password.';
    setFieldErrors(missing);
    if (missing.email || missing.password) {
      focusLater(missing.email ? 'email' : 'password');
      return;
    }

    setPending(true);
    try {
      let response: Response;
      try {
        response = await fetch('/session', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: email.trim(), password }),
        });
      } catch {
        setFormError(API_UNREACHABLE_MESSAGE);
        focusLater('password');
        return;
      }

      if (response.ok) {
        router.replace(next ?? '/');
        router.refresh();
        return;
      }

      const error = (await response.json().catch(() => null)) as ApiError | null;
      if (!error) {
        setFormError(response.status >= 500 ? API_UNREACHABLE_MESSAGE : 'Signing in failed. Please try again.');
        focusLater('password');
      } else if (error.field === 'email' || error.field === 'password') {
        setFieldErrors({ [error.field]: error.message });
        focusLater(error.field);
      } else {
        if (error.statusCode === 401) setPassword('');
        setFormError(messageFor(error));
        focusLater('password');
      }
    } finally {
      setPending(false);
    }
  }

  return (
    <Stack component="form" noValidate onSubmit={(event) => void handleSubmit(event)} spacing={2.5} aria-busy={pending}>
      {sessionExpired && !formError && (
        <Alert severity="info">Your session has expired, please sign in again.</Alert>
      )}
      {formError && (
        <Alert severity="error" role="alert">
          {formError}
        </Alert>
      )}
      <TextField
        id="email"
        name="email"
        label="Email"
        type="email"
        autoComplete="username"
        autoFocus
        required
        inputRef={inputs.email}
        value={email}
        onChange={(e) => setEmail(e.target.value)}
        error={Boolean(fieldErrors.email)}
        helperText={fieldErrors.email}
      />
      <TextField
        id="password"
        name="password"
        label="Password"
        type="password"
        autoComplete="current-password"
        required
        inputRef={inputs.password}
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        error={Boolean(fieldErrors.password)}
        helperText={fieldErrors.password}
      />
      <Button type="submit" variant="contained" size="large" loading={pending} fullWidth>
        Sign in
      </Button>
    </Stack>
  );
}
