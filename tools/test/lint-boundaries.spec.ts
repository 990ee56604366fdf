import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../src/repo-root';

interface LintMessage {
  ruleId: string | null;
  message: string;
  line: number;
}

/** Runs the workspace's real ESLint configuration on files it normally ignores. */
async function lint(file: string): Promise<LintMessage[]> {
  const eslint = resolve(REPO_ROOT, 'node_modules/eslint/bin/eslint.js');
  // ESLint exits 1 when it finds problems; the JSON report is what we assert on.
  const result = await promisify(execFile)(process.execPath, [eslint, '--no-ignore', '--format', 'json', file], { cwd: REPO_ROOT }).catch(
    (err: { stdout?: string; code?: number }) => {
      if (err.code === 1 && err.stdout) return { stdout: err.stdout };
      throw err;
    },
  );
  const [report] = JSON.parse(result.stdout) as Array<{ messages: LintMessage[] }>;
  return report.messages;
}

describe('dependency constraints fail the lint', () => {
  beforeAll(async () => {
    // The Nx rule needs the project graph; without it the rule is skipped, not failed.
    await promisify(execFile)(process.execPath, [resolve(REPO_ROOT, 'node_modules/nx/bin/nx.js'), 'show', 'projects'], {
      cwd: REPO_ROOT,
      env: { ...process.env, NX_DAEMON: 'false' },
    });
  });

  it('rejects Node builtins, TypeORM, execa and server libraries in workflow code', async () => {
    const messages = await lint('workflows/src/lint-fixtures/forbidden-imports.ts');
    const byLine = (line: number) => messages.filter((m) => m.line === line).map((m) => m.ruleId);
    expect(byLine(2)).toContain('no-restricted-imports'); // node:fs
    expect(byLine(3)).toContain('no-restricted-imports'); // path
    expect(byLine(4)).toEqual(expect.arrayContaining(['no-restricted-imports', '@nx/enforce-module-boundaries'])); // typeorm
    expect(byLine(5)).toEqual(expect.arrayContaining(['no-restricted-imports', '@nx/enforce-module-boundaries'])); // execa
    expect(byLine(6)).toEqual(expect.arrayContaining(['no-restricted-imports', '@nx/enforce-module-boundaries'])); // @sheaf/db
  });

  it('rejects server code in the portal', async () => {
    const messages = await lint('web/lint-fixtures/server-import.ts');
    const rulesOn = (line: number) => messages.filter((m) => m.line === line).map((m) => m.ruleId);
    expect(rulesOn(2)).toContain('@nx/enforce-module-boundaries');
    expect(rulesOn(3)).toContain('@nx/enforce-module-boundaries');
    expect(rulesOn(4)).toEqual(expect.arrayContaining(['no-restricted-imports', '@nx/enforce-module-boundaries']));
  });
});
