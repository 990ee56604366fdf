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
});
