// The Statecraft web console: one page, hash-routed, no build step.
//
// Everything it shows or does goes through the Step Functions JSON API on this same server
// (POST / with X-Amz-Target), with the bearer token the operator typed once (kept in
// sessionStorage), so the console can do nothing the API would refuse. Three read-only
// helpers live under /console/api/: the graph as SVG, the status of each state, and
// validation diagnostics with line numbers. Live views poll once a second.

'use strict';

const TOKEN_KEY = 'statecraft.token';
const POLL_MS = 1000;
const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'];
const TEMPLATE = JSON.stringify({
  Comment: 'A new state machine',
  StartAt: 'Hello',
  States: { Hello: { Type: 'Pass', Result: { hello: 'world' }, End: true } },
}, null, 2);

// ---------------------------------------------------------------- DOM helpers

/** Builds an element: h('a', {href: '#/'}, 'text', child). Strings become text nodes. */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const main = () => document.getElementById('main');

/** Replaces an element's children, skipping the null/false/undefined that `cond ? x : null` leaves (the DOM's own replaceChildren would print "null"). */
function put(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== undefined && c !== null && c !== false));
}

function badge(status) {
  return h('span', { class: 'badge status-' + String(status || '').toLowerCase() }, status || '?');
}

function when(epochSeconds) {
  if (epochSeconds === undefined || epochSeconds === null) return '';
  const d = new Date(Number(epochSeconds) * 1000);
  return isNaN(d) ? String(epochSeconds) : d.toLocaleString();
}

function pretty(text) {
  if (text === undefined || text === null) return '';
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch (_) { return String(text); }
}

function lastSegment(arn) {
  return String(arn || '').split(':').pop();
}

function errorBox(err) {
  const code = err && err.code ? err.code + ': ' : '';
  return h('div', { class: 'error', role: 'alert' }, code + (err && err.message ? err.message : String(err)));
}

// ---------------------------------------------------------------- API

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

class AuthRequired extends Error {}

function authHeaders() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { Authorization: 'Bearer ' + token } : {};
}

async function request(path, options) {
  const opts = options || {};
  const response = await fetch(path, {
    method: opts.method || 'GET',
    headers: Object.assign({}, opts.headers || {}, authHeaders()),
    body: opts.body,
    cache: 'no-store',
  });
  const text = await response.text();
  if (response.status === 401) throw new AuthRequired(text);
  if (!response.ok) {
    let data = {};
    try { data = JSON.parse(text); } catch (_) { /* not JSON */ }
    const code = String(data.__type || response.headers.get('x-amzn-ErrorType') || '').split('#').pop().split(':')[0];
    throw new ApiError(response.status, code || 'Error', data.message || data.Message || text || response.statusText);
  }
  return text;
}

/** Calls an API action: api('ListStateMachines', {}) or api('ListPendingTasks', {...}, 'Statecraft.'). */
async function api(action, body, prefix) {
  const text = await request('/', {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.0',
      'X-Amz-Target': (prefix || 'AWSStepFunctions.') + action,
    },
    body: JSON.stringify(body || {}),
  });
  return text ? JSON.parse(text) : {};
}

async function consoleApi(path, params, body) {
  const query = new URLSearchParams(params || {}).toString();
  const url = '/console/api/' + path + (query ? '?' + query : '');
  if (body === undefined) return request(url);
  return request(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
}

// ---------------------------------------------------------------- routing

let generation = 0; // bumped on every navigation; live loops stop when it moves on

function go(hash) {
  if (location.hash === hash) route(); else location.hash = hash;
}

async function route() {
  const mine = ++generation;
  document.getElementById('live').textContent = '';
  document.getElementById('forget-token').hidden = !sessionStorage.getItem(TOKEN_KEY);
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, query] = hash.split('?');
  const params = new URLSearchParams(query || '');
  try {
    if (path === '/' || path === '') await machinesPage(mine);
    else if (path === '/create') await createPage(mine);
    else if (path.startsWith('/machine/')) await machinePage(decodeURIComponent(path.slice(9)), params, mine);
    else if (path.startsWith('/execution/')) await executionPage(decodeURIComponent(path.slice(11)), mine);
    else put(main(), h('p', {}, 'Nothing here. ', h('a', { href: '#/' }, 'State machines')));
  } catch (err) {
    if (mine !== generation) return;
    if (err instanceof AuthRequired) tokenPage();
    else put(main(), errorBox(err));
  }
}

function tokenPage() {
  const had = !!sessionStorage.getItem(TOKEN_KEY);
  const input = h('input', { id: 'token-input', type: 'password', autocomplete: 'off', size: 40, required: true });
  const form = h('form', { id: 'token-form', class: 'card narrow' },
    h('h1', {}, 'Token required'),
    h('p', {}, 'This server requires a bearer token (serve --token). It is kept in this tab only (sessionStorage).'),
    had ? h('p', { class: 'error' }, 'The token was refused.') : null,
    h('label', {}, 'Token ', input),
    h('p', {}, h('button', { id: 'token-submit', type: 'submit', class: 'primary' }, 'Continue')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, input.value.trim());
    route();
  });
  if (had) sessionStorage.removeItem(TOKEN_KEY);
  put(main(), form);
  input.focus();
}

// ---------------------------------------------------------------- state machines

async function machinesPage(mine, nextToken) {
  const out = await api('ListStateMachines', { maxResults: 100, nextToken });
  if (mine !== generation) return;
  const rows = out.stateMachines.map((sm) => {
    const versions = h('td', { class: 'muted' }, '…');
    const aliases = h('td', { class: 'muted' }, '…');
    Promise.all([
      api('ListStateMachineVersions', { stateMachineArn: sm.stateMachineArn, maxResults: 5 }),
      api('ListStateMachineAliases', { stateMachineArn: sm.stateMachineArn, maxResults: 10 }),
    ]).then(([v, a]) => {
      put(versions, v.stateMachineVersions.map((x) => 'v' + lastSegment(x.stateMachineVersionArn)).join(', ') || '—');
      put(aliases, a.stateMachineAliases.map((x) => lastSegment(x.stateMachineAliasArn)).join(', ') || '—');
    }).catch(() => { versions.textContent = '?'; aliases.textContent = '?'; });
    return h('tr', { 'data-machine': sm.name },
      h('td', {}, h('a', { href: '#/machine/' + encodeURIComponent(sm.stateMachineArn) }, sm.name)),
      h('td', {}, sm.type), versions, aliases, h('td', {}, when(sm.creationDate)));
  });
  put(main(),
    h('div', { class: 'title-row' }, h('h1', {}, 'State machines'), h('a', { class: 'button', href: '#/create' }, 'Create state machine')),
    rows.length
      ? h('table', { id: 'machines' }, h('thead', {}, h('tr', {}, ['Name', 'Type', 'Versions', 'Aliases', 'Created'].map((t) => h('th', {}, t)))), h('tbody', {}, rows))
      : h('p', { class: 'muted' }, 'No state machines yet.'),
    out.nextToken ? h('button', { onclick: () => machinesPage(generation, out.nextToken) }, 'More') : null);
}

/** A definition editor with validation: diagnostics listed and their lines marked. */
function definitionEditor(text, type) {
  const area = h('textarea', { id: 'definition-input', rows: 18, spellcheck: 'false' });
  area.value = text;
  const report = h('div', { id: 'validation' });
  const check = async () => {
    const v = JSON.parse(await consoleApi('validate', {}, { definition: area.value, type: type() }));
    put(report, diagnosticsList(v.diagnostics, (line) => selectLine(area, line)), v.result === 'OK' && !v.diagnostics.length ? h('p', { class: 'ok' }, 'Valid.') : null);
    return v;
  };
  return { area, report, check };
}

function selectLine(area, line) {
  const lines = area.value.split('\n');
  const start = lines.slice(0, line - 1).join('\n').length + (line > 1 ? 1 : 0);
  area.focus();
  area.setSelectionRange(start, start + (lines[line - 1] || '').length);
  area.scrollTop = Math.max(0, (line - 3) * 18);
}

function diagnosticsList(diags, onLine) {
  if (!diags || !diags.length) return null;
  return h('ul', { class: 'diagnostics' }, diags.map((d) => h('li', { class: 'diag sev-' + String(d.severity).toLowerCase(), 'data-code': d.code },
    h('strong', {}, d.severity + ' ' + d.code), ' ', d.message, ' ',
    d.location ? h('code', {}, d.location) : null, ' ',
    d.line ? h('button', { type: 'button', class: 'link line-link', onclick: () => onLine(d.line) }, 'line ' + d.line) : null)));
}

async function createPage(mine) {
  const name = h('input', { id: 'create-name', required: true, pattern: '[A-Za-z0-9_-]{1,80}', placeholder: 'my-workflow' });
  const type = h('select', { id: 'create-type' }, h('option', {}, 'STANDARD'), h('option', {}, 'EXPRESS'));
  const editor = definitionEditor(TEMPLATE, () => type.value);
  const status = h('div', {});
  const form = h('form', { id: 'create-form', class: 'card' },
    h('h1', {}, 'Create a state machine'),
    h('p', {}, h('label', {}, 'Name ', name), ' ', h('label', {}, 'Type ', type)),
    h('label', { class: 'block' }, 'Definition (Amazon States Language, JSON)'), editor.area,
    h('p', {}, h('button', { type: 'button', onclick: () => editor.check().catch((e) => put(status, errorBox(e))) }, 'Validate'), ' ',
      h('button', { type: 'submit', class: 'primary', id: 'create-submit' }, 'Create')),
    editor.report, status);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    put(status);
    try {
      const v = await editor.check();
      if (v.result !== 'OK') return;
      const account = await someAccount();
      const out = await api('CreateStateMachine', {
        name: name.value.trim(), definition: editor.area.value, type: type.value,
        roleArn: 'arn:aws:iam::' + account + ':role/statecraft-console',
      });
      go('#/machine/' + encodeURIComponent(out.stateMachineArn));
    } catch (err) {
      if (err instanceof AuthRequired) tokenPage(); else put(status, errorBox(err));
    }
  });
  if (mine === generation) put(main(), form);
}

async function someAccount() {
  try {
    const out = await api('ListStateMachines', { maxResults: 1 });
    if (out.stateMachines.length) return out.stateMachines[0].stateMachineArn.split(':')[4];
  } catch (_) { /* fall through */ }
  return '123456789012';
}

// ---------------------------------------------------------------- graph

/** A zoomable, scrollable SVG view; `onState(name, pointer)` is called when a state is clicked. */
function graphView(svgText, onState) {
  const canvas = h('div', { class: 'graph-canvas', id: 'graph' });
  canvas.innerHTML = svgText; // server-rendered; names are XML-escaped and it has no scripts
  const svg = canvas.querySelector('svg');
  let zoom = 1;
  const natural = svg ? Number(svg.getAttribute('width')) || 800 : 800;
  const apply = () => {
    if (!svg) return;
    const ratio = (Number(svg.getAttribute('height')) || 600) / natural;
    svg.style.width = Math.round(natural * zoom) + 'px';
    svg.style.height = Math.round(natural * zoom * ratio) + 'px';
    label.textContent = Math.round(zoom * 100) + '%';
  };
  const label = h('span', { class: 'zoom-label' }, '100%');
  const set = (z) => { zoom = Math.min(4, Math.max(0.1, z)); apply(); };
  const fit = () => set(Math.min(1, (canvas.clientWidth - 16) / natural));
  canvas.addEventListener('wheel', (e) => {
    if (!e.ctrlKey) return;
    e.preventDefault();
    set(zoom * (e.deltaY < 0 ? 1.1 : 0.9));
  }, { passive: false });
  if (svg && onState) {
    svg.addEventListener('click', (e) => {
      const node = e.target.closest('g.sc-node');
      if (!node) return;
      canvas.querySelectorAll('g.sc-node.selected').forEach((n) => n.classList.remove('selected'));
      node.classList.add('selected');
      onState(node.getAttribute('data-state'), node.getAttribute('data-pointer'));
    });
  }
  const tools = h('div', { class: 'graph-tools' },
    h('button', { type: 'button', title: 'Zoom out', onclick: () => set(zoom / 1.25) }, '−'), label,
    h('button', { type: 'button', title: 'Zoom in', onclick: () => set(zoom * 1.25) }, '+'),
    h('button', { type: 'button', onclick: fit }, 'Fit'),
    h('button', { type: 'button', onclick: () => set(1) }, '100%'),
    h('span', { class: 'legend' }, ['running', 'waiting', 'succeeded', 'failed', 'caught', 'cancelled'].map((s) => h('span', { class: 'dot status-' + s }, s))));
  const view = h('div', { class: 'graph-view' }, tools, canvas);
  requestAnimationFrame(() => { if (canvas.clientWidth && natural > canvas.clientWidth) fit(); else apply(); });
  return { view, canvas };
}

/** Sets data-status and the status-* class of each state node, as the server's SVG does. */
function paintStatuses(canvas, states) {
  canvas.querySelectorAll('g.sc-node[data-state]').forEach((node) => {
    const status = states[node.getAttribute('data-state')];
    [...node.classList].filter((c) => c.startsWith('status-')).forEach((c) => node.classList.remove(c));
    if (status) {
      node.setAttribute('data-status', status);
      node.classList.add('status-' + status);
    } else {
      node.removeAttribute('data-status');
    }
  });
}

// ---------------------------------------------------------------- one state machine

async function machinePage(arn, params, mine) {
  const sm = await api('DescribeStateMachine', { stateMachineArn: arn });
  const [svg, versions, aliases] = await Promise.all([
    consoleApi('graph', { stateMachineArn: arn }),
    api('ListStateMachineVersions', { stateMachineArn: arn, maxResults: 20 }).catch(() => ({ stateMachineVersions: [] })),
    api('ListStateMachineAliases', { stateMachineArn: arn }).catch(() => ({ stateMachineAliases: [] })),
  ]);
  if (mine !== generation) return;

  const code = h('div', { class: 'code', id: 'definition' });
  const lines = String(sm.definition).split('\n');
  code.append(...lines.map((text, i) => h('div', { class: 'line', id: 'L' + (i + 1) }, h('span', { class: 'ln' }, String(i + 1)), h('span', { class: 'src' }, text))));
  const showLine = (line) => {
    code.querySelectorAll('.line.selected').forEach((l) => l.classList.remove('selected'));
    const el = document.getElementById('L' + line);
    if (el) { el.classList.add('selected'); code.scrollTop = el.offsetTop - code.offsetTop - 40; }
  };
  const diagnostics = h('div', { id: 'diagnostics' });
  let stateLines = {};
  consoleApi('validate', {}, { definition: sm.definition, type: sm.type }).then((text) => {
    const v = JSON.parse(text);
    stateLines = v.states || {};
    for (const d of v.diagnostics) {
      const el = d.line && document.getElementById('L' + d.line);
      if (el) { el.classList.add('has-diag'); el.title = d.code + ': ' + d.message; }
    }
    put(diagnostics, diagnosticsList(v.diagnostics, showLine) || h('p', { class: 'ok' }, 'No validation problems.'));
  }).catch((e) => put(diagnostics, errorBox(e)));

  const graph = graphView(svg, (_name, pointer) => { if (stateLines[pointer]) showLine(stateLines[pointer]); });

  put(main(),
    h('p', { class: 'crumbs' }, h('a', { href: '#/' }, 'State machines'), ' / ', sm.name),
    h('div', { class: 'title-row' }, h('h1', { id: 'machine-name' }, sm.name), badge(sm.status || 'ACTIVE')),
    h('dl', { class: 'facts' },
      h('dt', {}, 'ARN'), h('dd', {}, h('code', {}, sm.stateMachineArn)),
      h('dt', {}, 'Type'), h('dd', {}, sm.type),
      h('dt', {}, 'Created'), h('dd', {}, when(sm.creationDate)),
      h('dt', {}, 'Versions'), h('dd', {}, versions.stateMachineVersions.map((v) => 'v' + lastSegment(v.stateMachineVersionArn)).join(', ') || '—'),
      h('dt', {}, 'Aliases'), h('dd', {}, aliases.stateMachineAliases.map((a) => lastSegment(a.stateMachineAliasArn)).join(', ') || '—')),
    h('div', { class: 'columns' },
      h('section', { class: 'card' }, h('h2', {}, 'Graph'), graph.view),
      h('section', { class: 'card' }, h('h2', {}, 'Start an execution'), startForm(sm))),
    h('section', { class: 'card' }, h('h2', {}, 'Executions'), executionsList(arn, params)),
    h('section', { class: 'card' }, h('h2', {}, 'Definition'), diagnostics, code));
}

function startForm(sm) {
  const name = h('input', { id: 'start-name', placeholder: '(generated)', pattern: '[A-Za-z0-9_-]{1,80}' });
  const input = h('textarea', { id: 'start-input', rows: 8, spellcheck: 'false' });
  input.value = sessionStorage.getItem('statecraft.input.' + sm.stateMachineArn) || '{}';
  const problem = h('div', { id: 'start-error', class: 'error', hidden: true });
  const button = h('button', { id: 'start-button', type: 'submit', class: 'primary' }, 'Start execution');
  const check = () => {
    try {
      JSON.parse(input.value);
      problem.hidden = true;
      button.disabled = false;
      return true;
    } catch (e) {
      problem.textContent = 'Input is not valid JSON: ' + e.message;
      problem.hidden = false;
      button.disabled = true;
      return false;
    }
  };
  input.addEventListener('input', check);
  const form = h('form', { id: 'start-form' },
    h('label', { class: 'block' }, 'Name ', name),
    h('label', { class: 'block' }, 'Input (JSON)'), input, problem, h('p', {}, button));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!check()) return; // nothing is sent until the input parses
    try {
      const body = { stateMachineArn: sm.stateMachineArn, input: input.value };
      if (name.value.trim()) body.name = name.value.trim();
      const out = await api('StartExecution', body);
      sessionStorage.setItem('statecraft.input.' + sm.stateMachineArn, input.value);
      go('#/execution/' + encodeURIComponent(out.executionArn));
    } catch (err) {
      if (err instanceof AuthRequired) { tokenPage(); return; }
      problem.textContent = (err.code ? err.code + ': ' : '') + err.message;
      problem.hidden = false;
    }
  });
  return form;
}

function executionsList(arn, params) {
  const filter = h('select', { id: 'status-filter' }, h('option', { value: '' }, 'All statuses'), STATUSES.map((s) => h('option', { value: s, selected: params.get('status') === s }, s)));
  const body = h('tbody', {});
  const more = h('button', { id: 'executions-more', type: 'button', hidden: true }, 'Next page');
  let next = null;
  const load = async (append) => {
    const req = { stateMachineArn: arn, maxResults: 20 };
    if (filter.value) req.statusFilter = filter.value;
    if (append && next) req.nextToken = next;
    try {
      const out = await api('ListExecutions', req);
      next = out.nextToken || null;
      more.hidden = !next;
      const rows = out.executions.map((x) => h('tr', { 'data-execution': x.name },
        h('td', {}, h('a', { href: '#/execution/' + encodeURIComponent(x.executionArn) }, x.name)),
        h('td', {}, badge(x.status)), h('td', {}, when(x.startDate)), h('td', {}, when(x.stopDate)),
        h('td', {}, x.redriveCount ? String(x.redriveCount) : '')));
      if (append) body.append(...rows); else put(body, ...rows);
      if (!body.children.length) put(body, h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'No executions.')));
    } catch (err) {
      put(body, h('tr', {}, h('td', { colspan: 5 }, errorBox(err))));
    }
  };
  filter.addEventListener('change', () => {
    const base = location.hash.split('?')[0];
    history.replaceState(null, '', base + (filter.value ? '?status=' + filter.value : ''));
    load(false);
  });
  more.addEventListener('click', () => load(true));
  load(false);
  return h('div', {},
    h('p', {}, h('label', {}, 'Status ', filter), ' ', h('button', { type: 'button', onclick: () => load(false) }, 'Refresh')),
    h('table', { id: 'executions' }, h('thead', {}, h('tr', {}, ['Name', 'Status', 'Started', 'Stopped', 'Redrives'].map((t) => h('th', {}, t)))), body),
    more);
}

// ---------------------------------------------------------------- one execution

/** Name of the state an event belongs to, following previousEventId through its thread. */
function stateNames(events, known) {
  const names = known || {};
  for (const e of events) {
    const d = e.stateEnteredEventDetails || e.stateExitedEventDetails;
    if (d && d.name) names[e.id] = d.name;
    else if (e.type === 'ExecutionStarted' || e.type.startsWith('Execution')) names[e.id] = '';
    else names[e.id] = names[e.previousEventId] || '';
  }
  return names;
}

function eventDetails(e) {
  const key = Object.keys(e).find((k) => k.endsWith('EventDetails'));
  const d = key ? e[key] : {};
  const parts = [];
  if (d.error !== undefined || d.cause !== undefined) {
    parts.push(h('div', { class: 'error-inline' }, h('strong', {}, d.error || ''), ' ', d.cause || ''));
  }
  for (const field of ['input', 'parameters', 'output']) {
    if (d[field] !== undefined) {
      parts.push(h('details', {}, h('summary', {}, field), h('pre', {}, pretty(d[field]))));
    }
  }
  if (d.resource) parts.push(h('span', { class: 'muted' }, (d.resourceType ? d.resourceType + ':' : '') + d.resource));
  return parts;
}

async function executionPage(arn, mine) {
  const [desc, svg] = await Promise.all([
    api('DescribeExecution', { executionArn: arn }),
    consoleApi('graph', { executionArn: arn }),
  ]);
  if (mine !== generation) return;
  const graph = graphView(svg, (name) => {
    const row = document.querySelector('#timeline tr[data-state="' + CSS.escape(name) + '"]');
    if (row) row.scrollIntoView({ block: 'center' });
  });
  const header = h('div', {});
  const actions = h('div', { class: 'actions', id: 'actions' });
  const pending = h('div', { id: 'pending' });
  const timeline = h('tbody', {});
  const events = [];
  let names = {};
  let lastId = 0;
  let start = null;

  const renderHeader = (d) => {
    put(header,
      h('p', { class: 'crumbs' }, h('a', { href: '#/' }, 'State machines'), ' / ',
        h('a', { href: '#/machine/' + encodeURIComponent(d.stateMachineArn) }, lastSegment(d.stateMachineArn)), ' / ', d.name),
      h('div', { class: 'title-row' }, h('h1', {}, d.name), h('span', { id: 'exec-status', 'data-status': d.status }, badge(d.status))),
      h('dl', { class: 'facts' },
        h('dt', {}, 'ARN'), h('dd', {}, h('code', {}, d.executionArn)),
        h('dt', {}, 'Started'), h('dd', {}, when(d.startDate)),
        h('dt', {}, 'Stopped'), h('dd', {}, when(d.stopDate) || '—'),
        d.redriveCount ? [h('dt', {}, 'Redriven'), h('dd', {}, d.redriveCount + ' time(s), last ' + when(d.redriveDate))] : null),
      d.error || d.cause ? h('div', { class: 'error', id: 'exec-error' }, h('strong', {}, d.error || 'Error'), h('pre', {}, pretty(d.cause || ''))) : null,
      h('div', { class: 'columns io' },
        h('div', {}, h('h3', {}, 'Input'), h('pre', { id: 'exec-input' }, pretty(d.input))),
        h('div', {}, h('h3', {}, 'Output'), h('pre', { id: 'exec-output' }, d.output !== undefined ? pretty(d.output) : '—'))));
    const buttons = [];
    if (d.status === 'RUNNING') {
      buttons.push(h('button', { id: 'stop-button', type: 'button', class: 'danger', onclick: () => act(() => api('StopExecution', { executionArn: arn, error: 'Console.Stopped', cause: 'Stopped from the console' })) }, 'Stop'));
    }
    if (['FAILED', 'TIMED_OUT', 'ABORTED'].includes(d.status)) {
      buttons.push(h('button', { id: 'redrive-button', type: 'button', class: 'primary', onclick: () => act(() => api('RedriveExecution', { executionArn: arn })) }, 'Redrive'));
    }
    put(actions, ...buttons);
  };

  const act = async (fn) => {
    actions.querySelectorAll('button').forEach((b) => { b.disabled = true; });
    try {
      await fn();
    } catch (err) {
      if (err instanceof AuthRequired) { tokenPage(); return; }
      actions.append(errorBox(err));
    }
    loop(); // refresh at once, and keep polling while it runs
  };

  let pendingKey = null;
  const renderPending = (tasks) => {
    // Redrawn only when the tasks change, so what the operator types survives the polling.
    const key = tasks.map((t) => t.taskId).join(',');
    if (key === pendingKey) return;
    pendingKey = key;
    if (!tasks.length) { put(pending); return; }
    put(pending, h('h2', {}, 'Waiting for a decision'), ...tasks.map((t) => {
      const output = h('textarea', { class: 'approve-output', rows: 2, spellcheck: 'false' });
      output.value = '{"approved": true}';
      const error = h('input', { class: 'reject-error', value: 'Rejected' });
      const cause = h('input', { class: 'reject-cause', value: 'Rejected from the console', size: 40 });
      const resolve = (outcome) => act(async () => {
        const body = { executionArn: arn, taskId: t.taskId, outcome };
        if (outcome === 'SUCCESS') { JSON.parse(output.value); body.output = output.value; }
        else { body.error = error.value; body.cause = cause.value; }
        await api('ResolvePendingTask', body, 'Statecraft.');
      });
      return h('div', { class: 'pending-task card', 'data-state': t.stateName, 'data-task': t.taskId },
        h('p', {}, h('strong', {}, t.stateName), ' ', h('span', { class: 'muted' }, t.kind.toLowerCase() + ' · ' + t.resource)),
        h('details', {}, h('summary', {}, 'task input'), h('pre', {}, pretty(t.input))),
        h('div', { class: 'columns' },
          h('div', {}, h('label', { class: 'block' }, 'Output (JSON)'), output,
            h('p', {}, h('button', { type: 'button', class: 'primary approve', onclick: () => resolve('SUCCESS') }, 'Approve'))),
          h('div', {}, h('label', { class: 'block' }, 'Error ', error), h('label', { class: 'block' }, 'Cause ', cause),
            h('p', {}, h('button', { type: 'button', class: 'danger reject', onclick: () => resolve('FAILURE') }, 'Reject')))));
    }));
  };

  /** New history events: newest first until the last one already shown. */
  const fetchNew = async () => {
    const fresh = [];
    let token;
    for (;;) {
      const page = await api('GetExecutionHistory', { executionArn: arn, reverseOrder: true, maxResults: 200, nextToken: token });
      let done = false;
      for (const e of page.events) {
        if (e.id <= lastId) { done = true; break; }
        fresh.push(e);
      }
      token = page.nextToken;
      if (done || !token) break;
    }
    fresh.reverse();
    return fresh;
  };

  const appendEvents = (fresh) => {
    if (!fresh.length) return;
    if (start === null) start = Number(fresh[0].timestamp);
    names = stateNames(fresh, names);
    for (const e of fresh) {
      events.push(e);
      lastId = Math.max(lastId, e.id);
      const state = names[e.id] || '';
      timeline.append(h('tr', { 'data-event': e.id, 'data-type': e.type, 'data-state': state, class: /Failed|TimedOut|Aborted/.test(e.type) ? 'bad' : '' },
        h('td', {}, String(e.id)), h('td', { class: 'muted' }, '+' + Math.round((Number(e.timestamp) - start) * 1000) + ' ms'),
        h('td', {}, e.type), h('td', {}, state), h('td', {}, eventDetails(e))));
    }
  };

  let polling = false;
  const loop = async () => {
    if (polling) return;
    polling = true;
    const live = document.getElementById('live');
    try {
      while (mine === generation) {
        const d = await api('DescribeExecution', { executionArn: arn });
        const [statuses, fresh, tasks] = await Promise.all([
          consoleApi('execution-status', { executionArn: arn }).then(JSON.parse),
          fetchNew(),
          d.status === 'RUNNING' ? api('ListPendingTasks', { executionArn: arn }, 'Statecraft.').then((o) => o.pendingTasks) : Promise.resolve([]),
        ]);
        if (mine !== generation) return;
        renderHeader(d);
        paintStatuses(graph.canvas, statuses.states);
        appendEvents(fresh);
        renderPending(tasks);
        if (d.status !== 'RUNNING') { live.textContent = ''; break; }
        live.textContent = '● live';
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    } catch (err) {
      if (mine !== generation) return;
      if (err instanceof AuthRequired) tokenPage(); else actions.append(errorBox(err));
    } finally {
      polling = false;
    }
  };

  renderHeader(desc);
  put(main(),
    header, actions, pending,
    h('section', { class: 'card' }, h('h2', {}, 'Graph'), graph.view),
    h('section', { class: 'card' }, h('h2', {}, 'Events'),
      h('table', { id: 'timeline', class: 'timeline' }, h('thead', {}, h('tr', {}, ['#', 'Time', 'Type', 'State', 'Details'].map((t) => h('th', {}, t)))), timeline)));
  loop();
}

// ---------------------------------------------------------------- start

document.getElementById('forget-token').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  route();
});
window.addEventListener('hashchange', route);
route();
