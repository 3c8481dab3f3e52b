// Loads the GraphiQL page in headless Debian Chromium with only loopback reachable, runs the
// default query with the execute button, and prints one JSON object describing what happened:
// {timings, rendered, resultText, requests: [url...], websockets: [url...], blocked: [url...],
// consoleErrors, pageErrors}.
// Usage: node browser.mjs PAGE_URL EXPECTED_TEXT
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [pageUrl, expected] = process.argv.slice(2);
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const userDataDir = mkdtempSync(join(tmpdir(), 'syncgql-chromium-'));
const started = Date.now();
const out = { timings: {}, rendered: false, resultText: '', requests: [], websockets: [], blocked: [], consoleErrors: [], pageErrors: [] };

const isLoopback = (raw) => {
  if (raw.startsWith('data:') || raw.startsWith('blob:')) return true;
  const { hostname } = new URL(raw);
  return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]';
};

let context;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // Every name but the loopback address fails to resolve: the page gets no internet at all.
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    ],
  });
  out.timings.launched = Date.now() - started;
  // Record every request of the page and its workers; refuse (and record) non-loopback ones.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    out.requests.push(url);
    if (isLoopback(url)) return route.continue();
    out.blocked.push(url);
    return route.abort('internetdisconnected');
  });
  context.on('weberror', (err) => out.pageErrors.push(String(err.error())));
  const page = context.pages()[0] || (await context.newPage());
  page.on('console', (msg) => {
    if (msg.type() === 'error') out.consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => out.pageErrors.push(String(err)));
  // WebSockets bypass context.route; record them (a non-loopback one fails DNS anyway).
  page.on('websocket', (ws) => {
    out.websockets.push(ws.url());
    if (!isLoopback(ws.url())) out.blocked.push(ws.url());
  });

  await page.goto(pageUrl, { waitUntil: 'load', timeout: 20000 });
  await page.waitForSelector('.graphiql-container .graphiql-execute-button', { timeout: 20000 });
  // Wait until Monaco shows the operation, i.e. the editors really rendered.
  await page.waitForFunction(
    () => (document.querySelector('.graphiql-query-editor .view-lines')?.textContent || '').trim(),
    null,
    { timeout: 20000 },
  );
  out.rendered = true;
  out.timings.rendered = Date.now() - started;
  await page.click('.graphiql-execute-button');
  await page
    .waitForFunction(
      // Monaco renders spaces as no-break spaces.
      (text) =>
        (document.querySelector('.result-window')?.textContent || '')
          .replace(/\u00a0/g, ' ')
          .includes(text),
      expected,
      { timeout: 20000 },
    )
    .catch(() => {});
  out.timings.result = Date.now() - started;
  out.resultText = (await page.textContent('.result-window').catch(() => '')) || '';
} catch (err) {
  out.pageErrors.push(`driver: ${err && err.stack ? err.stack : err}`);
} finally {
  if (context) await context.close().catch(() => {});
  rmSync(userDataDir, { recursive: true, force: true });
}
process.stdout.write(`${JSON.stringify(out)}\n`);
