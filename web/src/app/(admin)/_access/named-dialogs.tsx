'use client';

import { useState } from 'react';
import { useRouter } from 'next/navigation';
import type { ApiError } from '@sheaf/contracts';
import FormControl from '@mui/material/FormControl';
import FormControlLabel from '@mui/material/FormControlLabel';
import FormLabel from '@mui/material/FormLabel';
import Radio from '@mui/material/Radio';
import RadioGroup from '@mui/material/RadioGroup';
import TextField from '@mui/material/TextField';

import { FormDialogButton } from '@/components/form-dialog';
import { fieldErrorProps } from '@/lib/field-messages';
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
  const action = useApiAction();
  const [values, setValues] = useState<NamedValues>({ name: '', description: '' });
  const text = ACCESS_TEXT[kind];

  /**
   * Never closes the dialog itself: on success the action stays pending (thenOpen) and the form
   * disabled until the new page replaces this one, so it cannot be sent twice meanwhile.
   */
  async function submit(): Promise<boolean> {
    const body = { name: values.name.trim(), description: values.description.trim() };
    const thenOpen = (created: { id: string }) => `${text.path}/${created.id}`;
    if (kind === 'group') await action.run('createGroup', { body }, { thenOpen });
    else await action.run('createProject', { body }, { thenOpen });
    return false;
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

type GrantsByName = 'rename' | 'keep';

/**
 * Asked once the API refuses a rename because access is granted by the old name (its message,
 * above the form, says where): what becomes of those grants.
 */
function GrantsByNameChoice({ oldName, value, onChange }: { oldName: string; value: GrantsByName | undefined; onChange: (value: GrantsByName) => void }) {
  return (
    <FormControl>
      <FormLabel id="grants-by-name">Access granted by the name {oldName}</FormLabel>
      <RadioGroup aria-labelledby="grants-by-name" name="grantsByName" value={value ?? ''} onChange={(e) => onChange(e.target.value as GrantsByName)}>
        <FormControlLabel value="rename" control={<Radio />} label="Rename it there too: the members keep that access" />
        <FormControlLabel value="keep" control={<Radio />} label={`Leave ${oldName} there: the members lose that access`} />
      </RadioGroup>
    </FormControl>
  );
}

/** Renames a group or project, or changes its description. */
export function EditNamedButton({ kind, entity }: { kind: AccessKind; entity: { id: string; name: string; description: string } }) {
  const router = useRouter();
  const action = useApiAction();
  const [values, setValues] = useState<NamedValues>({ name: entity.name, description: entity.description });
  const [grantsByName, setGrantsByName] = useState<GrantsByName | undefined>();
  const askGrants = grantsByName !== undefined || action.error?.code === 'granted_by_name';
  const text = ACCESS_TEXT[kind];

  async function submit(): Promise<boolean> {
    const name = values.name.trim();
    const description = values.description.trim();
    const renamed = name !== entity.name;
    const body = { ...(renamed ? { name, ...(grantsByName ? { grantsByName } : {}) } : {}), ...(description !== entity.description ? { description } : {}) };
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
        setGrantsByName(undefined);
      }}
      title={`Rename ${text.singular} ${entity.name}`}
      submitLabel="Save"
      pending={action.pending}
      error={action.error}
      inlineFields={INLINE_FIELDS}
      onSubmit={submit}
    >
      <NamedFields values={values} set={(patch) => setValues((v) => ({ ...v, ...patch }))} error={action.error} />
      {askGrants && <GrantsByNameChoice oldName={entity.name} value={grantsByName} onChange={setGrantsByName} />}
    </FormDialogButton>
  );
}
