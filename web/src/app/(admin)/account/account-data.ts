import type { ApiError } from '@sheaf/contracts';

/**
 * What the password form checks before asking the API (which checks the rest, such as the
 * length and the current password). Shaped like the API's errors: shown and focused the same way.
 */
export function passwordChangeProblem(current: string, next: string, confirm: string): ApiError | null {
  const problem = (field: string, message: string): ApiError => ({ statusCode: 400, code: 'validation_failed', message, field });
  if (current === '') return problem('currentPassword', 'Enter your current password.');
  if (next === '') return problem('newPassword', 'Enter a new password.');
  if (next !== confirm) return problem('confirmPassword', 'The two new passwords differ.');
  if (next === current) return problem('newPassword', 'The new password is the same as the current one.');
  return null;
}
