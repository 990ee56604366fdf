/** The portal's navigation: one entry per section of the admin area. */
export interface NavigationItem {
  href: string;
  label: string;
}

export const NAVIGATION: readonly NavigationItem[] = [{ href: '/', label: 'Dashboard' }];
