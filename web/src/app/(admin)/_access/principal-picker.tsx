'use client';

import { useEffect, useState } from 'react';
import Alert from '@mui/material/Alert';
import Autocomplete from '@mui/material/Autocomplete';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';

import { perform } from '@/lib/actions';
import type { ApiResult } from '@/lib/api-server';
import { API_UNREACHABLE_MESSAGE, PORTAL_UNREACHABLE_MESSAGE } from '@/lib/messages';
import { markSessionEnded } from '@/lib/session-state';

import { morePicksHint, PICK_KIND_LABELS, pickKey, pickSearchLimit, type PickKind, type PickOption } from './access-data';

const DEBOUNCE_MS = 250;

/** An option, or (`more`) the note closing a kind's options when the search matched more than it gave: not pickable. */
type PickEntry = PickOption & { more?: true };

type SearchResult = { kind: 'ok'; options: PickEntry[] } | { kind: 'failed'; message: string };

/**
 * A search's options, closed by a note when it matched more than it gave, or why it failed (an
 * ended session is said by the shell's banner).
 */
function settle<T extends { items: unknown[]; total: number }>(kind: PickKind, result: ApiResult<T>, toOptions: (data: T) => PickOption[]): SearchResult {
  if (result.kind === 'ok') {
    const hint = morePicksHint(kind, result.data.total, result.data.items.length);
    return { kind: 'ok', options: [...toOptions(result.data), ...(hint ? [{ kind, id: '', label: hint, more: true as const }] : [])] };
  }
  if (result.kind === 'error' && result.error.statusCode === 401) markSessionEnded();
  return { kind: 'failed', message: result.kind === 'error' ? result.error.message : API_UNREACHABLE_MESSAGE };
}

/**
 * One server-side search per kind, through the one server action (the API filters by `q`),
 * asking for `limit` (see pickSearchLimit).
 */
async function searchKind(kind: PickKind, q: string, limit: number): Promise<SearchResult> {
  const query = { q: q || undefined, limit };
  switch (kind) {
    case 'user':
      return settle(kind, await perform('listUsers', { query }), (page) =>
        page.items.map((u) => ({ kind, id: u.id, label: u.displayName, detail: u.disabled ? `${u.email} · disabled` : u.email })),
      );
    case 'group':
      return settle(kind, await perform('listGroups', { query }), (page) =>
        page.items.map((g) => ({ kind, id: g.id, label: g.name, detail: g.description || undefined })),
      );
    case 'instrument':
      return settle(kind, await perform('listInstruments', { query }), (page) =>
        page.items.map((i) => ({ kind, id: i.id, label: i.name, detail: i.location || undefined })),
      );
  }
}

/**
 * Picks a user, group or instrument by typing part of its name (searched on the server, so it
 * scales past one page), then adds it with the button. Already present entries are left out.
 */
export function AddPrincipalForm({
  kinds,
  exclude,
  label,
  submitLabel,
  pending,
  error,
  onAdd,
}: {
  kinds: readonly PickKind[];
  /** `pickKey`s of entries already there. */
  exclude: ReadonlySet<string>;
  label: string;
  submitLabel: string;
  pending: boolean;
  /** The last addition's error, shown under the form. */
  error?: string;
  /** Adds the pick; true when it worked (the field then clears). */
  onAdd: (option: PickOption) => Promise<boolean>;
}) {
  const [open, setOpen] = useState(false);
  const [input, setInput] = useState('');
  const [value, setValue] = useState<PickEntry | null>(null);
  const [options, setOptions] = useState<PickEntry[]>([]);
  const [loading, setLoading] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const kindsKey = kinds.join(',');
  // Per kind, how many to ask for: more while more of that kind are already here.
  const limitsKey = kinds.map((k) => pickSearchLimit(k, exclude)).join(',');

  useEffect(() => {
    if (!open) return;
    let cancelled = false;
    const q = value && input === value.label ? '' : input.trim();
    setLoading(true);
    const timer = setTimeout(() => {
      const limits = limitsKey.split(',').map(Number);
      void Promise.all(kindsKey.split(',').map((k, i) => searchKind(k as PickKind, q, limits[i])))
        // The server action itself failed (network, portal restarting): said like a refused search.
        .catch((): SearchResult[] => [{ kind: 'failed', message: PORTAL_UNREACHABLE_MESSAGE }])
        .then((results) => {
          if (cancelled) return;
          const failed = results.find((r) => r.kind === 'failed');
          setFailure(failed?.kind === 'failed' ? failed.message : null);
          setOptions(results.flatMap((r) => (r.kind === 'ok' ? r.options : [])));
          setLoading(false);
        });
    }, DEBOUNCE_MS);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [open, input, value, kindsKey, limitsKey]);

  async function add() {
    if (!value) return;
    if (await onAdd(value)) {
      setValue(null);
      setInput('');
    }
  }

  const available = options.filter((o) => o.more || !exclude.has(pickKey(o)));

  return (
    <>
      <Box
        component="form"
        aria-label={label}
        onSubmit={(event) => {
          event.preventDefault();
          void add();
        }}
        sx={{ display: 'flex', gap: 1, alignItems: 'flex-start', flexWrap: 'wrap', mt: 2 }}
      >
        <Autocomplete
          sx={{ flexGrow: 1, minWidth: 260, maxWidth: 480 }}
          size="small"
          open={open}
          onOpen={() => setOpen(true)}
          onClose={() => setOpen(false)}
          options={available}
          value={value}
          onChange={(_event, next) => setValue(next)}
          inputValue={input}
          onInputChange={(_event, next) => setInput(next)}
          filterOptions={(x) => x}
          groupBy={kinds.length > 1 ? (o) => PICK_KIND_LABELS[o.kind] : undefined}
          getOptionLabel={(o) => o.label}
          getOptionKey={pickKey}
          getOptionDisabled={(o) => Boolean(o.more)}
          isOptionEqualToValue={(a, b) => pickKey(a) === pickKey(b)}
          loading={loading}
          loadingText="Searching…"
          noOptionsText={failure ?? (input ? 'Nothing matches (or it is already here).' : 'Nothing left to add.')}
          renderOption={(props, option) => {
            // MUI passes `key` (from getOptionKey) inside props; React wants it set directly, not spread.
            const { key, ...rest } = props;
            if (option.more) {
              return (
                <Box component="li" key={key} {...rest}>
                  <Typography variant="caption" color="text.secondary">
                    {option.label}
                  </Typography>
                </Box>
              );
            }
            return (
              <Box component="li" key={key} {...rest} sx={{ display: 'block !important' }}>
                <Typography variant="body2">{option.label}</Typography>
                {option.detail && (
                  <Typography variant="caption" color="text.secondary">
                    {option.detail}
                  </Typography>
                )}
              </Box>
            );
          }}
          renderInput={(params) => <TextField {...params} label={label} placeholder="Type to search" />}
        />
        <Button type="submit" variant="outlined" disabled={!value} loading={pending}>
          {submitLabel}
        </Button>
      </Box>
      {error && (
        <Alert severity="error" role="alert" sx={{ mt: 1 }}>
          {error}
        </Alert>
      )}
    </>
  );
}
