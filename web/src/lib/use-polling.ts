'use client';

import { useEffect, useState } from 'react';

import { markSessionActive, markSessionEnded } from './session-state';

/**
 * Re-reads a portal route handler every `intervalMs` while `active`; keeps the last good value.
 * A 401 means the session ended: the shell says so (see session-state), and the page stays.
 * A 403 or 404 means the thing is gone for this user (deleted, or access revoked): asking again
 * cannot help, so polling stops and `gone` says so.
 */
export function usePolling<T>(url: string, initial: T, active: boolean, intervalMs = 2000): { data: T; stale: boolean; gone: boolean } {
  const [data, setData] = useState(initial);
  const [stale, setStale] = useState(false);
  const [gone, setGone] = useState(false);

  useEffect(() => {
    if (!active || gone) return;
    let cancelled = false;
    const timer = setInterval(() => {
      void fetch(url, { cache: 'no-store' })
        .then(async (response) => {
          if (cancelled) return;
          if (response.status === 401) {
            // Said by the shell's banner; polling goes on, and picks up after a new sign-in.
            markSessionEnded();
            return;
          }
          if (response.status === 403 || response.status === 404) {
            setGone(true);
            setStale(false);
            markSessionActive();
            return;
          }
          if (!response.ok) throw new Error(String(response.status));
          setData((await response.json()) as T);
          setStale(false);
          markSessionActive();
        })
        .catch(() => {
          if (!cancelled) setStale(true);
        });
    }, intervalMs);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [url, active, gone, intervalMs]);

  useEffect(() => setData(initial), [initial]);

  return { data, stale, gone };
}
