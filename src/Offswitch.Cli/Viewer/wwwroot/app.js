'use strict';
// Offswitch viewer: one page, hash routes, data from /api. No dependencies, nothing fetched from elsewhere.

const main = document.getElementById('main');
const MARK_START = '\u0002', MARK_END = '\u0003';

function esc(value) {
  return String(value ?? '').replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}
function pct(x) { return x === null || x === undefined ? '–' : (100 * x).toFixed(1) + '%'; }
function when(t) { return t ? new Date(t).toISOString().replace('T', ' ').slice(0, 19) + 'Z' : '–'; }
async function api(path) {
  const response = await fetch(path);
  if (!response.ok) {
    let detail = response.statusText;
    try { const body = await response.json(); detail = body.detail || body.error || detail; } catch { /* not JSON */ }
    throw new Error(detail);
  }
  return response.json();
}
function outcomeBadge(o) { return `<span class="badge o-${esc(o)}">${esc(o)}</span>`; }
function controlBadge(isControl) { return isControl ? ' <span class="badge control" title="scripted reference agent, not an AI model">control</span>' : ''; }
function isControlModel(model) { return model.startsWith('reference/'); }

// Highlights every search word in already-escaped HTML text (outside tags).
function highlight(html, words) {
  if (!words.length) return html;
  const pattern = new RegExp('(' + words.map(w => esc(w).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|') + ')', 'gi');
  return html.split(/(<[^>]+>)/).map(part => part.startsWith('<') ? part : part.replace(pattern, '<mark>$1</mark>')).join('');
}
function searchWords(q) { return (q || '').split(/\s+/).filter(w => /[\p{L}\p{N}]/u.test(w)); }
function snippetHtml(s) { return esc(s).split(MARK_START).join('<mark>').split(MARK_END).join('</mark>'); }

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, query] = raw.split('?');
  return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(query || '') };
}

let renderToken = 0;
async function route() {
  const token = ++renderToken;
  const { parts, params } = parseHash();
  document.getElementById('q').value = params.get('q') || '';
  try {
    if (parts[0] === 'run') await renderRun(parts[1], token);
    else if (parts[0] === 'trials') await renderTrials(params, token);
    else if (parts[0] === 'trial') await renderTrial(Number(parts[1]), params, token);
    else if (parts[0] === 'compare-trials') await renderCompareTrials(Number(parts[1]), Number(parts[2]), token);
    else if (parts[0] === 'compare-cells') await renderCompareCells(parts[1], Number(parts[2]), Number(parts[3]), token);
    else await renderRuns(token);
  } catch (error) {
    if (token === renderToken) main.innerHTML = `<p class="error">${esc(error.message)}</p>`;
  }
}

// ---------- runs ----------
async function renderRuns(token) {
  const runs = await api('/api/runs');
  if (token !== renderToken) return;
  if (!runs.length) { main.innerHTML = '<h1>Runs</h1><p>No runs in this store yet. Run <code>offswitch run SCENARIO --model SPEC</code> first.</p>'; return; }
  main.innerHTML = `<h1>Runs</h1>
  <table id="runs"><thead><tr><th>Run</th><th>Scenario</th><th>Models</th><th>Conditions</th><th>Started</th><th>Ended</th><th>Status</th><th>Stored / planned</th><th>Outcomes</th></tr></thead>
  <tbody>${runs.map(r => `<tr class="run-row" data-run="${esc(r.id)}">
    <td><a href="#/run/${encodeURIComponent(r.id)}">${esc(r.id)}</a></td>
    <td>${esc(r.plan.scenario)}</td>
    <td>${r.plan.models.map(m => esc(m) + controlBadge(r.controls.includes(m))).join('<br>')}</td>
    <td>${r.plan.conditions.map(esc).join(', ')}</td>
    <td>${when(r.started_at)}</td><td>${when(r.ended_at)}</td><td>${esc(r.status)}</td>
    <td class="num stored">${r.stored} / ${r.planned}</td>
    <td class="outcomes">${outcomeText(r.outcomes)}</td></tr>`).join('')}</tbody></table>`;
}
function outcomeText(outcomes) { return Object.entries(outcomes || {}).map(([o, n]) => `${esc(o)} ${n}`).join(', '); }

// ---------- one run: cells, chart, compare ----------
let currentCells = [];
async function renderRun(runId, token) {
  const [runs, report] = await Promise.all([api('/api/runs'), api(`/api/runs/${encodeURIComponent(runId)}/cells`)]);
  if (token !== renderToken) return;
  const run = runs.find(r => r.id === runId);
  if (!run) { main.innerHTML = `<p class="error">No run ${esc(runId)} in this store.</p>`; return; }
  currentCells = report.cells;
  const interval = `${Math.round(report.interval.level * 100)}% ${esc(report.interval.method)}`;
  main.innerHTML = `<h1>Run ${esc(run.id)}</h1>
  <div class="card"><b>${esc(run.plan.scenario)}</b> · status <b id="run-status">${esc(run.status)}</b> · started ${when(run.started_at)} · ended ${when(run.ended_at)}
   · <span id="run-stored" class="stored">${run.stored} / ${run.planned}</span> trials stored · seed ${run.plan.seed}
   · <a href="#/trials?run=${encodeURIComponent(run.id)}">browse its trials</a></div>
  <h2>Cells: primary outcome / n, ${interval} interval</h2>
  <table id="cells"><thead><tr><th></th><th>Condition</th><th>Model</th><th>k / n</th><th>Rate</th><th>${interval}</th><th>Discarded</th><th>Errors</th><th>Outcomes (all trials)</th><th>Techniques</th></tr></thead>
  <tbody>${report.cells.map((c, i) => `<tr class="cell-row" data-cell="${i}">
    <td><input type="checkbox" class="pick" value="${i}" aria-label="pick cell ${i}"></td>
    <td>${esc(c.condition)}</td><td>${esc(c.model)}${controlBadge(c.is_control)}</td>
    <td class="num kn">${c.k}/${c.n}</td><td class="num">${pct(c.rate)}</td><td class="num">${pct(c.ci_low)}–${pct(c.ci_high)}</td>
    <td class="num">${c.discarded}</td><td class="num">${c.errors}</td>
    <td>${Object.entries(c.outcomes).filter(([, n]) => n > 0).map(([o, n]) =>
      `<a href="#/trials?run=${encodeURIComponent(run.id)}&condition=${encodeURIComponent(c.condition)}&model=${encodeURIComponent(c.model)}&outcome=${encodeURIComponent(o)}">${esc(o)} ${n}</a>`).join(', ')}</td>
    <td>${Object.entries(c.techniques).map(([t, n]) => `${esc(t)} ${n}`).join(', ')}</td></tr>`).join('')}</tbody></table>
  <p><button id="compare-cells" disabled>Compare the two picked cells</button> <span class="muted">(pick two rows)</span></p>
  ${report.cells.some(c => c.is_control) ? '<p class="muted">control = scripted reference agent used to validate the oracle, not an AI model</p>' : ''}
  <h2>Chart</h2><div class="card">${chart(report.cells)}</div>`;
  const picks = [...main.querySelectorAll('.pick')];
  const button = document.getElementById('compare-cells');
  picks.forEach(p => p.addEventListener('change', () => {
    const chosen = picks.filter(x => x.checked);
    button.disabled = chosen.length !== 2;
  }));
  button.addEventListener('click', () => {
    const [a, b] = picks.filter(x => x.checked).map(x => x.value);
    location.hash = `#/compare-cells/${encodeURIComponent(run.id)}/${a}/${b}`;
  });
}

// Horizontal bars: the rate, with the interval as a whisker.
function chart(cells) {
  const rowH = 26, labelW = 330, plotW = 460, top = 22, height = top + cells.length * rowH + 10;
  const x = v => labelW + v * plotW;
  let svg = `<svg id="chart" role="img" aria-label="rates with intervals" width="${labelW + plotW + 60}" height="${height}">`;
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    svg += `<line x1="${x(t)}" x2="${x(t)}" y1="${top - 6}" y2="${height - 6}" stroke="#d9dee7"/><text x="${x(t)}" y="${top - 9}" text-anchor="middle">${t * 100}%</text>`;
  }
  cells.forEach((c, i) => {
    const y = top + i * rowH;
    const label = `${c.condition} × ${c.model}${c.is_control ? ' (control)' : ''}`;
    svg += `<text x="${labelW - 8}" y="${y + 15}" text-anchor="end">${esc(label)}</text>`;
    if (c.rate !== null) {
      svg += `<rect class="bar" x="${x(0)}" y="${y + 5}" width="${Math.max(1, c.rate * plotW)}" height="${rowH - 10}" fill="${c.is_control ? '#f4b36b' : '#5b8def'}"/>`;
      svg += `<line class="whisker" x1="${x(c.ci_low)}" x2="${x(c.ci_high)}" y1="${y + rowH / 2}" y2="${y + rowH / 2}" stroke="#1d2330" stroke-width="1.5"/>`;
      svg += `<line x1="${x(c.ci_low)}" x2="${x(c.ci_low)}" y1="${y + 7}" y2="${y + rowH - 7}" stroke="#1d2330"/><line x1="${x(c.ci_high)}" x2="${x(c.ci_high)}" y1="${y + 7}" y2="${y + rowH - 7}" stroke="#1d2330"/>`;
      svg += `<text x="${x(c.ci_high) + 6}" y="${y + 15}">${pct(c.rate)} (${c.k}/${c.n})</text>`;
    } else {
      svg += `<text x="${x(0) + 4}" y="${y + 15}" class="muted">n = 0</text>`;
    }
  });
  return svg + '</svg>';
}

async function renderCompareCells(runId, i, j, token) {
  const report = await api(`/api/runs/${encodeURIComponent(runId)}/cells`);
  const a = report.cells[i], b = report.cells[j];
  if (!a || !b) throw new Error('Those cells are not in this run.');
  let stats = null, why = '';
  if (a.n > 0 && b.n > 0) stats = await api(`/api/compare?k1=${a.k}&n1=${a.n}&k2=${b.k}&n2=${b.n}`);
  else why = 'A cell with n = 0 has no rate to compare.';
  if (token !== renderToken) return;
  const col = c => `<div class="card"><h2>${esc(c.condition)} × ${esc(c.model)}${controlBadge(c.is_control)}</h2>
     <p><b>${c.k}/${c.n}</b> = ${pct(c.rate)}, interval ${pct(c.ci_low)}–${pct(c.ci_high)}</p>
     <p>${Object.entries(c.outcomes).map(([o, n]) => `${esc(o)} ${n}`).join(', ')}</p>
     <p><a href="#/trials?run=${encodeURIComponent(runId)}&condition=${encodeURIComponent(c.condition)}&model=${encodeURIComponent(c.model)}">trials</a></p></div>`;
  main.innerHTML = `<h1>Compare cells <span class="muted">(run <a href="#/run/${encodeURIComponent(runId)}">${esc(runId)}</a>)</span></h1>
   <div class="side" id="compare">${col(a)}${col(b)}</div>
   <div class="card" id="difference">${stats
     ? `Difference (left − right): <b>${pct(stats.difference)}</b>, ${Math.round(stats.level * 100)}% Newcombe interval <b>${pct(stats.lower)} to ${pct(stats.upper)}</b>; two-sided Fisher exact <b>p = ${stats.p_value < 0.0001 ? stats.p_value.toExponential(2) : stats.p_value.toFixed(4)}</b>`
     : esc(why)}</div>`;
}

// ---------- trials: filter, search, pages ----------
const FILTERS = [['scenario', 'scenarios'], ['condition', 'conditions'], ['model', 'models'], ['outcome', 'outcomes'], ['technique', 'techniques'], ['score', 'score_names']];
async function renderTrials(params, token) {
  const run = params.get('run') || '';
  const limit = 50, offset = Number(params.get('offset') || 0);
  const query = new URLSearchParams(params); query.set('limit', limit);
  const started = performance.now();
  const [facets, page] = await Promise.all([api('/api/facets' + (run ? `?run=${encodeURIComponent(run)}` : '')), api('/api/trials?' + query)]);
  const ms = Math.round(performance.now() - started);
  if (token !== renderToken) return;
  const q = params.get('q') || '';
  const select = ([name, list]) => `<label>${name}<select id="f-${name}" data-filter="${name}"><option value="">any</option>${facets[list].map(v =>
    `<option${v === params.get(name) ? ' selected' : ''}>${esc(v)}</option>`).join('')}</select></label>`;
  const pages = Math.max(1, Math.ceil(page.total / limit)), current = Math.floor(offset / limit) + 1;
  main.innerHTML = `<h1>Trials${run ? ` of run <a href="#/run/${encodeURIComponent(run)}">${esc(run)}</a>` : ''}${q ? ` matching “${esc(q)}”` : ''}</h1>
  <form class="filters" id="filters">${FILTERS.map(select).join('')}
    <label>score ≥<input id="f-min" size="4" value="${esc(params.get('min') || '')}"></label><label>score ≤<input id="f-max" size="4" value="${esc(params.get('max') || '')}"></label>
    <button type="submit">Apply</button></form>
  <div class="pager"><span id="total">${page.total} trial${page.total === 1 ? '' : 's'}</span> <span class="muted">(${ms} ms)</span>
    ${offset > 0 ? `<a id="prev" href="${trialsHash(params, { offset: Math.max(0, offset - limit) })}">‹ previous</a>` : ''}
    <span>page ${current} of ${pages}</span>
    ${offset + limit < page.total ? `<a id="next" href="${trialsHash(params, { offset: offset + limit })}">next ›</a>` : ''}
    <button id="compare-trials" disabled>Compare two picked trials</button></div>
  <table id="results"><thead><tr><th></th><th>#</th><th>Condition</th><th>Model</th><th>Index</th><th>Outcome</th><th>Technique</th><th>Scores</th>${q ? '<th>Match</th>' : ''}</tr></thead>
  <tbody>${page.items.map(h => `<tr class="trial-row" data-id="${h.trial.id}" data-outcome="${esc(h.trial.outcome)}">
    <td><input type="checkbox" class="pick" value="${h.trial.id}"></td>
    <td><a href="#/trial/${h.trial.id}${q ? '?q=' + encodeURIComponent(q) : ''}">${h.trial.id}</a></td>
    <td>${esc(h.trial.key.condition)}</td><td>${esc(h.trial.key.model)}${controlBadge(h.trial.is_control)}</td><td class="num">${h.trial.key.index}</td>
    <td>${outcomeBadge(h.trial.status === 'error' ? 'error' : h.trial.outcome)}</td><td>${esc(h.trial.technique || '')}</td>
    <td>${Object.entries(h.scores).map(([k, v]) => `${esc(k)} ${v ?? '–'}`).join(', ')}</td>
    ${q ? `<td class="snippet">${snippetHtml(h.snippet || '')}</td>` : ''}</tr>`).join('')}</tbody></table>`;
  document.getElementById('filters').addEventListener('submit', e => {
    e.preventDefault();
    const next = {};
    for (const [name] of FILTERS) next[name] = document.getElementById('f-' + name).value;
    next.min = document.getElementById('f-min').value; next.max = document.getElementById('f-max').value; next.offset = '';
    location.hash = trialsHash(params, next);
  });
  for (const [name] of FILTERS) document.getElementById('f-' + name).addEventListener('change', () => document.getElementById('filters').requestSubmit());
  const picks = [...main.querySelectorAll('.pick')], button = document.getElementById('compare-trials');
  picks.forEach(p => p.addEventListener('change', () => { button.disabled = picks.filter(x => x.checked).length !== 2; }));
  button.addEventListener('click', () => {
    const [a, b] = picks.filter(x => x.checked).map(x => x.value);
    location.hash = `#/compare-trials/${a}/${b}`;
  });
}
function trialsHash(params, changes) {
  const next = new URLSearchParams(params);
  for (const [k, v] of Object.entries(changes)) { if (v === '' || v === null || v === undefined) next.delete(k); else next.set(k, v); }
  next.delete('limit');
  return '#/trials?' + next;
}

// ---------- one trial ----------
async function renderTrial(id, params, token) {
  const trial = await api(`/api/trials/${id}`);
  if (token !== renderToken) return;
  const words = searchWords(params.get('q'));
  main.innerHTML = `<h1>Trial ${trial.id} <span class="muted">· ${esc(trial.condition)} × ${esc(trial.model)}${controlBadge(trial.is_control)} · #${trial.index}</span></h1>
    ${trialHtml(trial, words, 'main')}`;
  wireTrial(main);
}
function trialHtml(t, words, prefix) {
  const ev = t.evidence || {};
  const skip = new Set(['script_before', 'script_after', 'reasoning_judge']);
  const evidence = Object.entries(ev).filter(([k]) => !skip.has(k));
  const decisive = t.decisive_call_id ? `<a href="#" class="jump" data-target="${prefix}-call-${esc(t.decisive_call_id)}">Jump to the decisive moment ↓</a>` : '';
  let html = `<div class="card verdict" id="${prefix === 'main' ? 'verdict' : prefix + '-verdict'}">
    <div>Verdict: ${outcomeBadge(t.status === 'error' ? 'error' : t.outcome)} ${t.technique ? `technique <b class="technique">${esc(t.technique)}</b>` : ''} · stop: ${esc(t.stop_reason)} · run <a href="#/run/${encodeURIComponent(t.run_id)}">${esc(t.run_id)}</a> · ${decisive}</div>
    ${t.error ? `<p class="error">${esc(t.error)}</p>` : ''}
    ${t.script_diff ? `<h2>shutdown.sh before → after</h2><div class="diff" id="${prefix === 'main' ? 'diff' : prefix + '-diff'}">${t.script_diff.map(l => `<div class="diff-${l.kind}">${esc(l.text)}</div>`).join('')}</div>` : ''}
    <details${prefix === 'main' ? ' open' : ''}><summary>Evidence (${evidence.length})</summary><dl>${evidence.map(([k, v]) => `<dt>${esc(k)}</dt><dd><pre>${esc(v)}</pre></dd>`).join('')}</dl></details>
    ${reasoningJudgeHtml(ev.reasoning_judge)}
    <div class="muted">scores: ${Object.entries(t.scores || {}).map(([k, v]) => `${esc(k)} ${v ?? 'missing'}`).join(', ') || 'none'} · tokens in ${t.usage.input_tokens}, out ${t.usage.output_tokens}, reasoning ${t.usage.reasoning_tokens} · ${t.usage.model_calls} model calls · seed ${t.seed}</div></div>`;
  html += t.events_before.map(e => eventHtml(e, words)).join('');
  const results = new Map();
  for (const m of t.messages) for (const p of m.parts) if (p.type === 'result') results.set(p.call_id, p.text);
  if (t.messages.some(m => m.author === 'A' || m.author === 'B')) return html + dialogueHtml(t, results, words, prefix) + t.events_after.map(e => eventHtml(e, words)).join('');
  for (const m of t.messages) {
    if (m.role === 'tool') continue; // tool results are drawn with their calls
    const collapsed = m.role === 'system' || m.role === 'user';
    const body = m.parts.map(p => partHtml(p, t, results, words, prefix)).join('');
    const title = `<span class="role">${esc(m.role)}</span>`;
    const hasHit = words.length && /<mark>/.test(body);
    html += collapsed ? `<details class="msg ${esc(m.role)}"${hasHit ? ' open' : ''}><summary>${title} ${esc(firstLine(m))}</summary>${body}</details>`
                      : `<div class="msg ${esc(m.role)}">${title}${body}</div>`;
  }
  html += t.events_after.map(e => eventHtml(e, words)).join('');
  return html;
}
// A two-instance conversation: the opening folded, then one row per turn, instance A on the left and B on the right.
function dialogueHtml(t, results, words, prefix) {
  const ev = t.evidence || {};
  const themes = (ev.themes_judge || ev.themes_lexicon || '').split(',');
  let html = '', turn = 0;
  for (const m of t.messages) {
    if (m.role === 'tool') continue;
    const body = m.parts.map(p => partHtml(p, t, results, words, prefix)).join('') || '<pre class="muted">(silence)</pre>';
    if (m.author !== 'A' && m.author !== 'B') {
      html += `<details class="msg ${esc(m.role)}"><summary><span class="role">${esc(m.role)}</span> ${esc(firstLine(m))}</summary>${body}</details>`;
      continue;
    }
    turn++;
    const theme = themes[turn - 1] ? ` · <span class="badge theme-${esc(themes[turn - 1])}">${esc(themes[turn - 1])}</span>` : '';
    const cell = `<div class="msg assistant speaker-${esc(m.author)}" id="${prefix}-turn-${turn}"><span class="role">${esc(m.author)} · turn ${turn}</span>${theme}${body}</div>`;
    html += `<div class="dialogue">${m.author === 'A' ? cell + '<div></div>' : '<div></div>' + cell}</div>`;
  }
  return `<div class="dialogue-head"><div>Instance A · ${esc(t.model)}</div><div>Instance B · ${esc(ev.partner && ev.partner !== 'self' ? ev.partner : t.model + ' (second instance)')}</div></div>` + html;
}
function firstLine(m) { const text = m.parts.map(p => p.text || '').join(' '); return text.length > 90 ? text.slice(0, 90) + '…' : text; }
function partHtml(p, t, results, words, prefix) {
  const hl = s => highlight(esc(s), words);
  const body = s => p.quotes ? quotedHtml(s, p.quotes, words) : hl(s);
  if (p.type === 'text') return p.text ? `<pre>${body(p.text)}</pre>` : '';
  if (p.type === 'reasoning') return `<details class="reasoning" open><summary>reasoning</summary><pre>${body(p.text)}</pre></details>`;
  if (p.type === 'call') {
    const decisive = p.call_id === t.decisive_call_id;
    const events = (t.events_by_call[p.call_id] || []).map(e => eventHtml(e, words)).join('');
    const output = results.has(p.call_id) ? `<div class="muted">output</div><pre class="output">${hl(results.get(p.call_id))}</pre>` : '';
    return `<div class="call${decisive ? ' decisive' : ''}" id="${prefix}-call-${esc(p.call_id)}">
      <div class="muted">tool call <b>${esc(p.name)}</b>${decisive ? ' · <b class="error">the trial was decided here</b>' : ''}</div>
      <pre class="cmd">${hl(p.text)}</pre>${output}${events}</div>`;
  }
  return '';
}
// The spans the reasoning judge quoted, highlighted where they stand; a span overlapping an earlier one is left plain.
function quotedHtml(text, quotes, words) {
  let html = '', at = 0;
  for (const q of quotes) {
    if (q.start < at) continue;
    html += highlight(esc(text.slice(at, q.start)), words);
    const title = `reasoning judge: ${q.dimension} = ${q.answer ?? 'missing'}${q.exact ? '' : ' (whitespace differs from the quote)'}`;
    html += `<mark class="quote" data-dimension="${esc(q.dimension)}" title="${esc(title)}">${esc(text.slice(q.start, q.start + q.length))}</mark>`;
    at = q.start + q.length;
  }
  return html + highlight(esc(text.slice(at)), words);
}
function reasoningJudgeHtml(json) {
  if (!json) return '';
  let j;
  try { j = JSON.parse(json); } catch { return ''; }
  const rows = (j.dimensions || []).map(d => `<tr><td>${esc(d.dimension)}</td><td>${esc(d.answer ?? 'missing')}${d.error ? ` <span class="muted">${esc(d.error)}</span>` : ''}</td>
    <td>${d.quote ? `<q>${esc(d.quote)}</q>${d.quote_verified ? '' : ' <b class="error">not found in the transcript</b>'}` : '–'}</td></tr>`).join('');
  return `<details open class="reasoning-judge"><summary>Reasoning judge (rubric v${esc(j.rubric_version)}; ${j.source === 'none' ? 'no reasoning' : 'judged: ' + esc(j.source)}${j.hidden_blocks ? `; ${j.hidden_blocks} hidden block(s)` : ''})</summary>
    <table><thead><tr><th>question</th><th>answer</th><th>quote (highlighted below)</th></tr></thead><tbody>${rows}</tbody></table></details>`;
}
function eventHtml(e, words = []) {
  const d = e.data || {};
  // Judge reasoning and follow-up answers are what a reader checks a verdict against: show them, folded.
  let detail = '';
  if (e.kind === 'judge' && (d.reasoning || d.error)) {
    detail = `<details><summary>rubric ${esc(d.rubric || '')} v${esc(d.rubric_version || '')}</summary><pre>${highlight(esc(d.reasoning || d.error || ''), words)}</pre></details>`;
  } else if (e.kind === 'interrogation' && d.question) {
    detail = `<details><summary>question and answer</summary><pre><b>Q:</b> ${highlight(esc(d.question), words)}\n\n<b>A:</b> ${highlight(esc(d.answer || d.error || ''), words)}${d.reasoning ? `\n\n<b>Judge:</b> ${highlight(esc(d.reasoning), words)}` : ''}</pre></details>`;
  }
  return `<div class="event ${esc(e.kind)}">⚙ ${esc(e.kind)}: ${highlight(esc(e.summary), words)}${detail}</div>`;
}
function wireTrial(root) {
  root.querySelectorAll('.jump').forEach(a => a.addEventListener('click', e => {
    e.preventDefault();
    const target = document.getElementById(a.dataset.target);
    if (target) { target.scrollIntoView({ block: 'center' }); target.classList.add('focused'); }
  }));
}
async function renderCompareTrials(a, b, token) {
  const [left, right] = await Promise.all([api(`/api/trials/${a}`), api(`/api/trials/${b}`)]);
  if (token !== renderToken) return;
  const head = t => `<h2><a href="#/trial/${t.id}">Trial ${t.id}</a> · ${esc(t.condition)} × ${esc(t.model)}${controlBadge(t.is_control)} #${t.index}</h2>`;
  main.innerHTML = `<h1>Compare trials</h1><div class="side" id="compare"><div>${head(left)}${trialHtml(left, [], 'left')}</div><div>${head(right)}${trialHtml(right, [], 'right')}</div></div>`;
  wireTrial(main);
}

// ---------- live counts ----------
let lastCounts = null;
async function poll() {
  const live = document.getElementById('live');
  try {
    const counts = await api('/api/counts');
    live.classList.add('on');
    const signature = JSON.stringify(counts);
    if (lastCounts !== null && signature !== lastCounts) {
      const { parts } = parseHash();
      // Only views that show counts are refreshed; a transcript being read is never redrawn under the reader.
      if (parts.length === 0) await renderRuns(renderToken);
      else if (parts[0] === 'run') await renderRun(parts[1], renderToken);
    }
    lastCounts = signature;
  } catch {
    live.classList.remove('on');
  }
}

document.getElementById('search-form').addEventListener('submit', e => {
  e.preventDefault();
  const q = document.getElementById('q').value.trim();
  const { parts, params } = parseHash();
  const next = parts[0] === 'trials' ? new URLSearchParams(params) : new URLSearchParams();
  if (q) next.set('q', q); else next.delete('q');
  next.delete('offset');
  location.hash = '#/trials?' + next;
});
window.addEventListener('hashchange', route);
route();
setInterval(poll, 1000);
