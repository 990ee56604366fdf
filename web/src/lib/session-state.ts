'use client';

import { useSyncExternalStore } from 'react';

/**
 * Whether the API has said the session ended (401) since the page loaded, shared by every form
 * and poller on the page. They no longer leave for the login page on their own: that threw away
 * whatever was typed into an open form. The shell shows a banner instead, and the next call
 * that succeeds (after signing in again in another tab) clears it.
 */
let ended = false;
const listeners = new Set<() => void>();

function set(value: boolean): void {
  if (ended === value) return;
  ended = value;
  for (const listener of listeners) listener();
}

export const markSessionEnded = (): void => set(true);
export const markSessionActive = (): void => set(false);

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useSessionEnded(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => ended,
    () => false,
  );
}
