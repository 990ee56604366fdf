'use client';

import { useState } from 'react';
import { useRouter } from 'next/navigation';
import type { ApiError } from '@sheaf/contracts';
import TextField from '@mui/material/TextField';

import { FormDialogButton } from '@/components/form-dialog';
import { fieldErrorProps } from '@/components/form-field-errors';
import { useApiAction } from '@/lib/use-api-action';

import { ACCESS_TEXT, type AccessKind } from './access-data';

const INLINE_FIELDS = ['name', 'description'];

interface NamedValues {
  name: string;
  description: string;
}

function NamedFields({ values, set, error }: { values: NamedValues; set: (patch: Partial<NamedValues>) => void; error: ApiError | null }) {
  return (
    <>
      <TextField
        label="Name"
        required
        autoFocus
        autoComplete="off"
        value={values.name}
        onChange={(e) => set({ name: e.target.value })}
        helperText="Unique; access hooks refer to it by name. No commas."
        {...fieldErrorProps(error, 'name', 'Name')}
      />
      <TextField
        label="Description"
        multiline
        minRows={2}
        value={values.description}
        onChange={(e) => set({ description: e.target.value })}
        helperText="Optional."
        {...fieldErrorProps(error, 'description', 'Description')}
      />
    </>
  );
}

/** "New group" / "New project": creates it and opens its page to add members. */
export function NewNamedButton({ kind }: { kind: AccessKind }) {
  const router = useRouter();
  const action = useApiAction();
  const [values, setValues] = useState<NamedValues>({ name: '', description: '' });
  const text = ACCESS_TEXT[kind];

  async function submit(): Promise<boolean> {
    const body = { name: values.name.trim(), description: values.description.trim() };
    const created = kind === 'group' ? await action.run('createGroup', { body }) : await action.run('createProject', { body });
    if (!created) return false;
    router.push(`${text.path}/${created.id}`);
    return true;
  }

  return (
    <FormDialogButton
      buttonLabel={`New ${text.singular}`}
      onOpen={() => {
        action.clearError();
        setValues({ name: '', description: '' });
      }}
      title={`New ${text.singular}`}
      submitLabel={`Create ${text.singular}`}
      pending={action.pending}
      error={action.error}
      inlineFields={INLINE_FIELDS}
      onSubmit={submit}
    >
      <NamedFields values={values} set={(patch) => setValues((v) => ({ ...v, ...patch }))} error={action.error} />
    </FormDialogButton>
  );
}

/** Renames a group or project, or changes its description. */
export function EditNamedButton({ kind, entity }: { kind: AccessKind; entity: { id: string; name: string; description: string } }) {
  const router = useRouter();
  const action = useApiAction();
  const [values, setValues] = useState<NamedValues>({ name: entity.name, description: entity.description });
  const text = ACCESS_TEXT[kind];

  async function submit(): Promise<boolean> {
    const name = values.name.trim();
    const description = values.description.trim();
    const body = { ...(name !== entity.name ? { name } : {}), ...(description !== entity.description ? { description } : {}) };
    if (Object.keys(body).length === 0) return true;
    const path = { id: entity.id };
    const updated = kind === 'group' ? await action.run('updateGroup', { path, body }) : await action.run('updateProject', { path, body });
    if (!updated) return false;
    router.refresh();
    return true;
  }

  return (
    <FormDialogButton
      buttonLabel="Rename"
      buttonProps={{ variant: 'outlined' }}
      onOpen={() => {
        action.clearError();
        setValues({ name: entity.name, description: entity.description });
      }}
      title={`Rename ${text.singular} ${entity.name}`}
      submitLabel="Save"
      pending={action.pending}
      error={action.error}
      inlineFields={INLINE_FIELDS}
      onSubmit={submit}
    >
      <NamedFields values={values} set={(patch) => setValues((v) => ({ ...v, ...patch }))} error={action.error} />
    </FormDialogButton>
  );
}
