import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createTemporalTestEnv, createTestDatabase, type TemporalTestEnv, type TestDatabase } from '@sheaf/test-harness';
import { createTestApp } from './app';
import { PASSWORD, as, createCaller, createInstrumentRow, seedHarvestedFile, type Caller, type SeededFile } from './fixtures';

/**
 * Every route × {anonymous, user without a grant, user with a grant, admin}, with the exact
 * status each gets. Admin-only routes answer 403 to users; instruments, runs, files, schedules,
 * notifications and ARK metadata out of a user's scope answer 404. Write routes act on a fresh
 * resource per call, so the outcome of one call never decides another's.
 */
const CALLERS = ['anonymous', 'outsider', 'granted', 'admin'] as const;
type CallerName = (typeof CALLERS)[number];
type Method = 'get' | 'post' | 'patch' | 'put' | 'delete';

interface Request {
  method: Method;
  url: string;
  body?: object;
  /** Sent instead of the caller's usual credentials (a session made for this request alone). */
  authorization?: string;
}

interface Case {
  route: string;
  /** Builds the request for one caller (creating the resource it acts on when it needs a fresh one). */
  request: (caller: CallerName) => Promise<Request> | Request;
  /** Status for anonymous, outsider, granted, admin. */
  expect: [number, number, number, number];
}

const ADMIN_ONLY_READ: Case['expect'] = [401, 403, 403, 200];
const ADMIN_ONLY_CREATE: Case['expect'] = [401, 403, 403, 201];
const ANY_USER: Case['expect'] = [401, 200, 200, 200];
const SCOPED: Case['expect'] = [401, 404, 200, 200];

describe('authorization matrix: every route for every kind of caller', () => {
  let db: TestDatabase;
  let env: TemporalTestEnv;
  let app: NestExpressApplication;
  const callers = {} as Record<Exclude<CallerName, 'anonymous'>, Caller>;
  let groupId: string;
  let otherGroupId: string;
  let projectId: string;
  let instrumentId: string;
  let seeded: SeededFile;
  let scheduleId: string;
  let notificationId: string;
  let serial = 0;

  const admin = () => as(app, callers.admin);
  const unique = (prefix: string) => `${prefix}-${++serial}`;
  const callerOf = (name: CallerName) => (name === 'anonymous' ? undefined : callers[name]);
  const created = async (url: string, body: object): Promise<string> => (await admin().post(url, body).expect(201)).body.id as string;

  /** An instrument granted to the granted user's group, with a destination: ready to harvest. */
  const freshInstrument = async (): Promise<string> => {
    const id = await created('/api/instruments', {
      name: unique('inst'),
      sourceType: 'local',
      sourceConfig: { path: '/tmp' },
      destinations: [{ storageLocationId: seeded.storageLocationId }],
    });
    await admin().put(`/api/instruments/${id}/grants/groups/${groupId}`).expect(200);
    return id;
  };
  const freshUser = async () => created('/api/users', { email: `${unique('u')}@example.org`, displayName: 'U', password: 'password-123' });
  const freshGroup = async () => created('/api/groups', { name: unique('group') });
  const freshProject = async () => created('/api/projects', { name: unique('project') });
  const freshAccount = async () => created('/api/service-accounts', { name: unique('account'), username: 'svc', password: 'secret' });
  const freshStorage = async () => created('/api/storage-locations', { name: unique('storage'), type: 'posix', config: { path: '/tmp' } });
  const freshHook = async () => created('/api/hooks', { name: unique('hook'), phase: 'pre', kind: 'filter', config: { exclude: ['**/*.tmp'] } });
  // A minute of its own each: an instrument has one live schedule per cron and time zone.
  let schedules = 0;
  const freshSchedule = async (enabled = true) => created('/api/schedules', { instrumentId, cron: `${schedules++ % 60} 3 1 1 *`, enabled });
  const deleted = async (kind: string, make: () => Promise<string>) => {
    const id = await make();
    await admin().delete(`/api/${kind}/${id}`).expect(200);
    return id;
  };
  const freshFailedRun = async (): Promise<string> => {
    const [run] = (await db.dataSource.query(
      `INSERT INTO harvest_runs (instrument_id, status, trigger, error) VALUES ($1, 'failed', 'manual', 'source unreachable') RETURNING id`,
      [instrumentId],
    )) as Array<{ id: string }>;
    const [notification] = (await db.dataSource.query(`SELECT id FROM notifications WHERE run_id = $1`, [run.id])) as Array<{ id: string }>;
    return notification.id;
  };

  const cases: Case[] = [
    // Operations
    { route: 'GET /health', request: () => ({ method: 'get', url: '/health' }), expect: [200, 200, 200, 200] },
    { route: 'GET /ready', request: () => ({ method: 'get', url: '/ready' }), expect: [200, 200, 200, 200] },
    { route: 'GET /metrics', request: () => ({ method: 'get', url: '/metrics' }), expect: [200, 200, 200, 200] },

    // Auth and API tokens
    {
      route: 'POST /api/auth/login',
      request: () => ({ method: 'post', url: '/api/auth/login', body: { email: 'granted@example.org', password: PASSWORD } }),
      expect: [200, 200, 200, 200],
    },
    {
      route: 'POST /api/auth/logout',
      // A session of its own, signed in for this call: the caller's usual one goes on for the other cases.
      request: async (caller) => {
        const who = callerOf(caller);
        if (!who) return { method: 'post', url: '/api/auth/logout' };
        const fresh = await request(app.getHttpServer()).post('/api/auth/login').send({ email: who.email, password: PASSWORD }).expect(200);
        return { method: 'post', url: '/api/auth/logout', authorization: `Bearer ${fresh.body.accessToken as string}` };
      },
      expect: [401, 204, 204, 204],
    },
    { route: 'GET /api/auth/me', request: () => ({ method: 'get', url: '/api/auth/me' }), expect: ANY_USER },
    { route: 'PATCH /api/auth/me', request: () => ({ method: 'patch', url: '/api/auth/me', body: { displayName: 'Renamed' } }), expect: ANY_USER },
    { route: 'GET /api/auth/tokens', request: () => ({ method: 'get', url: '/api/auth/tokens' }), expect: ANY_USER },
    {
      route: 'POST /api/auth/tokens',
      request: () => ({ method: 'post', url: '/api/auth/tokens', body: { name: 'integration', scope: 'read' } }),
      expect: [401, 201, 201, 201],
    },
    {
      route: 'DELETE /api/auth/tokens/:id (own token)',
      request: async (caller) => {
        const who = callerOf(caller);
        const id = who ? ((await as(app, who).post('/api/auth/tokens', { name: 'temp', scope: 'read' }).expect(201)).body.id as string) : crypto.randomUUID();
        return { method: 'delete', url: `/api/auth/tokens/${id}` };
      },
      expect: ANY_USER,
    },
    {
      route: "DELETE /api/auth/tokens/:id (another user's token)",
      request: async () => {
        const id = (await admin().post('/api/auth/tokens', { name: 'admins', scope: 'read' }).expect(201)).body.id as string;
        return { method: 'delete', url: `/api/auth/tokens/${id}` };
      },
      // An admin's own token, so admin revokes it; everyone else cannot see it.
      expect: [401, 404, 404, 200],
    },

    // Users
    { route: 'GET /api/users', request: () => ({ method: 'get', url: '/api/users' }), expect: ADMIN_ONLY_READ },
    { route: 'GET /api/users/:id', request: () => ({ method: 'get', url: `/api/users/${callers.granted.id}` }), expect: ADMIN_ONLY_READ },
    {
      route: 'POST /api/users',
      request: () => ({ method: 'post', url: '/api/users', body: { email: `${unique('new')}@example.org`, displayName: 'New', password: 'password-123' } }),
      expect: ADMIN_ONLY_CREATE,
    },
    { route: 'PATCH /api/users/:id', request: async () => ({ method: 'patch', url: `/api/users/${await freshUser()}`, body: { displayName: 'Renamed' } }), expect: ADMIN_ONLY_READ },
    { route: 'DELETE /api/users/:id', request: async () => ({ method: 'delete', url: `/api/users/${await freshUser()}` }), expect: ADMIN_ONLY_READ },
    {
      route: 'POST /api/users/:id/restore',
      request: async () => ({ method: 'post', url: `/api/users/${await deleted('users', freshUser)}/restore` }),
      expect: ADMIN_ONLY_READ,
    },
    { route: 'GET /api/users/:id/tokens', request: () => ({ method: 'get', url: `/api/users/${callers.granted.id}/tokens` }), expect: ADMIN_ONLY_READ },
    {
      route: 'DELETE /api/users/:id/tokens/:tokenId',
      request: async () => {
        const id = (await as(app, callers.granted).post('/api/auth/tokens', { name: 'to revoke', scope: 'read' }).expect(201)).body.id as string;
        return { method: 'delete', url: `/api/users/${callers.granted.id}/tokens/${id}` };
      },
      expect: ADMIN_ONLY_READ,
    },

    // Groups
    { route: 'GET /api/groups', request: () => ({ method: 'get', url: '/api/groups' }), expect: ADMIN_ONLY_READ },
    { route: 'GET /api/groups/:id', request: () => ({ method: 'get', url: `/api/groups/${groupId}` }), expect: ADMIN_ONLY_READ },
    { route: 'POST /api/groups', request: () => ({ method: 'post', url: '/api/groups', body: { name: unique('g') } }), expect: ADMIN_ONLY_CREATE },
    { route: 'PATCH /api/groups/:id', request: async () => ({ method: 'patch', url: `/api/groups/${await freshGroup()}`, body: { description: 'd' } }), expect: ADMIN_ONLY_READ },
    { route: 'DELETE /api/groups/:id', request: async () => ({ method: 'delete', url: `/api/groups/${await freshGroup()}` }), expect: ADMIN_ONLY_READ },
    {
      route: 'POST /api/groups/:id/restore',
      request: async () => ({ method: 'post', url: `/api/groups/${await deleted('groups', freshGroup)}/restore` }),
      expect: ADMIN_ONLY_READ,
    },
    {
      route: 'PUT /api/groups/:id/members/:userId',
      request: async () => ({ method: 'put', url: `/api/groups/${await freshGroup()}/members/${callers.outsider.id}` }),
      expect: ADMIN_ONLY_READ,
    },
    {
      route: 'DELETE /api/groups/:id/members/:userId',
      request: async () => {
        const id = await freshGroup();
        await admin().put(`/api/groups/${id}/members/${callers.outsider.id}`).expect(200);
        return { method: 'delete', url: `/api/groups/${id}/members/${callers.outsider.id}` };
      },
      expect: ADMIN_ONLY_READ,
    },

    // Projects
    { route: 'GET /api/projects', request: () => ({ method: 'get', url: '/api/projects' }), expect: ADMIN_ONLY_READ },
    { route: 'GET /api/projects/:id', request: () => ({ method: 'get', url: `/api/projects/${projectId}` }), expect: ADMIN_ONLY_READ },
    { route: 'POST /api/projects', request: () => ({ method: 'post', url: '/api/projects', body: { name: unique('p') } }), expect: ADMIN_ONLY_CREATE },
    { route: 'PATCH /api/projects/:id', request: async () => ({ method: 'patch', url: `/api/projects/${await freshProject()}`, body: { description: 'd' } }), expect: ADMIN_ONLY_READ },
    { route: 'DELETE /api/projects/:id', request: async () => ({ method: 'delete', url: `/api/projects/${await freshProject()}` }), expect: ADMIN_ONLY_READ },
    {
      route: 'POST /api/projects/:id/restore',
      request: async () => ({ method: 'post', url: `/api/projects/${await deleted('projects', freshProject)}/restore` }),
      expect: ADMIN_ONLY_READ,
    },
    {
      route: 'PUT /api/projects/:id/members/users/:userId',
      request: async () => ({ method: 'put', url: `/api/projects/${await freshProject()}/members/users/${callers.outsider.id}` }),
      expect: ADMIN_ONLY_READ,
    },
    {
      route: 'DELETE /api/projects/:id/members/users/:userId',
      request: async () => {
        const id = await freshProject();
        await admin().put(`/api/projects/${id}/members/users/${callers.outsider.id}`).expect(200);
        return { method: 'delete', url: `/api/projects/${id}/members/users/${callers.outsider.id}` };
      },
      expect: ADMIN_ONLY_READ,
    },
    {
      route: 'PUT /api/projects/:id/members/groups/:groupId',
      request: async () => ({ method: 'put', url: `/api/projects/${await freshProject()}/members/groups/${otherGroupId}` }),
      expect: ADMIN_ONLY_READ,
    },
    {
      route: 'DELETE /api/projects/:id/members/groups/:groupId',
      request: async () => {
        const id = await freshProject();
        await admin().put(`/api/projects/${id}/members/groups/${otherGroupId}`).expect(200);
        return { method: 'delete', url: `/api/projects/${id}/members/groups/${otherGroupId}` };
      },
      expect: ADMIN_ONLY_READ,
    },

    // Service accounts
    { route: 'GET /api/service-accounts', request: () => ({ method: 'get', url: '/api/service-accounts' }), expect: ADMIN_ONLY_READ },
    { route: 'GET /api/service-accounts/:id', request: async () => ({ method: 'get', url: `/api/service-accounts/${await freshAccount()}` }), expect: ADMIN_ONLY_READ },
    {
      route: 'POST /api/service-accounts',
      request: () => ({ method: 'post', url: '/api/service-accounts', body: { name: unique('sa'), username: 'svc', password: 'pw' } }),
      expect: ADMIN_ONLY_CREATE,
    },
    {
      route: 'PATCH /api/service-accounts/:id',
      request: async () => ({ method: 'patch', url: `/api/service-accounts/${await freshAccount()}`, body: { domain: 'LAB' } }),
      expect: ADMIN_ONLY_READ,
    },
    { route: 'DELETE /api/service-accounts/:id', request: async () => ({ method: 'delete', url: `/api/service-accounts/${await freshAccount()}` }), expect: ADMIN_ONLY_READ },
    {
      route: 'POST /api/service-accounts/:id/restore',
      request: async () => ({ method: 'post', url: `/api/service-accounts/${await deleted('service-accounts', freshAccount)}/restore` }),
      expect: ADMIN_ONLY_READ,
    },

    // Storage locations
    { route: 'GET /api/storage-locations', request: () => ({ method: 'get', url: '/api/storage-locations' }), expect: ADMIN_ONLY_READ },
    { route: 'GET /api/storage-locations/:id', request: () => ({ method: 'get', url: `/api/storage-locations/${seeded.storageLocationId}` }), expect: ADMIN_ONLY_READ },
    {
      route: 'POST /api/storage-locations',
      request: () => ({ method: 'post', url: '/api/storage-locations', body: { name: unique('st'), type: 'posix', config: { path: '/tmp' } } }),
      expect: ADMIN_ONLY_CREATE,
    },
    {
      route: 'PATCH /api/storage-locations/:id',
      request: async () => ({ method: 'patch', url: `/api/storage-locations/${await freshStorage()}`, body: { name: unique('renamed') } }),
      expect: ADMIN_ONLY_READ,
    },
    { route: 'DELETE /api/storage-locations/:id', request: async () => ({ method: 'delete', url: `/api/storage-locations/${await freshStorage()}` }), expect: ADMIN_ONLY_READ },
    {
      route: 'POST /api/storage-locations/:id/restore',
      request: async () => ({ method: 'post', url: `/api/storage-locations/${await deleted('storage-locations', freshStorage)}/restore` }),
      expect: ADMIN_ONLY_READ,
    },
    { route: 'POST /api/storage-locations/:id/test', request: () => ({ method: 'post', url: `/api/storage-locations/${seeded.storageLocationId}/test` }), expect: ADMIN_ONLY_READ },

    // Instruments
    { route: 'GET /api/instruments', request: () => ({ method: 'get', url: '/api/instruments' }), expect: ANY_USER },
    { route: 'GET /api/instruments/:id', request: () => ({ method: 'get', url: `/api/instruments/${instrumentId}` }), expect: SCOPED },
    {
      route: 'POST /api/instruments',
      request: () => ({ method: 'post', url: '/api/instruments', body: { name: unique('i'), sourceType: 'local', sourceConfig: { path: '/tmp' } } }),
      expect: ADMIN_ONLY_CREATE,
    },
    { route: 'PATCH /api/instruments/:id', request: async () => ({ method: 'patch', url: `/api/instruments/${await freshInstrument()}`, body: { location: 'Lab 2' } }), expect: [401, 403, 403, 200] },
    { route: 'DELETE /api/instruments/:id', request: async () => ({ method: 'delete', url: `/api/instruments/${await freshInstrument()}` }), expect: [401, 403, 403, 200] },
    {
      route: 'POST /api/instruments/:id/restore',
      request: async () => ({ method: 'post', url: `/api/instruments/${await deleted('instruments', freshInstrument)}/restore` }),
      expect: ADMIN_ONLY_READ,
    },
    { route: 'POST /api/instruments/:id/test', request: () => ({ method: 'post', url: `/api/instruments/${instrumentId}/test` }), expect: ADMIN_ONLY_READ },
    {
      route: 'PUT /api/instruments/:id/grants/groups/:groupId',
      request: async () => ({ method: 'put', url: `/api/instruments/${await freshInstrument()}/grants/groups/${otherGroupId}` }),
      expect: ADMIN_ONLY_READ,
    },
    {
      route: 'DELETE /api/instruments/:id/grants/groups/:groupId',
      request: async () => ({ method: 'delete', url: `/api/instruments/${await freshInstrument()}/grants/groups/${groupId}` }),
      expect: ADMIN_ONLY_READ,
    },
    {
      route: 'PUT /api/instruments/:id/grants/projects/:projectId',
      request: async () => ({ method: 'put', url: `/api/instruments/${await freshInstrument()}/grants/projects/${projectId}` }),
      expect: ADMIN_ONLY_READ,
    },
    {
      route: 'DELETE /api/instruments/:id/grants/projects/:projectId',
      request: async () => {
        const id = await freshInstrument();
        await admin().put(`/api/instruments/${id}/grants/projects/${projectId}`).expect(200);
        return { method: 'delete', url: `/api/instruments/${id}/grants/projects/${projectId}` };
      },
      expect: ADMIN_ONLY_READ,
    },

    // Hooks
    { route: 'GET /api/hooks/kinds', request: () => ({ method: 'get', url: '/api/hooks/kinds' }), expect: ADMIN_ONLY_READ },
    { route: 'GET /api/hooks', request: () => ({ method: 'get', url: '/api/hooks' }), expect: ADMIN_ONLY_READ },
    { route: 'GET /api/hooks/:id', request: async () => ({ method: 'get', url: `/api/hooks/${await freshHook()}` }), expect: ADMIN_ONLY_READ },
    {
      route: 'POST /api/hooks',
      request: () => ({ method: 'post', url: '/api/hooks', body: { name: 'h', phase: 'post', kind: 'metadata', config: { rules: [{ source: 'path', pattern: '^(?<project>[^/]+)/' }] } } }),
      expect: ADMIN_ONLY_CREATE,
    },
    { route: 'PATCH /api/hooks/:id', request: async () => ({ method: 'patch', url: `/api/hooks/${await freshHook()}`, body: { priority: 5 } }), expect: ADMIN_ONLY_READ },
    { route: 'DELETE /api/hooks/:id', request: async () => ({ method: 'delete', url: `/api/hooks/${await freshHook()}` }), expect: ADMIN_ONLY_READ },
    { route: 'POST /api/hooks/:id/restore', request: async () => ({ method: 'post', url: `/api/hooks/${await deleted('hooks', freshHook)}/restore` }), expect: ADMIN_ONLY_READ },

    // Harvests
    {
      route: 'POST /api/harvests',
      request: async () => ({ method: 'post', url: '/api/harvests', body: { instrumentId: await freshInstrument() } }),
      expect: [401, 404, 201, 201],
    },
    { route: 'GET /api/harvests', request: () => ({ method: 'get', url: '/api/harvests' }), expect: ANY_USER },
    { route: 'GET /api/harvests/:id', request: () => ({ method: 'get', url: `/api/harvests/${seeded.runId}` }), expect: SCOPED },
    { route: 'GET /api/harvests/:id/failures', request: () => ({ method: 'get', url: `/api/harvests/${seeded.runId}/failures` }), expect: SCOPED },
    {
      route: 'POST /api/harvests/:id/cancel',
      request: async () => {
        const started = await admin().post('/api/harvests', { instrumentId: await freshInstrument() }).expect(201);
        return { method: 'post', url: `/api/harvests/${started.body.runId as string}/cancel` };
      },
      expect: [401, 404, 202, 202],
    },

    // Files, transfers, ARKs
    { route: 'GET /api/files', request: () => ({ method: 'get', url: '/api/files' }), expect: ANY_USER },
    { route: 'GET /api/files/:id', request: () => ({ method: 'get', url: `/api/files/${seeded.fileVersionId}` }), expect: SCOPED },
    { route: 'GET /api/transfers', request: () => ({ method: 'get', url: '/api/transfers' }), expect: ANY_USER },
    { route: 'GET /ark:{naan}/{name}', request: () => ({ method: 'get', url: `/${seeded.ark}` }), expect: [302, 302, 302, 302] },
    { route: 'GET /ark:{naan}/{name}?info', request: () => ({ method: 'get', url: `/${seeded.ark}?info` }), expect: [401, 404, 200, 200] },

    // Audit
    { route: 'GET /api/audit', request: () => ({ method: 'get', url: '/api/audit' }), expect: ADMIN_ONLY_READ },

    // Notifications
    { route: 'GET /api/notifications', request: () => ({ method: 'get', url: '/api/notifications' }), expect: ANY_USER },
    { route: 'GET /api/notifications/unread-count', request: () => ({ method: 'get', url: '/api/notifications/unread-count' }), expect: ANY_USER },
    { route: 'POST /api/notifications/read-all', request: () => ({ method: 'post', url: '/api/notifications/read-all' }), expect: ANY_USER },
    { route: 'POST /api/notifications/:id/read', request: () => ({ method: 'post', url: `/api/notifications/${notificationId}/read` }), expect: SCOPED },
    { route: 'POST /api/notifications/:id/dismiss', request: async () => ({ method: 'post', url: `/api/notifications/${await freshFailedRun()}/dismiss` }), expect: SCOPED },

    // Schedules
    { route: 'GET /api/schedules', request: () => ({ method: 'get', url: '/api/schedules' }), expect: ANY_USER },
    { route: 'GET /api/schedules/:id', request: () => ({ method: 'get', url: `/api/schedules/${scheduleId}` }), expect: SCOPED },
    { route: 'POST /api/schedules', request: () => ({ method: 'post', url: '/api/schedules', body: { instrumentId, cron: '0 4 1 1 *' } }), expect: ADMIN_ONLY_CREATE },
    { route: 'PATCH /api/schedules/:id', request: async () => ({ method: 'patch', url: `/api/schedules/${await freshSchedule()}`, body: { enabled: false } }), expect: ADMIN_ONLY_READ },
    { route: 'DELETE /api/schedules/:id', request: async () => ({ method: 'delete', url: `/api/schedules/${await freshSchedule()}` }), expect: ADMIN_ONLY_READ },
    {
      route: 'POST /api/schedules/:id/restore',
      request: async () => ({ method: 'post', url: `/api/schedules/${await deleted('schedules', () => freshSchedule())}/restore` }),
      expect: ADMIN_ONLY_READ,
    },
    { route: 'POST /api/schedules/:id/sync', request: () => ({ method: 'post', url: `/api/schedules/${scheduleId}/sync` }), expect: ADMIN_ONLY_READ },
    { route: 'POST /api/schedules/:id/run', request: async () => ({ method: 'post', url: `/api/schedules/${await freshSchedule(false)}/run` }), expect: ADMIN_ONLY_READ },
    {
      route: 'POST /api/schedules/:id/backfill',
      request: async () => {
        const to = new Date(Date.now() - 60_000);
        return { method: 'post', url: `/api/schedules/${await freshSchedule(false)}/backfill`, body: { from: new Date(to.getTime() - 3600_000).toISOString(), to: to.toISOString() } };
      },
      expect: ADMIN_ONLY_READ,
    },
  ];

  beforeAll(async () => {
    [db, env] = await Promise.all([createTestDatabase(), createTemporalTestEnv()]);
    app = await createTestApp(db.url, env.address);
    callers.admin = await createCaller(app, db.dataSource, 'admin@example.org', 'admin');
    callers.granted = await createCaller(app, db.dataSource, 'granted@example.org', 'user');
    callers.outsider = await createCaller(app, db.dataSource, 'outsider@example.org', 'user');
    groupId = await created('/api/groups', { name: 'microscopy' });
    otherGroupId = await created('/api/groups', { name: 'genomics' });
    projectId = await created('/api/projects', { name: 'atlas' });
    await admin().put(`/api/groups/${groupId}/members/${callers.granted.id}`).expect(200);
    await admin().put(`/api/groups/${otherGroupId}/members/${callers.outsider.id}`).expect(200);
    instrumentId = (await createInstrumentRow(db.dataSource, 'krios-1')).id;
    await admin().put(`/api/instruments/${instrumentId}/grants/groups/${groupId}`).expect(200);
    seeded = await seedHarvestedFile(db.dataSource, instrumentId);
    scheduleId = await freshSchedule(false);
    notificationId = await freshFailedRun();
  });

  afterAll(async () => {
    await app?.close();
    await env?.teardown();
    await db?.drop();
  });

  it('covers every route the API serves', () => {
    const served = new Set<string>();
    const router = (app.getHttpAdapter().getInstance() as { router: { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> } }).router;
    for (const layer of router.stack) {
      if (!layer.route) continue;
      for (const method of Object.keys(layer.route.methods)) served.add(`${method.toUpperCase()} ${layer.route.path}`);
    }
    const covered = new Set(
      cases.map((c) =>
        c.route
          .replace(/ \(.*\)$/, '')
          .replace(/\?info$/, '')
          .replace('/ark:{naan}/{name}', '/ark\\:*ark'),
      ),
    );
    const missing = [...served].filter((route) => !covered.has(route));
    expect(missing).toEqual([]);
  });

  const table = cases.flatMap((c) => CALLERS.map((caller, i) => ({ route: c.route, caller, status: c.expect[i], c })));

  it.each(table)('$route as $caller → $status', async ({ caller, status, c }) => {
    const req = await c.request(caller);
    const who = callerOf(caller);
    let call = request(app.getHttpServer())[req.method](req.url);
    if (who) call = call.set('Authorization', req.authorization ?? who.auth);
    const res = req.body ? await call.send(req.body) : await call;
    if (res.status !== status) throw new Error(`${c.route} as ${caller}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
    // A refusal says no more than its code and message (and the request field it concerns).
    if (status === 404 || status === 403 || status === 401) {
      expect(res.body).toEqual({ statusCode: status, code: expect.any(String), message: expect.any(String), ...('field' in res.body && { field: expect.any(String) }) });
    }
  });
});
