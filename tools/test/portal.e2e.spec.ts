/**
 * The portal in a real browser (Debian's Chromium through playwright-core) against the real
 * stack (`npm start`'s program: PostgreSQL, Temporal, API, worker, portal) on free ports:
 * an admin sets up a storage location, a service account and an SMB instrument, harvests it,
 * watches the run reach 100 % and finds the file with its ARK and verified SHA-256; a user
 * without grants sees none of it. Every main page is screenshotted and checked with axe-core in
 * the light and the dark theme (test-artifacts/portal/).
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { makeTempDir, startSambaShare, type SambaShare, type TempDir } from '@sheaf/test-harness';
import { REPO_ROOT } from '../src/repo-root';
import { axeViolations, launchChromium, screenshot, step, untilHydrated, writeAxeReport, type AxeViolation, type ColorMode } from './support/portal-browser';
import { startStackOnFreePorts, stopStack, type RunningStack } from './support/stack-process';

const ADMIN = { email: 'admin@sheaf.local', password: 'portal-e2e-admin-password' };
const VIEWER = { email: 'no-grants@example.org', password: 'no-grants-password', displayName: 'Nora No-Grants' };
const INSTRUMENT = 'e2e-microscope';
/** What the instrument writes: relative path → content. */
const SOURCE_FILES: Record<string, Buffer> = {
  'session-1/grid-01.tif': randomBytes(180_000),
  'session-1/grid-02.tif': randomBytes(1_200_000),
  'session-1/notes.txt': Buffer.from('Krios session 1: grids 01 and 02\n'),
};
const FILE_TO_OPEN = 'session-1/grid-02.tif';
/** Side navigation links the test follows (web/src/app/(admin)/navigation.ts). */
const NAV_PATHS: Record<string, string> = { Instruments: '/instruments', Storage: '/storage', 'Service accounts': '/service-accounts' };

function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** A JSON call to the API as `token`; the error names the call and the API's answer. */
async function apiCall<T>(base: string, method: string, path: string, token: string | null, body?: unknown): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

describe('the portal in a browser', () => {
  let data: TempDir;
  let source: TempDir;
  let stack: RunningStack | undefined;
  let share: SambaShare | undefined;
  let sharing: Promise<SambaShare> | undefined;
  let browser: Browser | undefined;
  let portal: string;
  let api: string;
  let adminToken: string;
  const ids: { storage?: string; account?: string; instrument?: string; run?: string; file?: string } = {};

  beforeAll(async () => {
    // Fail early and clearly on what bootstrap should have prepared.
    browser = await launchChromium();
    const distDir = process.env.SHEAF_WEB_DIST_DIR ?? '.next';
    if (!existsSync(join(REPO_ROOT, 'web', distDir, 'BUILD_ID'))) {
      throw new Error(`the portal is not built (web/${distDir}/BUILD_ID is missing): run 'npm run bootstrap' or 'npm run build -w @sheaf/web'`);
    }

    data = await makeTempDir('sheaf-portal-e2e-');
    // As root, PostgreSQL runs as 'postgres', which must be able to enter the data folder.
    await chmod(data.path, 0o755);
    // The archive folder exists before the admin points a storage location at it.
    await mkdir(join(data.path, 'e2e-archive'));
    source = await makeTempDir('sheaf-portal-e2e-share-');
    const tenMinutesAgo = new Date(Date.now() - 10 * 60_000);
    for (const [path, content] of Object.entries(SOURCE_FILES)) {
      await mkdir(join(source.path, path, '..'), { recursive: true });
      await writeFile(join(source.path, path), content);
      // Older than the instrument's quiet period: finished acquisitions.
      await utimes(join(source.path, path), tenMinutesAgo, tenMinutesAgo);
    }

    // Kept where afterAll finds it: a stack that fails to start must not leave smbd running.
    sharing = startSambaShare({ dir: source.path }).then((started) => (share = started));
    sharing.catch(() => undefined);
    const started = await startStackOnFreePorts({
      SHEAF_DATA_DIR: data.path,
      SHEAF_ADMIN_EMAIL: ADMIN.email,
      SHEAF_ADMIN_PASSWORD: ADMIN.password,
      DATABASE_URL: '',
      TEMPORAL_ADDRESS: '',
    });
    stack = started.stack;
    const ports = started.ports;
    await sharing;
    portal = `http://127.0.0.1:${ports.WEB_PORT}`;
    api = `http://127.0.0.1:${ports.API_PORT}`;
    adminToken = (await apiCall<{ accessToken: string }>(api, 'POST', '/api/auth/login', null, ADMIN)).accessToken;
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await sharing?.catch(() => undefined);
    await share?.stop();
    if (stack) await stopStack(stack);
    await source?.cleanup();
    await data?.cleanup();
  });

  async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser!.newContext({ viewport: { width: 1366, height: 900 }, baseURL: portal });
    const page = await context.newPage();
    // Generous: CI shares two cores between this stack, Chromium and another jest worker (the
    // worker suites' harvests); a page once took just over 30 s to show its heading there.
    page.setDefaultTimeout(60_000);
    return { context, page };
  }

  async function signIn(page: Page, who: { email: string; password: string }): Promise<void> {
    await step(page, `sign in as ${who.email}`, async () => {
      await page.goto('/login');
      await untilHydrated(page.getByRole('button', { name: 'Sign in' }));
      await page.getByLabel('Email').fill(who.email);
      await page.getByLabel('Password').fill(who.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    });
  }

  /** An id the admin flow found; later tests cannot look at pages without it. */
  function created(what: keyof typeof ids): string {
    const id = ids[what];
    if (!id) throw new Error(`the admin flow did not get as far as the ${what} (see the first test's failure)`);
    return id;
  }

  /** Waits for a connection test's verdict; a failed one fails with its message. */
  async function expectTestPassed(page: Page): Promise<void> {
    const verdict = page.getByRole('status').filter({ hasText: /Test (passed|failed)/ });
    await verdict.waitFor();
    const text = await verdict.innerText();
    if (!text.includes('Test passed')) throw new Error(`the connection test did not pass: ${text}`);
  }

  /** Follows the side navigation's link to a section and waits for its page. */
  async function openSection(page: Page, label: string): Promise<void> {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true }).click();
    await page.waitForURL((url) => url.pathname === new URL(NAV_PATHS[label] ?? '/', portal).pathname);
  }

  async function signOut(page: Page): Promise<void> {
    await step(page, 'sign out', async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
    });
  }

  /** Picks a theme in the top bar's menu and waits until the page wears it. */
  async function chooseTheme(page: Page, mode: 'system' | ColorMode): Promise<void> {
    await step(page, `choose the ${mode} theme`, async () => {
      await page.getByRole('button', { name: /^Theme:/ }).click();
      await page.getByRole('menuitemradio', { name: mode[0]!.toUpperCase() + mode.slice(1) }).click();
      await page.getByRole('menu').waitFor({ state: 'hidden' });
    });
  }

  /** The class the colour-scheme script or the theme put on <html> (tools have no DOM types: expressions as text). */
  function htmlScheme(page: Page): Promise<string> {
    return page.evaluate<string>('document.documentElement.className');
  }

  /** Waits (briefly: React re-renders after a media or storage change) until <html> wears `mode`. */
  async function expectScheme(page: Page, mode: ColorMode): Promise<void> {
    await page.waitForFunction(`document.documentElement.className === ${JSON.stringify(mode)}`, null, { timeout: 5_000 }).catch(() => undefined);
    expect(await htmlScheme(page)).toBe(mode);
  }

  it('lets an admin set up an SMB instrument, harvest it, and find each file with its ARK and verified SHA-256', async () => {
    const { context, page } = await newPage();
    try {
      await signIn(page, ADMIN);

      const uuidFromUrl = (): string => /([0-9a-f-]{36})(?:\?|$)/.exec(page.url())?.[1] ?? '';

      await step(page, 'create a POSIX storage location and test it', async () => {
        await openSection(page, 'Storage');
        await page.getByRole('link', { name: 'New storage location' }).click();
        const form = page.getByRole('form', { name: 'New storage location' });
        await form.getByRole('textbox', { name: 'Name', exact: true }).fill('e2e-archive');
        await form.getByRole('radio', { name: /^POSIX/ }).check();
        await form.getByRole('textbox', { name: 'Path', exact: true }).fill(join(data.path, 'e2e-archive'));
        await form.getByRole('button', { name: 'Create storage location' }).click();
        await page.waitForURL(/\/storage\/[0-9a-f-]{36}\?created=1$/);
        await page.getByRole('button', { name: 'Test storage location' }).click();
        await expectTestPassed(page);
      });
      ids.storage = uuidFromUrl();

      await step(page, 'create a service account with the share\'s credentials', async () => {
        await openSection(page, 'Service accounts');
        await page.getByRole('link', { name: 'New service account' }).click();
        const form = page.getByRole('form', { name: 'New service account' });
        await form.getByRole('textbox', { name: 'Name', exact: true }).fill('e2e-microscopes');
        await form.getByRole('textbox', { name: 'Domain', exact: true }).fill(share!.domain);
        await form.getByRole('textbox', { name: 'Username', exact: true }).fill(share!.user);
        await form.getByLabel('Password', { exact: true }).fill(share!.password);
        await form.getByRole('button', { name: 'Create service account' }).click();
        await page.waitForURL(/\/service-accounts\/[0-9a-f-]{36}\?created=1$/);
      });
      ids.account = uuidFromUrl();

      await step(page, 'create the SMB instrument with that account and destination, and test its source', async () => {
        await openSection(page, 'Instruments');
        await page.getByRole('link', { name: 'New instrument' }).click();
        const form = page.getByRole('form', { name: 'New instrument' });
        await form.getByRole('textbox', { name: 'Name', exact: true }).fill(INSTRUMENT);
        await form.getByRole('textbox', { name: 'Location', exact: true }).fill('Building 2, room 117');
        await form.getByRole('radio', { name: /^SMB/ }).check();
        await form.getByRole('textbox', { name: 'Host', exact: true }).fill(share!.host);
        await form.getByRole('textbox', { name: 'Port', exact: true }).fill(String(share!.port));
        await form.getByRole('textbox', { name: 'Share', exact: true }).fill(share!.share);
        await form.getByRole('combobox', { name: 'Service account' }).selectOption({ label: `e2e-microscopes (${share!.domain}\\${share!.user})` });
        await form.getByRole('group', { name: 'Destinations' }).getByRole('checkbox', { name: 'e2e-archive' }).check();
        await form.getByRole('button', { name: 'Create instrument' }).click();
        await page.waitForURL(/\/instruments\/[0-9a-f-]{36}\?created=1$/);
        await page.getByRole('button', { name: 'Test source' }).click();
        await expectTestPassed(page);
        await page.getByRole('table', { name: 'Files found' }).getByText('session-1', { exact: false }).first().waitFor();
      });
      ids.instrument = uuidFromUrl();

      await step(page, 'open the instrument from the list and harvest now', async () => {
        await openSection(page, 'Instruments');
        await page.getByRole('link', { name: INSTRUMENT }).click();
        await page.getByRole('heading', { level: 1, name: INSTRUMENT }).waitFor();
        await page.getByRole('button', { name: 'Harvest now' }).click();
        await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
      });
      ids.run = page.url().split('/').pop();

      await step(page, 'watch the run page until the files bar reaches 100 %', async () => {
        await page.getByRole('progressbar', { name: 'Files: 100 %' }).waitFor({ timeout: 90_000 });
        await page.getByText('succeeded', { exact: true }).first().waitFor();
      });

      const expected = sha256(SOURCE_FILES[FILE_TO_OPEN]!);
      await step(page, `open ${FILE_TO_OPEN} and read its ARK and SHA-256`, async () => {
        await page.goto(`/files?instrumentId=${ids.instrument}`);
        const link = page.getByRole('link', { name: FILE_TO_OPEN });
        await untilHydrated(link);
        await link.click();
        await page.getByRole('heading', { level: 1, name: 'grid-02.tif' }).waitFor();
        ids.file = page.url().split('/').pop();
        const facts = page.getByRole('table', { name: 'File facts' });
        const ark = await facts.getByRole('row', { name: /^ARK/ }).innerText();
        expect(ark).toMatch(/ark:\/?\d{5}\/\S+/);
        expect(await facts.getByRole('row', { name: /^SHA-256/ }).innerText()).toContain(expected);
        expect(await facts.getByRole('row', { name: /^Status/ }).innerText()).toContain('verified');
        expect(await facts.getByRole('row', { name: /^Verified/ }).innerText()).toMatch(/\d{4}.*UTC/);
        // The destination's own hash of the copy, shown beside the source's.
        expect(await page.locator('main').innerText()).toContain(expected);
      });

      // Signing out ends the session at the API too: a copy of the token (a log, a proxy) is refused.
      const token = (await context.cookies()).find((cookie) => cookie.name === 'sheaf_session')?.value;
      expect(token).toBeTruthy();
      await apiCall(api, 'GET', '/api/auth/me', token!);
      await signOut(page);
      await expect(apiCall(api, 'GET', '/api/auth/me', token!)).rejects.toThrow(/answered 401/);
    } finally {
      await context.close();
    }
  }, 300_000);

  it('follows the system theme, switches from the top bar, and keeps the choice across reloads without a flash', async () => {
    const { context, page } = await newPage();
    try {
      await signIn(page, ADMIN);
      await step(page, 'follow the system theme (dark, then light)', async () => {
        await page.emulateMedia({ colorScheme: 'dark' });
        await page.reload();
        await expectScheme(page, 'dark');
        await page.emulateMedia({ colorScheme: 'light' });
        await expectScheme(page, 'light');
      });

      await step(page, 'choose the dark theme with the keyboard', async () => {
        await page.getByRole('button', { name: 'Theme: System' }).focus();
        await page.keyboard.press('Enter');
        // The menu opens on the current choice (System); Dark is two down.
        await page.getByRole('menuitemradio', { name: 'System', checked: true }).waitFor();
        await page.keyboard.press('ArrowDown');
        await page.keyboard.press('ArrowDown');
        await page.keyboard.press('Enter');
        await expectScheme(page, 'dark');
        await page.getByRole('button', { name: 'Theme: Dark' }).waitFor();
      });
      await step(page, 'reload with the dark choice before any of the portal\'s scripts run', async () => {
        // The stored choice is applied by the inline script in the page's HTML: with the app's
        // scripts blocked (React never starts), the page still comes up dark, so no light flash.
        await page.route('**/_next/static/**/*.js', (route) => route.abort());
        await page.reload();
        await expectScheme(page, 'dark');
        expect(await page.evaluate<string>('getComputedStyle(document.body).backgroundColor')).toBe('rgb(17, 20, 18)');
        await page.unroute('**/_next/static/**/*.js');
      });
      await step(page, 'back to following the system', async () => {
        await page.reload();
        await chooseTheme(page, 'system');
        await expectScheme(page, 'light');
      });
    } finally {
      await context.close();
    }
  }, 150_000);

  it('shows every main page in light and dark without critical accessibility violations', async () => {
    const { context, page } = await newPage();
    const findings: Array<{ page: string; mode: ColorMode; violations: AxeViolation[] }> = [];
    try {
      await signIn(page, ADMIN);
      // A nightly schedule: the schedules page has a row, and the dashboard a next run from Temporal.
      await apiCall(api, 'POST', '/api/schedules', adminToken, { instrumentId: created('instrument'), cron: '0 2 * * *', timezone: 'UTC', description: 'Nightly' });
      await step(page, "the dashboard's instrument health shows the next scheduled run", async () => {
        // Until Temporal answers the API's describe of the new schedule (within its 2 s), the row
        // shows the start its cron expression gives, and says so: on a loaded machine, a reload or two later.
        const row = page.getByRole('table', { name: 'Instrument health' }).getByRole('row').filter({ hasText: INSTRUMENT });
        const fromTemporal = (text: string) => /02:00:00 UTC/.test(text) && !/cron expression/.test(text);
        const giveUp = Date.now() + 30_000;
        let shown = '';
        do {
          await page.goto('/');
          shown = await row.innerText();
        } while (!fromTemporal(shown) && Date.now() < giveUp);
        expect(shown).toMatch(/02:00:00 UTC/);
        expect(shown).not.toMatch(/cron expression/);
      });
      const pages: Array<[string, string]> = [
        ['dashboard', '/'],
        ['instruments', '/instruments'],
        ['instrument', `/instruments/${created('instrument')}`],
        ['runs', '/runs'],
        ['run', `/runs/${created('run')}`],
        ['run-failures', `/runs/${created('run')}/failures`],
        ['files', '/files'],
        ['file', `/files/${created('file')}`],
        ['schedules', '/schedules'],
        ['hooks', '/hooks'],
        ['storage', '/storage'],
        ['users', '/users'],
        ['audit', '/audit'],
      ];
      for (const mode of ['light', 'dark'] as const) {
        await chooseTheme(page, mode);
        for (const [name, path] of pages) {
          await step(page, `${name} page (${mode})`, async () => {
            await page.goto(path);
            await page.getByRole('heading', { level: 1 }).first().waitFor();
            await expectScheme(page, mode);
            // Client parts settle before the picture and the audit (the pages poll: never network-idle).
            if (name === 'dashboard') await page.locator('figure svg').nth(1).waitFor();
            await page.evaluate('document.fonts.ready.then(() => true)');
            await screenshot(page, `${mode}-${name}`);
            findings.push({ page: name, mode, violations: await axeViolations(page) });
          });
        }
      }
    } finally {
      await context.close();
    }
    const report = await writeAxeReport(findings);
    const critical = findings.flatMap(({ page: name, mode, violations }) =>
      violations.filter((v) => v.impact === 'critical').map((v) => `${name} (${mode}): ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    );
    expect({ critical, report }).toEqual({ critical: [], report });
  }, 300_000);

  it('shows a user without grants none of it, not even by direct address', async () => {
    await apiCall(api, 'POST', '/api/users', adminToken, { ...VIEWER, role: 'user' });
    const { context, page } = await newPage();
    try {
      await signIn(page, VIEWER);
      await step(page, 'the dashboard and instrument list show nothing of the instrument', async () => {
        expect(await page.locator('main').innerText()).not.toContain(INSTRUMENT);
        await openSection(page, 'Instruments');
        await page.getByText('No instruments yet.').waitFor();
        expect(await page.locator('main').innerText()).not.toContain(INSTRUMENT);
      });
      for (const [what, path] of [
        ['instrument', `/instruments/${created('instrument')}`],
        ['run', `/runs/${created('run')}`],
        ['run failures list', `/runs/${created('run')}/failures`],
        ['file', `/files/${created('file')}`],
        // A malformed id is the API's 400 on the path parameter: not found too, not the error page.
        ['malformed run address', '/runs/not-a-run'],
        ['malformed instrument address', '/instruments/not-an-instrument'],
        // Admin-only forms.
        ['new storage location form', '/storage/new'],
        ['new service account form', '/service-accounts/new'],
      ] as const) {
        await step(page, `the ${what}'s own address says not found`, async () => {
          await page.goto(path);
          await page.getByText('Not found', { exact: true }).waitFor();
          expect(await page.locator('main').innerText()).not.toMatch(new RegExp(`${INSTRUMENT}|grid-02`));
        });
      }
      await screenshot(page, 'no-grants-file-not-found');
      await step(page, 'changing the password ends the sessions before it, and keeps this one signed in', async () => {
        const before = (await apiCall<{ accessToken: string }>(api, 'POST', '/api/auth/login', null, { email: VIEWER.email, password: VIEWER.password })).accessToken;
        await page.goto('/account');
        const form = page.getByRole('form', { name: 'Change password' });
        await untilHydrated(form.getByRole('button', { name: 'Change password' }));
        await form.getByLabel('Current password').fill(VIEWER.password);
        await form.getByLabel(/^New password(\s\*)?$/).fill('a newer viewer password');
        await form.getByLabel('New password again').fill('a newer viewer password');
        await form.getByRole('button', { name: 'Change password' }).click();
        await form.getByRole('status').getByText('Password changed. Your other sessions have ended').waitFor();
        await expect(apiCall(api, 'GET', '/api/auth/me', before)).rejects.toThrow(/answered 401/);
        await page.reload();
        await page.getByRole('heading', { level: 1, name: 'Account' }).waitFor();
      });
      await step(page, 'a session that ends while a form is open keeps what was typed, and says so', async () => {
        const profile = page.getByRole('form', { name: 'Profile' });
        await profile.getByLabel(/^Display name/).fill('Nora, renamed late');
        await context.clearCookies();
        await profile.getByRole('button', { name: /Save/ }).click();
        await page.getByRole('alert').getByText('Your session has ended.', { exact: false }).first().waitFor();
        expect(page.url()).toMatch(/\/account$/);
        expect(await profile.getByLabel(/^Display name/).inputValue()).toBe('Nora, renamed late');
      });
      await step(page, 'a page asked for without a session signs in, then opens that page', async () => {
        await page.goto('/files?name=grid&sort=path');
        await page.waitForURL((url) => url.pathname === '/login' && url.searchParams.get('next') === '/files?name=grid&sort=path');
        await untilHydrated(page.getByRole('button', { name: 'Sign in' }));
        await page.getByLabel('Email').fill(VIEWER.email);
        await page.getByLabel('Password').fill('a newer viewer password');
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.waitForURL((url) => url.pathname === '/files' && url.search === '?name=grid&sort=path');
        await page.getByRole('heading', { level: 1, name: 'Files' }).waitFor();
      });
      await signOut(page);
    } finally {
      await context.close();
    }
  }, 150_000);
});
