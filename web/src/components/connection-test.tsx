'use client';

import { useState } from 'react';
import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Box from '@mui/material/Box';
import Button, { type ButtonProps } from '@mui/material/Button';
import Stack from '@mui/material/Stack';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';

import type { ConnectionTestDto } from '@/lib/api-types';
import { formatBytes, formatDateTime } from '@/lib/format';
import { useApiAction } from '@/lib/use-api-action';

type TestOperation = 'testStorageLocation' | 'testInstrument';

/** The outcome of a connection test: passed or failed in words, the API's message, and for sources the first files. */
export function ConnectionTestResult({ result, compact }: { result: ConnectionTestDto; compact?: boolean }) {
  const seconds = (result.durationMs / 1000).toFixed(1);
  return (
    <Alert severity={result.ok ? 'success' : 'error'} role="status" sx={{ overflowWrap: 'anywhere' }}>
      <AlertTitle>{result.ok ? 'Test passed' : 'Test failed'}</AlertTitle>
      {result.message} <Box component="span" sx={{ color: 'text.secondary', whiteSpace: 'nowrap' }}>({seconds} s)</Box>
      {!compact && result.sample && result.sample.length > 0 && (
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
 * below the button. A failed connection is a result (`ok: false`), an API refusal an error.
 */
export function ConnectionTestButton({
  operation,
  id,
  label = 'Test',
  compact,
  variant = 'outlined',
  disabled,
  accessibleName,
}: {
  operation: TestOperation;
  id: string;
  label?: string;
  /** One line, no file listing (for table rows). */
  compact?: boolean;
  variant?: ButtonProps['variant'];
  disabled?: boolean;
  /** For rows of a list: "Test archive" where the text says only "Test". */
  accessibleName?: string;
}) {
  const action = useApiAction();
  const [result, setResult] = useState<ConnectionTestDto | null>(null);

  async function test() {
    setResult(null);
    const outcome = await action.run(operation, { path: { id } });
    if (outcome) setResult(outcome);
  }

  return (
    <Stack spacing={1} sx={{ alignItems: compact ? 'flex-start' : 'stretch' }} aria-live="polite">
      <Box>
        <Button variant={variant} size={compact ? 'small' : 'medium'} onClick={() => void test()} loading={action.pending} disabled={disabled} aria-label={accessibleName}>
          {label}
        </Button>
      </Box>
      {action.pending && !compact && (
        <Alert severity="info" role="status">
          Testing… this can take up to 30 seconds.
        </Alert>
      )}
      {result && <ConnectionTestResult result={result} compact={compact} />}
      {action.error && (
        <Alert severity="error" role="alert">
          {action.error.message}
        </Alert>
      )}
    </Stack>
  );
}
