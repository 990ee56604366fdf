'use client';

import { useRef, useState, type FormEvent } from 'react';
import { useRouter } from 'next/navigation';
import Box from '@mui/material/Box';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';

import { ApiErrorAlert } from '@/components/api-error-alert';
import { useFieldErrors } from '@/components/form-field-errors';
import { FormButtons, SavedAlert } from '@/components/form-parts';
import { SecretField } from '@/components/secret-field';
import type { ServiceAccountDto } from '@/lib/api-types';
import { useApiAction } from '@/lib/use-api-action';

const INLINE_FIELDS = ['name', 'domain', 'username', 'password'];

/** Creates a service account, or edits one (`account` given): the password is write-only. */
export function ServiceAccountForm({ account }: { account?: ServiceAccountDto }) {
  const router = useRouter();
  const action = useApiAction();
  const [name, setName] = useState(account?.name ?? '');
  const [domain, setDomain] = useState(account?.domain ?? '');
  const [username, setUsername] = useState(account?.username ?? '');
  const [password, setPassword] = useState('');
  const [saved, setSaved] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const fieldProps = useFieldErrors(action.error, form);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSaved(false);
    const fields = { name: name.trim(), domain: domain.trim(), username: username.trim() };
    if (account) {
      const updated = await action.run('updateServiceAccount', { path: { id: account.id }, body: { ...fields, password: password === '' ? undefined : password } });
      if (!updated) return;
      setPassword('');
      setSaved(true);
      router.refresh();
    } else {
      await action.run('createServiceAccount', { body: { ...fields, password } }, { thenOpen: (created) => `/service-accounts/${created.id}?created=1` });
    }
  }

  return (
    <Paper variant="outlined" sx={{ p: { xs: 2, sm: 3 }, maxWidth: 720 }}>
      <Box component="form" ref={form} noValidate onSubmit={(event) => void submit(event)} aria-label={account ? 'Edit service account' : 'New service account'}>
        <Stack spacing={2.5}>
          <ApiErrorAlert error={action.error} inlineFields={INLINE_FIELDS} />
          {saved && <SavedAlert onClose={() => setSaved(false)} />}
          <TextField
            label="Name"
            value={name}
            onChange={(event) => setName(event.target.value)}
            helperText="How instruments refer to it, e.g. microscopes"
            autoFocus={!account}
            {...fieldProps('name', 'Name')}
          />
          <TextField
            label="Domain"
            value={domain}
            onChange={(event) => setDomain(event.target.value)}
            helperText="Optional: the Windows/AD domain, e.g. LAB; empty for WORKGROUP"
            slotProps={{ htmlInput: { spellCheck: false } }}
            {...fieldProps('domain', 'Domain')}
          />
          <TextField
            label="Username"
            value={username}
            onChange={(event) => setUsername(event.target.value)}
            helperText="The account Sheaf signs in to instrument shares with, e.g. svc-harvest"
            autoComplete="off"
            slotProps={{ htmlInput: { spellCheck: false } }}
            {...fieldProps('username', 'Username')}
          />
          <SecretField label="Password" value={password} onChange={setPassword} stored={account?.hasPassword} {...fieldProps('password', 'Password')} />
          <FormButtons submitLabel={account ? 'Save changes' : 'Create service account'} pending={action.pending} onCancel={account ? undefined : () => router.push('/service-accounts')} />
        </Stack>
      </Box>
    </Paper>
  );
}
