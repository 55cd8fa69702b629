// The officer console's page: plain JavaScript, no framework, no build step.
// Everything comes from this box (CSP default-src 'self'); text is set with
// textContent only, never parsed as HTML.
'use strict';

const state = {
  session: null,     // {officer, csrf, booths, idleTimeoutS}
  catalogue: {},     // the officer's language
  items: [],
  selected: 0,
  open: null,        // uuid of the inspection in the detail view
  events: null,      // EventSource
  pending: null,     // {decision, uuid} awaiting confirmation
  mode: 'live',      // 'live': the booth's queue; 'search': history results
  search: null,      // {params, next} of the last history search
  lastActivity: Date.now(),  // the officer's last key or click
  health: null,      // interval of the box health check
};

const $ = (id) => document.getElementById(id);

function t(key, vars) {
  let s = state.catalogue[key] || key;
  for (const [k, v] of Object.entries(vars || {})) s = s.split('{' + k + '}').join(String(v));
  return s;
}

async function loadLanguage(lang) {
  if (!['en', 'uk', 'ru'].includes(lang)) lang = 'en';
  const r = await fetch('/i18n/' + lang + '.json', {credentials: 'same-origin'});
  state.catalogue = await r.json();
  document.documentElement.lang = lang;
  $('language').value = lang;
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  if (state.session) { renderQueue(); if (state.open) openDetail(state.open, false); }
}

async function api(method, path, body) {
  const headers = {};
  const init = {method, headers, credentials: 'same-origin'};
  if (method !== 'GET') {
    headers['Content-Type'] = 'application/json';
    if (state.session) headers['X-CSRF-Token'] = state.session.csrf;
    init.body = JSON.stringify(body || {});
  }
  const r = await fetch(path, init);
  let data = null;
  try { data = await r.json(); } catch (e) { data = null; }
  if (r.status === 401 && state.session) {
    toLogin(data && data.error === 'session_expired' ? 'login.expired' : null);
  }
  return {status: r.status, data};
}

function show(view) {
  const inside = view === 'queue' || view === 'supervisor';
  $('login-view').hidden = view !== 'login';
  $('queue-view').hidden = view !== 'queue';
  $('supervisor-view').hidden = view !== 'supervisor';
  $('logout').hidden = !inside;
  $('who').hidden = !inside;
  $('history').hidden = !inside;
  $('supervisor').hidden = !inside || !state.session || state.session.officer.role !== 'supervisor';
}

function toLogin(messageKey) {
  state.session = null;
  state.items = [];
  state.open = null;
  state.mode = 'live';
  state.search = null;
  $('search-form').hidden = true;
  if (state.events) { state.events.close(); state.events = null; }
  if (state.health) { clearInterval(state.health); state.health = null; }
  $('problems').hidden = true;
  show('login');
  $('login-error').textContent = messageKey ? t(messageKey) : '';
  $('login-password').value = '';
  $('login-officer').focus();
}

async function started(session) {
  state.session = session;
  activity();
  await loadLanguage(session.officer.language);
  $('who').textContent = session.officer.name + ' · ' + t('agency.' + session.officer.agency);
  const booth = $('booth');
  booth.replaceChildren();
  const all = document.createElement('option');
  all.value = '';
  all.textContent = t('queue.all');
  booth.append(all);
  for (const b of session.booths) {
    const o = document.createElement('option');
    o.value = b;
    o.textContent = b;
    booth.append(o);
  }
  show('queue');
  await refresh(false);
  listen();
  checkHealth();
  if (state.health) clearInterval(state.health);
  state.health = setInterval(checkHealth, 10000);
}

// What is wrong with the box (a read-only or corrupt store, a full disk): a banner
// above everything, so the officer knows records may not be kept and calls a
// technician. The answer comes from the daemon's memory, not the store; a store
// that cannot even check the session shows as unavailable.
async function checkHealth() {
  if (!state.session) return;
  let codes = [];
  try {
    const r = await api('GET', '/api/health?background=1');
    if (r.status === 200 && r.data && Array.isArray(r.data.problems)) codes = r.data.problems;
    else if (r.status === 503) codes = ['storage.unavailable'];
  } catch (e) {
    return;  // the box is unreachable: the live badge already says offline
  }
  const list = $('problems');
  list.replaceChildren();
  for (const code of codes) {
    const li = document.createElement('li');
    li.dataset.code = code;
    li.textContent = t('problem.' + code);
    list.append(li);
  }
  list.hidden = codes.length === 0;
}

function listen() {
  if (state.events) state.events.close();
  const es = new EventSource('/api/events');
  state.events = es;
  es.addEventListener('ready', () => { $('live').classList.add('on'); $('live').textContent = t('queue.live'); refresh(true); });
  es.addEventListener('changed', () => {
    refresh(true);
    checkHealth();
    if (!$('supervisor-view').hidden) openSupervisor();
  });
  es.addEventListener('expired', () => toLogin('login.expired'));
  es.onerror = () => {
    $('live').classList.remove('on');
    $('live').textContent = t('queue.offline');
    // Ask whether the session still holds: a 401 sends the page to the login.
    if (state.session) api('GET', '/api/session');
  };
}

async function refresh(background) {
  if (!state.session) return;
  if (state.mode === 'search') {
    if (!background && state.search) await runSearch(state.search.params, false);
    return;
  }
  const booth = $('booth').value;
  let path = '/api/inspections?limit=50';
  if (booth) path += '&booth=' + encodeURIComponent(booth);
  if (background) path += '&background=1';
  const r = await api('GET', path);
  if (r.status !== 200) return;
  const selectedUuid = state.items[state.selected] && state.items[state.selected].uuid;
  state.items = r.data.items;
  const again = state.items.findIndex((i) => i.uuid === selectedUuid);
  state.selected = again >= 0 ? again : 0;
  renderQueue();
}

function subjectOf(item) {
  const s = item.summary || {};
  if (item.kind === 'traveller') {
    const name = [s.surname, s.givenNames].filter(Boolean).join(', ');
    return [name, s.number, s.nationality].filter(Boolean).join(' · ') || t('kind.traveller');
  }
  const parts = [s.plate].concat(s.containers || []).filter(Boolean);
  return parts.join(' · ') || t('kind.' + item.kind);
}

// A rule's reason in the officer's language; the bundle's own text for rules the
// catalogue does not know (HQ may publish new ones).
function ruleText(r) {
  return state.catalogue['rule.' + r.rule] || r.description || r.rule;
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function renderQueue() {
  const q = $('queue');
  q.replaceChildren();
  $('empty').hidden = state.items.length > 0 || state.mode === 'search';
  state.items.forEach((item, i) => {
    const li = el('li', 'level-' + item.level + (i === state.selected ? ' selected' : ''));
    li.dataset.uuid = item.uuid;
    li.setAttribute('aria-selected', i === state.selected ? 'true' : 'false');
    const top = el('div', 'top');
    top.append(el('span', 'who', subjectOf(item)));
    top.append(el('span', 'badge level-' + item.level, t('level.' + item.level)));
    li.append(top);
    const meta = el('div', 'meta',
      t('kind.' + item.kind) + ' · ' + item.booth + ' · ' + new Date(item.createdAtMs).toLocaleTimeString());
    li.append(meta);
    if (item.reasons.length) {
      const ul = el('ul', 'reasons');
      for (const r of item.reasons) ul.append(el('li', null, ruleText(r)));
      li.append(ul);
    }
    for (const agency of item.restrictedAgencies || []) {
      li.append(el('div', 'restricted', t('detail.restricted', {agency: t('agency.' + agency)})));
    }
    if (item.decision) {
      li.append(el('div', 'decided', decidedText(item.decision)));
    }
    li.addEventListener('click', () => { state.selected = i; renderQueue(); openDetail(item.uuid, true); });
    q.append(li);
  });
  const sel = q.children[state.selected];
  if (sel) sel.scrollIntoView({block: 'nearest'});
}

// History: the search form's criteria as the API's parameters (dates as UTC days).
function searchParams() {
  const p = new URLSearchParams();
  for (const k of ['document', 'name', 'plate', 'container', 'level']) {
    const v = $('search-' + k).value.trim();
    if (v) p.set(k, v);
  }
  const day = (id, plus) => {
    const v = $(id).value;
    return v ? String(Date.parse(v + 'T00:00:00Z') + plus) : '';
  };
  if (day('search-from', 0)) p.set('from', day('search-from', 0));
  if (day('search-to', 0)) p.set('to', day('search-to', 86400000));
  if ($('booth').value) p.set('booth', $('booth').value);
  p.set('limit', '25');
  return p;
}

async function runSearch(params, more) {
  const p = new URLSearchParams(params);
  if (more && state.search && state.search.next) p.set('before', String(state.search.next));
  const r = await api('GET', '/api/search?' + p.toString());
  if (r.status !== 200) {
    $('search-status').textContent = t(r.status === 400 ? 'search.bad' : 'search.failed',
                                       {field: r.data && r.data.field ? t('search.' + r.data.field) : ''});
    return;
  }
  state.search = {params, next: r.data.next};
  const selectedUuid = state.items[state.selected] && state.items[state.selected].uuid;
  state.items = more ? state.items.concat(r.data.items) : r.data.items;
  const again = state.items.findIndex((i) => i.uuid === selectedUuid);
  state.selected = again >= 0 ? again : 0;
  $('search-more').hidden = !r.data.next;
  $('search-status').textContent = t('search.found', {count: state.items.length});
  renderQueue();
}

function openSearch() {
  state.mode = 'search';
  show('queue');
  $('search-form').hidden = false;
  $('empty').hidden = true;
  $('search-document').focus();
}

function closeSearch() {
  state.mode = 'live';
  state.search = null;
  $('search-form').hidden = true;
  $('search-status').textContent = '';
  closeDetail();
  refresh(false);
}

// The supervisor's view: booths and lanes, devices, the backlog to HQ, recent alerts.
async function openSupervisor() {
  const r = await api('GET', '/api/supervisor');
  if (r.status !== 200) { toast(t('sup.forbidden')); return; }
  const d = r.data;
  show('supervisor');
  const ago = (ms) => ms ? t('sup.ago', {s: Math.max(0, Math.round((d.nowMs - ms) / 1000))}) : '—';
  const grid = (id, head, rows) => {
    const tb = $(id);
    tb.replaceChildren();
    const tr = el('tr');
    for (const h of head) tr.append(el('th', null, t(h)));
    tb.append(tr);
    for (const cells of rows) {
      const x = el('tr');
      for (const c of cells) x.append(typeof c === 'object' && c ? c : el('td', null, String(c)));
      tb.append(x);
    }
  };
  grid('sup-booths', ['sup.booth', 'sup.agencies', 'sup.last', 'level.clear', 'level.refer', 'level.alert', 'sup.undecided'],
    d.booths.map((b) => [b.id + ' (' + t('sup.kind.' + b.kind) + ')', b.agencies.map((a) => t('agency.' + a)).join(', '),
      ago(b.lastInspectionAtMs), b.lastHour.clear || 0, b.lastHour.refer || 0, b.lastHour.alert || 0, b.undecided]));
  grid('sup-devices', ['sup.device', 'sup.class', 'sup.state', 'sup.lastEvent', 'sup.events', 'sup.faults'],
    d.devices.map((x) => {
      const state = el('td', x.connected ? 'ok' : 'bad', t(x.connected ? 'sup.connected' : 'sup.disconnected'));
      return [x.id, x.class, state, ago(x.last_event_ms), x.events, x.faults + (x.last_fault ? ' — ' + x.last_fault : '')];
    }));
  grid('sup-backlog', ['sup.lane', 'sup.pending', 'sup.oldest'],
    d.backlog.length ? d.backlog.map((b) => [t('sup.lane.' + b.lane), b.pending, ago(b.oldestAtMs)]) : [[t('sup.none'), 0, '—']]);
  const ol = $('sup-alerts');
  ol.replaceChildren();
  for (const item of d.alerts) {
    const li = el('li', 'level-alert');
    li.append(el('div', 'who', subjectOf(item)));
    li.append(el('div', 'meta', t('kind.' + item.kind) + ' · ' + item.booth + ' · ' + new Date(item.createdAtMs).toLocaleTimeString()));
    if (item.decision) li.append(el('div', 'decided', decidedText(item.decision)));
    ol.append(li);
  }
}

function decidedText(d) {
  return t('decision.by', {decision: t('decision.' + d.decision), officer: d.officer}) +
    (d.reason ? ' · ' + reasonText(d.reason) : '');
}

function reasonText(code) {
  return state.catalogue['reason.' + code] || code;
}

function row(table, label, value) {
  if (value === undefined || value === null || value === '') return;
  const tr = el('tr');
  tr.append(el('th', null, label));
  tr.append(el('td', null, typeof value === 'object' ? JSON.stringify(value) : String(value)));
  table.append(tr);
}

async function openDetail(uuid, focus) {
  const r = await api('GET', '/api/inspections/' + encodeURIComponent(uuid));
  if (r.status !== 200) return;
  const d = r.data;
  state.open = uuid;
  const box = $('detail');
  box.replaceChildren();
  box.hidden = false;
  const h = el('h2', null, subjectOf(d) + ' ');
  h.append(el('span', 'badge level-' + d.level, t('level.' + d.level)));
  box.append(h);
  box.append(el('h3', null, t('detail.reasons')));
  if (d.reasons.length === 0) box.append(el('p', null, t('detail.noReasons')));
  const reasons = el('ul');
  for (const x of d.reasons) reasons.append(el('li', null, ruleText(x) + ' (' + x.rule + ')'));
  box.append(reasons);
  const p = d.payload || {};
  if (p.document) {
    box.append(el('h3', null, t('detail.document')));
    const tb = el('table');
    for (const k of ['format', 'issuingState', 'number', 'surname', 'givenNames', 'nationality', 'sex', 'valid']) row(tb, k, p.document[k]);
    if (p.document.birth) row(tb, 'birth', p.document.birth.date || p.document.birth.printed);
    if (p.document.expiry) row(tb, 'expiry', p.document.expiry.date || p.document.expiry.printed);
    for (const c of p.document.checks || []) row(tb, t('detail.checks') + ': ' + c.field, c.state);
    for (const c of p.document.corrections || []) row(tb, 'OCR ' + c.field, c.from + ' → ' + c.to);
    box.append(tb);
  }
  if (p.chip) {
    box.append(el('h3', null, t('detail.chip')));
    const tb = el('table');
    row(tb, 'status', p.chip.status);
    for (const s of p.chip.steps || []) row(tb, s.step, s.state + (s.reason ? ' — ' + s.reason : ''));
    box.append(tb);
  }
  const hits = [];
  if (Array.isArray(p.watchlist)) hits.push(...p.watchlist);
  else if (p.watchlist) hits.push(...(p.watchlist.persons || []), ...(p.watchlist.documents || []));
  if (hits.length) {
    box.append(el('h3', null, t('detail.hits')));
    const ul = el('ul');
    for (const hit of hits) {
      if (hit.restricted) {
        ul.append(el('li', 'restricted', t('detail.restricted', {agency: t('agency.' + hit.agency)})));
      } else {
        ul.append(el('li', null, [hit.kind, hit.agency ? t('agency.' + hit.agency) : '', hit.score !== undefined ? Number(hit.score).toFixed(2) : '', (hit.reasons || []).join('; ')].filter(Boolean).join(' · ')));
      }
    }
    box.append(ul);
  }
  if (p.plate || p.containers || p.weights || p.radiation || p.seals) renderCargo(box, p);
  if (d.decisions.length) {
    box.append(el('h3', null, t('detail.decisions')));
    const ul = el('ul');
    for (const x of d.decisions) ul.append(el('li', 'decided', decidedText(x) + (x.note ? ' — ' + x.note : '')));
    box.append(ul);
  }
  const more = el('details');
  more.append(el('summary', null, t('detail.record')));
  more.append(el('pre', null, JSON.stringify(p, null, 2)));
  box.append(more);
  if (focus) box.focus();
}

// A row of the cargo table; `bad` marks a deviation (in red).
function flagRow(tb, label, text, bad) {
  const tr = el('tr', bad ? 'bad' : null);
  tr.append(el('th', null, label));
  tr.append(el('td', null, text));
  tb.append(tr);
}

// Vehicle and cargo laid out for the lane: the plate, each container against the
// declaration, the weight measured against the declared, radiation, seals.
function renderCargo(box, p) {
  const decl = p.declaration || null;
  box.append(el('h3', null, t('detail.vehicle')));
  const tb = el('table', 'cargo');
  if (p.plate) {
    const pl = p.plate;
    row(tb, t('cargo.plate'), [pl.normalised || pl.read, pl.country, pl.confidence !== undefined ? Math.round(pl.confidence * 100) + ' %' : ''].filter(Boolean).join(' · '));
    if (decl && decl.plate && decl.plate !== (pl.normalised || pl.read)) row(tb, t('cargo.declaredPlate'), decl.plate);
  }
  const declared = (decl && decl.containerCodes) || [];
  for (const c of p.containers || []) {
    const code = c.code || c.read;
    const notes = [];
    if (c.valid === false) notes.push(t('cargo.checkDigitFails'));
    if (c.correctedFrom) notes.push(t('cargo.correctedFrom', {from: c.correctedFrom}));
    if (decl) notes.push(declared.includes(code) ? t('cargo.declared') : t('cargo.notDeclared'));
    flagRow(tb, t('cargo.container'), code + (notes.length ? ' — ' + notes.join(', ') : ''), c.valid === false || (decl && !declared.includes(code)) ? 'bad' : null);
  }
  const weights = p.weights || [];
  const w = weights.length ? weights[weights.length - 1] : null;
  if (w || (decl && decl.grossWeightKg)) {
    const measured = w && typeof w.grossKg === 'number' ? w.grossKg : null;
    const want = decl && typeof decl.grossWeightKg === 'number' ? decl.grossWeightKg : null;
    let text = (measured !== null ? measured.toLocaleString() + ' kg' : '—') + ' / ' +
      (want !== null ? want.toLocaleString() + ' kg' : t('cargo.noDeclaration'));
    let off = false;
    if (measured !== null && want) {
      const dev = (measured - want) / want * 100;
      text += ' (' + (dev >= 0 ? '+' : '') + dev.toFixed(1) + ' %)';
      off = Math.abs(dev) > 5;
    }
    flagRow(tb, t('cargo.weight'), text, off ? 'bad' : null);
  }
  for (const r of p.radiation || []) {
    const alarm = r.gammaAlarm || r.neutronAlarm;
    flagRow(tb, t('cargo.radiation'), [
      r.gammaCps !== undefined ? 'γ ' + r.gammaCps + ' cps' : '',
      r.neutronCps !== undefined ? 'n ' + r.neutronCps + ' cps' : '',
      r.doseRateUsvH !== undefined ? r.doseRateUsvH + ' µSv/h' : '',
      alarm ? t('cargo.alarm') + (r.alarmText ? ': ' + r.alarmText : '') : t('cargo.noAlarm'),
    ].filter(Boolean).join(' · '), alarm ? 'bad' : null);
  }
  const declaredSeals = (decl && decl.seals) || [];
  for (const x of p.seals || []) {
    const ok = !decl || declaredSeals.includes(x.seal);
    flagRow(tb, t('cargo.seal'), [x.seal, x.technology, x.status, decl ? t(ok ? 'cargo.declared' : 'cargo.notDeclared') : ''].filter(Boolean).join(' · '), ok && x.status !== 'tampered' ? null : 'bad');
  }
  for (const sealId of declaredSeals) {
    if ((p.seals || []).some((x) => x.seal === sealId)) continue;
    flagRow(tb, t('cargo.seal'), sealId + ' — ' + t('cargo.notRead'), 'bad');
  }
  box.append(tb);
}

function closeDetail() {
  state.open = null;
  $('detail').hidden = true;
}

const kKeys = {
  traveller: {a: 'admit', r: 'refer', f: 'refuse'},
  vehicle: {a: 'release', r: 'refer', f: 'hold'},
  cargo: {a: 'release', r: 'refer', f: 'hold'},
};

function reasonRequired(decision) {
  return (state.session.reasonRequired || []).includes(decision);
}

function ask(decision, item) {
  state.pending = {decision, uuid: item.uuid};
  $('confirm-text').textContent = t('decision.ask', {decision: t('decision.' + decision), subject: subjectOf(item)});
  $('confirm-note').value = '';
  $('confirm-error').textContent = '';
  const sel = $('confirm-reason');
  sel.replaceChildren();
  const none = el('option', null, t(reasonRequired(decision) ? 'decision.chooseReason' : 'decision.noReason'));
  none.value = '';
  sel.append(none);
  (state.session.reasons || []).forEach((code, i) => {
    const o = el('option', null, (i < 9 ? (i + 1) + ' · ' : '') + reasonText(code));
    o.value = code;
    sel.append(o);
  });
  sel.value = '';
  $('confirm').showModal();
  $('confirm-yes').focus();
}

// In the confirmation: ↑↓ move through the reasons, 1-9 pick one.
function reasonKey(e) {
  const sel = $('confirm-reason');
  if (document.activeElement === $('confirm-note')) return false;
  if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    const n = sel.options.length;
    sel.selectedIndex = Math.max(0, Math.min(n - 1, sel.selectedIndex + (e.key === 'ArrowDown' ? 1 : -1)));
    return true;
  }
  if (/^[1-9]$/.test(e.key) && Number(e.key) < sel.options.length) {
    sel.selectedIndex = Number(e.key);
    return true;
  }
  return false;
}

async function confirmDecision() {
  const p = state.pending;
  if (!p) { $('confirm').close(); return; }
  const reason = $('confirm-reason').value;
  if (!reason && reasonRequired(p.decision)) {
    $('confirm-error').textContent = t('decision.reasonRequired');
    return;
  }
  state.pending = null;
  $('confirm').close();
  const body = {decision: p.decision, note: $('confirm-note').value};
  if (reason) body.reason = reason;
  const r = await api('POST', '/api/inspections/' + encodeURIComponent(p.uuid) + '/decision', body);
  toast(r.status === 201 ? t('decision.done', {decision: t('decision.' + p.decision)}) : t('decision.failed'));
  await refresh(false);
  if (state.open === p.uuid) await openDetail(p.uuid, false);
  // Move on to the next inspection.
  if (state.selected < state.items.length - 1) state.selected += 1;
  renderQueue();
}

function toast(text) {
  const x = $('toast');
  x.textContent = text;
  x.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { x.hidden = true; }, 4000);
}

function onKey(e) {
  if (!state.session) return;
  if (!$('supervisor-view').hidden) {
    if (e.key === 'Escape' || e.key.toLowerCase() === 's') { e.preventDefault(); show('queue'); refresh(false); }
    return;
  }
  if ($('queue-view').hidden) return;
  if ($('confirm').open) {
    if (reasonKey(e)) { e.preventDefault(); return; }
    if (e.key === 'Enter' && document.activeElement !== $('confirm-no')) { e.preventDefault(); confirmDecision(); }
    return;  // Esc closes the dialog by itself
  }
  if (e.target && ['INPUT', 'SELECT', 'TEXTAREA'].includes(e.target.tagName)) {
    if (e.key === 'Escape' && state.mode === 'search') { e.preventDefault(); e.target.blur(); closeSearch(); }
    return;
  }
  if (e.key === '/') { e.preventDefault(); openSearch(); return; }
  if (e.key.toLowerCase() === 's' && state.session.officer.role === 'supervisor') { e.preventDefault(); openSupervisor(); return; }
  if (e.key === 'Escape' && state.mode === 'search' && !state.open) { e.preventDefault(); closeSearch(); return; }
  const item = state.items[state.selected];
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (key === 'ArrowDown' || key === 'j') {
    state.selected = Math.min(state.items.length - 1, state.selected + 1);
  } else if (key === 'ArrowUp' || key === 'k') {
    state.selected = Math.max(0, state.selected - 1);
  } else if (key === 'Enter' && item) {
    openDetail(item.uuid, true);
  } else if (key === 'Escape') {
    closeDetail();
  } else if (item && kKeys[item.kind] && kKeys[item.kind][key]) {
    ask(kKeys[item.kind][key], item);
  } else {
    return;
  }
  e.preventDefault();
  renderQueue();
}

// The officer's own activity; the live queue's refreshes are not. Once the idle
// timeout has passed without any, the page asks the box (without counting as
// activity) and goes back to the login when the session has ended.
function activity() { state.lastActivity = Date.now(); }

async function watchIdle() {
  if (!state.session) return;
  if (Date.now() - state.lastActivity < state.session.idleTimeoutS * 1000) return;
  await api('GET', '/api/session?background=1');
}

async function main() {
  $('language').addEventListener('change', async () => {
    const lang = $('language').value;
    if (state.session) {
      const r = await api('POST', '/api/language', {language: lang});
      if (r.status === 200) state.session.officer.language = lang;
    }
    await loadLanguage(lang);
  });
  $('login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await api('POST', '/api/login', {officer: $('login-officer').value, password: $('login-password').value});
    if (r.status === 200) return started(r.data);
    $('login-password').value = '';
    $('login-error').textContent = t(r.status === 423 ? 'login.locked' : r.status === 401 ? 'login.invalid' : 'login.error');
  });
  $('logout').addEventListener('click', async () => { await api('POST', '/api/logout'); toLogin(null); });
  $('booth').addEventListener('change', () => refresh(false));
  $('history').addEventListener('click', openSearch);
  $('supervisor').addEventListener('click', openSupervisor);
  $('search-form').addEventListener('submit', (e) => { e.preventDefault(); runSearch(searchParams(), false); });
  $('search-more').addEventListener('click', () => runSearch(state.search.params, true));
  $('confirm-yes').addEventListener('click', confirmDecision);
  $('confirm-no').addEventListener('click', () => { state.pending = null; $('confirm').close(); });
  $('confirm').addEventListener('close', () => { state.pending = null; });
  document.addEventListener('keydown', onKey);
  for (const ev of ['keydown', 'pointerdown']) document.addEventListener(ev, activity, true);
  setInterval(watchIdle, 2000);

  await loadLanguage(navigator.language && navigator.language.slice(0, 2));
  const r = await fetch('/api/session', {credentials: 'same-origin'});
  if (r.status === 200) return started(await r.json());
  toLogin(null);
}

main();
