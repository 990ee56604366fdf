'use client';

import { useState } from 'react';
import { useRouter } from 'next/navigation';
import Button from '@mui/material/Button';
import TextField from '@mui/material/TextField';

import { FormDialog } from '@/components/form-dialog';
import { messageForLabel } from '@/components/form-field-errors';
import { useApiAction } from '@/lib/use-api-action';

import { ACCESS_TEXT, type AccessKind } from './access-data';

const INLINE_FIELDS = ['name', 'description'];

interface NamedValues {
  name: string;
  description: string;
}

function labelled(fieldError: (field: string) => string | undefined, field: string, label: string): string | undefined {
  const message = fieldError(field);
  return message === undefined ? undefined : messageForLabel(message, field, label);
}

function NamedFields({ values, set, fieldError }: { values: NamedValues; set: (patch: Partial<NamedValues>) => void; fieldError: (field: string) => string | undefined }) {
  return (
    <>
      <TextField
        name="name"
        label="Name"
        required
        autoFocus
        autoComplete="off"
        value={values.name}
        onChange={(e) => set({ name: e.target.value })}
        error={Boolean(fieldError('name'))}
        helperText={labelled(fieldError, 'name', 'Name') ?? 'Unique; access hooks refer to it by name. No commas.'}
      />
      <TextField
        name="description"
        label="Description"
        multiline
        minRows={2}
        value={values.description}
        onChange={(e) => set({ description: e.target.value })}
        error={Boolean(fieldError('description'))}
        helperText={labelled(fieldError, 'description', 'Description') ?? 'Optional.'}
      />
    </>
  );
}

/** "New group" / "New project": creates it and opens its page to add members. */
export function NewNamedButton({ kind }: { kind: AccessKind }) {
  const router = useRouter();
  const action = useApiAction();
  const [open, setOpen] = useState(false);
  const [values, setValues] = useState<NamedValues>({ name: '', description: '' });
  const text = ACCESS_TEXT[kind];

  async function submit() {
    const body = { name: values.name.trim(), description: values.description.trim() };
    const created = kind === 'group' ? await action.run('createGroup', { body }) : await action.run('createProject', { body });
    if (!created) return;
    setOpen(false);
    router.push(`${text.path}/${created.id}`);
  }

  return (
    <>
      <Button
        variant="contained"
        onClick={() => {
          action.clearError();
          setValues({ name: '', description: '' });
          setOpen(true);
        }}
      >
        New {text.singular}
      </Button>
      <FormDialog
        open={open}
        title={`New ${text.singular}`}
        submitLabel={`Create ${text.singular}`}
        pending={action.pending}
        error={action.error}
        inlineFields={INLINE_FIELDS}
        onSubmit={() => void submit()}
        onClose={() => setOpen(false)}
      >
        <NamedFields values={values} set={(patch) => setValues((v) => ({ ...v, ...patch }))} fieldError={action.fieldError} />
      </FormDialog>
    </>
  );
}

/** Renames a group or project, or changes its description. */
export function EditNamedButton({ kind, entity }: { kind: AccessKind; entity: { id: string; name: string; description: string } }) {
  const router = useRouter();
  const action = useApiAction();
  const [open, setOpen] = useState(false);
  const [values, setValues] = useState<NamedValues>({ name: entity.name, description: entity.description });
  const text = ACCESS_TEXT[kind];

  async function submit() {
    const name = values.name.trim();
    const description = values.description.trim();
    const body = { ...(name !== entity.name ? { name } : {}), ...(description !== entity.description ? { description } : {}) };
    if (Object.keys(body).length === 0) {
      setOpen(false);
      return;
    }
    const path = { id: entity.id };
    const updated = kind === 'group' ? await action.run('updateGroup', { path, body }) : await action.run('updateProject', { path, body });
    if (!updated) return;
    setOpen(false);
    router.refresh();
  }

  return (
    <>
      <Button
        variant="outlined"
        onClick={() => {
          action.clearError();
          setValues({ name: entity.name, description: entity.description });
          setOpen(true);
        }}
      >
        Rename
      </Button>
      <FormDialog
        open={open}
        title={`Rename ${text.singular} ${entity.name}`}
        submitLabel="Save"
        pending={action.pending}
        error={action.error}
        inlineFields={INLINE_FIELDS}
        onSubmit={() => void submit()}
        onClose={() => setOpen(false)}
      >
        <NamedFields values={values} set={(patch) => setValues((v) => ({ ...v, ...patch }))} fieldError={action.fieldError} />
      </FormDialog>
    </>
  );
}
