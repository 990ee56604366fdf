import { passwordChangeProblem } from '../src/app/(admin)/account/account-data';
import { createTokenBody, emptyTokenForm, tokenFormProblem, tokenState } from '../src/app/(admin)/account/tokens/tokens-data';

const NOW = new Date('2025-06-14T10:00:00Z');

describe('tokenState', () => {
  it('is active until it expires, and revoked wins over expired', () => {
    expect(tokenState({ expiresAt: null, revokedAt: null }, NOW)).toBe('active');
    expect(tokenState({ expiresAt: '2025-06-14T10:00:01Z', revokedAt: null }, NOW)).toBe('active');
    expect(tokenState({ expiresAt: '2025-06-14T10:00:00Z', revokedAt: null }, NOW)).toBe('expired');
    expect(tokenState({ expiresAt: '2025-01-01T00:00:00Z', revokedAt: '2024-12-01T00:00:00Z' }, NOW)).toBe('revoked');
  });
});

describe('the new token form', () => {
  it('sends days as a number, and no expiry when the field is empty', () => {
    expect(createTokenBody({ name: ' LIMS ', scope: 'harvest', expiresInDays: ' 30 ' })).toEqual({ name: 'LIMS', scope: 'harvest', expiresInDays: 30 });
    expect(createTokenBody({ name: 'LIMS', scope: 'read', expiresInDays: '' })).toEqual({ name: 'LIMS', scope: 'read' });
    expect(emptyTokenForm().scope).toBe('read');
  });

  it('refuses days that are not a whole number from 1 to 3650, naming the field', () => {
    for (const days of ['0', '-1', '1.5', 'abc', '3651', '1e3']) {
      expect(tokenFormProblem({ name: 'x', scope: 'read', expiresInDays: days })?.field).toBe('expiresInDays');
    }
    for (const days of ['', '1', '90', '3650']) {
      expect(tokenFormProblem({ name: 'x', scope: 'read', expiresInDays: days })).toBeNull();
    }
  });
});

describe('passwordChangeProblem', () => {
  it('names the field to fix', () => {
    expect(passwordChangeProblem('', 'new-password', 'new-password')?.field).toBe('currentPassword');
    expect(passwordChangeProblem('old-password', '', '')?.field).toBe('newPassword');
    expect(passwordChangeProblem('old-password', 'new-password', 'new-passw0rd')?.field).toBe('confirmPassword');
    expect(passwordChangeProblem('same-password', 'same-password', 'same-password')?.field).toBe('newPassword');
    expect(passwordChangeProblem('old-password', 'new-password', 'new-password')).toBeNull();
  });
});
