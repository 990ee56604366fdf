import { readFileSync } from 'node:fs';
import { OPENAPI_FILE, renderOpenApi } from '../src/openapi';

describe('the checked-in OpenAPI document', () => {
  it("matches the API's controllers and DTOs (regenerate with: npm run build:server && npm run openapi -w @sheaf/api)", async () => {
    const rendered = await renderOpenApi();
    expect(JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'))).toEqual(JSON.parse(rendered));
  });

  it('gives every operation a unique id (the portal client names its methods after them)', async () => {
    const document = JSON.parse(await renderOpenApi()) as { paths: Record<string, Record<string, { operationId: string }>> };
    const ids = Object.values(document.paths).flatMap((operations) => Object.values(operations).map((o) => o.operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  interface Document {
    paths: Record<string, Record<string, { operationId: string; parameters?: Parameter[]; responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>;
    components: { schemas: Record<string, { required?: string[]; properties?: Record<string, unknown> }> };
  }
  interface Parameter {
    name: string;
    in: string;
    schema: { minLength?: number; maxLength?: number; pattern?: string };
  }

  it('types every count, size and duration as an integer, not a number (generated clients would make them floats), and sizes and byte counts as int64', async () => {
    const document = JSON.parse(await renderOpenApi()) as Document;
    const numbers = Object.entries(document.components.schemas).flatMap(([schema, { properties }]) =>
      Object.entries(properties ?? {})
        .filter(([, property]) => (property as { type?: string }).type === 'number')
        .map(([name]) => `${schema}.${name}`),
    );
    expect(numbers).toEqual([]);
    // Sizes and byte counts pass 2^31 (a 3 GiB file): without int64, generators make them 32-bit.
    const narrow = Object.entries(document.components.schemas).flatMap(([schema, { properties }]) =>
      Object.entries(properties ?? {})
        .filter(([name, property]) => /^(size|bytes)/.test(name) && (property as { format?: string }).format !== 'int64')
        .map(([name]) => `${schema}.${name}`),
    );
    expect(narrow).toEqual([]);
  });

  it('documents every error answer as ApiError, the shape the error filter writes', async () => {
    const document = JSON.parse(await renderOpenApi()) as Document;
    const { required, properties } = document.components.schemas.ApiError;
    expect({ required, fields: Object.keys(properties ?? {}) }).toEqual({ required: ['statusCode', 'code', 'message'], fields: ['statusCode', 'code', 'message', 'field', 'runId'] });
    const apiError = { 'application/json': { schema: { $ref: '#/components/schemas/ApiError' } } };
    const undocumented: string[] = [];
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        for (const [status, response] of Object.entries(operation.responses)) {
          const isError = status === 'default' || (Number(status) >= 400 && operation.operationId !== 'getReadiness');
          if (isError && JSON.stringify(response.content) !== JSON.stringify(apiError)) undocumented.push(`${method.toUpperCase()} ${path} ${status}`);
        }
        if (!operation.responses.default) undocumented.push(`${method.toUpperCase()} ${path} default`);
      }
    }
    expect(undocumented).toEqual([]);
  });

  it('declares the ARK resolver open to anonymous callers and to bearer tokens, its ERC text a string', async () => {
    const document = JSON.parse(await renderOpenApi()) as { paths: Record<string, Record<string, { security?: unknown; responses: Record<string, { content?: unknown }> }>> };
    const resolve = document.paths['/ark:{ark}'].get;
    expect(resolve.security).toEqual([{}, { bearer: [] }]);
    expect(resolve.responses['200'].content).toEqual({
      'text/plain': { schema: { type: 'string' } },
      'application/json': { schema: { $ref: '#/components/schemas/ArkInfoDto' } },
    });
    expect(resolve.responses['401']).toBeDefined();
  });

  it('declares the refusals of starting and cancelling a harvest, each code the API answers with', async () => {
    const document = JSON.parse(await renderOpenApi()) as { paths: Record<string, Record<string, { responses: Record<string, { description: string }> }>> };
    const described = (operation: { responses: Record<string, { description: string }> }) =>
      Object.fromEntries(Object.entries(operation.responses).map(([status, response]) => [status, response.description]));
    const start = described(document.paths['/api/harvests'].post);
    expect(start['400']).toContain('Idempotency-Key');
    expect(start['404']).toEqual(expect.stringContaining('`not_found`, field `instrumentId`'));
    for (const code of ['harvest_running', 'idempotency_key_reused', 'idempotency_key_in_progress', 'instrument_disabled', 'no_destination']) expect(start['409']).toContain(`\`${code}\``);
    const cancel = described(document.paths['/api/harvests/{id}/cancel'].post);
    expect(cancel['404']).toContain('`not_found`');
    for (const code of ['run_finished', 'run_not_started', 'workflow_gone', 'cancel_in_progress']) expect(cancel['409']).toContain(`\`${code}\``);
  });

  it('declares path ids as UUIDs, as the API checks them', async () => {
    const document = JSON.parse(await renderOpenApi()) as Document;
    const ids = Object.values(document.paths).flatMap((operations) =>
      Object.values(operations).flatMap((operation) => (operation.parameters ?? []).filter((p) => p.in === 'path' && /^(id|\w+Id)$/.test(p.name))),
    );
    const notUuid = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.entries(operations).flatMap(([method, operation]) =>
        (operation.parameters ?? [])
          .filter((p) => p.in === 'path' && (p.schema as { format?: string }).format !== 'uuid')
          .map((p) => `${method.toUpperCase()} ${path} ${p.name}`),
      ),
    );
    expect(ids.length).toBeGreaterThan(50);
    // Notifications are numbered; the ARK is its own kind of name.
    expect(notUuid).toEqual(['POST /api/notifications/{id}/read id', 'POST /api/notifications/{id}/dismiss id', 'GET /ark:{ark} ark']);
  });

  it("declares the file list's filters as the API checks them: text filters not empty, sha256 64 hex digits; ARK info's sha256 nullable", async () => {
    const document = JSON.parse(await renderOpenApi()) as Document;
    const parameters = Object.fromEntries(document.paths['/api/files'].get.parameters!.map((p) => [p.name, p.schema]));
    for (const name of ['path', 'pathPrefix', 'name', 'ark', 'metaKey']) expect({ name, minLength: parameters[name].minLength }).toEqual({ name, minLength: 1 });
    const sha256 = new RegExp(parameters.sha256.pattern!);
    expect(['a'.repeat(64), 'ABCDEF0123456789'.repeat(4)].map((v) => sha256.test(v))).toEqual([true, true]);
    expect(['a'.repeat(63), 'a'.repeat(65), 'g'.repeat(64), ''].map((v) => sha256.test(v))).toEqual([false, false, false, false]);
    expect(document.components.schemas.ArkInfoDto.properties!.sha256).toMatchObject({ type: 'string', nullable: true });
    expect(document.components.schemas.ArkInfoDto.required).toContain('sha256');
  });

  it('gives the Idempotency-Key header the rule the API checks: 1 to 255 printable ASCII characters, no spaces', async () => {
    const document = JSON.parse(await renderOpenApi()) as Document;
    const { schema } = document.paths['/api/harvests'].post.parameters!.find((p) => p.name === 'Idempotency-Key')!;
    const documented = (key: string) => key.length >= schema.minLength! && key.length <= schema.maxLength! && new RegExp(schema.pattern!).test(key);
    expect(['k', 'k'.repeat(255), 'order-42/retry:1~!'].map(documented)).toEqual([true, true, true]);
    expect(['', 'k'.repeat(256), 'a b', 'a\tb', 'schlüssel'].map(documented)).toEqual([false, false, false, false, false]);
  });
});
