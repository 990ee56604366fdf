import { readFileSync } from 'node:fs';
import { API_TYPES_PATH, generateApiTypes, readOpenApi, typeOf } from '../src/openapi-client';

describe('openapi-client generator', () => {
  it('checked-in web/src/lib/api-types.ts matches services/api/openapi.json', () => {
    const expected = generateApiTypes(readOpenApi());
    const actual = readFileSync(API_TYPES_PATH, 'utf8');
    if (actual !== expected) {
      throw new Error('web/src/lib/api-types.ts is stale: run `npx tsc -b tools && node tools/dist/openapi-client.js`');
    }
  });

  it('maps nullable refs, enums, arrays and string maps to TypeScript types', () => {
    expect(typeOf({ nullable: true, type: 'object', allOf: [{ $ref: '#/components/schemas/RunSummaryDto' }] })).toBe('RunSummaryDto | null');
    expect(typeOf({ type: 'string', enum: ['a', 'b'] })).toBe('"a" | "b"');
    expect(typeOf({ type: 'array', items: { $ref: '#/components/schemas/FileDto' } })).toBe('FileDto[]');
    expect(typeOf({ type: 'object', additionalProperties: { type: 'string' } })).toBe('Record<string, string>');
  });

  it('emits one typed entry per operation; the Idempotency-Key header of startHarvest is optional', () => {
    const doc = readOpenApi();
    const source = generateApiTypes(doc);
    const count = Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0);
    expect(source.match(/^ {2}\w+: \{ method: /gm)).toHaveLength(count);
    expect(source).toMatch(/startHarvest: \{\n {4}method: 'POST';\n {4}path: '\/api\/harvests';\n {4}params: \{\n {6}headers\?: \{\n[^}]*"idempotency-key"\?: string;/);
  });

  it('merges header parameters whose names differ only in case, required if either is', () => {
    const source = generateApiTypes({
      paths: {
        '/x': {
          post: {
            operationId: 'postX',
            parameters: [
              { name: 'X-Key', in: 'header', required: false, schema: { type: 'string' } },
              { name: 'x-key', in: 'header', required: true, schema: { type: 'string' } },
            ],
            responses: {},
          },
        },
      },
    } as unknown as Parameters<typeof generateApiTypes>[0]);
    expect(source).toMatch(/headers: \{\n\s*"x-key": string;\n\s*\};/);
  });
});
