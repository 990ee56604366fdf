import { api } from '@/lib/api';
import type { UnreadCountDto } from '@/lib/api-types';

import { NotificationBellMenu } from './notification-bell-menu';

/**
 * The top bar's bell: the unread count comes with the page (no flash of "0"), then the menu
 * polls it. A failed read shows 0 and the next poll corrects it; the layout handles a lost session.
 */
export async function NotificationBell() {
  const result = await api('countUnreadNotifications', {});
  const initial: UnreadCountDto = result.kind === 'ok' ? result.data : { count: 0 };
  return <NotificationBellMenu initial={initial} />;
}
