// Drives the syncgql console in headless Debian Chromium with only loopback reachable and prints
// one JSON object of what it saw (the pytest side asserts). Every wait is for a condition in the
// page (locators, waitForFunction), never a fixed sleep; timeouts are generous for a loaded box.
// Usage: node console.mjs BASE_URL SHOT_DIR [full|production] [SECRET,SECRET...]
//   full        the whole walk: board, job runs (with a dropped socket mid-run), dry run,
//               cancel, a failing job, then the runs, graph and connections pages;
//   production  against a production-profile gateway: sign in, the board, run a job, and
//               each page loads.
// Every response of the gateway and the page's HTML after each step are searched for the
// SECRET values (connection-string passwords and tokens); hits are reported in secretHits.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [base, shots, mode = 'full', secretList = ''] = process.argv.slice(2);
const secrets = secretList.split(',').filter(Boolean);
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const WAIT = 60_000;
const out = {
  mode, steps: [], requests: [], blocked: [], consoleErrors: [], pageErrors: [], axe: {}, secretHits: [],
};
const isLoopback = (raw) => {
  if (raw.startsWith('data:') || raw.startsWith('blob:')) return true;
  return new URL(raw).hostname === '127.0.0.1';
};

// Before any page script: count the page's WebSockets, so that the test can drop them and see
// graphql-ws open a new one.
const trackSockets = () => {
  const Native = window.WebSocket;
  window.__sockets = [];
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      window.__sockets.push(this);
    }
  };
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
  await context.addInitScript(trackSockets);
  await context.route('**/*', (route) => {
    const url = route.request().url();
    out.requests.push(`${route.request().method()} ${url}`);
    if (isLoopback(url)) return route.continue();
    out.blocked.push(url);
    return route.abort('internetdisconnected');
  });
  const page = context.pages()[0] || (await context.newPage());
  page.on('console', (msg) => {
    // A socket dropped on purpose (below) is logged by Chromium as an error; nothing else may be.
    if (msg.type() === 'error' && !(out.droppedAt && /WebSocket/.test(msg.text()))) out.consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => out.pageErrors.push(String(err)));
  page.on('response', async (response) => {
    if (!secrets.length || !response.url().includes('/graphql')) return;
    try {
      const body = await response.text();
      for (const s of secrets) if (body.includes(s)) out.secretHits.push(`response ${response.url()}`);
    } catch {}
  });
  page.on('websocket', (ws) => {
    ws.on('framereceived', ({ payload }) => {
      for (const s of secrets) if (String(payload).includes(s)) out.secretHits.push(`websocket frame`);
    });
  });
  const checkHtml = async (where) => {
    const html = await page.content();
    for (const s of secrets) if (html.includes(s)) out.secretHits.push(`page ${where}`);
    return html;
  };

  const axe = async (name) => {
    await page.evaluate(axeSource);
    const result = await page.evaluate(async () => await window.axe.run(document));
    out.axe[name] = result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.help} (${v.nodes.length})`);
  };
  const nav = (name) => page.getByRole('navigation', { name: 'Console pages' }).getByRole('link', { name, exact: true });
  const jobBadge = (text) => page.locator('#job-title ~ p .badge', { hasText: text });

  // Sign in: the gateway's own credentials (empty token), in either profile.
  await page.goto(`${base}/`);
  await page.getByLabel(/Auth token/).waitFor();
  if (mode === 'full') await axe('signin');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const board = page.locator('table.board tbody tr');
  await page.locator('tr[data-job="SlowOrders"]').waitFor();
  out.boardJobs = await board.evaluateAll((rows) => rows.map((r) => r.dataset.job));
  out.graphiqlLinks = await page.getByRole('link', { name: 'GraphiQL' }).count();
  await checkHtml('board');

  if (mode === 'production') {
    await page.screenshot({ path: join(shots, 'production-board.png') });
    out.steps.push('board');
    // Run a quick job from its page and see it succeed, live.
    await page.getByRole('link', { name: 'DemoToWarehouse' }).click();
    await page.getByRole('heading', { name: 'DemoToWarehouse' }).waitFor();
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.locator('[data-col=outcome]', { hasText: 'Started' }).waitFor();
    out.runOutcome = await page.locator('[data-col=outcome]').textContent();
    await jobBadge('SUCCESS').waitFor({ timeout: 120_000 });
    out.finalRows = await page.locator('#job-title ~ p [data-col=rows]').textContent();
    await page.locator('pre[data-col=log]', { hasText: 'finished: SUCCESS' }).waitFor();
    out.steps.push('run');
    // The other pages load in production too (no introspection, no GET queries).
    await nav('Runs').click();
    await page.locator('table.runs tbody tr[data-job="DemoToWarehouse"]').first().waitFor();
    out.runsJobs = await page.locator('table.runs tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.job));
    await nav('Graph').click();
    await page.locator('svg [data-node="DemoToWarehouse"]').waitFor();
    out.graphNodes = await page.locator('svg [data-node]').evaluateAll((nodes) => nodes.map((n) => n.dataset.node));
    await nav('Connections').click();
    await page.getByRole('button', { name: 'Test DemoSource' }).click();
    await page.locator('tr[data-connection="DemoSource"] [data-col=outcome]', { hasText: /SUCCESS|FAILED|Error/ }).waitFor();
    out.testOutcome = await page.locator('tr[data-connection="DemoSource"] [data-col=outcome]').textContent();
    await page.screenshot({ path: join(shots, 'production-connections.png') });
    out.steps.push('pages');
  } else {
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
    const logLines = () => page.locator('pre[data-col=log]').evaluate((pre) => pre.textContent.split('\n').filter(Boolean));
    const clicked = Date.now();
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await jobBadge('RUNNING').waitFor();
    out.runningAfterMs = Date.now() - clicked;
    await page.screenshot({ path: join(shots, 'job-running.png') });

    // Mid-run, the network drops: every socket of the page closes and, while offline, cannot
    // reopen. Back online, graphql-ws reconnects and the log tail resumes from its cursor.
    await page.locator('pre[data-col=log]', { hasText: 'Job SlowOrders started.' }).waitFor();
    out.logBeforeDrop = await logLines();
    const socketsBefore = await page.evaluate(() => window.__sockets.length);
    out.droppedAt = Date.now();
    await context.setOffline(true);
    await page.evaluate(() => {
      for (const s of window.__sockets) if (s.readyState <= WebSocket.OPEN) s.close(4499, 'test: network dropped');
    });
    // graphql-ws tries again (and fails, offline) before the network comes back.
    await page.waitForFunction((n) => window.__sockets.length > n, socketsBefore, { timeout: 30_000 });
    out.logWhileOffline = await logLines();
    await context.setOffline(false);
    await page.waitForFunction(
      (n) => window.__sockets.slice(n).some((s) => s.readyState === WebSocket.OPEN),
      socketsBefore,
      { timeout: 60_000 },
    );
    out.reconnectedAfterMs = Date.now() - out.droppedAt;
    out.socketsOpened = await page.evaluate(() => window.__sockets.length);
    await jobBadge('SUCCESS').waitFor({ timeout: 120_000 });
    await page.locator('pre[data-col=log]', { hasText: 'finished: SUCCESS' }).waitFor();
    out.seen = await page.evaluate(() => window.__seen);
    out.finalRows = await page.locator('#job-title ~ p [data-col=rows]').textContent();
    out.logLines = await logLines();
    // The ended run reaches the run history chart (the job is read again) without a reload.
    await page.locator('[data-col=chart][data-runs] canvas').first().waitFor();
    out.chartRuns = Number(await page.locator('[data-col=chart]').getAttribute('data-runs'));
    out.chartTableRows = await page.locator('figure details tbody tr').count();
    await page.screenshot({ path: join(shots, 'job-success.png'), fullPage: true });
    await axe('job');
    out.steps.push('run');

    // Dry run: the typed result is shown as such.
    await page.getByRole('button', { name: 'Dry run' }).click();
    await page.locator('[data-col=outcome]', { hasText: 'Dry run' }).waitFor();
    out.dryRun = await page.locator('[data-col=outcome]').textContent();

    // Cancel a second run of the same job once it is running.
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await jobBadge('RUNNING').waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await jobBadge('CANCELLED').waitFor({ timeout: 120_000 });
    out.cancelOutcome = await page.locator('[data-col=outcome]').textContent();
    out.steps.push('cancel');

    // A failing job: run it, then the board shows FAILED with its error, live.
    await page.getByRole('link', { name: '← All jobs' }).click();
    await page.goto(`${base}/jobs/BrokenJob`); // a client route loads the console too
    await page.getByRole('heading', { name: 'BrokenJob' }).waitFor();
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await jobBadge('FAILED').waitFor({ timeout: 120_000 });
    await page.getByRole('link', { name: '← All jobs' }).click();
    const broken = page.locator('tr[data-job="BrokenJob"]');
    await broken.locator('[data-col=error]').waitFor();
    out.brokenError = await broken.locator('[data-col=error]').textContent();
    await page.screenshot({ path: join(shots, 'board-after.png') });
    out.steps.push('failed');

    // The run history: every run of every job, newest first, filtered through the API.
    await nav('Runs').click();
    await page.getByRole('heading', { name: 'Runs', exact: true }).waitFor();
    out.runsCurrent = await nav('Runs').getAttribute('aria-current');
    const runRows = page.locator('table.runs tbody tr');
    const readRuns = () => runRows.evaluateAll((rows) => rows.map((r) => ({
      runId: r.dataset.run,
      job: r.dataset.job,
      status: r.querySelector('[data-col=status]')?.textContent,
      rows: r.querySelector('[data-col=rows]')?.textContent,
      details: r.querySelector('[data-col=details]')?.textContent,
    })));
    await page.locator('table.runs tbody tr[data-job="BrokenJob"]').waitFor();
    out.runs = await readRuns();
    out.runsCount = await page.locator('[data-col=count]').textContent();
    await page.screenshot({ path: join(shots, 'runs.png'), fullPage: true });
    await axe('runs');
    // Ten a page: Next follows the API's endCursor, Previous goes back to the page before.
    const next = page.getByRole('button', { name: 'Next page' });
    const previous = page.getByRole('button', { name: 'Previous page' });
    const pageIs = (n) => page.waitForFunction(
      (want) => document.querySelector('[data-col=page]')?.textContent === `Page ${want}`
        && document.querySelectorAll('table.runs tbody tr').length > 0,
      n,
    );
    await page.getByLabel('Runs per page').selectOption('10');
    await page.waitForFunction(() => document.querySelectorAll('table.runs tbody tr').length === 10);
    out.runsPage1 = await readRuns();
    out.runsPager = { page1Next: await next.isEnabled() };
    await next.click();
    await pageIs(2);
    await page.waitForFunction(
      (first) => document.querySelector('table.runs tbody tr')?.dataset.run !== first,
      out.runsPage1[0].runId,
    );
    out.runsPage2 = await readRuns();
    out.runsPager.page2Next = await next.isEnabled();
    out.runsPager.page2Previous = await previous.isEnabled();
    await previous.click();
    await pageIs(1);
    await page.waitForFunction(
      (first) => document.querySelector('table.runs tbody tr')?.dataset.run === first,
      out.runsPage1[0].runId,
    );
    out.runsPage1Again = await readRuns();
    await page.getByLabel('Job name contains').fill('Slow');
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('table.runs tbody tr')];
      return rows.length > 0 && rows.every((r) => r.dataset.job === 'SlowOrders');
    });
    out.runsByName = await readRuns();
    await page.getByLabel('Status', { exact: true }).selectOption('CANCELLED');
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('table.runs tbody tr')];
      return rows.length > 0 && rows.every((r) => r.querySelector('[data-col=status]')?.textContent === 'CANCELLED');
    });
    out.runsByNameAndStatus = await readRuns();
    await page.getByLabel('Job name contains').fill('');
    await page.getByLabel('Status', { exact: true }).selectOption('FAILED');
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('table.runs tbody tr')];
      return rows.length > 0 && rows.every((r) => r.dataset.job === 'BrokenJob');
    });
    out.runsFailed = await readRuns();
    await checkHtml('runs');
    // A run's job name opens the job's page.
    await runRows.first().getByRole('link', { name: 'BrokenJob' }).click();
    await page.getByRole('heading', { name: 'BrokenJob' }).waitFor();
    out.steps.push('runs');

    // The dependency graph: the seeded jobs as SVG nodes; a job node opens its page from the
    // keyboard; the same graph as text.
    await nav('Graph').click();
    await page.locator('svg[data-col=graph] [data-node="CustomerTotals"]').waitFor();
    out.graphNodes = await page.locator('svg[data-col=graph] [data-node]').evaluateAll((nodes) =>
      nodes.map((n) => ({ name: n.dataset.node, kind: n.dataset.kind, tag: n.tagName.toLowerCase(), box: n.querySelector('rect') ? Math.round(n.querySelector('rect').getBBox().width) : 0 })),
    );
    out.graphEdges = await page.locator('svg[data-col=graph] [data-edge]').evaluateAll((edges) =>
      edges.map((e) => ({ edge: e.dataset.edge, kind: e.dataset.kind, drawn: (e.getAttribute('d') || '').length > 0 })),
    );
    out.graphText = await page.locator('[data-col=graph-text]').innerText();
    await page.screenshot({ path: join(shots, 'graph.png'), fullPage: true });
    await axe('graph');
    await page.locator('svg[data-col=graph] a[data-node="DemoToWarehouse"]').focus();
    out.graphFocused = await page.evaluate(() => document.activeElement?.getAttribute('aria-label'));
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'DemoToWarehouse' }).waitFor();
    out.steps.push('graph');

    // Connections: test them (a typed success, a typed failure), browse tables and columns;
    // no secret of a connection string in the page, ever.
    await nav('Connections').click();
    await page.locator('tr[data-connection="VaultDemo"]').waitFor();
    out.connections = await page.locator('table.connections tbody tr').evaluateAll((rows) =>
      rows.map((r) => ({ name: r.dataset.connection, provider: r.querySelector('[data-col=provider]')?.textContent })),
    );
    const outcome = (name) => page.locator(`tr[data-connection="${name}"] [data-col=outcome]`);
    out.connectionTests = {};
    for (const name of ['DemoSource', 'VaultDemo', 'BadLite']) {
      await page.getByRole('button', { name: `Test ${name}`, exact: true }).click();
      await outcome(name).filter({ hasText: /\S/ }).waitFor();
      out.connectionTests[name] = await outcome(name).textContent();
    }
    await page.locator('tr[data-connection="VaultDemo"] [data-col=state]', { hasText: 'Successful' }).waitFor();
    await page.getByRole('button', { name: 'Tables of DemoSource' }).click();
    await page.locator('[data-col=tables] tr[data-table="orders"]').waitFor();
    out.tablesFocused = await page.evaluate(() => document.activeElement?.textContent);
    out.tables = await page.locator('[data-col=tables] tbody tr[data-table]').evaluateAll((rows) => rows.map((r) => r.dataset.table));
    await page.getByRole('button', { name: 'Columns of orders' }).click();
    await page.locator('[data-col=columns] tr[data-column="customer_id"]').waitFor();
    out.columns = await page.locator('[data-col=columns] tbody tr').evaluateAll((rows) =>
      rows.map((r) => [...r.children].map((c) => c.textContent)),
    );
    out.connectionsHtml = await checkHtml('connections');
    await page.screenshot({ path: join(shots, 'connections.png'), fullPage: true });
    await axe('connections');
    await page.getByRole('button', { name: 'Tables of VaultDemo' }).click();
    await page.locator('[data-col=tables] tr[data-table="customers"]').waitFor();
    out.vaultHtml = await checkHtml('connection VaultDemo');
    out.steps.push('connections');
  }
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
