import type { CreateUserDto, UpdateUserDto, UserDto } from '@/lib/api-types';

/** Users: labels, options and the mapping between the user forms and the API's bodies. */

export type Role = UserDto['role'];

export const ROLES: readonly Role[] = ['user', 'admin'];

export const ROLE_LABELS: Record<Role, string> = {
  user: 'User',
  admin: 'Admin',
};

export const ROLE_HELP: Record<Role, string> = {
  user: 'Sees instruments, runs and files only through group and project grants.',
  admin: 'Sees and configures everything, including users and access.',
};

/** The user form's fields; `password` is write-only (on edit, empty keeps the current one). */
export interface UserFormValues {
  email: string;
  displayName: string;
  role: Role;
  enabled: boolean;
  password: string;
}

export function emptyUserForm(): UserFormValues {
  return { email: '', displayName: '', role: 'user', enabled: true, password: '' };
}

export function userFormFrom(user: UserDto): UserFormValues {
  return { email: user.email, displayName: user.displayName, role: user.role, enabled: !user.disabled, password: '' };
}

export function createUserBody(form: UserFormValues): CreateUserDto {
  return { email: form.email.trim(), displayName: form.displayName.trim(), role: form.role, password: form.password };
}

/**
 * Only what changed: an unchanged role is not sent, so editing one's own name is not refused
 * as "changing one's own role".
 */
export function userChanges(user: UserDto, form: UserFormValues): UpdateUserDto {
  const changes: UpdateUserDto = {};
  const email = form.email.trim();
  if (email.toLowerCase() !== user.email.toLowerCase()) changes.email = email;
  const displayName = form.displayName.trim();
  if (displayName !== user.displayName) changes.displayName = displayName;
  if (form.role !== user.role) changes.role = form.role;
  if (form.enabled === user.disabled) changes.disabled = !form.enabled;
  if (form.password !== '') changes.password = form.password;
  return changes;
}

export type UserState = 'active' | 'disabled' | 'deleted';

export function userState(user: Pick<UserDto, 'disabled' | 'deletedAt'>): UserState {
  if (user.deletedAt) return 'deleted';
  return user.disabled ? 'disabled' : 'active';
}

export const USER_STATE_LABELS: Record<UserState, string> = {
  active: 'Active',
  disabled: 'Disabled',
  deleted: 'Deleted',
};
