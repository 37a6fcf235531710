// End-to-end tests of the dashboard in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core) against the local system: this file starts `slipway dev --in-memory` on a
// free 127.0.0.1 port with fast simulators, seeds it through the API, runs the scenarios in
// order, and stops it. Screenshots and figures.json go to web/e2e/artifacts/ (git-ignored; CI
// keeps them as artifacts).
//
//   SLIPWAY_BIN           the slipway binary (default: bin/slipway of the repository)
//   CHROMIUM              the browser (default: /usr/bin/chromium)
//   SLIPWAY_UI_IDLE_SECS  also count the API requests of an idle application page over this
//                         many seconds (make bench-ui: 120); 0 (default) skips it
//
// Run: make test-ui (builds the binary, npm ci, then node web/e2e/run.mjs).
import {spawn} from 'node:child_process';
import {mkdirSync, writeFileSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {createInterface} from 'node:readline';
import {fileURLToPath} from 'node:url';
import assert from 'node:assert/strict';
import {test, before, after, afterEach} from 'node:test';
import {chromium} from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const artifacts = join(here, 'artifacts');
const BIN = process.env.SLIPWAY_BIN || join(repo, 'bin', 'slipway');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const IDLE_SECS = Number(process.env.SLIPWAY_UI_IDLE_SECS || 0);
const PLATFORM_TOKEN = 'slw_e2e_platform_token_for_the_dashboard_tests';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const T = 45_000; // the longest wait for a pipeline (simulated build and rollout take 1 s each)

let server; // the slipway dev process
let base; // its URL
let browser;
let memberToken;
let missing = []; // routes of API.md this build of the API does not have yet (logs, domains): their 404s are expected
const figures = {};
const problems = [];
const opened = []; // every page: a failing test leaves a screenshot of each one still open // console errors and page errors of every page, checked at the end

async function startServer() {
  mkdirSync(artifacts, {recursive: true});
  const proc = spawn(BIN, ['dev', '--in-memory', '--addr', '127.0.0.1:0', '--log-level', 'warn'], {
    env: {
      PATH: process.env.PATH, HOME: process.env.HOME, SLIPWAY_DEV_TOKEN: PLATFORM_TOKEN,
      SLIPWAY_SIM_BUILD_SECONDS: '1', SLIPWAY_SIM_ROLLOUT_SECONDS: '1', SLIPWAY_SIM_FAIL_BUILD: 'repo=acme/broken',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The server never outlives this process: not on a crash, not on a signal.
  process.on('exit', () => proc.kill('SIGKILL'));
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => { proc.kill('SIGKILL'); process.exit(130); });
  const stderr = [];
  proc.stderr.on('data', (b) => stderr.push(b));
  const url = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('slipway dev printed no URL within 30 s')), 30_000);
    proc.on('exit', (code) => fail(new Error(`slipway dev exited (${code}): ${Buffer.concat(stderr)}`)));
    createInterface({input: proc.stdout}).on('line', (line) => {
      const m = line.match(/^Slipway is running at (http:\/\/127\.0\.0\.1:\d+)$/);
      if (m) { clearTimeout(timer); ok(m[1]); }
    });
  });
  return {proc, url};
}

async function call(method, path, body, tok = PLATFORM_TOKEN) {
  const headers = {Authorization: `Bearer ${tok}`};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(base + path, {method, headers, body: body === undefined ? undefined : JSON.stringify(body)});
  const text = await res.text();
  return {status: res.status, data: text ? JSON.parse(text) : null};
}

async function mustCall(method, path, body, tok) {
  const r = await call(method, path, body, tok);
  assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.data)}`);
  return r.data;
}

async function createApp(projectId, slug, repository) {
  const app = await mustCall('POST', '/applications', {name: `App ${slug}`, slug, project_id: projectId});
  await mustCall('PATCH', `/applications/${app.id}/settings`, {github_repository: repository, auto_deploy_branch: 'main'});
  return app;
}

/** newPage opens a page whose console errors are recorded, except those allowed by `allow` (regexps). */
async function newPage(name, allow = []) {
  const context = await browser.newContext({viewport: {width: 1280, height: 900}});
  const page = await context.newPage();
  const requests = [];
  page.on('request', (r) => requests.push({url: r.url(), at: Date.now()}));
  page.on('console', (m) => {
    if (m.type() !== 'error' || allow.some((re) => re.test(m.text()))) return;
    const url = m.location()?.url || '';
    if (/status of 404/.test(m.text()) && missing.some((re) => re.test(new URL(url, base).pathname))) return;
    problems.push(`${name}: console: ${m.text()} (${url})`);
  });
  page.on('pageerror', (e) => problems.push(`${name}: page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    const why = r.failure()?.errorText || '';
    if (!/ERR_ABORTED/.test(why)) problems.push(`${name}: request failed: ${r.url()} ${why}`);
  });
  page.setDefaultTimeout(15_000);
  opened.push({name, page});
  return {page, context, requests};
}

async function signIn(page, tok) {
  await page.goto(`${base}/ui/`);
  await page.waitForURL(/\/ui\/sign-in$/);
  await page.getByLabel('API token').fill(tok);
  await page.getByRole('button', {name: 'Sign in'}).click();
  await page.getByRole('heading', {name: 'Organizations'}).waitFor();
}

const shot = (page, name) => page.screenshot({path: join(artifacts, `${name}.png`), fullPage: true});
const stage = (page, label) => page.locator(`article[aria-label="${label} stage"]`);

before(async () => {
  ({proc: server, url: base} = await startServer());
  const {items: [project]} = await mustCall('GET', '/organizations/demo/projects');
  await createApp(project.id, 'web', 'acme/web');
  const broken = await createApp(project.id, 'broken', 'acme/broken');
  ({token: memberToken} = await mustCall('POST', '/organizations/demo/tokens', {name: 'viewer', role: 'member'}));
  if ((await call('GET', `/applications/${broken.id}/logs`)).status === 404) missing.push(/\/logs$/);
  if ((await call('GET', `/applications/${broken.id}/domains`)).status === 404) missing.push(/\/domains$/);
  figures.missingRoutes = missing.map(String);
  browser = await chromium.launch({executablePath: CHROMIUM, args: FLAGS});
});

afterEach(async () => {
  for (const {name, page} of opened.splice(0)) {
    if (!page.isClosed()) await page.screenshot({path: join(artifacts, `${name.replace(/\W+/g, '-')}-last.png`), fullPage: true}).catch(() => {});
  }
});

after(async () => {
  if (browser) await browser.close();
  if (server) {
    server.kill('SIGTERM');
    await new Promise((ok) => { server.on('exit', ok); setTimeout(ok, 10_000); });
  }
  writeFileSync(join(artifacts, 'figures.json'), JSON.stringify(figures, null, 2) + '\n');
  console.log('figures:', JSON.stringify(figures));
});

test('a bad token shows an error and stays signed out', async () => {
  const {page, context} = await newPage('bad token', [/status of 401/]);
  await page.goto(`${base}/ui/o/demo/demo/web`);
  await page.waitForURL(/\/ui\/sign-in$/);
  await page.getByLabel('API token').fill('slw_not_a_real_token');
  await page.getByRole('button', {name: 'Sign in'}).click();
  await page.getByRole('alert').filter({hasText: 'not accepted'}).waitFor();
  assert.equal(new URL(page.url()).pathname, '/ui/sign-in');
  assert.equal(await page.evaluate(() => sessionStorage.length + localStorage.length), 0);
  await shot(page, 'bad-token');
  await context.close();
});

test('sign in, navigate to an application, deploy it and watch the cards reach complete', async () => {
  const {page, context} = await newPage('admin');
  await signIn(page, PLATFORM_TOKEN);
  assert.equal(await page.evaluate(() => localStorage.length), 0, 'nothing in localStorage');
  assert.ok(!page.url().includes(PLATFORM_TOKEN), 'the token is not in the URL');
  await page.getByRole('link', {name: 'Demo', exact: true}).click();
  await page.getByRole('heading', {name: 'Projects of demo'}).waitFor();
  await page.getByRole('link', {name: 'Demo', exact: true}).click();
  await page.getByRole('heading', {name: 'Applications of demo/demo'}).waitFor();
  await page.getByRole('row', {name: /App web/}).getByText('never deployed').waitFor();
  await shot(page, 'applications');

  await page.getByRole('link', {name: 'App web'}).click();
  await page.getByRole('heading', {name: 'App web', level: 1}).waitFor();
  const deploy = page.getByRole('button', {name: 'Deploy', exact: true});
  assert.ok(await deploy.isEnabled(), 'an admin may deploy');
  await deploy.click();
  await page.getByRole('status').filter({hasText: 'Deploy started'}).waitFor();
  await stage(page, 'Build').and(page.locator('[data-status="in_progress"], [data-status="complete"]')).waitFor({timeout: T});
  await shot(page, 'deploy-running');
  for (const label of ['Build', 'Release', 'Deploy']) {
    await stage(page, label).and(page.locator('[data-status="complete"]')).waitFor({timeout: T});
  }
  await page.getByRole('status').filter({hasText: 'The pipeline ended'}).waitFor({timeout: T});
  if (!missing.some((re) => re.test('/logs'))) {
    // The live log pane followed the pipeline through its three stages to the end.
    await page.locator('#log-state').getByText('End of log.').waitFor({timeout: T});
    const text = await page.getByRole('log', {name: 'Pipeline log'}).innerText();
    for (const st of ['build', 'deploy']) assert.match(text, new RegExp(`\\[${st}\\]`), `the log has ${st} lines`);
  }

  // The header shows the application's web_url once a release with a web process is live.
  const {web_url: webURL} = await mustCall('GET', '/applications/demo/demo/web');
  if (webURL) assert.equal(await page.locator('#web-url').getAttribute('href'), webURL);

  // The deployments table, refreshed when the pipeline ended.
  const table = page.locator('#deployments-table');
  await table.getByRole('row').filter({hasText: 'v1'}).getByText('complete').waitFor();
  // The four usage charts, named for assistive technology, and the range selector.
  for (const name of ['CPU', 'Memory', 'Pods', 'Restarts']) {
    const chart = page.getByRole('img', {name: new RegExp(`^${name} usage`)});
    await chart.locator('canvas').waitFor();
  }
  await page.getByRole('group', {name: 'Usage range'}).getByRole('button', {name: '24h'}).click();
  await page.getByRole('img', {name: /^CPU usage over the last 24h/}).locator('canvas').waitFor();
  // Pipeline metrics: success rates and the history bar charts.
  await page.getByRole('img', {name: /^Build history/}).locator('canvas').waitFor();
  assert.match(await page.locator('#metrics').innerText(), /Success\s+100%/);
  await shot(page, 'deployed');

  // Deploy again, then roll back to v1 from the deployments table: a third release, v1's image.
  await deploy.click();
  await page.getByRole('status').filter({hasText: 'Deploy started'}).waitFor();
  await table.getByRole('row').filter({hasText: 'v2'}).getByText('complete').waitFor({timeout: T});
  await page.getByRole('button', {name: 'Roll back to v1'}).click();
  await page.getByRole('status').filter({hasText: 'Rollback to v1 started'}).waitFor();
  const v3 = table.getByRole('row').filter({has: page.getByRole('cell', {name: 'v3', exact: true})});
  await v3.getByText('complete').waitFor({timeout: T});
  assert.equal(await v3.getByRole('cell').nth(1).innerText(), 'v1', "the rollback releases v1's image");
  // The log pane follows a pipeline picked in the table.
  await table.getByRole('button', {name: 'Logs of release v2'}).click();
  await page.locator('#log-pipeline').filter({hasText: /[0-9a-f-]{36}/}).waitFor();

  // A config var: a secret is shown as set with a fingerprint, never its value.
  await page.getByLabel('Name', {exact: true}).fill('API_KEY');
  await page.getByLabel('Value').fill('s3cret-value-1');
  await page.getByLabel('Secret').check();
  await page.getByRole('button', {name: 'Save variable'}).click();
  await page.locator('#config-table').getByRole('row', {name: /API_KEY/}).getByText('secret · set').waitFor();
  assert.ok(!(await page.content()).includes('s3cret-value-1'), 'the secret value is not on the page');
  await page.getByRole('button', {name: 'Remove API_KEY'}).click();
  await page.getByText('No config vars.').waitFor();
  await context.close();
});

test('time to first render and weight of the application page', async () => {
  const {page, context} = await newPage('figures');
  await signIn(page, PLATFORM_TOKEN);
  // A cold load of the application page (empty HTTP cache): what a first visit costs.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.clearBrowserCache');
  await page.goto(`${base}/ui/o/demo/demo/web`, {waitUntil: 'load'});
  await stage(page, 'Deploy').and(page.locator('[data-status]')).waitFor();
  await page.getByRole('img', {name: /^Restarts usage/}).locator('canvas').waitFor();
  await page.waitForLoadState('networkidle');
  const m = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const res = performance.getEntriesByType('resource');
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    const cards = performance.getEntriesByName('cards')[0];
    return {
      transferBytes: nav.transferSize + res.reduce((n, r) => n + r.transferSize, 0),
      staticBytes: nav.transferSize + res.filter((r) => r.name.includes('/ui/assets/')).reduce((n, r) => n + r.transferSize, 0),
      requests: 1 + res.length,
      firstContentfulPaintMs: fcp ? Math.round(fcp.startTime) : null,
      cardsRenderedMs: cards ? Math.round(cards.startTime) : null,
    };
  });
  figures.applicationPage = m;
  assert.ok(m.transferBytes < 300 * 1024, `the application page transfers ${m.transferBytes} bytes, want < 300 KB`);
  assert.ok(m.cardsRenderedMs !== null, 'the page marks when the pipeline cards render');
  // A second visit: hashed assets come from the cache, only the index and the API go out.
  await page.reload({waitUntil: 'networkidle'});
  figures.applicationPage.repeatTransferBytes = await page.evaluate(() =>
    performance.getEntriesByType('navigation')[0].transferSize + performance.getEntriesByType('resource').reduce((n, r) => n + r.transferSize, 0));
  if (IDLE_SECS > 0) {
    const {page: idle, context: c2, requests} = await newPage('idle');
    await signIn(idle, PLATFORM_TOKEN);
    await idle.goto(`${base}/ui/o/demo/demo/web`, {waitUntil: 'networkidle'});
    const from = Date.now();
    await idle.waitForTimeout(IDLE_SECS * 1000);
    const api = requests.filter((r) => r.at >= from && !new URL(r.url).pathname.startsWith('/ui/'));
    figures.idleApiRequestsPerMinute = +(api.length * 60 / IDLE_SECS).toFixed(2);
    figures.idleWindowSecs = IDLE_SECS;
    figures.idlePaths = [...new Set(api.map((r) => new URL(r.url).pathname))];
    await c2.close();
  }
  await context.close();
});

test('a failed build shows its error and its log', async () => {
  const {page, context} = await newPage('failed build');
  await signIn(page, PLATFORM_TOKEN);
  await page.goto(`${base}/ui/o/demo/demo/broken`);
  await page.getByRole('button', {name: 'Deploy', exact: true}).click();
  const build = stage(page, 'Build').and(page.locator('[data-status="error"]'));
  await build.waitFor({timeout: T});
  assert.match(await build.getByRole('alert').innerText(), /simulated build failure/);
  assert.equal(await stage(page, 'Release').getByText('Not run yet.').count(), 1);
  if (missing.some((re) => re.test('/logs'))) {
    // The log routes are not in this build of the API: the pane says so.
    await page.locator('#log-state').getByText(/No log for this pipeline \(404/).waitFor();
  } else {
    await page.getByRole('log', {name: 'Pipeline log'}).getByText(/./).first().waitFor({timeout: T});
    await page.locator('#log-state').getByText('End of log.').waitFor({timeout: T});
    assert.match(await page.getByRole('log').innerText(), /\[build\] .*simulated build failure/);
  }
  await shot(page, 'failed-build');
  await context.close();
});

// The log pane against API.md's "Logs" contract, served by the browser itself (page.route): it
// follows next_cursor, long-polls (wait=20) while the pipeline runs, stops at complete, and
// restarts for another stage. Runs whatever this build of the API has, so the pane's logic is
// tested before and after the real routes land (the test above then checks them end to end).
test('the log pane follows the Logs contract (cursor, wait, complete, stage)', async () => {
  const {page, context} = await newPage('log contract');
  const seen = [];
  await page.route(/\/applications\/[^/]+\/pipelines\/[^/]+\/logs\?/, (route) => {
    const q = new URL(route.request().url()).searchParams;
    seen.push({stage: q.get('stage'), cursor: q.get('cursor'), wait: q.get('wait')});
    const at = (q.get('stage') || 'build');
    const pages = {
      '': {lines: [{timestamp: '2026-12-02T10:00:00.000Z', stage: at, message: 'Step 1/3 : FROM scratch'},
        {timestamp: '2026-12-02T10:00:01.000Z', stage: at, message: 'Step 2/3 : COPY . .'}], next_cursor: 'c1', complete: false},
      c1: {lines: [{timestamp: '2026-12-02T10:00:02.000Z', stage: at, message: `${at}: done`}], next_cursor: 'c2', complete: true},
    };
    route.fulfill({status: 200, contentType: 'application/json', body: JSON.stringify(pages[q.get('cursor') || ''])});
  });
  await signIn(page, PLATFORM_TOKEN);
  await page.goto(`${base}/ui/o/demo/demo/web`);
  const log = page.getByRole('log', {name: 'Pipeline log'});
  await page.locator('#log-state').getByText('End of log.').waitFor();
  assert.deepEqual((await log.innerText()).trim().split('\n').map((l) => l.replace(/^\S+ /, '')),
    ['[build] Step 1/3 : FROM scratch', '[build] Step 2/3 : COPY . .', '[build] build: done']);
  assert.deepEqual(seen.slice(0, 2).map((r) => r.cursor), [null, 'c1'], 'the second request follows next_cursor');
  assert.ok(seen.every((r) => r.wait === '0'), 'an ended pipeline is read without holding requests');
  await page.getByRole('combobox', {name: 'Stage'}).selectOption('deploy');
  await log.getByText('[deploy] deploy: done').waitFor();
  assert.equal(seen.at(-1).stage, 'deploy');
  await shot(page, 'log-contract');
  await context.close();
});

// While a pipeline runs the page polls pipeline-status every 2 s and offers Cancel; once it ends
// the polling calms down to every 30 s. pipeline-status and cancel are served by the browser
// here (page.route), so that the pipeline runs exactly as long as the test needs.
test('a running pipeline: the page polls, cancels, and calms down when it ends', async () => {
  const {page, context} = await newPage('running pipeline');
  const now = new Date().toISOString();
  const pid = '01936f4e-7c1a-7000-8000-0000000000d0';
  const buildStage = (status, current) => ({id: pid, version: 9, status, error_detail: status === 'canceled' ? 'canceled by dev' : null,
    started: now, updated: now, progress: {steps: ['queued', 'building', 'complete'], current}});
  let active = true;
  const polls = [];
  let cancel = null;
  await page.route(/\/applications\/[^/]+\/pipeline-status$/, (route) => {
    polls.push(Date.now());
    route.fulfill({status: 200, contentType: 'application/json', body: JSON.stringify({
      build: active ? buildStage('in_progress', 'building') : buildStage('canceled', 'canceled'),
      release: null, deploy: null, pipeline_active: active, pipeline_id: pid, kind: 'build', queued: null})});
  });
  await page.route(/\/pipelines\/[^/]+\/cancel$/, (route) => {
    cancel = {url: route.request().url(), body: route.request().postDataJSON()};
    active = false;
    route.fulfill({status: 202, contentType: 'application/json', body: '{"ok":true}'});
  });
  await page.route(/\/pipelines\/[^/]+\/logs\?/, (route) => route.fulfill({status: 200, contentType: 'application/json',
    body: JSON.stringify({lines: [], next_cursor: 'c', complete: !active})}));
  await signIn(page, PLATFORM_TOKEN);
  await page.goto(`${base}/ui/o/demo/demo/web`);
  await stage(page, 'Build').and(page.locator('[data-status="in_progress"]')).waitFor();
  const t0 = polls.length;
  await page.waitForTimeout(5000);
  assert.ok(polls.length - t0 >= 2, `${polls.length - t0} polls in 5 s while a pipeline runs, want at least 2`);
  await page.getByRole('button', {name: 'Cancel pipeline'}).click();
  await stage(page, 'Build').and(page.locator('[data-status="canceled"]')).waitFor();
  assert.ok(cancel.url.endsWith(`/pipelines/${pid}/cancel`), cancel.url);
  assert.deepEqual(cancel.body, {});
  assert.match(await stage(page, 'Build').getByRole('alert').innerText(), /canceled by dev/);
  await page.getByRole('status').filter({hasText: 'The pipeline ended'}).waitFor();
  const t1 = polls.length;
  await page.waitForTimeout(6000);
  assert.equal(polls.length - t1, 0, 'no pipeline-status poll within 6 s once the pipeline ended');
  await shot(page, 'canceled');
  await context.close();
});

test("a member sees the Deploy button disabled", async () => {
  // The dashboard asks the API what the token may do (GET /me).
  const {page, context} = await newPage('member');
  await signIn(page, memberToken);
  await page.locator('#who').getByText('viewer (member of demo)').waitFor();
  await page.goto(`${base}/ui/o/demo/demo/web`);
  const deploy = page.getByRole('button', {name: 'Deploy', exact: true});
  await deploy.waitFor();
  assert.ok(await deploy.isDisabled(), "a member's Deploy button is disabled");
  await page.getByText('Deploying needs an admin token').waitFor();
  assert.ok(await page.getByRole('button', {name: 'Save variable'}).isDisabled());
  await page.locator('#deployments-table').waitFor();
  await shot(page, 'member');
  // Sign out forgets the token.
  await page.getByRole('button', {name: 'Sign out'}).click();
  await page.waitForURL(/\/ui\/sign-in$/);
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  await context.close();
});

test('domains: add and remove a custom domain', async () => {
  const {page, context} = await newPage('domains');
  if (missing.some((re) => re.test('/domains'))) {
    // Not in this build of the API: the browser serves API.md's "Routing" contract itself
    // (page.route), so the section's requests and rendering are still checked.
    const domains = [];
    await page.route(/\/applications\/[^/]+\/domains(\/[^/?]+)?$/, async (route) => {
      const req = route.request();
      const json = (status, body) => route.fulfill({status, contentType: 'application/json', body: body === undefined ? '' : JSON.stringify(body)});
      if (req.method() === 'GET') return json(200, {items: domains});
      if (req.method() === 'POST') {
        assert.ok(req.headers()['idempotency-key'], 'a POST carries an Idempotency-Key');
        const {hostname} = req.postDataJSON();
        const d = {hostname, status: 'pending', detail: 'waiting for DNS', created: new Date().toISOString(),
          dns_records: [{type: 'CNAME', name: hostname, value: 'ingress.apps.example.net'}]};
        domains.push(d);
        return json(201, d);
      }
      const host = decodeURIComponent(new URL(req.url()).pathname.split('/').pop());
      domains.splice(domains.findIndex((d) => d.hostname === host), 1);
      return route.fulfill({status: 204});
    });
  }
  await signIn(page, PLATFORM_TOKEN);
  await page.goto(`${base}/ui/o/demo/demo/web`);
  await page.getByLabel('Hostname').fill('www.e2e-example.com');
  await page.getByRole('button', {name: 'Add domain'}).click();
  const row = page.locator('#domains-table').getByRole('row').filter({has: page.getByRole('cell', {name: 'www.e2e-example.com', exact: true})});
  await row.waitFor();
  assert.match(await row.innerText(), /(pending|active|error)[\s\S]*CNAME/, 'the status and the DNS records to set');
  await shot(page, 'domains');
  await page.getByRole('button', {name: 'Remove www.e2e-example.com'}).click();
  await page.getByText('No custom domains.').waitFor();
  await context.close();
});

test('no console errors on any page', () => {
  assert.deepEqual(problems, []);
});
