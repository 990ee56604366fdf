'use client';

import { useState } from 'react';
import { useRouter } from 'next/navigation';
import type { ApiError } from '@sheaf/contracts';
import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import FormControl from '@mui/material/FormControl';
import FormControlLabel from '@mui/material/FormControlLabel';
import FormHelperText from '@mui/material/FormHelperText';
import FormLabel from '@mui/material/FormLabel';
import Radio from '@mui/material/Radio';
import RadioGroup from '@mui/material/RadioGroup';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';

import { CopyButton } from '@/components/copy-button';
import { FormDialogButton } from '@/components/form-dialog';
import type { CreatedApiTokenDto } from '@/lib/api-types';
import { fieldErrorProps, fieldMessage } from '@/lib/field-messages';
import { formatDateTime } from '@/lib/format';
import { useApiAction } from '@/lib/use-api-action';

import {
  createTokenBody,
  emptyTokenForm,
  MAX_EXPIRY_DAYS,
  SCOPE_HELP,
  SCOPE_LABELS,
  SCOPES,
  tokenFormProblem,
  type TokenFormValues,
  type TokenScope,
} from './tokens-data';

const INLINE_FIELDS = ['name', 'scope', 'expiresInDays'];

/** The token, once: after "Done" nobody (not even an admin) can see it again. */
function ShowTokenDialog({ created, onDone }: { created: CreatedApiTokenDto; onDone: () => void }) {
  return (
    <Dialog
      open
      fullWidth
      maxWidth="sm"
      aria-labelledby="new-token-title"
      // Only "Done" closes it: a stray click outside or Escape must not lose the token.
      onClose={() => undefined}
    >
      <DialogTitle id="new-token-title">Token “{created.name}” created</DialogTitle>
      <DialogContent>
        <Alert severity="warning" sx={{ mb: 2 }}>
          <AlertTitle>Copy it now: it is shown only once</AlertTitle>
          Sheaf keeps only a hash of it. If you lose it, revoke it and create another.
        </Alert>
        <TextField
          label="API token"
          value={created.token}
          slotProps={{ htmlInput: { readOnly: true, spellCheck: false, sx: { fontFamily: 'monospace' } } }}
          onFocus={(event) => event.target.select()}
          autoFocus
        />
        <Box sx={{ display: 'flex', gap: 2, alignItems: 'center', mt: 1.5, flexWrap: 'wrap' }}>
          <CopyButton value={created.token} label="Copy token" variant="contained" />
          <Typography variant="body2" color="text.secondary">
            {SCOPE_LABELS[created.scope]} scope · {created.expiresAt ? `expires ${formatDateTime(created.expiresAt)}` : 'never expires'}
          </Typography>
        </Box>
        <Typography variant="body2" sx={{ mt: 2 }}>
          Send it with each request as{' '}
          <Box component="code" sx={{ fontFamily: 'monospace', bgcolor: 'action.hover', px: 0.5, borderRadius: 0.5 }}>
            Authorization: Bearer &lt;token&gt;
          </Box>
          .
        </Typography>
      </DialogContent>
      <DialogActions sx={{ px: 3, pb: 2 }}>
        <Button variant="outlined" onClick={onDone}>
          Done, I have copied it
        </Button>
      </DialogActions>
    </Dialog>
  );
}

export function NewTokenButton() {
  const router = useRouter();
  const action = useApiAction();
  const [form, setForm] = useState<TokenFormValues>(emptyTokenForm);
  const [problem, setProblem] = useState<ApiError | null>(null);
  const [created, setCreated] = useState<CreatedApiTokenDto | null>(null);
  const error = problem ?? action.error;
  const scopeError = fieldMessage(error, 'scope', 'Scope');
  const set = (patch: Partial<TokenFormValues>) => setForm((f) => ({ ...f, ...patch }));

  async function submit(): Promise<boolean> {
    const local = tokenFormProblem(form);
    setProblem(local);
    if (local) return false;
    const token = await action.run('createApiToken', { body: createTokenBody(form) });
    if (!token) return false;
    setCreated(token);
    router.refresh();
    return true;
  }

  return (
    <>
      <FormDialogButton
        buttonLabel="New token"
        onOpen={() => {
          action.clearError();
          setProblem(null);
          setForm(emptyTokenForm());
        }}
        title="New API token"
        submitLabel="Create token"
        pending={action.pending}
        error={error}
        inlineFields={INLINE_FIELDS}
        onSubmit={submit}
      >
        <TextField
          label="Name"
          required
          autoFocus
          autoComplete="off"
          value={form.name}
          onChange={(e) => set({ name: e.target.value })}
          helperText="What uses it, e.g. “LIMS integration”."
          {...fieldErrorProps(error, 'name', 'Name')}
        />
        <FormControl error={Boolean(scopeError)}>
          <FormLabel id="token-scope-label">Scope</FormLabel>
          <RadioGroup aria-labelledby="token-scope-label" name="scope" value={form.scope} onChange={(e) => set({ scope: e.target.value as TokenScope })}>
            {SCOPES.map((scope) => (
              <FormControlLabel
                key={scope}
                value={scope}
                control={<Radio />}
                label={
                  <span>
                    <strong>{SCOPE_LABELS[scope]}</strong> — {SCOPE_HELP[scope]}
                  </span>
                }
              />
            ))}
          </RadioGroup>
          {scopeError && <FormHelperText>{scopeError}</FormHelperText>}
        </FormControl>
        <TextField
          label="Expires after (days)"
          // Text, not a number input: browsers give a number input with "30 days" in it the value
          // "", which would mean a token that never expires; as text it is refused with a reason.
          value={form.expiresInDays}
          onChange={(e) => set({ expiresInDays: e.target.value })}
          slotProps={{ htmlInput: { inputMode: 'numeric' } }}
          helperText={`1 to ${MAX_EXPIRY_DAYS} days. Leave empty for a token that never expires.`}
          {...fieldErrorProps(error, 'expiresInDays', 'Expiry')}
        />
        <Typography variant="body2" color="text.secondary">
          A token acts as you, with your access, within its scope. It stops working when it expires, when you revoke it, or when your account is disabled.
        </Typography>
      </FormDialogButton>
      {created && (
        <ShowTokenDialog
          created={created}
          onDone={() => setCreated(null)}
        />
      )}
    </>
  );
}
