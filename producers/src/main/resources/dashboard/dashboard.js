'use strict';
// The live dashboard: polls the JSON endpoints every 2 s with the annotator token and redraws. Record content is
// only ever set as text, never parsed as HTML.
const params = new URLSearchParams(location.search);
const token = params.get('token') || localStorage.getItem('physmaster-token') || prompt('Annotator token');
if (token) { localStorage.setItem('physmaster-token', token); }
if (params.has('token')) { history.replaceState(null, '', location.pathname); } // keep it out of the address bar
const SVG = 'http://www.w3.org/2000/svg';
const POLL_MS = 2000;
let figure = null;
let shownVideos = '';
window.dashboard = {polls: 0, data: {}};

function el(tag, attrs, ...children) {
  const e = tag.startsWith('svg:') ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== null && v !== undefined) { e.setAttribute(k, v); }
  }
  for (const c of children) {
    if (c !== null && c !== undefined) { e.append(c instanceof Node ? c : String(c)); }
  }
  return e;
}

function fmt(x) {
  if (x === null || x === undefined) { return '–'; }
  if (Number.isInteger(x) || Math.abs(x) >= 1000) { return Math.round(x).toLocaleString('en'); }
  return Number(x.toPrecision(4)).toString();
}

const time = ms => ms ? new Date(ms).toLocaleTimeString('en-GB') : '–';
const short = topic => topic ? topic.replace(/^physmaster\./, '') : '–';

async function api(path) {
  const r = await fetch(path, {headers: {'Authorization': 'Bearer ' + token}, cache: 'no-store'});
  if (r.status === 401) { throw new Error('Token refused: open this page with ?token=<your annotator token>.'); }
  const body = await r.json().catch(() => ({}));
  if (!r.ok) { throw Object.assign(new Error(body.error || ('HTTP ' + r.status)), {status: r.status}); }
  return body;
}

function fill(tbody, rows) {
  tbody.replaceChildren(...rows);
}

/** A version's figures; X with X_low and X_high shows as "X value [low, high]". */
function figures(map) {
  const names = Object.keys(map || {});
  const out = el('div', {class: 'figures'});
  for (const n of names) {
    if ((n.endsWith('_low') || n.endsWith('_high')) && names.includes(n.replace(/_(low|high)$/, ''))) { continue; }
    const lo = map[n + '_low'];
    const hi = map[n + '_high'];
    const interval = lo !== undefined && hi !== undefined ? ' [' + fmt(lo) + ', ' + fmt(hi) + ']' : '';
    out.append(el('span', {'data-figure': n}, n + ' ' + fmt(map[n]) + interval));
  }
  return names.length ? out : '–';
}

function renderVersions(versions) {
  document.getElementById('versionCount').textContent = '(' + versions.length + ' newest)';
  fill(document.querySelector('#versions tbody'), versions.map((v, i) => el('tr', {'data-version': v.version},
    el('td', {class: 'num'}, versions.length - i), el('td', {class: 'mono'}, v.version),
    el('td', {class: 'mono'}, v.parent || '–'), el('td', {}, time(v.createdAt)), el('td', {class: 'num'}, v.batches),
    el('td', {}, figures(v.evaluationFigures)),
    el('td', {}, Object.keys(v.trainingFigures).length
      ? el('details', {}, el('summary', {}, Object.keys(v.trainingFigures).length + ' figures'),
        figures(v.trainingFigures)) : '–'))));
}

/** About n round ticks covering [lo, hi]. */
function ticks(lo, hi, n) {
  const raw = (hi - lo) / Math.max(1, n);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map(m => m * mag).find(s => s >= raw) || raw;
  const out = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) { out.push(Number(t.toPrecision(12))); }
  return out;
}

function renderCurve(curve) {
  const select = document.getElementById('figure');
  const options = curve.figures.join('\n');
  if (select.dataset.options !== options) {
    select.replaceChildren(...curve.figures.map(f => el('option', {value: f}, f)));
    select.dataset.options = options;
  }
  if (curve.figure) { select.value = curve.figure; }
  select.hidden = curve.figures.length === 0;
  document.getElementById('curveNote').textContent = curve.note ? curve.note + '.'
    : curve.figure + ' per encoder version; the band and whiskers are the 95 % interval the gate recorded'
      + ' (paired bootstrap on its held-out scenes).';
  const svg = document.getElementById('curve');
  const W = 760, H = 300, L = 64, R = 16, T = 14, B = 48;
  const pts = curve.points;
  const byTime = curve.figure === null;
  const xs = pts.map(p => byTime ? p.createdAt : p.index);
  let x0 = Math.min(...xs), x1 = Math.max(...xs);
  if (!pts.length) { x0 = 0; x1 = 1; }
  if (x0 === x1) { const d = byTime ? 60000 : 1; x0 -= d; x1 += d; }
  const ys = byTime ? [0, 1] : pts.flatMap(p => [p.value, p.low, p.high]).filter(v => v !== null);
  const change = curve.figure && curve.figure.startsWith('change');
  if (change || !ys.length) { ys.push(0); }
  let y0 = Math.min(...ys), y1 = Math.max(...ys);
  if (y0 === y1) { y0 -= Math.abs(y0) * 0.1 || 1; y1 += Math.abs(y1) * 0.1 || 1; }
  const pad = (y1 - y0) * 0.08;
  y0 -= pad; y1 += pad;
  const sx = x => L + (x - x0) / (x1 - x0) * (W - L - R);
  const sy = y => T + (y1 - y) / (y1 - y0) * (H - T - B);
  const parts = [];
  const yTicks = byTime ? [] : ticks(y0, y1, 5);
  for (const t of yTicks) {
    parts.push(el('svg:line', {class: 'grid', x1: L, x2: W - R, y1: sy(t), y2: sy(t)}));
    parts.push(el('svg:text', {class: 'ytick', x: L - 6, y: sy(t) + 4, 'text-anchor': 'end'}, fmt(t)));
  }
  const xTicks = byTime ? ticks(x0, x1, 5) : ticks(x0, x1, Math.min(10, x1 - x0)).filter(t => Number.isInteger(t) && t >= 1);
  for (const t of xTicks) {
    parts.push(el('svg:line', {class: 'axis', x1: sx(t), x2: sx(t), y1: H - B, y2: H - B + 5}));
    parts.push(el('svg:text', {class: 'xtick', x: sx(t), y: H - B + 18, 'text-anchor': 'middle'},
      byTime ? time(t) : t));
  }
  parts.push(el('svg:line', {class: 'axis', x1: L, x2: L, y1: T, y2: H - B}));
  parts.push(el('svg:line', {class: 'axis', x1: L, x2: W - R, y1: H - B, y2: H - B}));
  parts.push(el('svg:text', {class: 'label', x: (L + W - R) / 2, y: H - 8, 'text-anchor': 'middle'},
    byTime ? 'published at' : 'encoder version (publication order)'));
  parts.push(el('svg:text', {class: 'label', x: 14, y: (T + H - B) / 2, 'text-anchor': 'middle',
    transform: 'rotate(-90 14 ' + (T + H - B) / 2 + ')'}, curve.figure || 'versions'));
  if (change && 0 >= y0 && 0 <= y1) {
    parts.push(el('svg:line', {class: 'baseline', x1: L, x2: W - R, y1: sy(0), y2: sy(0)}));
    parts.push(el('svg:text', {class: 'label', x: W - R - 4, y: sy(0) - 4, 'text-anchor': 'end'}, 'no change'));
  }
  const banded = pts.filter(p => p.low !== null && p.high !== null);
  if (banded.length > 1) {
    const d = banded.map((p, i) => (i ? 'L' : 'M') + sx(p.index) + ',' + sy(p.high)).join(' ') + ' '
      + banded.slice().reverse().map(p => 'L' + sx(p.index) + ',' + sy(p.low)).join(' ') + ' Z';
    parts.push(el('svg:path', {class: 'band', d: d}));
  }
  for (const p of banded) {
    parts.push(el('svg:line', {class: 'whisker', x1: sx(p.index), x2: sx(p.index), y1: sy(p.low), y2: sy(p.high)}));
  }
  const cy = p => byTime ? sy(0.5) : sy(p.value);
  if (pts.length > 1) {
    parts.push(el('svg:path', {class: 'line',
      d: pts.map((p, i) => (i ? 'L' : 'M') + sx(byTime ? p.createdAt : p.index) + ',' + cy(p)).join(' ')}));
  }
  for (const p of pts) {
    const title = p.version + (byTime ? '' : ': ' + fmt(p.value)
      + (p.low !== null ? ' [' + fmt(p.low) + ', ' + fmt(p.high) + ']' : ''));
    parts.push(el('svg:circle', {class: 'point', r: 4.5, cx: sx(byTime ? p.createdAt : p.index), cy: cy(p),
      'data-version': p.version, 'data-value': p.value}, el('svg:title', {}, title)));
  }
  svg.replaceChildren(...parts);
}

function renderVideos(videos) {
  const key = videos.map(v => v.requestId + '/' + v.sample).join(' ');
  if (key === shownVideos) { return; }
  shownVideos = key;
  // Figures already shown are moved, not rebuilt, so their GIFs keep playing and are not fetched again.
  const old = new Map([...document.querySelectorAll('#videos figure')].map(f => [f.dataset.key, f]));
  document.getElementById('videos').replaceChildren(...videos.map(v => old.get(v.requestId + '/' + v.sample)
    || el('figure', {'data-key': v.requestId + '/' + v.sample, 'data-request': v.requestId, 'data-sample': v.sample},
      v.gif ? el('img', {src: v.gif, alt: 'video ' + v.requestId + ' sample ' + v.sample})
        : el('div', {class: 'missing'}, 'no frames'),
      el('figcaption', {title: v.requestId}, v.requestId.slice(0, 18) + ' #' + v.sample),
      el('figcaption', {}, (v.encoderVersion || '–') + ' · ' + time(v.createdAt)))));
  for (const img of document.querySelectorAll('#videos img:not([data-watched])')) {
    img.dataset.watched = '1'; // a video whose frames are gone from the blob store shows as such
    img.addEventListener('error', () => img.replaceWith(el('div', {class: 'missing'}, 'unavailable')));
  }
  if (!videos.length) { document.getElementById('videos').append(el('p', {class: 'note'}, 'No videos yet.')); }
}

function renderLag(lag) {
  fill(document.querySelector('#lag tbody'), lag.roles.map(r => el('tr', {'data-role': r.role},
    el('td', {}, r.role), el('td', {class: 'mono'}, r.group), el('td', {}, r.state),
    el('td', {class: 'num'}, r.members), el('td', {class: 'num'}, r.lag === null ? 'no commits' : fmt(r.lag)),
    el('td', {class: 'num'}, r.recordsPerSecond === null ? '–' : r.recordsPerSecond.toFixed(1)),
    el('td', {class: 'mono'}, Object.entries(r.lagByTopic).map(([t, n]) => short(t) + ' ' + fmt(n)).join(', ')
      || '–'))));
  document.getElementById('lagNote').textContent = (lag.error ? lag.error + '. ' : '')
    + (lag.sampledAt ? 'Sampled ' + time(lag.sampledAt) + ', every ' + lag.intervalMs / 1000 + ' s; records/s is'
      + ' how far the group\'s commits moved per second since the previous sample.' : '');
}

function renderLetters(letters) {
  document.getElementById('letterTotal').textContent = '(' + letters.total + ')';
  fill(document.querySelector('#reasons tbody'), letters.byReason.map(r => el('tr', {},
    el('td', {}, r.component), el('td', {}, r.reason), el('td', {class: 'num'}, fmt(r.count)),
    el('td', {}, time(r.latest)))));
  fill(document.querySelector('#letters tbody'), letters.newest.slice(0, 6).map(d => el('tr', {},
    el('td', {}, time(d.time)), el('td', {class: 'mono'}, d.component), el('td', {}, short(d.originalTopic)),
    el('td', {title: d.errorClass}, d.reason))));
}

async function refresh() {
  const status = document.getElementById('status');
  try {
    let curve;
    try {
      curve = await api('/api/dashboard/curve' + (figure ? '?figure=' + encodeURIComponent(figure) : ''));
    } catch (e) {
      if (e.status !== 400) { throw e; }
      figure = null; // the figure is gone from the records: back to the default one
      curve = await api('/api/dashboard/curve');
    }
    const [versions, videos, lag, letters] = await Promise.all(['versions', 'videos', 'lag', 'dead-letters']
      .map(p => api('/api/dashboard/' + p)));
    window.dashboard.data = {versions, curve, videos, lag, letters};
    renderVersions(versions);
    renderCurve(curve);
    renderVideos(videos);
    renderLag(lag);
    renderLetters(letters);
    window.dashboard.polls++;
    status.className = '';
    status.textContent = 'Updated ' + time(Date.now()) + ' · refreshes every 2 s';
  } catch (e) {
    status.className = 'error';
    status.textContent = e.message;
  }
}

async function poll() {
  await refresh();
  setTimeout(poll, POLL_MS);
}

document.getElementById('figure').addEventListener('change', e => { figure = e.target.value; refresh(); });
poll();
