'use client';

import { createContext, useCallback, useContext, useState, type ReactNode } from 'react';
import Button from '@mui/material/Button';

import { ConnectionTestButton } from '@/components/connection-test';

interface TestAll {
  signal: number;
  /** How many rows' tests are running (started by "Test all" or by their own button). */
  running: number;
  testAll: () => void;
  onRunningChange: (running: boolean) => void;
}

const TestAllSignal = createContext<TestAll>({ signal: 0, running: 0, testAll: () => undefined, onRunningChange: () => undefined });

/** Lets one "Test all" button start the test of every row below it, once none is running. */
export function TestAllProvider({ children }: { children: ReactNode }) {
  const [signal, setSignal] = useState(0);
  const [running, setRunning] = useState(0);
  const onRunningChange = useCallback((started: boolean) => setRunning((n) => n + (started ? 1 : -1)), []);
  const testAll = () => {
    if (running === 0) setSignal((n) => n + 1);
  };
  return <TestAllSignal.Provider value={{ signal, running, testAll, onRunningChange }}>{children}</TestAllSignal.Provider>;
}

export function TestAllButton() {
  const { testAll, running } = useContext(TestAllSignal);
  return (
    <Button variant="outlined" onClick={testAll} loading={running > 0}>
      Test all
    </Button>
  );
}

/** A row's test: its own "Test" button, also started by "Test all". */
export function StorageTestCell({ id, name }: { id: string; name: string }) {
  const { signal, onRunningChange } = useContext(TestAllSignal);
  return (
    <ConnectionTestButton
      operation="testStorageLocation"
      id={id}
      compact
      label="Test"
      accessibleName={`Test ${name}`}
      runSignal={signal}
      onRunningChange={onRunningChange}
    />
  );
}
