// The dashboard page: state from the server's JSON endpoints, kept live by the event
// stream (server-sent events). Text always goes in through textContent, never as HTML.
"use strict";

const MAX_ROWS = 100;          // invocations kept in the table
const NEW_ROWS = 25;           // of each kind, plain and notable, added per redraw at most
const MAX_POINTS = 300;        // per latency chart
const MAX_STOPPED = 20;        // stopped environments still shown, greyed
const state = {
  server: null, functions: [], environments: [], stopped: new Map(),
  invocations: [], rows: [], fresh: [],  // shown (newest first), their rows, not yet shown
  points: new Map(), chartsStale: false, environmentsStale: false, firehose: false,
  totals: {calls: 0, cold: 0, throttled: 0, errors: 0},
};

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("data-") || key === "class" || key === "title" || key === "href")
      node.setAttribute(key, value === true ? "" : String(value));
    else node[key] = value;
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function svg(tag, attrs, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
  for (const child of children) node.append(child instanceof Node ? child : String(child));
  return node;
}

const ms = (value) => value === null || value === undefined ? "" :
  value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(value < 10 ? 2 : 1)} ms`;
const pad = (n, width = 2) => String(n).padStart(width, "0");
const clock = (seconds) => {  // by hand: toLocaleTimeString costs ~0.1 ms a call
  const d = new Date(seconds * 1000);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
};
const age = (started) => {
  const s = Math.max(0, Date.now() / 1000 - started);
  return s < 60 ? `${s.toFixed(0)} s` : s < 3600 ? `${(s / 60).toFixed(0)} min` : `${(s / 3600).toFixed(1)} h`;
};

async function getJSON(path) {
  const response = await fetch(path, {cache: "no-store"});
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}

// -- the stream --------------------------------------------------------------------

// The server sends a batch a second (the page draws no more often), each with the newest
// NEW_ROWS plain and NEW_ROWS notable (cold, throttled, failed) invocations and counts of
// the rest: a table row costs the browser ~0.2 ms to lay out, so what it parses and draws
// stays small however fast requests come; the totals stay exact. The environments come
// in the stream too, when they changed: the page never polls.
function connect() {
  const source = new EventSource(
    `events?detail=${NEW_ROWS}&interval=${REDRAW_MS / 1000}&environments=true`);
  const status = document.getElementById("connection");
  source.onopen = () => { status.dataset.state = "live"; status.textContent = "live"; };
  source.onerror = () => { status.dataset.state = "down"; status.textContent = "reconnecting"; };
  source.onmessage = (message) => {
    const batch = JSON.parse(message.data);
    // the server had to leave calls out: more come than anyone reads (see schedule)
    state.firehose = batch.some((event) => event.kind === "omitted");
    batch.forEach(receive);
  };
}

function receive(event) {
  if (event.kind === "hello") {
    if (state.server !== null && state.server !== event.server) reset();
    state.server = event.server;
  } else if (event.kind === "gap") {
    const gap = document.getElementById("gap");
    gap.hidden = false;
    gap.textContent = `${event.missed} events were not shown (the server keeps the newest only).`;
  } else if (event.kind === "invocation") {
    invocation(event);
  } else if (event.kind === "omitted") {  // counted, not shown
    const t = state.totals;
    for (const counts of Object.values(event.functions)) {
      t.calls += counts.calls; t.cold += counts.cold;
      t.throttled += counts.throttled; t.errors += counts.errors;
    }
  } else if (event.kind === "template") {
    loadFunctions();
  } else if (event.kind === "environments") {  // those alive, as they are now
    state.environments = event.environments;
    state.environmentsStale = true;
  } else if (event.kind === "environment") {
    // a function whose build had failed runs now (hot reload built it): list it again
    if (state.functions.some((f) => f.not_built && f.name === event.function)) loadFunctions();
    if (event.environment.state === "dead") {
      state.stopped.set(event.environment.id, event.environment);
      while (state.stopped.size > MAX_STOPPED) state.stopped.delete(state.stopped.keys().next().value);
      state.environmentsStale = true;
    }
  }
  schedule();
}

function invocation(event) {
  state.fresh.push(event);
  const t = state.totals;
  t.calls += 1;
  t.cold += event.cold ? 1 : 0;
  t.throttled += event.throttled ? 1 : 0;
  t.errors += event.error_type ? 1 : 0;
  const points = state.points.get(event.function) || [];
  let end = points.length;  // in arrival order (see placeRows)
  while (end > 0 && points[end - 1].time > event.time) end -= 1;
  points.splice(end, 0, event);
  if (points.length > MAX_POINTS) points.shift();
  state.points.set(event.function, points);
  state.chartsStale = true;
}

function reset() {  // the server restarted: what we hold is of the old one
  state.invocations = []; state.rows = []; state.fresh = []; state.points = new Map();
  state.stopped = new Map(); state.totals = {calls: 0, cold: 0, throttled: 0, errors: 0};
  document.querySelector("#invocations tbody").replaceChildren();
  loadFunctions();
}

// The page redraws at most once a second, in one frame: each redraw of the invocations
// table costs the browser a layout and a paint whatever the number of rows it adds (about
// 1% of a core at one a second, headless chromium under load). Under a firehose (the
// server left calls out of its last batch: a load test), every other second: nobody reads
// 50 rows a second, and what redraws cost the cores the server needs is halved.
const REDRAW_MS = 1000;
let pending = false, drawn = 0;
function schedule() {
  if (pending) return;
  pending = true;
  const wait = REDRAW_MS * (state.firehose ? 2 : 1) - (performance.now() - drawn);
  setTimeout(() => requestAnimationFrame(() => {
    pending = false;
    drawn = performance.now();
    render();
  }), Math.max(0, wait));
}

// -- rendering ---------------------------------------------------------------------

function render() {  // only what changed: new rows go in, old ones out
  renderTotals();
  placeRows();
  if (state.chartsStale) { state.chartsStale = false; renderCharts(); }
  if (state.environmentsStale) { state.environmentsStale = false; renderEnvironments(); }
}

// Text is set only where it changed: the browser then lays out and paints just that.
function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

function renderTotals() {
  const t = state.totals;
  setText(document.getElementById("totals"),
    `${t.calls} invocations, ${t.cold} cold, ${t.throttled} throttled, ${t.errors} errors`);
}

function renderFunctions() {
  const rows = state.functions.map((f) => el("tr", {"data-function": f.name,
      "data-not-built": f.not_built ? "true" : null},
    el("td", {}, f.name, f.not_built ? el("div", {class: "bad"}, `not run: its build failed: ${f.not_built}`) : null),
    el("td", {}, f.handler), el("td", {}, f.runtime),
    el("td", {}, `${f.memory_mb} MB`), el("td", {}, `${f.timeout_s} s`),
    el("td", {}, concurrency(f)),
    el("td", {class: "routes"}, ...f.routes.map((r) => el("div", {},
      `${r.method} ${r.path} `, el("small", {}, r.kind === "rest" ? "REST" : "HTTP API"))))));
  document.querySelector("#functions tbody").replaceChildren(...rows);
}

function concurrency(f) {
  const parts = [];
  if (f.reserved_concurrency !== null) parts.push(`reserved ${f.reserved_concurrency}`);
  if (f.provisioned_concurrency) parts.push(`provisioned ${f.provisioned_concurrency}`);
  return parts.join(", ") || "unreserved";
}

const STATES = {starting: "starting (INIT)", idle: "warm, idle", busy: "busy", dead: "stopped",
  "failed-init": "INIT failed (retried on the next call)"};

// Each environment keeps its row, updated in place: once a second, under load, only
// its counts and its age change.
const ENVIRONMENT_ROW = el("tr", {}, ...Array.from({length: 11}, () => el("td", {})));
ENVIRONMENT_ROW.children[2].append(el("span", {}));
const environmentRows = new Map();  // environment id -> its row

function renderEnvironments() {
  const alive = new Set(state.environments.map((e) => e.id));
  const shown = [...state.environments,
    ...[...state.stopped.values()].filter((e) => !alive.has(e.id)).reverse()];
  const body = document.querySelector("#environments tbody");
  shown.forEach((e, at) => {
    let row = environmentRows.get(e.id);
    if (!row) {
      row = ENVIRONMENT_ROW.cloneNode(true);
      Object.assign(row.dataset, {environment: e.id, function: e.function});
      environmentRows.set(e.id, row);
    }
    if (row.dataset.state !== e.state) {
      row.dataset.state = e.state;
      row.className = e.state === "dead" ? "stopped" : "";
      row.children[2].firstChild.className = `state ${e.state}`;
    }
    const cells = row.children;
    [e.id, e.function, null, e.provisioned ? "provisioned" : "cold start",
      ms(e.init_duration_ms), e.invocations, `${e.max_memory_used_mb} / ${e.memory_size_mb} MB`,
      e.state === "dead" ? "" : age(e.started_at), e.mode || "", e.python || e.interpreter || "",
      e.pid ?? ""].forEach((text, i) => { if (text !== null) setText(cells[i], String(text)); });
    setText(cells[2].firstChild, STATES[e.state] || e.state);
    if (body.children[at] !== row) body.insertBefore(row, body.children[at] || null);
  });
  const kept = new Set(shown.map((e) => e.id));
  for (const [id, row] of environmentRows) {
    if (!kept.has(id)) { row.remove(); environmentRows.delete(id); }
  }
  document.getElementById("no-environments").hidden = shown.length > 0;
}

function placeRows() {
  // Newest arrival first. Events come as invocations end, so a long call that arrived
  // before a quick one is reported after it: each row goes where its arrival time says.
  const body = document.querySelector("#invocations tbody");
  const fresh = newest(state.fresh.sort((a, b) => a.time - b.time));
  state.fresh = [];
  for (const e of fresh) {
    let at = 0;
    while (at < state.invocations.length && state.invocations[at].time > e.time) at += 1;
    if (at >= MAX_ROWS) continue;
    const row = invocationRow(e);
    body.insertBefore(row, state.rows[at] || null);
    state.invocations.splice(at, 0, e);
    state.rows.splice(at, 0, row);
  }
  while (state.rows.length > MAX_ROWS) {
    const row = state.rows.pop();
    state.invocations.pop();
    if (row.nextElementSibling && row.nextElementSibling.classList.contains("log"))
      row.nextElementSibling.remove();
    row.remove();
  }
  document.getElementById("no-invocations").hidden = state.rows.length > 0;
}

// One row made by hand, then cloned: cloning and setting text costs a fraction of
// building each cell, and the table takes up to 2 x NEW_ROWS new rows a second.
const ROW = el("tr", {class: "invocation"}, ...Array.from({length: 8}, () => el("td", {})));
const byRow = new WeakMap();  // row -> its invocation, for the one click listener

const notable = (e) => Boolean(e.cold || e.throttled || e.error_type || e.status >= 400);

function newest(events) {  // of events in time order, the newest NEW_ROWS of each kind
  const room = {true: NEW_ROWS, false: NEW_ROWS};
  const kept = [];
  for (let i = events.length - 1; i >= 0; i -= 1) {
    const kind = notable(events[i]);
    if (room[kind] > 0) { room[kind] -= 1; kept.push(events[i]); }
  }
  return kept.reverse();
}

function invocationRow(e) {
  const row = ROW.cloneNode(true);
  const cells = row.children;
  const text = [clock(e.time), e.function, e.route || e.source, e.status, ms(e.duration_ms),
    e.cold ? "cold" : "", e.throttled ? "throttled" : "", e.error_type || ""];
  text.forEach((value, i) => { cells[i].textContent = String(value); });
  if (e.status >= 400) cells[3].className = "bad";
  if (e.cold) cells[5].className = "cold";
  if (e.throttled) cells[6].className = "bad";
  if (e.error_type) cells[7].className = "bad";
  Object.assign(row.dataset, {seq: e.seq, function: e.function, cold: e.cold ? "true" : "false",
    throttled: e.throttled ? "true" : "false", status: e.status});
  if (e.request_id) row.title = "click for the log";
  byRow.set(row, e);
  return row;
}

function clicked(click) {
  const row = click.target.closest("tr.invocation");
  const e = row && byRow.get(row);
  if (e && e.request_id) toggleLog(row, e);
}

const logs = new Map();  // request id -> a promise of its text, fetched once
function logRow(e) {
  const pre = el("pre", {}, "loading...");
  if (!logs.has(e.request_id)) {
    logs.set(e.request_id,
      fetch(`logs/${encodeURIComponent(e.function)}/${encodeURIComponent(e.request_id)}`)
        .then(async (r) => r.ok ? r.text() : (await r.json()).message)
        .catch(() => "the log could not be fetched"));
  }
  logs.get(e.request_id).then((text) => { pre.textContent = text; });
  return el("tr", {class: "log", "data-for": e.request_id}, el("td", {colSpan: 8}, pre));
}

function toggleLog(row, e) {
  const next = row.nextElementSibling;
  if (next && next.classList.contains("log")) next.remove();
  else row.after(logRow(e));
}

function renderCharts() {
  const charts = [...state.points.entries()].sort().map(([name, points]) =>
    el("figure", {"data-function": name}, el("figcaption", {}, name), chart(points)));
  document.getElementById("charts").replaceChildren(...charts);
}

function chart(points) {
  // Warm calls (most of them) are one path of dots, so a redraw makes a handful of nodes;
  // cold starts, errors and throttles are marks of their own. Hovering reads a point out.
  const width = 560, height = 170, left = 48, right = 8, top = 8, bottom = 22;
  const values = points.flatMap((p) => [p.duration_ms, p.init_duration_ms])
    .filter((v) => v !== null && v !== undefined && v > 0);
  const low = Math.pow(10, Math.floor(Math.log10(Math.min(...values, 1))));
  const high = Math.pow(10, Math.ceil(Math.log10(Math.max(...values, 10))));
  const x = (i) => left + (points.length > 1 ? i / (points.length - 1) : 0.5) * (width - left - right);
  const y = (v) => top + (1 - (Math.log10(v) - Math.log10(low)) /
    (Math.log10(high) - Math.log10(low))) * (height - top - bottom);
  const parts = [svg("line", {x1: left, y1: height - bottom, x2: width - right, y2: height - bottom, class: "axis"})];
  for (let decade = low; decade <= high; decade *= 10) {
    parts.push(svg("line", {x1: left, y1: y(decade), x2: width - right, y2: y(decade), class: "grid"}));
    const label = decade >= 1000 ? `${decade / 1000} s` : `${Number(decade.toPrecision(1))} ms`;
    parts.push(svg("text", {x: left - 4, y: y(decade) + 4, "text-anchor": "end"}, label));
  }
  let warm = "", warmCount = 0;
  points.forEach((p, i) => {
    if (p.throttled || p.duration_ms === undefined) {
      parts.push(svg("line", {x1: x(i), y1: height - bottom, x2: x(i), y2: height - bottom - 8,
        class: "throttle"}));
      return;
    }
    const cy = y(Math.max(p.duration_ms, low));
    if (!p.cold && !p.error_type) {
      warm += `M${(x(i) - 2.5).toFixed(1)} ${cy.toFixed(1)}a2.5 2.5 0 1 0 5 0a2.5 2.5 0 1 0 -5 0`;
      warmCount += 1;
      return;
    }
    if (p.cold && p.init_duration_ms)
      parts.push(svg("circle", {cx: x(i), cy: y(p.init_duration_ms), r: 5, class: "init"}));
    parts.push(svg("circle", {cx: x(i), cy, r: p.cold ? 4 : 2.5, class: p.error_type ? "error" : "cold"}));
  });
  if (warm) parts.push(svg("path", {d: warm, class: "warm", "data-points": warmCount}));
  const readout = svg("text", {x: width - right, y: height - 6, "text-anchor": "end"},
    `last ${points.length} shown`);
  parts.push(readout);
  const node = svg("svg", {viewBox: `0 0 ${width} ${height}`, width, height, role: "img"}, ...parts);
  node.addEventListener("mousemove", (move) => {
    const at = (move.offsetX * width / node.clientWidth - left) / (width - left - right);
    const p = points[Math.round(Math.min(1, Math.max(0, at)) * (points.length - 1))];
    if (p) readout.textContent = pointLabel(p);
  });
  return node;
}

function pointLabel(p) {
  if (p.throttled || p.duration_ms === undefined) return `${clock(p.time)} throttled (${p.status})`;
  return `${clock(p.time)} ${p.cold ? "cold" : "warm"} ${ms(p.duration_ms)}` +
    (p.init_duration_ms ? `, Init Duration ${ms(p.init_duration_ms)}` : "") +
    (p.error_type ? `, ${p.error_type}` : "");
}

async function loadFunctions() {
  state.functions = await getJSON("functions");
  renderFunctions();
}

async function loadReports() {
  const reports = await getJSON("reports");
  document.getElementById("reports").replaceChildren(...reports.map((r) => el("li", {},
    el("a", {href: `reports/${r.path.split("/").map(encodeURIComponent).join("/")}`}, r.path),
    ` ${r.kind}, ${new Date(r.modified * 1000).toLocaleString()}: `,
    Object.entries(r.summary).map(([k, v]) => `${k.replaceAll("_", " ")} ${v}`).join(", "))));
  document.getElementById("no-reports").hidden = reports.length > 0;
}

document.addEventListener("DOMContentLoaded", () => {
  loadFunctions();
  loadReports();
  document.querySelector("#invocations tbody").addEventListener("click", clicked);
  connect();
  // Ages move on by themselves: a redraw a second while an environment is alive (only
  // the age cells change, unless the stream brought more).
  setInterval(() => {
    if (state.environments.length > 0) { state.environmentsStale = true; schedule(); }
  }, REDRAW_MS);

});
