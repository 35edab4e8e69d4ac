// Runs: the run settings, generating with a progress bar and cancel, the result, and the history
// (status, duration, rows, failure reason, download, report, open in builder).
import { $, el, emit, on, say, duration } from "./dom.js";
import { API, api, post, downloadFrom } from "./api.js";
import * as S from "./schema.js";

const DEST_LABELS = { local: "stored (download)", inline: "inline (rows in the response)", s3: "s3", rds: "database (rds)" };
const DEST_HINTS = { s3: "s3://bucket/prefix (empty: the configured bucket)", rds: "postgresql+psycopg://user:pass@host/db", local: "directory under the data folder (optional)" };
let current = null; // { id, total, cancelled }

export function runSettings() {
  const seed = $("seed").value;
  return {
    volume: Number($("volume").value) || 0,
    seed: seed === "" ? null : Number(seed),
    format: $("format").value,
    destination: $("destination").value,
    location: $("location-box").hidden ? "" : $("location").value.trim(),
    compliance: [...document.querySelectorAll("input[name=compliance]:checked")].map((c) => c.value),
  };
}

export function applyRequest(request) {
  if (request.volume) $("volume").value = request.volume;
  if (request.output_format) $("format").value = request.output_format;
  if (request.seed !== undefined && request.seed !== null) $("seed").value = request.seed;
  for (const box of document.querySelectorAll("input[name=compliance]")) box.checked = (request.compliance_requirements || []).includes(box.value);
  emit("settings");
}

export function fillOptions(opts) {
  $("format").replaceChildren(...opts.output_formats.map((f) => el("option", { value: f }, f)));
  $("format").value = opts.output_formats.includes("csv") ? "csv" : opts.output_formats[0];
  $("destination").replaceChildren(...opts.destinations.map((d) => el("option", { value: d }, DEST_LABELS[d] || d)));
  $("compliance").append(...opts.compliance_requirements.map((c) => el("label", {}, el("input", { type: "checkbox", name: "compliance", value: c }), c)));
  $("volume").max = String(opts.max_volume);
  $("seed").value = String(Math.floor(Math.random() * 1e6));
  destinationChanged();
}

function destinationChanged() {
  const d = $("destination").value;
  $("location-box").hidden = !(d in DEST_HINTS);
  $("location").placeholder = DEST_HINTS[d] || "";
}

function show(kind, text) { say($("run-status"), text, kind); }

function progress(status, done, total) {
  $("progress-box").hidden = false;
  $("progress").value = total ? Math.min(100, (100 * done) / total) : 0;
  $("progress-text").textContent = `${status}: ${done.toLocaleString()} / ${Number(total).toLocaleString()} records`;
}

export async function generate(request = null) {
  const s = runSettings();
  const body = request || {
    data_type: "custom", volume: s.volume, schema: S.toSchema(), compliance_requirements: s.compliance,
    output_format: s.format, destination: { type: s.destination },
  };
  if (!request) {
    if (s.location) body.destination.location = s.location;
    if (s.seed !== null) body.seed = s.seed;
  }
  $("generate-btn").disabled = true;
  $("result").replaceChildren();
  show("busy", "Starting…");
  try {
    const result = await post(`${API}/synthetic-data/generate`, body);
    const total = result.status === "pending" || result.status === "running" ? body.volume : result.records_generated;
    current = { id: result.generation_id, total };
    if (result.status === "pending" || result.status === "running") {
      loadHistory(); // the history shows it running (with its own progress and cancel) while we poll
      await poll(result.generation_id, total);
    }
    else showResult(result);
    return current.id;
  } catch (err) {
    $("progress-box").hidden = true;
    show("error", err.message);
    const details = err.body && err.body.details;
    if (details && Array.isArray(details.errors)) $("result").append(el("ul", { class: "problems" }, ...details.errors.map((e) => el("li", {}, `${e.field ? e.field + ": " : ""}${e.message}`))));
    return null;
  } finally {
    $("generate-btn").disabled = false;
    $("cancel-btn").hidden = true;
    loadHistory();
  }
}

async function poll(id, total) {
  $("cancel-btn").hidden = false;
  $("cancel-btn").disabled = false;
  for (;;) {
    const result = await api(`${API}/synthetic-data/status/${id}`);
    progress(result.status, result.records_generated || 0, total);
    show("busy", `Running in the background: ${(result.records_generated || 0).toLocaleString()} records so far.`);
    if (!["pending", "running"].includes(result.status)) { showResult(result); return; }
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function cancel() {
  if (!current) return;
  $("cancel-btn").disabled = true;
  try { await post(`${API}/synthetic-data/cancel/${current.id}`, {}); } catch (err) { show("error", err.message); }
}

function showResult(result) {
  const ok = result.status === "success" || result.status === "partial";
  $("progress").value = ok ? 100 : $("progress").value;
  $("progress-text").textContent = `${result.status}: ${result.records_generated.toLocaleString()} records in ${duration(result.execution_time_ms)}`;
  show(ok ? "ok" : "error", ok ? `Generated ${result.records_generated.toLocaleString()} records in ${duration(result.execution_time_ms)}.` : `Failed: ${(result.errors || [])[0] || result.status}`);
  const box = $("result");
  box.replaceChildren(el("p", { id: "summary" }, "Run ", el("code", {}, result.generation_id), " — ", el("span", { class: `status-${result.status}` }, result.status),
    ` · ${result.records_generated.toLocaleString()} records · ${duration(result.execution_time_ms)}`));
  const tables = Object.entries(result.records_per_table || {});
  if (tables.length > 1) box.append(el("p", { class: "hint" }, tables.map(([t, n]) => `${t}: ${n.toLocaleString()}`).join(" · ")));
  for (const w of result.warnings || []) box.append(el("p", { class: "msg warning" }, w));
  if (ok) box.append(el("div", { class: "row" }, ...runActions(result.generation_id, (result.output_files || []).length > 0)));
}

function runActions(id, files) {
  const out = [];
  if (files) {
    const d = el("button", { type: "button", class: "small", "data-id": id }, "Download");
    d.addEventListener("click", () => downloadFrom(`${API}/synthetic-data/download/${id}`).catch((e) => show("error", `Download failed: ${e.message}`)));
    out.push(d);
    const r = el("button", { type: "button", class: "secondary small" }, "Quality report");
    r.addEventListener("click", () => emit("open-report", { generation_id: id }));
    out.push(r);
  }
  const b = el("button", { type: "button", class: "secondary small" }, "Open in builder");
  b.addEventListener("click", () => openInBuilder(id));
  out.push(b);
  return out;
}

export async function openInBuilder(id) {
  try {
    const request = await api(`${API}/synthetic-data/request/${id}`);
    if (request.schema) S.load(request.schema);
    else if (request.data_type && request.data_type !== "custom") S.load(await api(`${API}/templates/${encodeURIComponent(request.data_type)}`));
    applyRequest(request);
    emit("view", "build");
  } catch (err) { show("error", `Cannot open: ${err.message}`); }
}


function historyRow(r) {
  const finished = r.status === "success" || r.status === "partial";
  const active = r.status === "pending" || r.status === "running";
  const reason = r.status === "failed" ? (r.errors || []).join("; ") : "";
  const status = el("td", { class: `status-${r.status}` }, r.status);
  if (active) {
    const stop = el("button", { type: "button", class: "danger small" }, "Cancel");
    stop.addEventListener("click", async () => { stop.disabled = true; await post(`${API}/synthetic-data/cancel/${r.generation_id}`, {}).catch((e) => show("error", e.message)); loadHistory(); });
    status.append(el("div", { class: "run-progress" }, el("progress", { max: String(r.volume || 1), value: String(r.records_generated || 0), "aria-label": `Progress of run ${r.generation_id}` }), stop));
  }
  return el("tr", { "data-id": r.generation_id, "data-status": r.status },
    el("td", {}, new Date(r.created_at).toLocaleString()),
    status,
    el("td", {}, r.name || r.data_type || ""),
    el("td", { class: "num rows" }, (r.records_generated || 0).toLocaleString()),
    el("td", { class: "num" }, duration(r.execution_time_ms)),
    el("td", {}, r.output_format || ""),
    el("td", { class: "reason" }, reason),
    el("td", { class: "actions" }, el("div", { class: "row-actions" }, ...runActions(r.generation_id, finished && r.destination_type !== "rds" && r.destination_type !== "inline"))));
}

let historyTimer = null;

// Rows are updated in place (a running row's progress and count) and replaced only when their status
// changes, so the refresh every second never takes a button away from under the pointer or the focus.
export async function loadHistory() {
  let rows;
  try { rows = await api(`${API}/synthetic-data/history?limit=25`); } catch (err) { return; }
  const body = $("history").querySelector("tbody");
  const old = new Map([...body.children].map((tr) => [tr.dataset.id, tr]));
  const next = rows.map((r) => {
    const tr = old.get(r.generation_id);
    if (tr && tr.dataset.status === r.status) {
      const bar = tr.querySelector("progress");
      if (bar) bar.value = r.records_generated || 0;
      tr.querySelector("td.rows").textContent = (r.records_generated || 0).toLocaleString();
      return tr;
    }
    return historyRow(r);
  });
  if (next.length !== body.children.length || next.some((tr, i) => body.children[i] !== tr)) {
    const focused = document.activeElement;
    body.replaceChildren(...next);
    if (focused && focused !== document.activeElement && body.contains(focused)) focused.focus();
  }
  emit("history", rows);
  clearTimeout(historyTimer);
  // While a run is going, the history refreshes itself (progress, then the outcome).
  if (rows.some((r) => r.status === "pending" || r.status === "running")) historyTimer = setTimeout(loadHistory, 1000);
}

export function init() {
  $("destination").addEventListener("change", destinationChanged);
  $("generate-btn").addEventListener("click", () => generate());
  $("cancel-btn").addEventListener("click", cancel);
  $("refresh-history").addEventListener("click", loadHistory);
  for (const id of ["volume", "seed"]) $(id).addEventListener("change", () => emit("settings"));
  $("compliance").addEventListener("change", () => emit("settings"));
  $("new-seed").addEventListener("click", () => { $("seed").value = String(Math.floor(Math.random() * 1e6)); emit("settings"); });
  on("run", (request) => generate(request));
}
