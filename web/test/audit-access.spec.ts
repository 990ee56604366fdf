import { projectMemberRows, splitUserRef } from '../src/app/(admin)/_access/access-data';
import {
  auditDiff,
  auditHref,
  changedFields,
  entityHref,
  entityName,
  formatAuditValue,
  NO_AUDIT_FILTERS,
  relationSummary,
  shortId,
} from '../src/app/(admin)/audit/audit-data';

describe('auditDiff', () => {
  it('compares field by field, nested objects by dotted path, in order of appearance', () => {
    const before = { name: 'nas', config: { host: 'a', port: 445 }, tags: ['x'], updatedAt: 't1' };
    const after = { name: 'nas', config: { host: 'b', port: 445, share: 'data' }, tags: ['x', 'y'], updatedAt: 't2' };
    expect(auditDiff(before, after)).toEqual([
      { field: 'name', change: 'unchanged', before: 'nas', after: 'nas' },
      { field: 'config.host', change: 'changed', before: 'a', after: 'b' },
      { field: 'config.port', change: 'unchanged', before: 445, after: 445 },
      { field: 'tags', change: 'changed', before: ['x'], after: ['x', 'y'] },
      { field: 'updatedAt', change: 'changed', before: 't1', after: 't2' },
      { field: 'config.share', change: 'added', after: 'data' },
    ]);
  });

  it('shows a creation as added fields and a removal as removed ones; secrets stay ***', () => {
    expect(auditDiff(null, { email: 'a@b.org', password: '***' })).toEqual([
      { field: 'email', change: 'added', after: 'a@b.org' },
      { field: 'password', change: 'added', after: '***' },
    ]);
    expect(auditDiff({ userId: 'u1' }, null)).toEqual([{ field: 'userId', change: 'removed', before: 'u1' }]);
    expect(auditDiff(null, null)).toEqual([]);
  });

  it('tells null from absent', () => {
    expect(auditDiff({ deletedAt: null }, { deletedAt: '2025-01-01' })).toEqual([{ field: 'deletedAt', change: 'changed', before: null, after: '2025-01-01' }]);
    expect(formatAuditValue(undefined)).toBe('—');
    expect(formatAuditValue(null)).toBe('none');
    expect(formatAuditValue('')).toBe('(empty)');
    expect(formatAuditValue({ a: 1 })).toBe('{"a":1}');
  });

  it('summarises an update by its changed fields, without updatedAt', () => {
    expect(changedFields(auditDiff({ name: 'a', description: 'd', updatedAt: 't1' }, { name: 'b', description: 'd', updatedAt: 't2' }))).toEqual(['name']);
  });
});

describe('audit helpers', () => {
  it('names the entity from its own state, never from the other side of a relation', () => {
    expect(entityName({ action: 'instrument.created', before: null, after: { name: 'krios-1' } })).toBe('krios-1');
    expect(entityName({ action: 'user.deleted', before: { email: 'a@b.org' }, after: null })).toBe('a@b.org');
    // A group's member_added carries the member's email; instrument.granted the grantee's name.
    expect(entityName({ action: 'group.member_added', before: null, after: { userId: 'u1', email: 'a@b.org' } })).toBeUndefined();
    expect(entityName({ action: 'instrument.granted', before: null, after: { kind: 'group', id: 'g1', name: 'microscopy' } })).toBeUndefined();
  });

  it('describes the other side of a relation', () => {
    expect(relationSummary({ action: 'group.member_added', before: null, after: { userId: 'u1', email: 'a@b.org' } })).toBe('user a@b.org');
    expect(relationSummary({ action: 'group.member_removed', before: { userId: 'u1' }, after: null })).toBe('user u1');
    expect(relationSummary({ action: 'instrument.granted', before: null, after: { kind: 'group', id: 'g1', name: 'microscopy' } })).toBe('group microscopy');
    expect(relationSummary({ action: 'project.member_removed', before: { kind: 'group', id: 'g1' }, after: null })).toBe('group g1');
    expect(relationSummary({ action: 'project.member_added', before: null, after: { kind: 'user', id: '7ce6b2b1-3d48-4b01-8a8b-0a214c969de9' } })).toBe('user 7ce6b2b1…');
    expect(relationSummary({ action: 'group.updated', before: { name: 'a' }, after: { name: 'b' } })).toBeUndefined();
  });

  it('shortens UUIDs only', () => {
    expect(shortId('8121c10c-4cab-4564-a3fb-4c4f2207bc3e')).toBe('8121c10c…');
    expect(shortId('42')).toBe('42');
  });

  it('builds filter links that keep the other filters and drop empty ones', () => {
    expect(auditHref(NO_AUDIT_FILTERS, {})).toBe('/audit');
    expect(auditHref({ ...NO_AUDIT_FILTERS, from: '2025-01-01' }, { actorUserId: 'u1' })).toBe('/audit?actorUserId=u1&from=2025-01-01');
  });
});

describe('audit entity links', () => {
  it('links every entity with a detail page, and leaves the others (tokens) as text', () => {
    expect(entityHref('schedule', 's1')).toBe('/schedules/s1');
    expect(entityHref('hook', 'h1')).toBe('/hooks/h1');
    expect(entityHref('storage_location', 'l1')).toBe('/storage/l1');
    expect(entityHref('service_account', 'a1')).toBe('/service-accounts/a1');
    expect(entityHref('user', 'u1')).toBe('/users/u1');
    expect(entityHref('api_token', 't1')).toBeUndefined();
  });
});

describe('project members', () => {
  it('lists users (name and email apart) before groups (with a link)', () => {
    expect(splitUserRef('Grace Hopper <grace@example.org>')).toEqual({ name: 'Grace Hopper', detail: 'grace@example.org' });
    expect(splitUserRef('microscopy')).toEqual({ name: 'microscopy' });
    expect(
      projectMemberRows([
        { kind: 'group', id: 'g1', name: 'microscopy' },
        { kind: 'user', id: 'u1', name: 'Ada <ada@example.org>' },
      ]),
    ).toEqual([
      { kind: 'user', id: 'u1', name: 'Ada', detail: 'ada@example.org' },
      { kind: 'group', id: 'g1', name: 'microscopy', href: '/groups/g1' },
    ]);
  });
});
