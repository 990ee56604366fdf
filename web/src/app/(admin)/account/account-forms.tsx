'use client';

import { useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useRouter } from 'next/navigation';
import { PASSWORD_MIN, type ApiError } from '@sheaf/contracts';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';

import { ApiErrorAlert } from '@/components/api-error-alert';
import { useFocusOnFieldError } from '@/components/form-field-errors';
import { fieldErrorProps } from '@/lib/field-messages';
import { markSessionEnded } from '@/lib/session-state';
import { useApiAction } from '@/lib/use-api-action';

import { passwordChangeProblem } from './account-data';

function FormCard({ label, error, inlineFields, saved, onDismissSaved, onSubmit, hidden, children }: {
  label: string;
  /** Hidden inputs, outside the visible layout. */
  hidden?: ReactNode;
  error: ApiError | null;
  inlineFields: readonly string[];
  saved: string | null;
  onDismissSaved: () => void;
  onSubmit: () => void;
  children: ReactNode;
}) {
  const form = useRef<HTMLFormElement>(null);
  useFocusOnFieldError(error, form);
  return (
    <Paper variant="outlined" sx={{ p: { xs: 2, sm: 3 }, maxWidth: 560 }}>
      <Box
        component="form"
        ref={form}
        noValidate
        aria-label={label}
        onSubmit={(event: FormEvent<HTMLFormElement>) => {
          event.preventDefault();
          onSubmit();
        }}
      >
        {hidden}
        <Stack spacing={2.5}>
          <ApiErrorAlert error={error} inlineFields={inlineFields} />
          {saved && (
            <Alert severity="success" role="status" onClose={onDismissSaved}>
              {saved}
            </Alert>
          )}
          {children}
        </Stack>
      </Box>
    </Paper>
  );
}

/** The signed-in user's display name; the top bar shows the new one after saving. */
export function ProfileForm({ displayName }: { displayName: string }) {
  const router = useRouter();
  const action = useApiAction();
  const [name, setName] = useState(displayName);
  const [saved, setSaved] = useState<string | null>(null);

  async function submit() {
    setSaved(null);
    const updated = await action.run('updateCurrentUser', { body: { displayName: name.trim() } });
    if (!updated) return;
    setName(updated.displayName);
    setSaved('Display name saved.');
    router.refresh();
  }

  return (
    <FormCard label="Profile" error={action.error} inlineFields={['displayName']} saved={saved} onDismissSaved={() => setSaved(null)} onSubmit={() => void submit()}>
      <TextField
        label="Display name"
        required
        autoComplete="name"
        value={name}
        onChange={(e) => setName(e.target.value)}
        helperText="How Sheaf shows you to others, e.g. in the audit log."
        {...fieldErrorProps(action.error, 'displayName', 'Display name')}
      />
      <Box>
        <Button type="submit" variant="contained" loading={action.pending} disabled={name.trim() === displayName}>
          Save name
        </Button>
      </Box>
    </FormCard>
  );
}

/** Changes one's own password; the current one proves it is really you. */
export function PasswordForm({ email }: { email: string }) {
  const action = useApiAction();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [problem, setProblem] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [signingIn, setSigningIn] = useState(false);
  const error = problem ?? action.error;

  async function submit() {
    if (action.pending || signingIn) return;
    setSaved(null);
    const local = passwordChangeProblem(current, next, confirm);
    setProblem(local);
    if (local) return;
    const newPassword = next;
    const updated = await action.run('updateCurrentUser', { body: { currentPassword: current, newPassword } });
    if (!updated) return;
    // The old password is wrong from now on: keep none of it in the fields for a second click.
    setCurrent('');
    setNext('');
    setConfirm('');
    // A password change ends every session, this one too: sign in again with the new password,
    // the button busy until then.
    setSigningIn(true);
    const signedIn = await fetch('/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: newPassword }),
    }).then(
      (response) => response.ok,
      () => false,
    );
    setSigningIn(false);
    if (!signedIn) markSessionEnded();
    setSaved(
      signedIn
        ? 'Password changed. Your other sessions have ended; use the new password the next time you sign in.'
        : 'Password changed, and every session has ended: sign in again with the new password.',
    );
  }

  return (
    <FormCard
      label="Change password"
      error={error}
      inlineFields={['currentPassword', 'newPassword', 'confirmPassword']}
      saved={saved}
      onDismissSaved={() => setSaved(null)}
      onSubmit={() => void submit()}
      // Lets password managers pair the new password with the account.
      hidden={<input type="text" name="username" autoComplete="username" value={email} readOnly hidden />}
    >
      <TextField
        label="Current password"
        type="password"
        required
        autoComplete="current-password"
        value={current}
        onChange={(e) => setCurrent(e.target.value)}
        {...fieldErrorProps(error, 'currentPassword', 'Current password')}
      />
      <TextField
        label="New password"
        type="password"
        required
        autoComplete="new-password"
        value={next}
        onChange={(e) => setNext(e.target.value)}
        helperText={`At least ${PASSWORD_MIN} characters.`}
        {...fieldErrorProps(error, 'newPassword', 'New password')}
      />
      <TextField
        label="New password again"
        type="password"
        required
        autoComplete="new-password"
        value={confirm}
        onChange={(e) => setConfirm(e.target.value)}
        {...fieldErrorProps(error, 'confirmPassword', 'New password again')}
      />
      <Box>
        <Button type="submit" variant="contained" loading={action.pending || signingIn}>
          Change password
        </Button>
      </Box>
    </FormCard>
  );
}
