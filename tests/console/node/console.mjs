// Drives the syncgql console in headless Debian Chromium with only loopback reachable and prints
// one JSON object of what it saw (the pytest side asserts). Every wait is for a condition in the
// page (locators, waitForFunction), never a fixed sleep; timeouts are generous for a loaded box.
// Usage: node console.mjs BASE_URL SHOT_DIR
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [base, shots] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const WAIT = 60_000;
const out = { steps: [], requests: [], blocked: [], consoleErrors: [], pageErrors: [], axe: {} };
const isLoopback = (raw) => {
  if (raw.startsWith('data:') || raw.startsWith('blob:')) return true;
  return new URL(raw).hostname === '127.0.0.1';
};

const userDataDir = mkdtempSync(join(tmpdir(), 'syncgql-console-'));
let context;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    ],
  });
  context.setDefaultTimeout(WAIT);
  await context.route('**/*', (route) => {
    const url = route.request().url();
    out.requests.push(`${route.request().method()} ${url}`);
    if (isLoopback(url)) return route.continue();
    out.blocked.push(url);
    return route.abort('internetdisconnected');
  });
  const page = context.pages()[0] || (await context.newPage());
  page.on('console', (msg) => { if (msg.type() === 'error') out.consoleErrors.push(msg.text()); });
  page.on('pageerror', (err) => out.pageErrors.push(String(err)));

  const axe = async (name) => {
    await page.evaluate(axeSource);
    const result = await page.evaluate(async () => await window.axe.run(document));
    out.axe[name] = result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.help} (${v.nodes.length})`);
  };

  // Sign in: the development profile accepts the gateway's own credentials (empty token).
  await page.goto(`${base}/`);
  await page.getByLabel(/Auth token/).waitFor();
  await axe('signin');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const board = page.locator('table.board tbody tr');
  await page.locator('tr[data-job="SlowOrders"]').waitFor();
  out.boardJobs = await board.evaluateAll((rows) => rows.map((r) => r.dataset.job));
  out.boardVerdicts = await page.locator('td[data-col=health]').allTextContents();
  out.nightlyNextRun = await page.locator('tr[data-job="NightlyOrders"] [data-col=next-run]').textContent();
  await page.screenshot({ path: join(shots, 'board.png') });
  await axe('board');
  out.steps.push('board');

  // Sorting by name descending reorders the rows (the API sorts).
  await page.getByRole('button', { name: /^Job/ }).click();
  await page.waitForFunction(() => document.querySelector('th[aria-sort="descending"]'));
  await page.waitForFunction(
    (first) => document.querySelector('table.board tbody tr')?.dataset.job !== first,
    out.boardJobs[0],
  );
  out.sortedDesc = await board.evaluateAll((rows) => rows.map((r) => r.dataset.job));
  // Filtering by name asks the API for matching jobs only.
  await page.getByLabel('Filter by name').fill('Slow');
  await page.waitForFunction(() => document.querySelectorAll('table.board tbody tr').length === 1);
  out.filtered = await board.evaluateAll((rows) => rows.map((r) => r.dataset.job));
  await page.getByLabel('Filter by name').fill('');
  await page.locator('tr[data-job="BrokenJob"]').waitFor();

  // Run SlowOrders from its page and watch status and rows change without a reload.
  await page.getByRole('link', { name: 'SlowOrders' }).click();
  await page.getByRole('heading', { name: 'SlowOrders' }).waitFor();
  await page.evaluate(() => {
    window.__seen = [];
    const record = () => {
      const status = document.querySelector('#job-title ~ p .badge')?.textContent;
      const rows = document.querySelector('#job-title ~ p [data-col=rows]')?.textContent;
      const last = window.__seen[window.__seen.length - 1];
      if (!last || last.status !== status || last.rows !== rows) window.__seen.push({ status, rows });
    };
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  const clicked = Date.now();
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('#job-title ~ p .badge', { hasText: 'RUNNING' }).waitFor();
  out.runningAfterMs = Date.now() - clicked;
  await page.screenshot({ path: join(shots, 'job-running.png') });
  await page.locator('#job-title ~ p .badge', { hasText: 'SUCCESS' }).waitFor({ timeout: 120_000 });
  out.seen = await page.evaluate(() => window.__seen);
  out.finalRows = await page.locator('#job-title ~ p [data-col=rows]').textContent();
  // The ended run reaches the chart (the job is read again) and the log tail, without a reload.
  await page.waitForFunction(() => document.querySelectorAll('svg.chart rect').length >= 2);
  out.chartBars = await page.locator('svg.chart rect').count();
  await page.locator('pre[data-col=log]', { hasText: 'finished: SUCCESS' }).waitFor();
  out.logLines = await page.locator('pre[data-col=log]').textContent();
  await page.screenshot({ path: join(shots, 'job-success.png'), fullPage: true });
  await axe('job');
  out.steps.push('run');

  // Dry run: the typed result is shown as such.
  await page.getByRole('button', { name: 'Dry run' }).click();
  await page.locator('[data-col=outcome]', { hasText: 'Dry run' }).waitFor();
  out.dryRun = await page.locator('[data-col=outcome]').textContent();

  // Cancel a second run of the same job once it is running.
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('#job-title ~ p .badge', { hasText: 'RUNNING' }).waitFor();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.locator('#job-title ~ p .badge', { hasText: 'CANCELLED' }).waitFor({ timeout: 120_000 });
  out.cancelOutcome = await page.locator('[data-col=outcome]').textContent();
  out.steps.push('cancel');

  // A failing job: run it, then the board shows FAILED with its error, live.
  await page.getByRole('link', { name: '← All jobs' }).click();
  await page.goto(`${base}/jobs/BrokenJob`); // a client route loads the console too
  await page.getByRole('heading', { name: 'BrokenJob' }).waitFor();
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('#job-title ~ p .badge', { hasText: 'FAILED' }).waitFor({ timeout: 120_000 });
  await page.getByRole('link', { name: '← All jobs' }).click();
  const broken = page.locator('tr[data-job="BrokenJob"]');
  await broken.locator('[data-col=error]').waitFor();
  out.brokenError = await broken.locator('[data-col=error]').textContent();
  await page.screenshot({ path: join(shots, 'board-after.png') });
  out.steps.push('failed');
} catch (err) {
  out.error = String(err && err.stack ? err.stack : err);
  try {
    await context?.pages()[0]?.screenshot({ path: join(shots, 'failure.png'), fullPage: true });
  } catch {}
} finally {
  await context?.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
console.log(JSON.stringify(out));
