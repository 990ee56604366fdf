'use client';

import { useCallback, useEffect, useId, useRef, useState } from 'react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import Alert from '@mui/material/Alert';
import Badge from '@mui/material/Badge';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import CircularProgress from '@mui/material/CircularProgress';
import Divider from '@mui/material/Divider';
import IconButton from '@mui/material/IconButton';
import MuiLink from '@mui/material/Link';
import Popover from '@mui/material/Popover';
import Snackbar from '@mui/material/Snackbar';
import SvgIcon, { type SvgIconProps } from '@mui/material/SvgIcon';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';

import type { NotificationDto, NotificationPageDto, UnreadCountDto } from '@/lib/api-types';
import { formatCount, formatDateTime } from '@/lib/format';
import { notificationKindLabel, NOTIFICATIONS_FIRST, olderLeft, olderThan, withOlder } from '@/lib/notification-list';
import { useApiAction } from '@/lib/use-api-action';
import { usePolling } from '@/lib/use-polling';
import { markSessionEnded } from '@/lib/session-state';

const POLL_MS = 30_000;

/** A notification leads to its run when it has one, otherwise to its instrument. */
export function notificationHref(n: Pick<NotificationDto, 'runId' | 'instrumentId'>): string {
  return n.runId ? `/runs/${n.runId}` : `/instruments/${n.instrumentId}`;
}

function BellIcon(props: SvgIconProps) {
  return (
    <SvgIcon {...props}>
      <path d="M12 22c1.1 0 2-.9 2-2h-4c0 1.1.89 2 2 2m6-6v-5c0-3.07-1.64-5.64-4.5-6.32V4c0-.83-.67-1.5-1.5-1.5s-1.5.67-1.5 1.5v.68C7.63 5.36 6 7.92 6 11v5l-2 2v1h16v-1z" />
    </SvgIcon>
  );
}

/** A page of the bell's route; a 401 also says the session ended. */
async function fetchNotifications(offset: number, limit: number): Promise<NotificationPageDto> {
  const response = await fetch(`/bff/notifications?limit=${limit}&offset=${offset}`, { cache: 'no-store' });
  if (response.status === 401) markSessionEnded();
  if (!response.ok) throw new Error(String(response.status));
  return (await response.json()) as NotificationPageDto;
}

type ListState =
  | { kind: 'idle' }
  | { kind: 'loading' }
  | { kind: 'error' }
  // left: the older ones after those shown, as the route last counted them (those that arrived
  // since the menu opened are not among them; it reloads the list when opened again).
  | { kind: 'ok'; items: NotificationDto[]; left: number; older?: 'loading' | 'failed' };

/** The bell with its unread count (polled every 30 s) and a menu of recent notifications. */
export function NotificationBellMenu({ initial }: { initial: UnreadCountDto }) {
  const router = useRouter();
  const action = useApiAction();
  const menuId = useId();
  const { data } = usePolling('/bff/notifications/unread-count', initial, true, POLL_MS);
  const [anchor, setAnchor] = useState<HTMLElement | null>(null);
  const [list, setList] = useState<ListState>({ kind: 'idle' });
  // A change that failed while the menu was closed (marking read on the way to the run) is said
  // at once below, and stays in the menu until it has been shown there.
  const [closedError, setClosedError] = useState(false);
  const errorShown = useRef(false);
  useEffect(() => {
    errorShown.current = false;
  }, [action.error]);
  useEffect(() => {
    if (anchor && action.error) errorShown.current = true;
  }, [anchor, action.error]);
  const count = data.count;
  // Which load of the list is shown: older ones read for an earlier one are not added to it.
  const listLoad = useRef(0);

  const loadList = useCallback(async () => {
    listLoad.current += 1;
    setList((current) => (current.kind === 'ok' ? current : { kind: 'loading' }));
    try {
      const page = await fetchNotifications(0, NOTIFICATIONS_FIRST);
      setList({ kind: 'ok', items: page.items, left: olderLeft(page, page.offset, page.limit) });
    } catch {
      setList({ kind: 'error' });
    }
  }, []);

  /** The next older notifications, after the last one shown (see olderThan: none repeated, none skipped). */
  async function loadOlder() {
    if (list.kind !== 'ok') return;
    const oldest = list.items.at(-1);
    // All shown were dismissed: the list starts again from the newest.
    if (!oldest) {
      void loadList();
      return;
    }
    const load = listLoad.current;
    setList({ ...list, older: 'loading' });
    try {
      const older = await olderThan(oldest, list.items.length, fetchNotifications);
      if (load !== listLoad.current) return;
      setList((current) => (current.kind === 'ok' ? { kind: 'ok', items: withOlder(current.items, older.items), left: older.left } : current));
    } catch {
      if (load !== listLoad.current) return;
      setList((current) => (current.kind === 'ok' ? { ...current, older: 'failed' } : current));
    }
  }

  function open(target: HTMLElement) {
    // An error the menu has not shown yet (see closedError) stays for it to show.
    if (errorShown.current) action.clearError();
    setClosedError(false);
    setAnchor(target);
    void loadList();
  }

  /** After a change: the menu shows it at once, the page (and with it the count) reloads. A dismissal changes no count of older ones. */
  function changed(update: (items: NotificationDto[]) => NotificationDto[]) {
    setList((current) => (current.kind === 'ok' ? { ...current, items: update(current.items) } : current));
    router.refresh();
  }

  async function markRead(n: NotificationDto, menuClosed = false) {
    const done = await action.run('markNotificationRead', { path: { id: n.id } });
    if (done) changed((items) => items.map((i) => (i.id === n.id ? done : i)));
    else if (menuClosed) setClosedError(true);
  }

  async function dismiss(n: NotificationDto) {
    const done = await action.run('dismissNotification', { path: { id: n.id } });
    if (done) changed((items) => items.filter((i) => i.id !== n.id));
  }

  async function markAllRead() {
    const done = await action.run('markAllNotificationsRead', {});
    if (done) {
      const now = new Date().toISOString();
      changed((items) => items.map((i) => (i.readAt ? i : { ...i, readAt: now })));
    }
  }

  const label = count === 0 ? 'Notifications, none unread' : `Notifications, ${count} unread`;
  const hasUnread = count > 0 || (list.kind === 'ok' && list.items.some((n) => !n.readAt));

  return (
    <>
      <Tooltip title="Notifications">
        <IconButton
          color="inherit"
          aria-label={label}
          aria-haspopup="true"
          aria-expanded={anchor ? 'true' : undefined}
          aria-controls={anchor ? menuId : undefined}
          onClick={(event) => open(event.currentTarget)}
        >
          <Badge badgeContent={count} color="error" max={99}>
            <BellIcon />
          </Badge>
        </IconButton>
      </Tooltip>
      <Popover
        id={menuId}
        open={Boolean(anchor)}
        anchorEl={anchor}
        onClose={() => setAnchor(null)}
        anchorOrigin={{ vertical: 'bottom', horizontal: 'right' }}
        transformOrigin={{ vertical: 'top', horizontal: 'right' }}
        slotProps={{ paper: { sx: { width: 400, maxWidth: 'calc(100vw - 32px)' }, role: 'dialog', 'aria-label': 'Notifications' } }}
      >
        <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, px: 2, py: 1.5 }}>
          <Typography component="h2" variant="subtitle1" sx={{ fontWeight: 600, flexGrow: 1 }}>
            Notifications
          </Typography>
          <Button size="small" onClick={() => void markAllRead()} disabled={!hasUnread || action.pending}>
            Mark all read
          </Button>
        </Box>
        <Divider />
        {action.error && (
          <Alert severity="error" role="alert" sx={{ m: 1.5 }}>
            {action.error.message}
          </Alert>
        )}
        <Box aria-live="polite" aria-busy={list.kind === 'loading'} sx={{ maxHeight: 420, overflowY: 'auto' }}>
          {list.kind === 'loading' || list.kind === 'idle' ? (
            <Box sx={{ display: 'flex', justifyContent: 'center', p: 3 }}>
              <CircularProgress size={24} aria-label="Loading notifications" />
            </Box>
          ) : list.kind === 'error' ? (
            <Alert
              severity="warning"
              sx={{ m: 1.5 }}
              action={
                <Button color="inherit" size="small" onClick={() => void loadList()}>
                  Retry
                </Button>
              }
            >
              Notifications could not be loaded.
            </Alert>
          ) : list.items.length === 0 && list.left === 0 ? (
            <Typography color="text.secondary" sx={{ p: 3, textAlign: 'center' }}>
              No notifications.
            </Typography>
          ) : (
            <Box component="ul" sx={{ listStyle: 'none', m: 0, p: 0 }}>
              {list.items.map((n) => (
                <Box
                  component="li"
                  key={n.id}
                  sx={{
                    display: 'flex',
                    gap: 1,
                    px: 2,
                    py: 1.25,
                    borderBottom: 1,
                    borderColor: 'divider',
                    bgcolor: n.readAt ? 'transparent' : 'action.hover',
                  }}
                >
                  <Box sx={{ flexGrow: 1, minWidth: 0 }}>
                    {/* Unread: the strongest text colour, bold (red on the hover tint of the dark
                        theme's raised menu fell below 4.5:1); "unread" says it in words too. */}
                    <Typography variant="caption" component="div" sx={{ fontWeight: n.readAt ? 600 : 700, color: n.readAt ? 'text.secondary' : 'text.primary' }}>
                      {notificationKindLabel(n.kind)} · {n.instrumentName}
                      {n.readAt ? '' : ' · unread'}
                    </Typography>
                    <MuiLink
                      component={Link}
                      href={notificationHref(n)}
                      underline="hover"
                      color="text.primary"
                      title={n.message}
                      sx={{
                        fontWeight: n.readAt ? 400 : 500,
                        overflowWrap: 'anywhere',
                        // Failure messages can be long (tool output): three lines, the rest on the run's page.
                        display: '-webkit-box',
                        WebkitLineClamp: 3,
                        WebkitBoxOrient: 'vertical',
                        overflow: 'hidden',
                      }}
                      onClick={() => {
                        setAnchor(null);
                        if (!n.readAt) void markRead(n, true);
                      }}
                    >
                      {n.message}
                    </MuiLink>
                    <Typography variant="caption" color="text.secondary" component="div">
                      {formatDateTime(n.createdAt)}
                    </Typography>
                  </Box>
                  <Box sx={{ display: 'flex', flexDirection: 'column', gap: 0.5, alignItems: 'flex-end', '& .MuiButton-root': { whiteSpace: 'nowrap' } }}>
                    {!n.readAt && (
                      <Button size="small" onClick={() => void markRead(n)} disabled={action.pending} aria-label={`Mark read: ${n.message}`}>
                        Mark read
                      </Button>
                    )}
                    <Button size="small" color="inherit" onClick={() => void dismiss(n)} disabled={action.pending} aria-label={`Dismiss: ${n.message}`}>
                      Dismiss
                    </Button>
                  </Box>
                </Box>
              ))}
            </Box>
          )}
        </Box>
        {list.kind === 'ok' && list.left > 0 && (
          <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, px: 2, py: 1 }}>
            <Typography variant="caption" color="text.secondary" component="p" role="status" sx={{ flexGrow: 1 }}>
              {list.older === 'failed'
                ? 'Older notifications could not be loaded.'
                : `${formatCount(list.left)} older ${list.left === 1 ? 'notification' : 'notifications'} not shown.`}
            </Typography>
            <Button size="small" onClick={() => void loadOlder()} loading={list.older === 'loading'}>
              {list.older === 'failed' ? 'Retry' : 'Show older'}
            </Button>
          </Box>
        )}
      </Popover>
      <Snackbar
        open={closedError && action.error !== null}
        // Stays until closed (its button, Escape), not gone with the next click elsewhere.
        onClose={(_event, reason) => reason !== 'clickaway' && setClosedError(false)}
        anchorOrigin={{ vertical: 'bottom', horizontal: 'right' }}
      >
        <Alert severity="error" role="alert" onClose={() => setClosedError(false)} sx={{ width: '100%' }}>
          The notification could not be marked read (it stays unread in the bell): {action.error?.message}
        </Alert>
      </Snackbar>
    </>
  );
}
