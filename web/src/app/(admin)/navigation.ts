/** The portal's navigation: one entry per section of the admin area. */
export interface NavigationItem {
  href: string;
  label: string;
  /** Hidden from users; the API refuses them anyway (403/404). */
  adminOnly?: boolean;
}

export const NAVIGATION: readonly NavigationItem[] = [
  { href: '/', label: 'Dashboard' },
  { href: '/instruments', label: 'Instruments' },
  { href: '/runs', label: 'Runs' },
  { href: '/files', label: 'Files' },
  { href: '/schedules', label: 'Schedules' },
  { href: '/hooks', label: 'Hooks', adminOnly: true },
  { href: '/storage', label: 'Storage', adminOnly: true },
  { href: '/service-accounts', label: 'Service accounts', adminOnly: true },
  { href: '/users', label: 'Users', adminOnly: true },
  { href: '/groups', label: 'Groups', adminOnly: true },
  { href: '/projects', label: 'Projects', adminOnly: true },
  { href: '/audit', label: 'Audit', adminOnly: true },
];

export function navigationFor(role: string): readonly NavigationItem[] {
  return NAVIGATION.filter((item) => !item.adminOnly || role === 'admin');
}
