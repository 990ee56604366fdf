import type { UserDto } from '../src/lib/api-types';
import { createUserBody, userChanges, userFormFrom, userState } from '../src/app/(admin)/users/users-data';

const USER: UserDto = {
  id: 'u1',
  email: 'grace@example.org',
  displayName: 'Grace Hopper',
  role: 'user',
  disabled: false,
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
  deletedAt: null,
};

describe('userChanges', () => {
  it('sends nothing when nothing changed, so saving one’s own row never touches the role', () => {
    expect(userChanges(USER, userFormFrom(USER))).toEqual({});
  });

  it('sends only the changed fields, trimmed', () => {
    const form = { ...userFormFrom(USER), displayName: '  Grace B. Hopper ', role: 'admin' as const };
    expect(userChanges(USER, form)).toEqual({ displayName: 'Grace B. Hopper', role: 'admin' });
  });

  it('maps the enabled switch to the API’s disabled flag', () => {
    expect(userChanges(USER, { ...userFormFrom(USER), enabled: false })).toEqual({ disabled: true });
    const disabled = { ...USER, disabled: true };
    expect(userChanges(disabled, { ...userFormFrom(disabled), enabled: true })).toEqual({ disabled: false });
  });

  it('ignores a change of case in the email (the API stores it lower-case) but sends a new address', () => {
    expect(userChanges(USER, { ...userFormFrom(USER), email: 'Grace@Example.org' })).toEqual({});
    expect(userChanges(USER, { ...userFormFrom(USER), email: ' ada@example.org ' })).toEqual({ email: 'ada@example.org' });
  });

  it('sends a password only when one was typed', () => {
    expect(userChanges(USER, { ...userFormFrom(USER), password: 'correct horse' })).toEqual({ password: 'correct horse' });
    expect(userFormFrom(USER).password).toBe('');
  });
});

describe('createUserBody', () => {
  it('trims the names but not the password', () => {
    expect(createUserBody({ email: ' a@b.org ', displayName: ' Ada ', role: 'admin', enabled: true, password: ' secret pw ' })).toEqual({
      email: 'a@b.org',
      displayName: 'Ada',
      role: 'admin',
      password: ' secret pw ',
    });
  });
});

describe('userState', () => {
  it('puts deleted before disabled', () => {
    expect(userState({ disabled: false, deletedAt: null })).toBe('active');
    expect(userState({ disabled: true, deletedAt: null })).toBe('disabled');
    expect(userState({ disabled: true, deletedAt: '2025-01-02T00:00:00.000Z' })).toBe('deleted');
  });
});
