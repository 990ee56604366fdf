import { hookChanges, type HookFields } from '../src/app/(admin)/hooks/hook-data';

describe('hookChanges: what saving an edited hook sends', () => {
  const hook = { name: 'older rules', phase: 'pre' as const, instrumentId: 'f6b7c1de-0000-4000-8000-000000000001', priority: 100, enabled: true };
  const form: HookFields = { ...hook, config: { rules: [{ source: 'path', pattern: '(?<=raw/)(?<sample>S\\d+)' }] } };

  it('sends only the switch when only Enabled was turned off, not the config or the instrument', () => {
    expect(hookChanges(hook, { ...form, enabled: false }, false)).toEqual({ enabled: false });
  });

  it('sends the config when its inputs were edited, and each changed field', () => {
    const config = { rules: [{ source: 'path', pattern: 'raw/(?<sample>S\\d+)' }] };
    expect(hookChanges(hook, { ...form, name: 'rules', priority: 5, instrumentId: null, config }, true)).toEqual({ name: 'rules', priority: 5, instrumentId: null, config });
  });

  it('sends a typed secret, and nothing for an unchanged form', () => {
    expect(hookChanges(hook, form, false)).toEqual({});
    expect(hookChanges(hook, { ...form, secret: 'a new signing secret' }, false)).toEqual({ secret: 'a new signing secret' });
  });
});
