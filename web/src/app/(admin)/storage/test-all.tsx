'use client';

import { createContext, useContext, useState, type ReactNode } from 'react';
import Button from '@mui/material/Button';

import { ConnectionTestButton } from '@/components/connection-test';

const TestAllSignal = createContext<{ signal: number; testAll: () => void }>({ signal: 0, testAll: () => undefined });

/** Lets one "Test all" button start the test of every row below it. */
export function TestAllProvider({ children }: { children: ReactNode }) {
  const [signal, setSignal] = useState(0);
  return <TestAllSignal.Provider value={{ signal, testAll: () => setSignal((n) => n + 1) }}>{children}</TestAllSignal.Provider>;
}

export function TestAllButton() {
  const { testAll } = useContext(TestAllSignal);
  return (
    <Button variant="outlined" onClick={testAll}>
      Test all
    </Button>
  );
}

/** A row's test: its own "Test" button, also started by "Test all". */
export function StorageTestCell({ id, name }: { id: string; name: string }) {
  const { signal } = useContext(TestAllSignal);
  return <ConnectionTestButton operation="testStorageLocation" id={id} compact label="Test" accessibleName={`Test ${name}`} runSignal={signal} />;
}
