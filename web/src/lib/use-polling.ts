'use client';

import { useEffect, useState } from 'react';

import { markSessionActive, markSessionEnded, useSessionEnded } from './session-state';

/** While the session has ended, ask only this often: enough to notice a sign-in in another tab. */
const SESSION_ENDED_INTERVAL_MS = 30_000;

/**
 * Re-reads a portal route handler every `intervalMs` while `active`; keeps the last good value.
 * A hidden tab skips its turns and asks at once when shown again; one request at a time.
 * A 401 means the session ended: the shell says so (see session-state), the page stays, and
 * polling slows down until a call succeeds again.
 * A 403 or 404 means the thing is gone for this user (deleted, or access revoked): asking again
 * cannot help, so polling stops and `gone` says so.
 */
export function usePolling<T>(url: string, initial: T, active: boolean, intervalMs = 2000): { data: T; stale: boolean; gone: boolean } {
  const [data, setData] = useState(initial);
  const [stale, setStale] = useState(false);
  const [gone, setGone] = useState(false);
  const sessionEnded = useSessionEnded();
  const every = sessionEnded ? Math.max(intervalMs, SESSION_ENDED_INTERVAL_MS) : intervalMs;

  useEffect(() => {
    if (!active || gone) return;
    let cancelled = false;
    let inFlight = false;

    function poll() {
      if (document.hidden || inFlight) return;
      inFlight = true;
      void fetch(url, { cache: 'no-store' })
        .then(async (response) => {
          if (cancelled) return;
          if (response.status === 401) {
            // Said by the shell's banner; polling goes on, slower, and picks up after a new sign-in.
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
          const next = (await response.json()) as T;
          if (cancelled) return;
          setData(next);
          setStale(false);
          markSessionActive();
        })
        .catch(() => {
          if (!cancelled) setStale(true);
        })
        .finally(() => {
          inFlight = false;
        });
    }

    function onVisibilityChange() {
      if (!document.hidden) poll();
    }

    const timer = setInterval(poll, every);
    document.addEventListener('visibilitychange', onVisibilityChange);
    return () => {
      cancelled = true;
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisibilityChange);
    };
  }, [url, active, gone, every]);

  useEffect(() => setData(initial), [initial]);

  return { data, stale, gone };
}
