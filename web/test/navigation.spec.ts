import { groupNavigation, isCurrentSection, navigationFor } from '../src/app/(admin)/navigation';

describe('the side navigation', () => {
  // Below `sm` the top bar hides the signed-in name that links to the account: the menu must have it.
  it.each(['user', 'admin'])('offers a %s their account, under its own heading', (role) => {
    const sections = groupNavigation(navigationFor(role));
    expect(sections.at(-1)).toEqual({ group: 'Account', items: [{ href: '/account', label: 'Your account', group: 'Account' }] });
  });

  it('marks the account as the current section on its token page too', () => {
    expect(isCurrentSection('/account', '/account/tokens')).toBe(true);
  });
});
