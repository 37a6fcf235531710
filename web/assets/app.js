// Slipway dashboard: a pure client of the public API (openapi.yaml), served at /ui/ on the API's
// origin. Plain ES module, no build step, no dependency but uPlot (vendored, loaded before this
// module as the global `uPlot`). The token lives in memory and in sessionStorage only (never
// localStorage, never a URL); it leaves the page only in the Authorization header.

const TOKEN_KEY = 'slipway.token';
const ACTIVE_POLL_MS = 2000; // pipeline-status while a pipeline runs
const IDLE_POLL_MS = 30000; // pipeline-status while none runs (notices pushes)
const LOG_WAIT_SECS = 20; // long poll of a running pipeline's log
const RANGES = ['1h', '6h', '24h', '7d', '30d'];
const STAGES = [['build', 'Build'], ['release', 'Release'], ['deploy', 'Deploy']];

let token = sessionStorage.getItem(TOKEN_KEY) || '';
let page = null; // the current page's AbortController: navigation aborts its requests and timers

// ---------------------------------------------------------------- DOM helpers

/** h builds an element: h('a', {href: '/x', class: 'y'}, 'text', child…). */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

const link = (href, text, attrs = {}) => h('a', {href, 'data-link': true, ...attrs}, text);
/** badge is a status pill: its text, and the class of its colour (default: the status). */
const badge = (status, look = status) => h('span', {class: `badge ${look || ''}`}, (status || 'none').replace('_', ' '));

function fmtTime(ts) {
  if (!ts) return '—';
  const d = new Date(ts);
  return d.toLocaleString(undefined, {dateStyle: 'medium', timeStyle: 'medium'});
}

function fmtSecs(s) {
  if (s === null || s === undefined) return '—';
  s = Math.round(s);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function fmtBytes(b) {
  if (b === null || b === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (b >= 1024 && i < units.length - 1) { b /= 1024; i++; }
  return `${b.toFixed(i ? 1 : 0)} ${units[i]}`;
}

// ---------------------------------------------------------------- API

/** ApiError is a non-2xx answer: its problem document's detail, status and code. */
class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

/** api calls the API with the token; it resolves to {data, headers} and rejects with ApiError. */
async function api(method, path, {body, headers = {}, signal, authToken = token} = {}) {
  const init = {method, headers: {Accept: 'application/json', ...headers}, signal, credentials: 'omit', cache: 'no-store'};
  if (authToken) init.headers.Authorization = `Bearer ${authToken}`;
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method === 'POST' || method === 'DELETE') init.headers['Idempotency-Key'] = crypto.randomUUID();
  const res = await fetch(path, init);
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!res.ok) {
    if (res.status === 401 && authToken === token && token) {
      signOut('Your token was refused (401): sign in again.');
    }
    throw new ApiError(res.status, data);
  }
  return {data, headers: res.headers};
}

const enc = encodeURIComponent;

let me = null; // the promise of the token's GET /me, asked once per sign-in

/** whoami is the token's GET /me: {token_id, name, role, organization_slug}. */
function whoami() {
  if (!me) {
    me = api('GET', '/me').then(({data}) => {
      document.getElementById('who').textContent = `${data.name} (${data.role}${data.organization_slug ? ` of ${data.organization_slug}` : ''})`;
      return data;
    });
    me.catch(() => { me = null; });
  }
  return me;
}

/** role is what the token may do in org: 'admin' (create, change, deploy) or 'member' (read). */
async function role(org) {
  const who = await whoami();
  return who.role === 'platform' || (who.role === 'admin' && who.organization_slug === org) ? 'admin' : 'member';
}

// ---------------------------------------------------------------- routing

const main = () => document.getElementById('main');

function navigate(path, {replace: rep = false} = {}) {
  if (rep) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  render();
}

document.addEventListener('click', (e) => {
  const a = e.target.closest && e.target.closest('a[data-link]');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  navigate(a.getAttribute('href'));
});
window.addEventListener('popstate', () => render());

function signOut(message) {
  token = '';
  me = null;
  document.getElementById('who').textContent = '';
  sessionStorage.removeItem(TOKEN_KEY);
  navigate('/ui/sign-in', {replace: true});
  if (message) {
    const note = document.getElementById('signin-error');
    if (note) note.textContent = message;
  }
}

function crumbs(items) {
  const nav = document.getElementById('crumbs');
  replace(nav, items.length ? h('ol', {}, items.map(([href, text], i) =>
    h('li', {}, i === items.length - 1 ? h('span', {'aria-current': 'page'}, text) : link(href, text)))) : null);
}

/** render draws the page of location.pathname. */
function render() {
  if (page) page.abort();
  page = new AbortController();
  const signal = page.signal;
  const path = location.pathname;
  document.getElementById('sign-out').hidden = !token;
  if (token && path !== '/ui/sign-in') whoami().catch(() => {});
  if (path === '/ui/sign-in') return signInPage();
  if (!token) return navigate('/ui/sign-in', {replace: true});
  const m = path.match(/^\/ui\/(?:o\/([a-z0-9-]+)(?:\/([a-z0-9-]+)(?:\/([a-z0-9-]+))?)?)?$/);
  if (!m) return notFound();
  const [, org, project, app] = m;
  const run = app ? appPage(org, project, app, signal) : project ? appsPage(org, project, signal)
    : org ? projectsPage(org, signal) : orgsPage(signal);
  run.catch((e) => {
    if (signal.aborted || e.name === 'AbortError') return;
    showError(e);
  });
}

function showError(e) {
  const msg = e instanceof ApiError && e.status === 404 ? 'Not found (or not visible to this token).' : e.message;
  replace(main(), h('h1', {tabindex: -1}, 'Something went wrong'), h('p', {class: 'error', role: 'alert'}, msg));
}

function notFound() {
  crumbs([]);
  replace(main(), h('h1', {tabindex: -1}, 'Page not found'), h('p', {}, link('/ui/', 'Organizations')));
}

function title(text) {
  document.title = `${text} · Slipway`;
  const h1 = h('h1', {tabindex: -1}, text);
  queueMicrotask(() => h1.focus({preventScroll: true}));
  return h1;
}

/** sleep resolves after ms, or rejects when signal aborts. */
function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(t); reject(new DOMException('aborted', 'AbortError')); }, {once: true});
  });
}

/** visible resolves when the page is visible again, or rejects when signal aborts. */
function visible(signal) {
  return new Promise((resolve, reject) => {
    const on = () => { if (!document.hidden) { document.removeEventListener('visibilitychange', on); resolve(); } };
    document.addEventListener('visibilitychange', on);
    signal.addEventListener('abort', () => { document.removeEventListener('visibilitychange', on); reject(new DOMException('aborted', 'AbortError')); }, {once: true});
  });
}

/** allPages follows a paginated list's cursors. */
async function allPages(path, signal) {
  const items = [];
  let cursor = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const {data} = await api('GET', `${path}${sep}limit=100${cursor ? `&cursor=${enc(cursor)}` : ''}`, {signal});
    items.push(...data.items);
    cursor = data.pagination.has_more ? data.pagination.next_cursor : null;
  } while (cursor);
  return items;
}

// ---------------------------------------------------------------- pages: sign-in and lists

function signInPage() {
  crumbs([]);
  const input = h('input', {id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false'});
  const error = h('p', {id: 'signin-error', class: 'error notice', role: 'alert'});
  const button = h('button', {type: 'submit'}, 'Sign in');
  const form = h('form', {class: 'panel signin', onsubmit: async (e) => {
    e.preventDefault();
    const candidate = input.value.trim();
    if (!candidate) { error.textContent = 'Enter an API token.'; return; }
    button.disabled = true;
    error.textContent = '';
    try {
      await api('GET', '/organizations?limit=1', {authToken: candidate});
      token = candidate;
      sessionStorage.setItem(TOKEN_KEY, token);
      navigate('/ui/', {replace: true});
    } catch (err) {
      error.textContent = err instanceof ApiError && err.status === 401
        ? 'That token was not accepted: check it and try again.' : `Could not sign in: ${err.message}`;
      button.disabled = false;
      input.focus();
    }
  }},
  title('Sign in'),
  h('p', {class: 'muted'}, 'Use an organization token or the platform token (slipway dev prints it).'),
  h('div', {class: 'field'}, h('label', {for: 'token'}, 'API token'), input),
  button, error);
  replace(main(), h('section', {class: 'panel signin'}, form));
  input.focus();
}

async function orgsPage(signal) {
  crumbs([['/ui/', 'Organizations']]);
  const orgs = await allPages('/organizations', signal);
  replace(main(), title('Organizations'), h('section', {class: 'panel'},
    orgs.length ? h('ul', {class: 'links'}, orgs.map((o) => h('li', {}, link(`/ui/o/${o.slug}`, o.name), h('span', {class: 'muted small'}, o.slug))))
      : h('p', {class: 'muted'}, 'This token sees no organization.')));
}

async function projectsPage(org, signal) {
  crumbs([['/ui/', 'Organizations'], [`/ui/o/${org}`, org]]);
  const projects = await allPages(`/organizations/${enc(org)}/projects`, signal);
  replace(main(), title(`Projects of ${org}`), h('section', {class: 'panel'},
    projects.length ? h('ul', {class: 'links'}, projects.map((p) => h('li', {}, link(`/ui/o/${org}/${p.slug}`, p.name), h('span', {class: 'muted small'}, p.slug))))
      : h('p', {class: 'muted'}, 'No projects yet.')));
}

async function appsPage(org, project, signal) {
  crumbs([['/ui/', 'Organizations'], [`/ui/o/${org}`, org], [`/ui/o/${org}/${project}`, project]]);
  const {data: apps} = await api('GET', `/applications/${enc(org)}/${enc(project)}`, {signal});
  const rows = apps.map((a) => {
    const state = h('td', {}, h('span', {class: 'muted'}, '…'));
    api('GET', `/applications/${a.id}/deployments?limit=1`, {signal}).then(({data}) => {
      const d = data.items[0];
      replace(state, d ? [badge(d.status), h('span', {class: 'muted small'}, ` release v${d.release_version} · ${fmtTime(d.created)}`)]
        : h('span', {class: 'muted'}, 'never deployed'));
    }).catch((e) => { if (!signal.aborted) replace(state, h('span', {class: 'error'}, e.message)); });
    return h('tr', {}, h('td', {}, link(`/ui/o/${org}/${project}/${a.slug}`, a.name)), h('td', {class: 'mono'}, a.slug),
      h('td', {}, a.latest_image_version ? `v${a.latest_image_version}` : '—'), state);
  });
  replace(main(), title(`Applications of ${org}/${project}`), h('section', {class: 'panel'},
    apps.length ? h('table', {}, h('caption', {class: 'sr-only'}, 'Applications'),
      h('thead', {}, h('tr', {}, ['Application', 'Slug', 'Latest image', 'Latest deploy'].map((c) => h('th', {scope: 'col'}, c)))),
      h('tbody', {}, rows)) : h('p', {class: 'muted'}, 'No applications yet.')));
}

// ---------------------------------------------------------------- the application page

async function appPage(org, project, slug, signal) {
  crumbs([['/ui/', 'Organizations'], [`/ui/o/${org}`, org], [`/ui/o/${org}/${project}`, project], [`/ui/o/${org}/${project}/${slug}`, slug]]);
  const [{data: app}, who] = await Promise.all([
    api('GET', `/applications/${enc(org)}/${enc(project)}/${enc(slug)}`, {signal}),
    role(org),
  ]);
  const ctx = {app, admin: who === 'admin', signal, base: `/applications/${app.id}`, status: null};
  const notice = h('p', {class: 'notice', role: 'status', 'aria-live': 'polite'});
  ctx.notify = (text, isError = false) => { notice.textContent = text; notice.className = `notice${isError ? ' error' : ''}`; };
  ctx.fail = (e) => { if (!signal.aborted) ctx.notify(e.message, true); };

  const header = h('div', {class: 'apphead'});
  const cards = h('div', {class: 'cards', id: 'pipeline-cards'});
  const pipelineFacts = h('p', {class: 'muted small', id: 'pipeline-facts'});
  const deploys = h('div', {id: 'deployments'});
  const metrics = h('div', {id: 'metrics'});
  const usage = h('div', {id: 'usage'});
  const config = h('div', {id: 'config'});
  const domains = h('div', {id: 'domains'});
  const logs = h('div', {id: 'logs'});
  replace(main(),
    h('section', {class: 'panel', 'aria-labelledby': 'app-title'}, header, notice),
    h('section', {class: 'panel', 'aria-labelledby': 'h-pipeline'}, h('h2', {id: 'h-pipeline'}, 'Pipeline'), pipelineFacts, cards),
    h('section', {class: 'panel', 'aria-labelledby': 'h-logs'}, h('h2', {id: 'h-logs'}, 'Pipeline log'), logs),
    h('section', {class: 'panel', 'aria-labelledby': 'h-deployments'}, h('h2', {id: 'h-deployments'}, 'Deployments'), deploys),
    h('section', {class: 'panel', 'aria-labelledby': 'h-metrics'}, h('h2', {id: 'h-metrics'}, 'Pipeline metrics'), metrics),
    h('section', {class: 'panel', 'aria-labelledby': 'h-usage'}, h('h2', {id: 'h-usage'}, 'Usage'), usage),
    h('section', {class: 'panel', 'aria-labelledby': 'h-config'}, h('h2', {id: 'h-config'}, 'Config vars'), config),
    h('section', {class: 'panel', 'aria-labelledby': 'h-domains'}, h('h2', {id: 'h-domains'}, 'Domains'), domains));

  ctx.renderHeader = () => renderHeader(ctx, header);
  ctx.renderHeader();
  ctx.log = logPane(ctx, logs);
  ctx.deployments = deploymentsTable(ctx, deploys);
  ctx.metrics = () => renderMetrics(ctx, metrics).catch(ctx.fail);
  ctx.usage = usageCharts(ctx, usage);
  renderConfig(ctx, config).catch(ctx.fail);
  renderDomains(ctx, domains).catch(ctx.fail);
  ctx.metrics();
  ctx.pollNow = statusLoop(ctx, cards, pipelineFacts);
}

function renderHeader(ctx, el) {
  const {app} = ctx;
  const deploy = h('button', {type: 'button', id: 'deploy', disabled: !ctx.admin,
    'aria-describedby': ctx.admin ? null : 'deploy-why', onclick: async () => {
      deploy.disabled = true;
      try {
        const {data} = await api('POST', `${ctx.base}/deploy`, {body: {}, signal: ctx.signal});
        ctx.notify(`Deploy started: pipeline ${data.pipeline_id}.`);
        ctx.pollNow();
      } catch (e) { ctx.fail(e); }
      deploy.disabled = !ctx.admin;
    }}, 'Deploy');
  replace(el,
    h('div', {},
      h('h1', {id: 'app-title', tabindex: -1}, app.name),
      h('p', {class: 'facts muted'}, `${app.organization_slug}/${app.project_slug}/${app.slug}`,
        app.github_repository ? ` · ${app.github_repository}${app.auto_deploy_branch ? ` @ ${app.auto_deploy_branch}` : ''}` : ' · no repository'),
      app.web_url ? h('p', {class: 'facts'}, h('a', {href: app.web_url, rel: 'noopener noreferrer', target: '_blank', id: 'web-url'}, app.web_url))
        : h('p', {class: 'facts muted small'}, 'No web URL yet (set once a release with a web process is live).')),
    h('div', {class: 'actions'}, deploy,
      ctx.admin ? null : h('span', {id: 'deploy-why', class: 'muted small'}, 'Deploying needs an admin token of this organization.')));
  document.title = `${app.name} · Slipway`;
  queueMicrotask(() => document.getElementById('app-title')?.focus({preventScroll: true}));
}

// ---- pipeline cards and the status loop

function stageDuration(st) {
  if (!st) return null;
  const end = st.status === 'in_progress' ? Date.now() : Date.parse(st.updated);
  return Math.max(0, (end - Date.parse(st.started)) / 1000);
}

function card(label, st) {
  if (!st) {
    return h('article', {class: 'card', 'aria-label': `${label} stage`}, h('h3', {}, label), h('p', {class: 'muted'}, 'Not run yet.'));
  }
  const steps = st.progress.steps;
  const at = steps.indexOf(st.progress.current);
  const failed = st.status === 'error' || st.status === 'canceled';
  const lastDone = st.status === 'complete' ? steps.length : at;
  return h('article', {class: `card ${st.status}`, 'aria-label': `${label} stage`, 'data-status': st.status},
    h('h3', {}, label, ' ', badge(st.status)),
    h('ol', {class: 'steps', 'aria-label': `${label} steps`}, steps.map((s, i) => {
      const cls = i < lastDone ? 'done' : i === at && !failed ? 'current' : '';
      return h('li', {class: cls, 'aria-current': i === at && !failed && st.status === 'in_progress' ? 'step' : null}, s);
    }), failed ? h('li', {class: 'failed'}, st.progress.current) : null),
    h('dl', {},
      h('dt', {}, 'Version'), h('dd', {}, `v${st.version}`),
      h('dt', {}, 'Step'), h('dd', {class: 'current-step'}, st.progress.current),
      h('dt', {}, 'Duration'), h('dd', {}, fmtSecs(stageDuration(st))),
      h('dt', {}, 'Started'), h('dd', {}, fmtTime(st.started))),
    st.error_detail ? h('p', {class: 'errdetail', role: 'alert'}, st.error_detail) : null);
}

/** statusLoop polls pipeline-status: every ACTIVE_POLL_MS while a pipeline runs, else every IDLE_POLL_MS.
 * When a pipeline ends, the rest of the page is refreshed once. It returns "poll now". */
function statusLoop(ctx, cards, facts) {
  let wake = null;
  let wasActive = null;
  const cancelBtn = h('button', {type: 'button', class: 'danger', id: 'cancel', onclick: async () => {
    cancelBtn.disabled = true;
    try {
      await api('POST', `${ctx.base}/pipelines/${ctx.status.pipeline_id}/cancel`, {body: {}, signal: ctx.signal});
      ctx.notify('Cancel requested.');
      pollNow();
    } catch (e) { ctx.fail(e); }
  }}, 'Cancel pipeline');
  const pollNow = () => { if (wake) wake(); };
  (async () => {
    while (!ctx.signal.aborted) {
      if (document.hidden && !wasActive) { // a background tab polls nothing while idle
        try { await visible(ctx.signal); } catch { return; }
      }
      try {
        const {data: st} = await api('GET', `${ctx.base}/pipeline-status`, {signal: ctx.signal});
        ctx.status = st;
        replace(cards, STAGES.map(([k, label]) => card(label, st[k])));
        if (!performance.getEntriesByName('cards').length) performance.mark('cards'); // time to first render (docs/performance.md)
        cancelBtn.disabled = !ctx.admin;
        replace(facts, st.pipeline_id ? [
          `${st.pipeline_active ? 'Running' : 'Last'} ${st.kind || ''} pipeline `, h('span', {class: 'mono'}, st.pipeline_id),
          st.queued ? ` · queued: ${st.queued.trigger} of ${(st.queued.commit_sha || '').slice(0, 7)} by ${st.queued.triggered_by}` : '',
          st.pipeline_active ? [' ', cancelBtn] : ''] : 'No pipeline has run yet.');
        cards.setAttribute('aria-busy', st.pipeline_active ? 'true' : 'false');
        if (st.pipeline_id) ctx.log.follow(st.pipeline_id, st.pipeline_active);
        if (wasActive === true && !st.pipeline_active) {
          ctx.notify('The pipeline ended.');
          api('GET', ctx.base, {signal: ctx.signal}).then(({data}) => { ctx.app = data; ctx.renderHeader(); }).catch(ctx.fail);
          ctx.deployments.reload();
          ctx.metrics();
          ctx.usage.reload();
        }
        wasActive = st.pipeline_active;
      } catch (e) {
        if (ctx.signal.aborted) return;
        ctx.fail(e);
      }
      await new Promise((resolve) => {
        const t = setTimeout(resolve, wasActive ? ACTIVE_POLL_MS : IDLE_POLL_MS);
        wake = () => { clearTimeout(t); resolve(); };
        ctx.signal.addEventListener('abort', wake, {once: true});
      });
      wake = null;
    }
  })();
  return pollNow;
}

// ---- log pane

/** logPane follows one pipeline's log: long polls (wait) while it runs, pages until complete after. */
function logPane(ctx, el) {
  const stageSel = h('select', {id: 'log-stage'}, h('option', {value: ''}, 'All stages'),
    STAGES.map(([k, label]) => h('option', {value: k}, label)));
  const which = h('span', {class: 'muted small', id: 'log-pipeline'});
  const out = h('pre', {class: 'log', id: 'log', role: 'log', 'aria-live': 'polite', 'aria-label': 'Pipeline log', tabindex: 0});
  const state = h('p', {class: 'muted small', id: 'log-state'});
  replace(el, h('div', {class: 'inline'}, h('div', {}, h('label', {for: 'log-stage'}, 'Stage'), stageSel), which), out, state);
  let current = null; // {id, ctrl, picked}
  let running = false;
  let newest = null; // the pipeline pipeline-status named last

  function start(id) {
    if (current) current.ctrl.abort();
    const ctrl = new AbortController();
    ctx.signal.addEventListener('abort', () => ctrl.abort(), {once: true});
    current = {id, ctrl};
    replace(out);
    replace(which, 'Pipeline ', h('span', {class: 'mono'}, id));
    state.textContent = 'Loading…';
    loop(id, stageSel.value, ctrl.signal).catch((e) => {
      if (ctrl.signal.aborted) return;
      state.textContent = e instanceof ApiError && e.status === 404
        ? `No log for this pipeline (404: ${e.message}).` : `Log: ${e.message}`;
    });
  }

  async function loop(id, stage, signal) {
    let cursor = '';
    for (;;) {
      const q = new URLSearchParams();
      if (stage) q.set('stage', stage);
      if (cursor) q.set('cursor', cursor);
      q.set('wait', running && current.id === id ? String(LOG_WAIT_SECS) : '0');
      const {data} = await api('GET', `${ctx.base}/pipelines/${id}/logs?${q}`, {signal});
      const atBottom = out.scrollTop + out.clientHeight >= out.scrollHeight - 4;
      append(out, data.lines.map((l) => h('span', {class: 'line'},
        h('span', {class: 'ts'}, l.timestamp.slice(11, 23)), ' ', h('span', {class: 'st'}, `[${l.stage}]`), ' ', l.message, '\n')));
      if (atBottom) out.scrollTop = out.scrollHeight;
      cursor = data.next_cursor || cursor;
      if (data.complete) { state.textContent = out.childElementCount ? 'End of log.' : 'This pipeline wrote no log lines.'; return; }
      state.textContent = 'Following…';
      if (!data.lines.length && !running) await sleep(ACTIVE_POLL_MS, signal); // ended, lines still arriving
    }
  }

  stageSel.addEventListener('change', () => { if (current) start(current.id); });
  return {
    /** follow shows pipeline id (the running or newest one) unless the user picked another. */
    follow(id, active) {
      running = active;
      const started = id !== newest; // a new pipeline replaces even a picked one
      newest = id;
      if (current && (current.id === id || (current.picked && !started))) return;
      start(id);
    },
    /** show shows a pipeline the user picked (from the deployments table). */
    show(id) { start(id); current.picked = true; el.scrollIntoView({block: 'nearest'}); out.focus({preventScroll: true}); },
  };
}

// ---- deployments

/** pipelineOf finds the pipeline of a deployment: a build pipeline is named by its image, others by their release. */
async function pipelineOf(ctx, releaseVersion) {
  for (const r of await allPages(`${ctx.base}/releases`, ctx.signal)) {
    if (r.version === releaseVersion) return r.kind === 'build' ? r.image_id : r.id;
  }
  throw new Error(`release v${releaseVersion} not found`);
}

function deploymentsTable(ctx, el) {
  const cursors = ['']; // the cursor of each page seen; cursors[i] loads page i
  let pageNo = 0;
  async function load() {
    const c = cursors[pageNo];
    const {data} = await api('GET', `${ctx.base}/deployments?limit=10${c ? `&cursor=${enc(c)}` : ''}`, {signal: ctx.signal});
    cursors[pageNo + 1] = data.pagination.has_more ? data.pagination.next_cursor : null;
    const live = data.items.find((d) => d.status === 'complete');
    const rows = data.items.map((d) => h('tr', {},
      h('td', {}, `v${d.release_version}`), h('td', {}, `v${d.image_version}`),
      h('td', {class: 'mono'}, d.commit_sha ? d.commit_sha.slice(0, 7) : '—'),
      h('td', {}, badge(d.status), d.error_detail ? h('div', {class: 'errdetail small'}, d.error_detail) : null),
      h('td', {}, d.trigger || '—', h('div', {class: 'muted small'}, d.triggered_by || '')),
      h('td', {}, fmtTime(d.created)), h('td', {}, fmtSecs(d.duration_secs)),
      h('td', {class: 'actions'},
        h('button', {type: 'button', class: 'secondary', 'aria-label': `Logs of release v${d.release_version}`,
          onclick: () => pipelineOf(ctx, d.release_version).then((id) => ctx.log.show(id)).catch(ctx.fail)}, 'Logs'),
        d.status === 'complete' && d !== live ? h('button', {type: 'button', class: 'secondary', disabled: !ctx.admin,
          onclick: async () => {
            try {
              const {data: r} = await api('POST', `${ctx.base}/rollback`, {body: {release_version: d.release_version}, signal: ctx.signal});
              ctx.notify(`Rollback to v${d.release_version} started: pipeline ${r.pipeline_id}.`);
              ctx.pollNow();
            } catch (e) { ctx.fail(e); }
          }}, `Roll back to v${d.release_version}`) : null)));
    replace(el, data.items.length || pageNo ? h('table', {id: 'deployments-table'}, h('caption', {class: 'sr-only'}, 'Deployments, newest first'),
      h('thead', {}, h('tr', {}, ['Release', 'Image', 'Commit', 'Status', 'Trigger', 'Created', 'Duration', ''].map((c) => h('th', {scope: 'col'}, c)))),
      h('tbody', {}, rows)) : h('p', {class: 'muted'}, 'No deployments yet.'),
    h('div', {class: 'pager'},
      h('button', {type: 'button', class: 'secondary', disabled: pageNo === 0, onclick: () => { pageNo--; load().catch(ctx.fail); }}, 'Newer'),
      h('span', {class: 'muted small'}, `Page ${pageNo + 1}`),
      h('button', {type: 'button', class: 'secondary', disabled: !cursors[pageNo + 1], onclick: () => { pageNo++; load().catch(ctx.fail); }}, 'Older')));
  }
  load().catch(ctx.fail);
  return {reload() { pageNo = 0; load().catch(ctx.fail); }};
}

// ---- charts (uPlot)

const charts = new Set(); // live uPlot instances, resized with the window

function chartWidth(el) { return Math.max(240, (el.clientWidth || el.parentElement?.clientWidth || 400) - 4); }

window.addEventListener('resize', () => {
  for (const c of charts) {
    if (!c.root.isConnected) { c.destroy(); charts.delete(c); continue; }
    c.setSize({width: chartWidth(c.root.parentElement), height: c.height});
  }
});

function makeChart(holder, opts, data) {
  if (typeof uPlot === 'undefined') { replace(holder, h('p', {class: 'error'}, 'The chart library did not load.')); return null; }
  const c = new uPlot({width: chartWidth(holder), height: 160, legend: {live: false}, cursor: {drag: {x: false, y: false}}, ...opts}, data, holder);
  charts.add(c);
  return c;
}

/** figure is a chart's frame: a caption and a role=img holder whose aria-label names the chart. */
function figure(id, caption, label) {
  const holder = h('div', {class: 'chart', id, role: 'img', 'aria-label': label});
  return {holder, el: h('figure', {}, h('figcaption', {}, caption), holder)};
}

// ---- pipeline metrics

async function renderMetrics(ctx, el) {
  const {data} = await api('GET', `${ctx.base}/pipeline-metrics`, {signal: ctx.signal});
  const cols = STAGES.map(([k, label]) => {
    const m = data[k];
    const f = figure(`history-${k}`, `${label} history`, `${label} history: duration in seconds of the last ${m.history.length} ${k}s, failures marked`);
    const stats = h('div', {class: 'stats'},
      h('span', {}, 'Success ', h('strong', {}, m.success_rate === null ? '—' : `${m.success_rate}%`)),
      h('span', {}, 'p50 ', h('strong', {}, fmtSecs(m.p50_secs))),
      h('span', {}, 'p95 ', h('strong', {}, fmtSecs(m.p95_secs))),
      h('span', {class: 'muted'}, `${m.success}/${m.total} ok`));
    return {k, m, f, el: h('div', {}, h('h3', {}, label), stats, f.el)};
  });
  replace(el, h('p', {class: 'muted small'}, `Over the newest ${data.range} of each stage.`), h('div', {class: 'grid3'}, cols.map((c) => c.el)));
  for (const {m, f} of cols) {
    const xs = m.history.map((p) => p.version);
    const ok = m.history.map((p) => (p.ok ? p.secs : null));
    const bad = m.history.map((p) => (p.ok ? null : (p.secs ?? 0.5)));
    const bars = uPlotBars();
    makeChart(f.holder, {
      scales: {x: {time: false, range: (u, min, max) => [(min ?? 1) - 0.5, (max ?? 1) + 0.5]}},
      series: [{label: 'Version'}, {label: 'ok (s)', fill: 'rgba(28,124,58,.6)', stroke: '#1c7c3a', paths: bars, points: {show: false}},
        {label: 'failed (s)', fill: 'rgba(179,38,30,.6)', stroke: '#b3261e', paths: bars, points: {show: false}}],
      axes: [{incrs: [1, 2, 5, 10, 20, 50, 100], values: (u, vals) => vals.map((v) => (Number.isInteger(v) ? `v${v}` : ''))},
        {size: 48, values: (u, vals) => vals.map((v) => (v < 10 ? `${+v.toFixed(3)}s` : fmtSecs(v)))}],
    }, [xs, ok, bad]);
  }
}

function uPlotBars() { return typeof uPlot !== 'undefined' ? uPlot.paths.bars({size: [0.7, 40]}) : undefined; }

// ---- usage

function usageCharts(ctx, el) {
  let range = '1h';
  const picker = h('div', {class: 'segmented', role: 'group', 'aria-label': 'Usage range'}, RANGES.map((r) =>
    h('button', {type: 'button', 'data-range': r, 'aria-pressed': r === range ? 'true' : 'false', onclick: () => { range = r; load().catch(ctx.fail); }}, r)));
  const grid = h('div', {class: 'grid2'});
  replace(el, h('div', {class: 'inline'}, h('span', {class: 'muted small', id: 'usage-range-label'}, 'Range'), picker), grid);
  // [id, name, field, unit, tick format, the least top of the y axis (an empty chart still has a scale)]
  const defs = [
    ['cpu', 'CPU', 'cpu_usage_m', 'millicores', (v) => `${Math.round(v)}m`, 100],
    ['memory', 'Memory', 'memory_usage_bytes', 'bytes', fmtBytes, 64 << 20],
    ['pods', 'Pods', 'pod_count', 'pods', (v) => (Number.isInteger(v) ? String(v) : ''), 2],
    ['restarts', 'Restarts', 'restart_count', 'container restarts per step', (v) => (Number.isInteger(v) ? String(v) : ''), 2],
  ];
  async function load() {
    for (const b of picker.children) b.setAttribute('aria-pressed', b.dataset.range === range ? 'true' : 'false');
    const {data} = await api('GET', `${ctx.base}/observability?range=${range}`, {signal: ctx.signal});
    const xs = data.history.map((p) => Date.parse(p.timestamp) / 1000);
    const figs = defs.map(([id, name, field, unit, fmt, least]) => {
      const f = figure(`usage-${id}`, name, `${name} usage over the last ${range}, in ${unit}`);
      return {f, field, name, fmt, least};
    });
    replace(grid, figs.map((x) => x.f.el));
    for (const {f, field, name, fmt, least} of figs) {
      const ys = data.history.map((p) => p[field]);
      const restarts = field === 'restart_count';
      makeChart(f.holder, {
        series: [{}, {label: name, stroke: restarts ? '#b3261e' : '#2457c5', fill: restarts ? 'rgba(179,38,30,.5)' : 'rgba(36,87,197,.12)',
          width: 1.5, spanGaps: false, paths: restarts ? uPlotBars() : undefined, points: {show: false}}],
        axes: [{}, {size: 76, values: (u, vals) => vals.map((v) => (v === null ? '' : fmt(v)))}],
        scales: {y: {range: (u, min, max) => [0, Math.max(max ?? 0, least) * 1.1]}},
      }, [xs, ys]);
    }
  }
  load().catch(ctx.fail);
  return {reload() { load().catch(ctx.fail); }};
}

// ---- config vars

async function renderConfig(ctx, el) {
  const res = await api('GET', `${ctx.base}/config`, {signal: ctx.signal});
  const cfg = res.data;
  const etag = res.headers.get('ETag');
  const names = Object.keys(cfg.vars).sort();
  const patch = async (vars, done) => {
    try {
      await api('PATCH', `${ctx.base}/config`, {body: {vars}, headers: etag ? {'If-Match': etag} : {}, signal: ctx.signal});
      ctx.notify(done + ' It takes effect at the next release.');
    } catch (e) {
      ctx.fail(e.status === 412 ? new Error('The config changed meanwhile: reloaded, try again.') : e);
    }
    renderConfig(ctx, el).catch(ctx.fail);
  };
  const dis = !ctx.admin;
  const nameIn = h('input', {id: 'var-name', required: true, pattern: '[A-Za-z_][A-Za-z0-9_]*', disabled: dis, autocomplete: 'off'});
  const valueIn = h('input', {id: 'var-value', disabled: dis, autocomplete: 'off'});
  const secretIn = h('input', {id: 'var-secret', type: 'checkbox', disabled: dis});
  const scopeIn = h('select', {id: 'var-scope', disabled: dis}, ['runtime', 'build', 'both'].map((s) => h('option', {value: s}, s)));
  secretIn.addEventListener('change', () => { valueIn.type = secretIn.checked ? 'password' : 'text'; });
  replace(el,
    h('p', {class: 'muted small'}, `Version ${cfg.version}. Secret values are never shown: a fingerprint lets you compare one.`),
    names.length ? h('table', {id: 'config-table'}, h('caption', {class: 'sr-only'}, 'Config vars'),
      h('thead', {}, h('tr', {}, ['Name', 'Value', 'Scope', 'Updated', ''].map((c) => h('th', {scope: 'col'}, c)))),
      h('tbody', {}, names.map((n) => {
        const v = cfg.vars[n];
        return h('tr', {}, h('td', {class: 'mono'}, n),
          h('td', {}, v.secret ? h('span', {}, 'secret · set · ', h('span', {class: 'mono', title: 'fingerprint'}, v.fingerprint)) : h('span', {class: 'mono'}, v.value)),
          h('td', {}, v.scope), h('td', {class: 'small'}, fmtTime(v.updated), h('div', {class: 'muted'}, v.updated_by || '')),
          h('td', {}, h('button', {type: 'button', class: 'secondary', disabled: dis, 'aria-label': `Remove ${n}`,
            onclick: () => patch({[n]: null}, `Removed ${n}.`)}, 'Remove')));
      }))) : h('p', {class: 'muted'}, 'No config vars.'),
    h('form', {class: 'inline', 'aria-label': 'Set a config var', onsubmit: (e) => {
      e.preventDefault();
      const n = nameIn.value.trim();
      patch({[n]: {value: valueIn.value, secret: secretIn.checked, scope: scopeIn.value}}, `Saved ${n}.`);
    }},
    h('div', {}, h('label', {for: 'var-name'}, 'Name'), nameIn),
    h('div', {}, h('label', {for: 'var-value'}, 'Value'), valueIn),
    h('div', {}, h('label', {for: 'var-scope'}, 'Scope'), scopeIn),
    h('div', {class: 'check'}, secretIn, ' ', h('label', {for: 'var-secret'}, 'Secret')),
    h('button', {type: 'submit', disabled: dis}, 'Save variable')));
}

// ---- domains

async function renderDomains(ctx, el) {
  let items;
  try {
    ({data: {items}} = await api('GET', `${ctx.base}/domains`, {signal: ctx.signal}));
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) { replace(el, h('p', {class: 'muted'}, `Domains are not available (404: ${e.message}).`)); return; }
    throw e;
  }
  const dis = !ctx.admin;
  const hostIn = h('input', {id: 'domain-hostname', required: true, disabled: dis, autocomplete: 'off', placeholder: 'www.example.com'});
  replace(el,
    items.length ? h('table', {id: 'domains-table'}, h('caption', {class: 'sr-only'}, 'Custom domains'),
      h('thead', {}, h('tr', {}, ['Hostname', 'Status', 'DNS records', ''].map((c) => h('th', {scope: 'col'}, c)))),
      h('tbody', {}, items.map((d) => h('tr', {},
        h('td', {class: 'mono'}, d.hostname),
        h('td', {}, badge(d.status, {active: 'complete', error: 'error'}[d.status] || 'in_progress'),
          d.detail ? h('div', {class: 'muted small'}, d.detail) : null),
        h('td', {class: 'mono small'}, (d.dns_records || []).map((r) => h('div', {}, `${r.name} ${r.type} ${r.value}`))),
        h('td', {}, h('button', {type: 'button', class: 'secondary', disabled: dis, 'aria-label': `Remove ${d.hostname}`, onclick: async () => {
          try {
            await api('DELETE', `${ctx.base}/domains/${enc(d.hostname)}`, {signal: ctx.signal});
            ctx.notify(`Removed ${d.hostname}.`);
          } catch (e) { ctx.fail(e); }
          renderDomains(ctx, el).catch(ctx.fail);
        }}, 'Remove')))))) : h('p', {class: 'muted'}, 'No custom domains.'),
    h('form', {class: 'inline', 'aria-label': 'Add a domain', onsubmit: async (e) => {
      e.preventDefault();
      try {
        await api('POST', `${ctx.base}/domains`, {body: {hostname: hostIn.value.trim()}, signal: ctx.signal});
        ctx.notify(`Added ${hostIn.value.trim()}: point its DNS at the records shown.`);
        renderDomains(ctx, el).catch(ctx.fail);
      } catch (err) { ctx.fail(err); }
    }},
    h('div', {}, h('label', {for: 'domain-hostname'}, 'Hostname'), hostIn),
    h('button', {type: 'submit', disabled: dis}, 'Add domain')));
}

// ---------------------------------------------------------------- start

document.getElementById('sign-out').addEventListener('click', () => signOut());
render();
