/**
 * The live view's page: plain HTML, CSS and JS in one string, so that it ships inside the
 * compiled module (`dist/`) with nothing to copy or build. The script reads the server-sent
 * events of `liveView.ts` and renders with `textContent` only: log lines and payloads are
 * the function's, never markup.
 *
 * @internal
 */

const style = /* css */ `
:root { color-scheme: light dark; --bg: #fff; --fg: #1d1f23; --muted: #6b7078; --line: #e3e5e8; --panel: #f6f7f9;
  --ok: #1a7f37; --error: #cf222e; --timeout: #bf8700; --crash: #8250df; --throttled: #0969da; --sel: #ddf4ff; }
@media (prefers-color-scheme: dark) { :root { --bg: #0d1117; --fg: #e6edf3; --muted: #8b949e; --line: #30363d;
  --panel: #161b22; --ok: #3fb950; --error: #f85149; --timeout: #d29922; --crash: #a371f7; --throttled: #58a6ff; --sel: #1f2d3d; } }
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--fg); }
header { display: flex; align-items: center; gap: 12px; padding: 8px 16px; border-bottom: 1px solid var(--line); }
header h1 { font-size: 15px; margin: 0; }
header .meta { color: var(--muted); }
#status { margin-left: auto; color: var(--muted); }
#status::before { content: "\\25CF "; color: var(--timeout); }
#status.live::before { color: var(--ok); }
main { display: grid; grid-template-columns: minmax(420px, 1fr) minmax(360px, 1fr); height: calc(100vh - 41px); }
#left { border-right: 1px solid var(--line); overflow: auto; }
#right { overflow: auto; padding: 12px 16px; }
form { padding: 12px 16px; border-bottom: 1px solid var(--line); background: var(--panel); }
textarea { width: 100%; height: 84px; font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; resize: vertical;
  background: var(--bg); color: var(--fg); border: 1px solid var(--line); border-radius: 4px; padding: 6px; }
button { font: inherit; white-space: nowrap; padding: 4px 12px; border-radius: 4px; border: 1px solid var(--line); background: var(--bg); color: var(--fg); cursor: pointer; }
button.primary { background: var(--throttled); border-color: var(--throttled); color: #fff; }
.row { display: flex; gap: 8px; align-items: center; margin-top: 6px; }
#formError { color: var(--error); white-space: pre-wrap; }
table { width: 100%; border-collapse: collapse; }
th { text-align: left; font-weight: 600; color: var(--muted); padding: 6px 8px; border-bottom: 1px solid var(--line); position: sticky; top: 0; background: var(--bg); }
td { padding: 5px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; font-variant-numeric: tabular-nums; }
td.num { text-align: right; }
tbody tr { cursor: pointer; }
tbody tr:hover { background: var(--panel); }
tbody tr.selected { background: var(--sel); }
.id { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }
.badge { display: inline-block; padding: 0 6px; border-radius: 9px; font-size: 11px; font-weight: 600; border: 1px solid currentColor; }
.k-ok { color: var(--ok); } .k-error { color: var(--error); } .k-timeout { color: var(--timeout); }
.k-crash { color: var(--crash); } .k-throttled { color: var(--throttled); } .k-queued, .k-running { color: var(--muted); }
.tag { display: inline-block; margin-left: 4px; padding: 0 5px; border-radius: 3px; font-size: 11px; background: var(--panel); color: var(--muted); border: 1px solid var(--line); }
.tag.restart { color: var(--crash); border-color: var(--crash); }
#empty { padding: 16px; color: var(--muted); }
h2 { font-size: 14px; margin: 0 0 6px; }
h3 { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: 16px 0 4px; }
pre { margin: 0; padding: 8px; background: var(--panel); border: 1px solid var(--line); border-radius: 4px; overflow: auto;
  max-height: 320px; font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; white-space: pre-wrap; word-break: break-all; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0; }
dt { color: var(--muted); } dd { margin: 0; font-variant-numeric: tabular-nums; }
.problems td { white-space: normal; border-bottom: 1px solid var(--line); }
.problems td.path { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; color: var(--error); }
.note { color: var(--muted); }
#logs .platform { color: var(--muted); }
`

// The page's script. No template literals inside: this file holds it in one.
const script = /* js */ `
"use strict";
var entries = new Map();
var selected = null;
var fn = null;
var sample = '{\\n  "key1": "value1",\\n  "key2": "value2"\\n}';
var touched = false;
var $ = function (id) { return document.getElementById(id); };
var el = function (tag, attrs, children) {
  var node = document.createElement(tag);
  if (attrs) for (var k in attrs) {
    if (k === "text") node.textContent = attrs[k];
    else if (k === "className") node.className = attrs[k];
    else node.setAttribute(k, attrs[k]);
  }
  (children || []).forEach(function (c) { if (c) node.appendChild(c); });
  return node;
};
var ms = function (n) { return n === undefined || n === null ? "" : n.toFixed(2) + " ms"; };
var kindOf = function (e) { return e.outcome ? e.outcome.kind : e.state; };
var labels = { ok: "ok", error: "function error", timeout: "timeout", crash: "crash", throttled: "throttled", queued: "queued", running: "running" };
var badge = function (e) {
  var kind = kindOf(e);
  return el("span", { className: "badge k-" + kind, "data-kind": kind, text: labels[kind] || kind });
};
var time = function (epoch) { return new Date(epoch).toLocaleTimeString(undefined, { hour12: false }); };

var renderList = function () {
  var body = $("rows");
  // Rows are rebuilt on every change: the one with the keyboard focus keeps it.
  var focused = document.activeElement && document.activeElement.getAttribute("data-request-id");
  body.textContent = "";
  var list = Array.from(entries.values()).reverse();
  $("empty").hidden = list.length > 0;
  list.forEach(function (e) {
    var r = e.report || {};
    var tags = [];
    if (e.cold) tags.push(el("span", { className: "tag cold", text: "cold" }));
    if (e.restart) tags.push(el("span", { className: "tag restart", text: "restart" }));
    if (e.async) tags.push(el("span", { className: "tag async", text: "async" }));
    if (e.attempts > 1) tags.push(el("span", { className: "tag", text: "attempt " + e.attempts }));
    if (e.retry) tags.push(el("span", { className: "tag retry", text: "retry at " + time(e.retry.at) }));
    if (e.onFailure) tags.push(el("span", { className: "tag restart", text: "given up" }));
    var tr = el("tr", { "data-request-id": e.requestId, "data-kind": kindOf(e) }, [
      el("td", { text: time(e.acceptedAt) }),
      el("td", { className: "id", text: e.requestId.slice(0, 8), title: e.requestId }),
      el("td", null, [badge(e)].concat(tags)),
      el("td", { className: "num", text: ms(r.durationMs) }),
      el("td", { className: "num", text: r.billedDurationMs === undefined ? "" : r.billedDurationMs + " ms" }),
      el("td", { className: "num", text: r.memorySizeMb === undefined ? "" : (r.maxMemoryUsedMb === undefined ? "" : r.maxMemoryUsedMb + " / ") + r.memorySizeMb + " MB" }),
      el("td", { className: "num", text: ms(r.initDurationMs) })
    ]);
    if (e.requestId === selected) tr.className = "selected";
    tr.tabIndex = 0;
    tr.addEventListener("click", function () { select(e.requestId); });
    tr.addEventListener("keydown", function (ev) { if (ev.key === "Enter") select(e.requestId); });
    body.appendChild(tr);
    if (e.requestId === focused) tr.focus();
  });
};

var prettyJson = function (text) {
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch (_) { return text; }
};
var pathOf = function (raw) {
  var parts = raw.match(/\\[[^\\]]*\\]/g) || [];
  return parts.map(function (p, i) {
    var inner = p.slice(1, -1);
    if (inner.charAt(0) === '"') { try { inner = JSON.parse(inner); } catch (_) {} return (i === 0 ? "" : ".") + inner; }
    return "[" + inner + "]";
  }).join("") || raw;
};
// A decode error's message is one problem a line, each "<path> <problem>".
var problems = function (message) {
  return message.split("\\n").filter(function (l) { return l.length > 0; }).map(function (line) {
    var m = /^((?:\\[[^\\]]*\\])+) (.*)$/.exec(line);
    return m ? { path: pathOf(m[1]), problem: m[2] } : { path: "", problem: line };
  });
};

var renderError = function (o) {
  var parsed = null;
  try { parsed = JSON.parse(o.body); } catch (_) {}
  var nodes = [];
  nodes.push(el("h3", { text: "Error" }));
  var dl = el("dl", null, [
    el("dt", { text: "Error type" }), el("dd", { text: o.errorType || "" }),
    el("dt", { text: "Status" }), el("dd", { text: String(o.status) })
  ]);
  nodes.push(dl);
  if (parsed && typeof parsed === "object" && typeof parsed.errorMessage === "string") {
    var decode = parsed.errorType === "ParseError" || o.errorType === "Runtime.InvalidEvent" || o.errorType === "Runtime.InvalidResponse";
    if (parsed.errorType) { dl.appendChild(el("dt", { text: "errorType" })); dl.appendChild(el("dd", { text: parsed.errorType })); }
    if (decode) {
      nodes.push(el("h3", { text: o.errorType === "Runtime.InvalidResponse" ? "Response did not encode" : "Event did not decode" }));
      var rows = problems(parsed.errorMessage).map(function (p) {
        return el("tr", null, [el("td", { className: "path", text: p.path || "(event)" }), el("td", { className: "problem", text: p.problem })]);
      });
      nodes.push(el("table", { className: "problems", "data-testid": "problems" }, [el("tbody", null, rows)]));
    } else {
      nodes.push(el("pre", { "data-testid": "error-message", text: parsed.errorMessage }));
    }
    if (Array.isArray(parsed.stackTrace) && parsed.stackTrace.length > 0) {
      nodes.push(el("h3", { text: "Stack trace" }));
      nodes.push(el("pre", { text: parsed.stackTrace.join("\\n") }));
    }
  } else if (o.body) {
    nodes.push(el("pre", { "data-testid": "error-message", text: o.body }));
  }
  return nodes;
};

var renderDetail = function () {
  var box = $("detail");
  box.textContent = "";
  var e = selected === null ? undefined : entries.get(selected);
  if (!e) { box.appendChild(el("p", { className: "note", text: "Select an invocation to see its event, response and logs." })); return; }
  var r = e.report || {};
  var head = el("h2", null, [el("span", { className: "id", text: e.requestId + " " }), badge(e)]);
  if (e.cold) head.appendChild(el("span", { className: "tag cold", text: "cold start" }));
  if (e.restart) head.appendChild(el("span", { className: "tag restart", text: "runtime restarted" }));
  box.appendChild(head);
  var facts = [
    ["Received", new Date(e.acceptedAt).toLocaleString(undefined, { hour12: false })],
    ["Duration", ms(r.durationMs)],
    ["Billed duration", r.billedDurationMs === undefined ? "" : r.billedDurationMs + " ms"],
    ["Memory", r.memorySizeMb === undefined ? "" : (r.maxMemoryUsedMb === undefined ? "?" : r.maxMemoryUsedMb) + " MB used of " + r.memorySizeMb + " MB"],
    ["Init duration", r.initDurationMs === undefined ? "" : ms(r.initDurationMs)],
    ["Invocation type", e.async ? "Event (asynchronous)" : ""],
    ["Sandbox", fn && fn.concurrency > 1 && typeof e.sandbox === "number" ? "#" + e.sandbox : ""],
    ["Runtime process", r.generation === undefined ? "" : "#" + r.generation],
    ["Attempts", e.attempts > 1 ? String(e.attempts) : ""],
    ["Next attempt", e.retry ? "#" + e.retry.attempt + " at " + time(e.retry.at) : ""],
    ["Given up", e.onFailure ? e.onFailure.requestContext.condition + " after " + e.onFailure.requestContext.approximateInvokeCount + " attempt(s)" : ""]
  ].filter(function (f) { return f[1] !== ""; });
  box.appendChild(el("dl", null, facts.reduce(function (acc, f) {
    return acc.concat([el("dt", { text: f[0] }), el("dd", { text: f[1] })]);
  }, [])));
  var replay = el("button", { id: "replay", type: "button", text: "Replay" });
  if (e.eventTruncated) { replay.disabled = true; replay.title = "The event was too large to keep"; }
  replay.addEventListener("click", function () { send(e.event); });
  var edit = el("button", { type: "button", text: "Edit in form" });
  edit.addEventListener("click", function () { $("event").value = prettyJson(e.event); touched = true; $("event").focus(); });
  box.appendChild(el("div", { className: "row" }, [replay, edit]));
  box.appendChild(el("h3", { text: "Event" + (e.eventTruncated ? " (first 64 KiB of " + e.eventBytes + " bytes)" : "") }));
  box.appendChild(el("pre", { "data-testid": "event", text: prettyJson(e.event) }));
  var o = e.outcome;
  if (o && o.kind === "ok") {
    box.appendChild(el("h3", { text: "Response" + (o.bodyTruncated ? " (first 64 KiB of " + o.bodyBytes + " bytes)" : "") }));
    box.appendChild(el("pre", { "data-testid": "response", text: prettyJson(o.body) }));
  } else if (o) {
    renderError(o).forEach(function (n) { box.appendChild(n); });
  } else {
    box.appendChild(el("p", { className: "note", text: e.state === "running" ? "Running..." : "Queued..." }));
  }
  if (e.onFailure) {
    box.appendChild(el("h3", { text: "On-failure destination record" }));
    box.appendChild(el("pre", { "data-testid": "on-failure", text: JSON.stringify(e.onFailure, null, 2) }));
  }
  var extensions = extensionsOf(e.logs);
  if (extensions.length > 0) {
    box.appendChild(el("h3", { text: "Extensions (init phase)" }));
    box.appendChild(el("table", { className: "problems", "data-testid": "extensions" }, [el("tbody", null,
      extensions.map(function (x) {
        return el("tr", null, [
          el("td", { className: "id", text: x.Name || "" }),
          el("td", { text: x.State || "" }),
          el("td", { text: x.Events || "" }),
          el("td", { text: x["Error Type"] || "" })
        ]);
      }))]));
  }
  box.appendChild(el("h3", { text: "Log" + (e.logsDropped > 0 ? " (last " + e.logs.length + " lines)" : "") }));
  box.appendChild(el("pre", { id: "logs", "data-testid": "logs" }, e.logs.map(logLine)));
};

// The platform's own lines (START, END, REPORT, INIT_*, EXTENSION, ...) set apart from the function's output.
var platformLine = /^(START|END|REPORT|INIT_START|INIT_REPORT|INIT_RUNTIME_DONE|EXTENSION|TELEMETRY|RUNTIME|PLATFORM)\\b/;
var logLine = function (line) {
  return el("span", { className: platformLine.test(line) ? "platform" : "", text: line + "\\n" });
};

// Lambda's "EXTENSION<tab>Name: x<tab>State: Ready<tab>Events: [INVOKE, SHUTDOWN]" lines of a cold start.
var extensionsOf = function (logs) {
  return logs.filter(function (l) { return /^EXTENSION\t/.test(l); }).map(function (line) {
    var fields = {};
    line.split("\t").slice(1).forEach(function (field) {
      var colon = field.indexOf(": ");
      if (colon > 0) fields[field.slice(0, colon)] = field.slice(colon + 2);
    });
    return fields;
  });
};

var select = function (id) { selected = id; renderList(); renderDetail(); };

var prefill = function () {
  if (touched) return;
  var last = Array.from(entries.values()).pop();
  $("event").value = last && !last.eventTruncated ? prettyJson(last.event) : sample;
};

var send = function (text) {
  $("formError").textContent = "";
  return fetch("_live/invoke", {
    method: "POST",
    headers: { "content-type": "application/json", "x-effect-lambda-live": "1" },
    body: text
  }).then(function (res) {
    return res.json().then(function (body) {
      if (res.status === 202) { select(body.requestId); return; }
      var message = body.message;
      try { message = JSON.parse(message).message || message; } catch (_) {}
      $("formError").textContent = res.status + ": " + message;
    });
  }).catch(function (err) { $("formError").textContent = String(err); });
};

$("form").addEventListener("submit", function (ev) { ev.preventDefault(); send($("event").value); });
$("event").addEventListener("input", function () { touched = true; });
$("sample").addEventListener("click", function () { $("event").value = sample; touched = true; });

var source = new EventSource("_live/events");
source.onopen = function () { $("status").className = "live"; $("status").textContent = "live"; };
source.onerror = function () { $("status").className = ""; $("status").textContent = "reconnecting"; };
source.onmessage = function (message) {
  var m = JSON.parse(message.data);
  if (m.type === "snapshot") {
    fn = m.function;
    $("fn").textContent = fn.name;
    $("meta").textContent = fn.memorySizeMb + " MB, timeout " + fn.timeoutSeconds + " s";
    // Merged, not replaced: when watch restarts the emulator after a rebuild, the page
    // reconnects to the new one and keeps what the previous one served.
    m.entries.forEach(function (e) {
      if (entries.has(e.requestId)) Object.assign(entries.get(e.requestId), e); else entries.set(e.requestId, e);
    });
    while (entries.size > 200) entries.delete(entries.keys().next().value);
    prefill();
    renderList(); renderDetail();
  } else if (m.type === "entry") {
    var isNew = !entries.has(m.entry.requestId);
    // Re-inserted so that the map's order stays the order of arrival.
    if (isNew) entries.set(m.entry.requestId, m.entry); else Object.assign(entries.get(m.entry.requestId), m.entry);
    while (entries.size > 200) entries.delete(entries.keys().next().value);
    if (isNew) prefill();
    renderList();
    if (m.entry.requestId === selected) renderDetail();
  } else if (m.type === "log") {
    var e = entries.get(m.requestId);
    if (!e) return;
    e.logs.push(m.line);
    if (m.requestId === selected) {
      var pre = $("logs");
      if (pre) pre.appendChild(logLine(m.line));
    }
  }
};
`

/** The whole page, served at `GET /`. */
export const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>effect-lambda live view</title>
<style>${style}</style>
</head>
<body>
<header>
  <h1>effect-lambda &middot; <span id="fn">function</span></h1>
  <span class="meta" id="meta"></span>
  <span id="status">connecting</span>
</header>
<main>
  <section id="left">
    <form id="form">
      <label for="event"><strong>Invoke</strong> <span class="note">with this event (JSON)</span></label>
      <textarea id="event" spellcheck="false"></textarea>
      <div class="row">
        <button class="primary" type="submit" id="invoke">Invoke</button>
        <button type="button" id="sample">Sample event</button>
        <span id="formError"></span>
      </div>
    </form>
    <table>
      <thead><tr><th>Time</th><th>Request</th><th>Outcome</th><th>Duration</th><th>Billed</th><th>Memory</th><th>Init</th></tr></thead>
      <tbody id="rows"></tbody>
    </table>
    <p id="empty">No invocations yet: invoke with the form, or through the Invoke API.</p>
  </section>
  <section id="right"><div id="detail"></div></section>
</main>
<script>${script}</script>
</body>
</html>
`
