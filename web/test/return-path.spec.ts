import { returnPath } from '../src/lib/return-path';

describe('the page to return to after signing in', () => {
  it.each(['/runs?instrumentId=8a1c&offset=100', '/files/0b6e9c1e-6d7a-4bd3-9d1a-1f5c0f3f6c7e', '/audit?from=2026-12-01'])('keeps a page of the portal: %s', (path) => {
    expect(returnPath(path)).toBe(path);
  });

  it.each([
    ['another host', '//evil.example/x'],
    ['another host, as browsers read a backslash', '/\\evil.example'],
    ['a scheme', 'https://evil.example/'],
    ['javascript', 'javascript:alert(1)'],
    ['a relative path', 'runs'],
    ['a control character', '/runs\n/x'],
    ['the login page', '/login?next=/runs'],
    ['the dashboard (the default anyway)', '/'],
    ['nothing', undefined],
    ['several values', ['/runs', '/files']],
    ['too long', `/${'a'.repeat(3000)}`],
  ])('refuses %s', (_what, value) => {
    expect(returnPath(value)).toBeUndefined();
  });
});
