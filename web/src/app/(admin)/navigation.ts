/** The sections of the side navigation, in the order they are shown. */
export const NAVIGATION_GROUPS = ['Harvest', 'Configuration', 'Access', 'Account'] as const;
export type NavigationGroup = (typeof NAVIGATION_GROUPS)[number];

/** The portal's navigation: one entry per section of the admin area. */
export interface NavigationItem {
  href: string;
  label: string;
  group: NavigationGroup;
  /** Hidden from users; the API refuses them anyway (403/404). */
  adminOnly?: boolean;
}

export const NAVIGATION: readonly NavigationItem[] = [
  { href: '/', label: 'Dashboard', group: 'Harvest' },
  { href: '/instruments', label: 'Instruments', group: 'Harvest' },
  { href: '/runs', label: 'Runs', group: 'Harvest' },
  { href: '/files', label: 'Files', group: 'Harvest' },
  { href: '/schedules', label: 'Schedules', group: 'Harvest' },
  { href: '/hooks', label: 'Hooks', group: 'Configuration', adminOnly: true },
  { href: '/storage', label: 'Storage', group: 'Configuration', adminOnly: true },
  { href: '/service-accounts', label: 'Service accounts', group: 'Configuration', adminOnly: true },
  { href: '/users', label: 'Users', group: 'Access', adminOnly: true },
  { href: '/groups', label: 'Groups', group: 'Access', adminOnly: true },
  { href: '/projects', label: 'Projects', group: 'Access', adminOnly: true },
  { href: '/audit', label: 'Audit', group: 'Access', adminOnly: true },
  // Also the top bar's name, which narrow screens have no room for: there the menu is the way in.
  { href: '/account', label: 'Your account', group: 'Account' },
];

export function navigationFor(role: string): readonly NavigationItem[] {
  return NAVIGATION.filter((item) => !item.adminOnly || role === 'admin');
}

/** `items` under their group headings, in NAVIGATION_GROUPS order; empty groups are left out. */
export function groupNavigation(items: readonly NavigationItem[]): Array<{ group: NavigationGroup; items: NavigationItem[] }> {
  return NAVIGATION_GROUPS.map((group) => ({ group, items: items.filter((item) => item.group === group) })).filter(
    (section) => section.items.length > 0,
  );
}

/** Whether `href` is the section of `pathname` (the dashboard only for itself, others for their sub-pages too). */
export function isCurrentSection(href: string, pathname: string): boolean {
  return href === '/' ? pathname === '/' : pathname === href || pathname.startsWith(`${href}/`);
}
