'use client';

import { useState } from 'react';
import { useRouter } from 'next/navigation';

import { useApiAction, type ApiAction } from './use-api-action';

/**
 * A table row's action that asks first (remove a member, revoke a grant): `ask(row)` opens the
 * ConfirmDialog given `dialogProps`; confirming calls `call` and refreshes the page's data.
 */
export function useConfirmedRowAction<Row>(call: (action: ApiAction, row: Row) => Promise<unknown>) {
  const router = useRouter();
  const action = useApiAction();
  const [row, setRow] = useState<Row | null>(null);

  async function confirm() {
    if (row === null) return;
    if ((await call(action, row)) === undefined) return;
    setRow(null);
    router.refresh();
  }

  return {
    /** The row being asked about, or null. */
    row,
    ask(next: Row) {
      action.clearError();
      setRow(next);
    },
    dialogProps: {
      open: row !== null,
      pending: action.pending,
      error: action.error,
      onConfirm: () => void confirm(),
      onClose: () => setRow(null),
    },
  };
}
