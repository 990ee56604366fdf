import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { REPO_ROOT } from '../../src/repo-root';

/** Debian's Chromium, which tools/bootstrap.sh installs. */
const CHROMIUM = '/usr/bin/chromium';
/** Screenshots and the accessibility report (git-ignored). */
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'portal');

export type ColorMode = 'light' | 'dark';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is missing at ${CHROMIUM}: the portal's browser test needs Debian's chromium package (tools/bootstrap.sh installs it: apt-get install chromium)`);
  }
  await mkdir(ARTIFACTS, { recursive: true });
  // Tests run as root in CI containers, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/** A full-page screenshot in the artifacts folder; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * Runs one user-visible step. When it fails, the error says what the user would have seen: the
 * page's address, its visible text and a screenshot.
 */
export async function step<T>(page: Page, name: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (err) {
    const slug = name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
    const shot = await screenshot(page, `FAILED-${slug}`).catch((e: Error) => `(no screenshot: ${e.message})`);
    const text = await page
      .locator('body')
      .innerText({ timeout: 2_000 })
      .catch(() => '(page text unavailable)');
    const seen = text.replace(/\n{2,}/g, '\n').trim().slice(0, 1_500);
    throw new Error(`${name}: ${(err as Error).message}\n\nAt ${page.url()} the page showed:\n${seen}\n\nScreenshot: ${shot}`, { cause: err });
  }
}

/**
 * Waits until React has hydrated the element (its props are attached to the DOM node). Right
 * after page.goto, a click on the server-rendered HTML can land before the app router's handlers
 * are attached and be lost: Next.js neither navigates nor submits, and the test waits in vain
 * (seen once under CI load, on a link clicked right after page.goto).
 */
export async function untilHydrated(locator: Locator): Promise<void> {
  const element = await locator.elementHandle();
  await locator.page().waitForFunction((el) => el !== null && Object.keys(el).some((key) => key.startsWith('__reactProps$')), element);
}

export interface AxeViolation {
  id: string;
  impact: 'minor' | 'moderate' | 'serious' | 'critical' | null;
  help: string;
  helpUrl: string;
  nodes: Array<{ target: string[]; summary: string }>;
}

let axeSource: string | undefined;

/** axe-core's WCAG 2 A/AA rules on the page as it is now. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.addScriptTag({ content: axeSource });
  const options = { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }, resultTypes: ['violations'] };
  // Evaluated in the page (as text: the tools project has no DOM types).
  return page.evaluate<AxeViolation[]>(`
    axe.run(document, ${JSON.stringify(options)}).then((result) => result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target, summary: n.failureSummary || '' })),
    })))
  `);
}

/** Writes the accessibility findings of every page and theme, readable by people. */
export async function writeAxeReport(findings: Array<{ page: string; mode: ColorMode; violations: AxeViolation[] }>): Promise<string> {
  const lines: string[] = [];
  for (const { page, mode, violations } of findings) {
    for (const v of violations) {
      lines.push(`${v.impact ?? 'unknown'}\t${mode}\t${page}\t${v.id}: ${v.help} (${v.nodes.length}+ nodes, e.g. ${v.nodes[0]?.target.join(' ') ?? '?'})`);
    }
  }
  const path = join(ARTIFACTS, 'axe-report.txt');
  await writeFile(path, lines.length ? `${lines.sort().join('\n')}\n` : 'no violations\n');
  await writeFile(join(ARTIFACTS, 'axe-report.json'), JSON.stringify(findings, null, 2));
  return path;
}
