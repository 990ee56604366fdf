'use client';

import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { useRouter } from 'next/navigation';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Divider from '@mui/material/Divider';
import FormControlLabel from '@mui/material/FormControlLabel';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Switch from '@mui/material/Switch';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';

import { FormButtons, SavedAlert } from '@/components/form-parts';
import { SecretField } from '@/components/secret-field';
import type { HookDto, HookKindDto } from '@/lib/api-types';
import { fieldMessage } from '@/lib/field-messages';
import { configFromDraft, draftFromConfig, formFromSchema, inputId, locateApiError, type DraftObject, type FieldError } from '@/lib/schema-form';
import { useApiAction } from '@/lib/use-api-action';

import { CONFIG_ID_PREFIX, ConfigEditor, WithCode } from './config-editor';
import { DEFAULT_PRIORITY, hookChanges, KIND_LABELS, PHASE_HINTS, PHASE_LABELS, type HookFields, type HookKind, type HookPhase } from './hook-data';

export interface InstrumentOption {
  id: string;
  name: string;
}

/** The hook's own fields, as the API names them. */
const TOP_FIELDS = ['name', 'kind', 'phase', 'instrumentId', 'priority', 'enabled', 'secret'] as const;
type TopField = (typeof TOP_FIELDS)[number];

/** Most kinds belong after verification (metadata, access, notifications); filters can only run before the copy. */
function defaultPhase(kind: HookKindDto | undefined): HookPhase {
  if (!kind) return 'pre';
  return kind.phases.includes('post') ? 'post' : kind.phases[0];
}

function focusField(form: HTMLFormElement | null, field: string, configInput?: string) {
  if (!form) return;
  const target =
    configInput !== undefined
      ? form.querySelector<HTMLElement>(`#${CSS.escape(inputId(CONFIG_ID_PREFIX, configInput))}`)
      : form.querySelector<HTMLElement>(`[name="${CSS.escape(field)}"]`);
  target?.focus();
}

/**
 * Creates a hook or edits one (`hook` given: its kind cannot change). The config inputs come from
 * the kind's JSON Schema; the schema's checks run here as the user types, and the API's answer
 * (which also compiles globs and regular expressions) lands on the input it names.
 */
export function HookForm({ kinds, instruments, hook, disabled }: { kinds: readonly HookKindDto[]; instruments: readonly InstrumentOption[]; hook?: HookDto; disabled?: boolean }) {
  const router = useRouter();
  const action = useApiAction();
  const form = useRef<HTMLFormElement>(null);
  const editing = Boolean(hook);

  const [kind, setKind] = useState<HookKind>(hook?.kind ?? kinds[0]?.kind ?? 'filter');
  const kindDto = kinds.find((k) => k.kind === kind);
  // Fitted to the config as first loaded (a list whose items one per line cannot show is edited
  // as JSON), and kept so while the form lives: the draft's shape follows it.
  const [loadedConfig] = useState(hook?.config);
  const spec = useMemo(() => formFromSchema(kindDto?.schema ?? {}, loadedConfig), [kindDto, loadedConfig]);

  const [name, setName] = useState(hook?.name ?? '');
  const [phase, setPhase] = useState<HookPhase>(hook?.phase ?? defaultPhase(kindDto));
  const [instrumentId, setInstrumentId] = useState(hook?.instrumentId ?? '');
  const [priority, setPriority] = useState(String(hook?.priority ?? DEFAULT_PRIORITY));
  const [enabled, setEnabled] = useState(hook?.enabled ?? true);
  const [secret, setSecret] = useState('');
  const [draft, setDraft] = useState<DraftObject | string>(() => draftFromConfig(spec, hook?.config));
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set());
  const [submitted, setSubmitted] = useState(false);
  const [saved, setSaved] = useState(false);

  const usesSecret = kindDto?.usesSecret ?? false;
  const phases = kindDto?.phases ?? ['pre', 'post'];

  function chooseKind(next: HookKind) {
    const nextDto = kinds.find((k) => k.kind === next);
    setKind(next);
    setDraft(draftFromConfig(formFromSchema(nextDto?.schema ?? {}), undefined));
    if (nextDto) setPhase(defaultPhase(nextDto));
    setTouched(new Set());
    setSubmitted(false);
    action.clearError();
  }

  // What the browser can tell before asking the API.
  const { config, configErrors } = useMemo(() => {
    const result = configFromDraft(spec, draft);
    return { config: result.config, configErrors: result.errors };
  }, [spec, draft]);
  const topErrors = useMemo(() => {
    const errors: Partial<Record<TopField, string>> = {};
    if (name.trim() === '') errors.name = 'Required';
    if (!/^-?\d+$/.test(priority.trim())) errors.priority = 'Must be a whole number';
    if (!editing && usesSecret && secret === '') errors.secret = 'Required: the receiver checks each request’s signature with this key';
    return errors;
  }, [name, priority, editing, usesSecret, secret]);

  const apiConfigError: FieldError | undefined = action.error?.field ? locateApiError(spec, action.error.field, action.error.message) : undefined;

  const configErrorFor = (input: string): string | undefined => {
    if (apiConfigError?.input === input) return apiConfigError.message;
    if (!submitted && !touched.has(input)) return undefined;
    // Several problems of one list input (line 2, line 5) are shown together.
    const messages = configErrors.filter((e) => e.input === input).map((e) => e.message);
    return messages.length > 0 ? messages.join('; ') : undefined;
  };
  const topError = (field: TopField): string | undefined => {
    const apiMessage = fieldMessage(action.error, field);
    if (apiMessage !== undefined) return apiMessage;
    if (!submitted && !touched.has(`#${field}`)) return undefined;
    return topErrors[field];
  };
  const blurTop = (field: TopField) => () => setTouched((t) => new Set(t).add(`#${field}`));

  // After the API refuses: move the focus to the input it named.
  useEffect(() => {
    const field = action.error?.field;
    if (!field) return;
    if (field === 'config' || field.startsWith('config.') || field.startsWith('config[')) {
      const located = locateApiError(spec, field, '');
      if (located) focusField(form.current, field, located.input);
    } else focusField(form.current, field);
  }, [action.error, spec]);

  function edited() {
    setSaved(false);
    if (action.error) action.clearError();
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSubmitted(true);
    setSaved(false);
    const firstTop = TOP_FIELDS.find((f) => topErrors[f]);
    if (firstTop) return focusField(form.current, firstTop);
    if (configErrors.length > 0) return focusField(form.current, '', configErrors[0].input);

    const common: HookFields = {
      name: name.trim(),
      phase,
      config: config as Record<string, unknown>,
      instrumentId: instrumentId === '' ? null : instrumentId,
      priority: Number(priority.trim()),
      enabled,
      // Write-only: empty keeps the stored secret on edit.
      ...(usesSecret && secret !== '' ? { secret } : {}),
    };
    if (hook) {
      // Only what changed: see hookChanges.
      const configEdited = JSON.stringify(draft) !== JSON.stringify(draftFromConfig(spec, hook.config));
      const updated = await action.run('updateHook', { path: { id: hook.id }, body: hookChanges(hook, common, configEdited) });
      if (!updated) return;
      setSecret('');
      setSaved(true);
      setSubmitted(false);
      router.refresh();
    } else {
      await action.run('createHook', { body: { ...common, kind } }, { thenOpen: (created) => `/hooks/${created.id}?created=1` });
    }
  }

  // The API's message goes next to its field; errors about the config as a whole, or unknown fields, go on top.
  const inlineApiError = action.error?.field && ((TOP_FIELDS as readonly string[]).includes(action.error.field) || apiConfigError);
  const clientProblems = submitted ? Object.keys(topErrors).length + configErrors.length : 0;

  return (
    <Paper variant="outlined" sx={{ p: { xs: 2, sm: 3 }, maxWidth: 820 }}>
      <Box component="form" ref={form} noValidate onSubmit={(event) => void submit(event)} aria-label={editing ? 'Edit hook' : 'New hook'}>
        <Stack spacing={2.5}>
          {action.error && (
            <Alert severity="error" role="alert">
              {inlineApiError ? `The API refused the hook: ${action.error.message}` : action.error.message}
            </Alert>
          )}
          {clientProblems > 0 && !action.error && (
            <Alert severity="error" role="alert">
              {clientProblems === 1 ? 'One field needs attention.' : `${clientProblems} fields need attention.`}
            </Alert>
          )}
          {saved && <SavedAlert onClose={() => setSaved(false)} />}

          <TextField
            name="name"
            label="Name"
            value={name}
            required
            disabled={disabled}
            autoFocus={!editing}
            onChange={(event) => {
              setName(event.target.value);
              edited();
            }}
            onBlur={blurTop('name')}
            error={Boolean(topError('name'))}
            helperText={topError('name') ?? 'Shown in run reports and the audit log, e.g. "Skip temporary files".'}
            slotProps={{ htmlInput: { maxLength: 255 } }}
          />

          {editing ? (
            <Box>
              <Typography variant="caption" color="text.secondary" component="div">
                Kind
              </Typography>
              <Typography>{KIND_LABELS[kind]}</Typography>
              <Typography variant="caption" color="text.secondary">
                A hook keeps its kind; create another hook for another kind.
              </Typography>
            </Box>
          ) : (
            <TextField
              select
              name="kind"
              label="Kind"
              value={kind}
              required
              disabled={disabled}
              onChange={(event) => chooseKind(event.target.value as HookKind)}
              error={Boolean(topError('kind'))}
              helperText={topError('kind')}
              sx={{ maxWidth: 360 }}
            >
              {kinds.map((k) => (
                <MenuItem key={k.kind} value={k.kind}>
                  {KIND_LABELS[k.kind]}
                </MenuItem>
              ))}
            </TextField>
          )}
          {typeof kindDto?.schema.description === 'string' && (
            <Typography variant="body2" color="text.secondary" sx={{ mt: -1 }}>
              <WithCode text={kindDto.schema.description} />
            </Typography>
          )}

          <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 2 }}>
            <TextField
              select
              name="phase"
              label="Phase"
              value={phase}
              required
              disabled={disabled}
              onChange={(event) => {
                setPhase(event.target.value as HookPhase);
                edited();
              }}
              error={Boolean(topError('phase'))}
              helperText={topError('phase') ?? (phases.length === 1 ? `${KIND_LABELS[kind]} hooks run only ${PHASE_LABELS[phases[0]].toLowerCase()}.` : PHASE_HINTS[phase])}
              sx={{ width: { xs: '100%', sm: 360 } }}
            >
              {phases.map((p) => (
                <MenuItem key={p} value={p}>
                  {PHASE_LABELS[p]} ({p})
                </MenuItem>
              ))}
            </TextField>
            <TextField
              name="priority"
              label="Priority"
              value={priority}
              required
              disabled={disabled}
              onChange={(event) => {
                setPriority(event.target.value);
                edited();
              }}
              onBlur={blurTop('priority')}
              error={Boolean(topError('priority'))}
              helperText={topError('priority') ?? 'Lower runs first.'}
              slotProps={{ htmlInput: { inputMode: 'numeric' } }}
              sx={{ width: 160 }}
            />
          </Box>

          <TextField
            select
            name="instrumentId"
            label="Applies to"
            value={instrumentId}
            disabled={disabled}
            onChange={(event) => {
              setInstrumentId(event.target.value);
              edited();
            }}
            error={Boolean(topError('instrumentId'))}
            helperText={topError('instrumentId') ?? 'A global hook runs for every instrument, together with the instrument’s own hooks in priority order.'}
            slotProps={{ select: { displayEmpty: true }, inputLabel: { shrink: true } }}
            sx={{ maxWidth: 480 }}
          >
            <MenuItem value="">All instruments (global)</MenuItem>
            {instruments.map((i) => (
              <MenuItem key={i.id} value={i.id}>
                {i.name}
              </MenuItem>
            ))}
            {instrumentId !== '' && !instruments.some((i) => i.id === instrumentId) && <MenuItem value={instrumentId}>An instrument not listed (deleted?)</MenuItem>}
          </TextField>

          <Box>
            <FormControlLabel
              control={
                <Switch
                  name="enabled"
                  checked={enabled}
                  disabled={disabled}
                  onChange={(event) => {
                    setEnabled(event.target.checked);
                    edited();
                  }}
                />
              }
              label="Enabled"
            />
            <Typography variant="body2" color="text.secondary">
              {enabled ? 'Runs in every harvest it applies to.' : 'Kept, but skipped by harvests until enabled again.'}
            </Typography>
          </Box>

          <Divider />
          <Typography component="h2" variant="h6" sx={{ fontWeight: 600 }}>
            {KIND_LABELS[kind]} settings
          </Typography>
          <ConfigEditor
            key={kind}
            spec={spec}
            draft={draft}
            disabled={disabled}
            onChange={(next) => {
              setDraft(next);
              edited();
            }}
            errorFor={configErrorFor}
            onBlur={(input) => setTouched((t) => new Set(t).add(input))}
          />

          {usesSecret && (
            <SecretField
              name="secret"
              label="Signing secret"
              value={secret}
              disabled={disabled}
              onChange={(value) => {
                setSecret(value);
                edited();
              }}
              onBlur={blurTop('secret')}
              stored={hook?.hasSecret}
              required={!editing}
              error={Boolean(topError('secret'))}
              helperText={
                topError('secret') ??
                (hook?.hasSecret
                  ? 'A secret is stored. Leave empty to keep it; type to replace it.'
                  : 'The HMAC-SHA256 key for X-Sheaf-Signature; give the receiver the same key. Stored encrypted, never shown again.')
              }
            />
          )}

          {!disabled && (
            <FormButtons
              submitLabel={editing ? 'Save changes' : 'Create hook'}
              pending={action.pending}
              onCancel={() => router.push('/hooks')}
              cancelLabel={editing ? 'Back to hooks' : 'Cancel'}
            />
          )}
        </Stack>
      </Box>
    </Paper>
  );
}
