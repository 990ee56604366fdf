'use client';

import { useEffect, useRef, useState } from 'react';
import type { ApiError } from '@sheaf/contracts';
import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Stack from '@mui/material/Stack';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';

import type { ConnectionTestDto } from '@/lib/api-types';
import { formatBytes, formatDateTime, formatDuration } from '@/lib/format';
import { API_UNREACHABLE_MESSAGE, PORTAL_UNREACHABLE_MESSAGE } from '@/lib/messages';
import { markSessionEnded } from '@/lib/session-state';

/** The portal routes that run the API's tests (route handlers, so tests run side by side). */
const TEST_ROUTES = {
  testStorageLocation: (id: string) => `/bff/storage-locations/${encodeURIComponent(id)}/test`,
  testInstrument: (id: string) => `/bff/instruments/${encodeURIComponent(id)}/test`,
} as const;

type TestOperation = keyof typeof TEST_ROUTES;

/** One test through the portal: the result, or the API's (or the network's) error. */
async function runTest(operation: TestOperation, id: string): Promise<{ result: ConnectionTestDto } | { error: string }> {
  let response: Response;
  try {
    response = await fetch(TEST_ROUTES[operation](id), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  } catch {
    return { error: PORTAL_UNREACHABLE_MESSAGE };
  }
  if (response.status === 401) {
    markSessionEnded();
    return { error: 'Your session has ended: sign in again in a new tab, then test again.' };
  }
  const body = (await response.json().catch(() => null)) as ConnectionTestDto | ApiError | null;
  if (response.ok && body && 'ok' in body) return { result: body };
  return { error: body && 'message' in body ? body.message : response.status >= 500 ? API_UNREACHABLE_MESSAGE : `The test failed (${response.status}).` };
}

/** The outcome of a connection test: passed or failed in words, the API's message, and for sources the first files. */
function ConnectionTestResult({ result, compact }: { result: ConnectionTestDto; compact?: boolean }) {
  if (compact) {
    return (
      <Box role="status" sx={{ display: 'flex', alignItems: 'baseline', gap: 1, minWidth: 0 }}>
        <Chip size="small" variant="outlined" color={result.ok ? 'success' : 'error'} label={result.ok ? 'Passed' : 'Failed'} />
        <Typography variant="body2" color={result.ok ? 'text.secondary' : 'error'} sx={{ overflowWrap: 'anywhere' }}>
          {result.message} ({formatDuration(result.durationMs)})
        </Typography>
      </Box>
    );
  }
  return (
    <Alert severity={result.ok ? 'success' : 'error'} role="status" sx={{ overflowWrap: 'anywhere' }}>
      <AlertTitle>{result.ok ? 'Test passed' : 'Test failed'}</AlertTitle>
      {result.message} <Box component="span" sx={{ color: 'text.secondary', whiteSpace: 'nowrap' }}>({formatDuration(result.durationMs)})</Box>
      {result.sample && result.sample.length > 0 && (
        <Table size="small" aria-label="Files found" sx={{ mt: 1 }}>
          <TableHead>
            <TableRow>
              <TableCell>File</TableCell>
              <TableCell align="right">Size</TableCell>
              <TableCell>Modified</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {result.sample.map((file) => (
              <TableRow key={file.path}>
                <TableCell sx={{ fontFamily: 'monospace' }}>{file.path}</TableCell>
                <TableCell align="right">{formatBytes(file.size)}</TableCell>
                <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(file.modTime)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Alert>
  );
}

/**
 * Runs a connection test of a saved storage location or instrument source and shows the result
 * below the button (beside it when compact). A failed connection is a result (`ok: false`), an
 * API refusal an error.
 */
export function ConnectionTestButton({
  operation,
  id,
  label = 'Test',
  compact,
  disabled,
  accessibleName,
  runSignal,
  onRunningChange,
}: {
  operation: TestOperation;
  id: string;
  label?: string;
  /** One line, no file listing (for table rows). */
  compact?: boolean;
  disabled?: boolean;
  /** For rows of a list: "Test archive" where the text says only "Test". */
  accessibleName?: string;
  /** Runs the test whenever this number changes to a new positive value ("Test all"). */
  runSignal?: number;
  /** Told true when a test starts and false when it ends (or the button goes); a stable function. */
  onRunningChange?: (running: boolean) => void;
}) {
  const [pending, setPending] = useState(false);
  const [result, setResult] = useState<ConnectionTestDto | null>(null);
  const [error, setError] = useState<string | null>(null);
  // A ref, not state: a second click in the same moment must already see the first one, and is
  // ignored, so only one test runs and its answer is the one shown.
  const running = useRef(false);

  async function test() {
    if (running.current) return;
    running.current = true;
    setPending(true);
    setResult(null);
    setError(null);
    const outcome = await runTest(operation, id);
    running.current = false;
    setPending(false);
    if ('result' in outcome) setResult(outcome.result);
    else setError(outcome.error);
  }

  useEffect(() => {
    if (!pending || !onRunningChange) return;
    onRunningChange(true);
    return () => onRunningChange(false);
  }, [pending, onRunningChange]);

  const lastSignal = useRef(runSignal ?? 0);
  useEffect(() => {
    if (!runSignal || runSignal === lastSignal.current) return;
    lastSignal.current = runSignal;
    void test();
    // Only a new signal starts a test (`test` itself is a new function every render).
  }, [runSignal]);

  if (compact) {
    return (
      <Box aria-live="polite" sx={{ display: 'flex', alignItems: 'center', gap: 1.5, flexWrap: 'wrap' }}>
        <Button variant="outlined" size="small" onClick={() => void test()} loading={pending} disabled={disabled} aria-label={accessibleName}>
          {label}
        </Button>
        {result && <ConnectionTestResult result={result} compact />}
        {error && (
          <Typography role="alert" variant="body2" color="error">
            {error}
          </Typography>
        )}
      </Box>
    );
  }

  return (
    <Stack spacing={1} aria-live="polite">
      <Box>
        <Button variant="outlined" onClick={() => void test()} loading={pending} disabled={disabled} aria-label={accessibleName}>
          {label}
        </Button>
      </Box>
      {pending && (
        <Alert severity="info" role="status">
          Testing… this can take up to 30 seconds.
        </Alert>
      )}
      {result && <ConnectionTestResult result={result} />}
      {error && (
        <Alert severity="error" role="alert">
          {error}
        </Alert>
      )}
    </Stack>
  );
}
