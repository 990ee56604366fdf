'use client';

import { useState } from 'react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { PASSWORD_MIN, type ApiError } from '@sheaf/contracts';
import FormControlLabel from '@mui/material/FormControlLabel';
import FormHelperText from '@mui/material/FormHelperText';
import MuiLink from '@mui/material/Link';
import Switch from '@mui/material/Switch';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';

import { FormDialogButton } from '@/components/form-dialog';
import type { UserDto } from '@/lib/api-types';
import { fieldErrorProps, fieldMessage } from '@/lib/field-messages';
import { useApiAction } from '@/lib/use-api-action';

import {
  createUserBody,
  emptyUserForm,
  ROLE_HELP,
  ROLE_LABELS,
  ROLES,
  userChanges,
  userFormFrom,
  type Role,
  type UserFormValues,
} from './users-data';

const INLINE_FIELDS = ['email', 'displayName', 'role', 'password', 'disabled'];

/** The fields shared by "new user" and "edit user"; inputs are named after the API's fields. */
function UserFields({
  form,
  set,
  error,
  editing,
  self,
}: {
  form: UserFormValues;
  set: (patch: Partial<UserFormValues>) => void;
  error: ApiError | null;
  editing: boolean;
  self: boolean;
}) {
  return (
    <>
      <TextField
        label="Email"
        type="email"
        required
        autoComplete="off"
        autoFocus
        value={form.email}
        onChange={(e) => set({ email: e.target.value })}
        slotProps={{ htmlInput: { spellCheck: false } }}
        helperText="Used to sign in."
        {...fieldErrorProps(error, 'email', 'Email')}
      />
      <TextField
        label="Display name"
        required
        autoComplete="off"
        value={form.displayName}
        onChange={(e) => set({ displayName: e.target.value })}
        {...fieldErrorProps(error, 'displayName', 'Display name')}
      />
      <TextField
        select
        label="Role"
        value={form.role}
        disabled={self}
        onChange={(e) => set({ role: e.target.value as Role })}
        slotProps={{ select: { native: true }, inputLabel: { shrink: true } }}
        helperText={self ? 'You cannot change your own role; another admin can.' : ROLE_HELP[form.role]}
        {...fieldErrorProps(error, 'role', 'Role')}
      >
        {ROLES.map((role) => (
          <option key={role} value={role}>
            {ROLE_LABELS[role]}
          </option>
        ))}
      </TextField>
      {editing && (
        <div>
          <FormControlLabel
            control={<Switch name="disabled" checked={form.enabled} disabled={self} onChange={(e) => set({ enabled: e.target.checked })} />}
            label="Enabled"
          />
          <FormHelperText error={Boolean(fieldMessage(error, 'disabled'))} sx={{ mt: 0 }}>
            {fieldMessage(error, 'disabled') ??
              (self
                ? 'You cannot disable your own account.'
                : 'A disabled user cannot sign in. Disabling ends their sessions and revokes their API tokens for good: enabling them again brings back neither.')}
          </FormHelperText>
        </div>
      )}
      {editing && self ? (
        // The API refuses one's own password here (403 own_password): the account page asks for the current one.
        <Typography variant="body2" color="text.secondary">
          To change your own password, use{' '}
          <MuiLink component={Link} href="/account">
            your account
          </MuiLink>
          .
        </Typography>
      ) : (
        <TextField
          label={editing ? 'New password' : 'Initial password'}
          type="password"
          required={!editing}
          autoComplete="new-password"
          value={form.password}
          onChange={(e) => set({ password: e.target.value })}
          slotProps={{ htmlInput: { spellCheck: false } }}
          helperText={
            editing
              ? `Leave empty to keep the current password. At least ${PASSWORD_MIN} characters. A new one ends their sessions; their API tokens keep working.`
              : `At least ${PASSWORD_MIN} characters. Give it to the user; they can change it under Account.`
          }
          {...fieldErrorProps(error, 'password', editing ? 'New password' : 'Initial password')}
        />
      )}
    </>
  );
}

export function NewUserButton() {
  const router = useRouter();
  const action = useApiAction();
  const [form, setForm] = useState<UserFormValues>(emptyUserForm);

  async function submit(): Promise<boolean> {
    const created = await action.run('createUser', { body: createUserBody(form) });
    if (!created) return false;
    router.refresh();
    return true;
  }

  return (
    <FormDialogButton
      buttonLabel="New user"
      onOpen={() => {
        action.clearError();
        setForm(emptyUserForm());
      }}
      title="New user"
      submitLabel="Create user"
      pending={action.pending}
      error={action.error}
      inlineFields={INLINE_FIELDS}
      onSubmit={submit}
    >
      <UserFields form={form} set={(patch) => setForm((f) => ({ ...f, ...patch }))} error={action.error} editing={false} self={false} />
    </FormDialogButton>
  );
}

/** Edits a user; on one's own row the role and the enabled switch are locked and the password left to the account page (the API refuses them too). */
export function EditUserButton({ user, self }: { user: UserDto; self: boolean }) {
  const router = useRouter();
  const action = useApiAction();
  const [form, setForm] = useState<UserFormValues>(() => userFormFrom(user));

  async function submit(): Promise<boolean> {
    const changes = userChanges(user, form);
    if (Object.keys(changes).length === 0) return true;
    const updated = await action.run('updateUser', { path: { id: user.id }, body: changes });
    if (!updated) return false;
    router.refresh();
    return true;
  }

  return (
    <FormDialogButton
      buttonLabel="Edit"
      buttonProps={{ size: 'small', variant: 'outlined', 'aria-label': `Edit ${user.displayName}` }}
      onOpen={() => {
        action.clearError();
        setForm(userFormFrom(user));
      }}
      title={`Edit ${user.displayName}`}
      submitLabel="Save"
      pending={action.pending}
      error={action.error}
      inlineFields={INLINE_FIELDS}
      onSubmit={submit}
    >
      <UserFields form={form} set={(patch) => setForm((f) => ({ ...f, ...patch }))} error={action.error} editing self={self} />
    </FormDialogButton>
  );
}
