// Web UI for the synthetic-data-agent HTTP API. Plain JavaScript, no build step, no external resources.
"use strict";

const API = "/api/v1";
const $ = (id) => document.getElementById(id);
const state = { generationId: null, sessionId: null };

const STARTER = {
  name: "customers",
  fields: [
    { name: "customer_id", type: "uuid", constraints: { unique: true }, primary_key: true },
    { name: "full_name", type: "full_name" },
    { name: "email", type: "email", constraints: { unique: true } },
    { name: "age", type: "integer", constraints: { min: 18, max: 90 } },
    { name: "signup_date", type: "date", constraints: { min: "2020-01-01", max: "2025-12-31" } },
    { name: "tier", type: "category", constraints: { enum: ["free", "pro", "enterprise"], weights: [70, 25, 5] } },
  ],
};

function apiKey() { return localStorage.getItem("sdga-api-key") || ""; }

async function api(path, options = {}) {
  const headers = Object.assign({ Accept: "application/json" }, options.headers || {});
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (apiKey()) headers["X-API-Key"] = apiKey();
  const response = await fetch(path, Object.assign({}, options, { headers }));
  if (response.status === 401) $("api-key-box").hidden = false;
  const isJson = (response.headers.get("content-type") || "").includes("application/json");
  const data = isJson ? await response.json() : null;
  if (!response.ok) {
    const err = new Error((data && data.message) || `HTTP ${response.status}`);
    err.body = data;
    err.status = response.status;
    throw err;
  }
  return data;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child ?? "")));
  return node;
}

function message(kind, text, field) {
  const node = el("div", { class: `msg ${kind}` });
  if (field) node.append(el("span", { class: "field" }, field));
  node.append(text);
  $("messages").append(node);
}

function clearResults() {
  $("messages").replaceChildren();
  $("summary").replaceChildren();
  $("metrics").replaceChildren();
  $("download-panel").hidden = true;
  $("report-view").hidden = true;
}

function showError(err) {
  message("error", err.message);
  const details = err.body && err.body.details;
  if (details && Array.isArray(details.errors)) {
    for (const e of details.errors) message(e.severity === "warning" ? "warning" : "error", e.message, e.field);
  } else if (Array.isArray(details)) {
    for (const d of details.slice(0, 8)) if (d && d.msg) message("error", d.msg, d.loc);
  }
}

// ------------------------------------------------------------------------------------- schema editor
function parseSchema() {
  const box = $("schema");
  const status = $("schema-status");
  try {
    const value = JSON.parse(box.value);
    // null, numbers, strings and arrays parse as JSON but are no schema (and would crash the counts below).
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new Error("a schema is a JSON object with \"fields\" or \"tables\"");
    }
    box.classList.remove("invalid");
    const tables = value.tables ? value.tables.length : 1;
    const fields = value.tables ? value.tables.reduce((n, t) => n + (t.fields || []).length, 0) : (value.fields || []).length;
    status.textContent = `Valid JSON: ${tables} table(s), ${fields} field(s).`;
    status.className = "hint";
    return value;
  } catch (err) {
    box.classList.add("invalid");
    status.textContent = `JSON error: ${err.message}`;
    status.className = "hint error";
    return null;
  }
}

async function loadTemplates() {
  const select = $("template");
  try {
    const templates = await api(`${API}/templates`);
    select.replaceChildren(el("option", { value: "" }, "Starter example"));
    for (const t of templates) {
      select.append(el("option", { value: t.name, title: t.description || "" }, `${t.name}${t.domain ? " — " + t.domain : ""}`));
    }
  } catch (err) {
    select.replaceChildren(el("option", { value: "" }, "Starter example"));
  }
}

async function loadTemplate() {
  const name = $("template").value;
  let schema = STARTER;
  if (name) {
    try { schema = await api(`${API}/templates/${encodeURIComponent(name)}`); }
    catch (err) { clearResults(); showError(err); return; }
  }
  $("schema").value = JSON.stringify(schema, null, 2);
  parseSchema();
}

async function loadOptions() {
  const opts = await api(`${API}/options`);
  $("format").replaceChildren(...opts.output_formats.map((f) => el("option", { value: f }, f)));
  $("format").value = opts.output_formats.includes("csv") ? "csv" : opts.output_formats[0];
  const labels = { local: "stored (download)", inline: "inline (rows in the response)", s3: "s3", rds: "database (rds)" };
  $("destination").replaceChildren(...opts.destinations.map((d) => el("option", { value: d }, labels[d] || d)));
  $("destination").addEventListener("change", destinationChanged);
  destinationChanged();
  const box = $("compliance");
  for (const c of opts.compliance_requirements) {
    box.append(el("label", {}, el("input", { type: "checkbox", name: "compliance", value: c }), c));
  }
  $("volume").max = String(opts.max_volume);
  if (opts.api_key_required) $("api-key-box").hidden = false;
}

function destinationChanged() {
  const d = $("destination").value;
  const hints = { s3: "s3://bucket/prefix (empty: the configured bucket)", rds: "postgresql+psycopg://user:pass@host/db", local: "directory under the data folder (optional)" };
  $("location-box").hidden = !(d in hints);
  $("location").placeholder = hints[d] || "";
}

function compliance() {
  return [...document.querySelectorAll("input[name=compliance]:checked")].map((c) => c.value);
}

// ---------------------------------------------------------------------------------------- actions
async function validate() {
  clearResults();
  const schema = parseSchema();
  if (!schema) { message("error", "The schema is not a valid JSON object; fix it first.", "schema"); return false; }
  try {
    const result = await api(`${API}/synthetic-data/validate-schema`, {
      method: "POST",
      body: JSON.stringify({ schema, compliance_requirements: compliance(), volume: Number($("volume").value) || null }),
    });
    if (result.valid) message("ok", "Schema is valid.");
    for (const e of result.errors) message(e.severity === "warning" ? "warning" : "error", e.message, e.field);
    for (const c of result.compliance_issues) message(c.severity === "warning" ? "warning" : "error", `${c.requirement}: ${c.issue}${c.fix ? " — " + c.fix : ""}`, c.field);
    for (const s of result.suggestions) message("warning", `Suggestion: ${s}`);
    return result.valid;
  } catch (err) {
    showError(err);
    return false;
  }
}

async function generate() {
  clearResults();
  const schema = parseSchema();
  if (!schema) { message("error", "The schema is not a valid JSON object; fix it first.", "schema"); return; }
  const body = {
    data_type: "custom",
    volume: Number($("volume").value),
    schema,
    compliance_requirements: compliance(),
    output_format: $("format").value,
    destination: { type: $("destination").value },
  };
  if ($("location").value.trim() && !$("location-box").hidden) body.destination.location = $("location").value.trim();
  if ($("seed").value !== "") body.seed = Number($("seed").value);
  $("generate-btn").disabled = true;
  showProgress("pending", 0, body.volume);
  try {
    const result = await api(`${API}/synthetic-data/generate`, { method: "POST", body: JSON.stringify(body) });
    state.generationId = result.generation_id;
    if (result.status === "pending" || result.status === "running") await poll(result.generation_id, body.volume);
    else showResult(result);
  } catch (err) {
    $("progress-box").hidden = true;
    showError(err);
  } finally {
    $("generate-btn").disabled = false;
    loadHistory();
  }
}

function showProgress(status, done, total) {
  $("progress-box").hidden = false;
  $("progress").value = total ? Math.min(100, (100 * done) / total) : 0;
  $("status-text").textContent = `${status}: ${done.toLocaleString()} / ${Number(total).toLocaleString()} records`;
}

async function poll(id, total) {
  for (;;) {
    const result = await api(`${API}/synthetic-data/status/${id}`);
    showProgress(result.status, result.records_generated || 0, total);
    if (!["pending", "running"].includes(result.status)) { showResult(result); return; }
    await new Promise((r) => setTimeout(r, 700));
  }
}

function pct(x) { return x == null ? "–" : (100 * x).toFixed(1) + "%"; }

function showResult(result) {
  $("progress").value = 100;
  $("status-text").textContent = `${result.status}: ${result.records_generated.toLocaleString()} records in ${Math.round(result.execution_time_ms)} ms`;
  const summary = el("p", {}, "Generation ", el("code", {}, result.generation_id), " — ",
    el("span", { class: `status-${result.status}` }, result.status), ` · ${result.records_generated.toLocaleString()} records · ${Math.round(result.execution_time_ms)} ms`);
  $("summary").replaceChildren(summary);
  for (const e of result.errors || []) message("error", e);
  for (const w of result.warnings || []) message("warning", w);
  const m = result.data_quality_metrics;
  if (m) {
    const scores = el("div", { class: "scores" },
      el("div", { class: "score", id: "score-uniqueness" }, el("b", {}, pct(m.uniqueness_score)), el("span", {}, "uniqueness")),
      el("div", { class: "score", id: "score-validity" }, el("b", {}, pct(m.validity_score)), el("span", {}, "validity")),
      el("div", { class: "score", id: "score-completeness" }, el("b", {}, pct(m.completeness_score)), el("span", {}, "completeness")));
    const table = el("table", { id: "field-stats" }, el("thead", {}, el("tr", {}, ...["Field", "Nulls", "Unique", "Min", "Max", "Avg len"].map((h) => el("th", {}, h)))));
    const tbody = el("tbody");
    for (const [name, s] of Object.entries(m.field_statistics || {})) {
      tbody.append(el("tr", {}, el("td", {}, name), el("td", {}, s.null_count), el("td", {}, s.unique_count),
        el("td", {}, short(s.min_value)), el("td", {}, short(s.max_value)), el("td", {}, s.avg_length == null ? "" : s.avg_length.toFixed(1))));
    }
    table.append(tbody);
    $("metrics").replaceChildren(el("h3", {}, "Quality metrics"), scores, table);
  }
  $("report-link").dataset.id = result.generation_id;
  if (result.status === "success" || result.status === "partial") {
    $("download-panel").hidden = false;
    $("download-link").hidden = !(result.output_files || []).length;
    $("download-link").dataset.id = result.generation_id;
    $("download-info").textContent = (result.output_files || []).map((f) => f.split("/").pop()).join(", ");
  }
}

function short(v) { const t = v == null ? "" : String(v); return t.length > 28 ? t.slice(0, 25) + "…" : t; }

async function download(event) {
  event.preventDefault();
  const id = event.currentTarget.dataset.id;
  if (!id) return;
  const headers = apiKey() ? { "X-API-Key": apiKey() } : {};
  const response = await fetch(`${API}/synthetic-data/download/${id}`, { headers });
  if (!response.ok) {
    const data = await response.json().catch(() => ({ message: `HTTP ${response.status}` }));
    message("error", `Download failed: ${data.message}`);
    return;
  }
  const disposition = response.headers.get("content-disposition") || "";
  const match = /filename="([^"]+)"/.exec(disposition);
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const a = el("a", { href: url, download: match ? match[1] : `${id}` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30000);
}

async function viewReport(event) {
  event.preventDefault();
  const id = event.currentTarget.dataset.id;
  if (!id) return;
  const headers = apiKey() ? { "X-API-Key": apiKey() } : {};
  const response = await fetch(`${API}/synthetic-data/report/${id}`, { headers });
  $("report-view").textContent = response.ok ? await response.text() : `Report unavailable (HTTP ${response.status})`;
  $("report-view").hidden = false;
}

async function loadHistory() {
  try {
    const rows = await api(`${API}/synthetic-data/history?limit=15`);
    const body = $("history").querySelector("tbody");
    body.replaceChildren(...rows.map((r) => {
      const open = el("button", { type: "button", class: "secondary small" }, "Open");
      open.addEventListener("click", async () => { clearResults(); showResult(await api(`${API}/synthetic-data/status/${r.generation_id}`)); });
      return el("tr", {}, el("td", {}, new Date(r.created_at).toLocaleString()), el("td", { class: `status-${r.status}` }, r.status),
        el("td", {}, r.data_type || ""), el("td", {}, (r.records_generated || 0).toLocaleString()), el("td", {}, r.output_format || ""),
        el("td", {}, `${Math.round(r.execution_time_ms)} ms`), el("td", {}, open));
    }));
  } catch (err) { /* history is optional */ }
}

// ------------------------------------------------------------------------------------------ agent
async function ask() {
  const prompt = $("ask-prompt").value.trim();
  // Enter in the prompt box does not go through the (disabled) button: ignore it while a request runs.
  if (!prompt || $("ask-btn").disabled) return;
  clearResults();
  $("ask-btn").disabled = true;
  $("ask-answer").textContent = "Thinking…";
  $("ask-answer").className = "hint";
  try {
    const body = { prompt, plan_only: $("ask-plan-only").checked };
    if (state.sessionId) body.session_id = state.sessionId;
    const result = await api("/api/v1/agent/ask", { method: "POST", body: JSON.stringify(body) });
    state.sessionId = result.session_id;
    const steps = (result.steps || []).map((step) => "• " + step).join("\n");
    $("ask-answer").textContent = result.answer || steps || (result.ok ? "Done." : "The agent could not complete the request.");
    if (result.request && result.request.schema) {
      $("schema").value = JSON.stringify(result.request.schema, null, 2);
      parseSchema();
      if (result.request.volume) $("volume").value = result.request.volume;
      if (result.request.output_format) $("format").value = result.request.output_format;
      for (const box of document.querySelectorAll("input[name=compliance]")) {
        box.checked = (result.request.compliance_requirements || []).includes(box.value);
      }
    }
    if (result.generation_id) {
      const status = await api(`${API}/synthetic-data/status/${result.generation_id}`);
      if (["pending", "running"].includes(status.status)) await poll(result.generation_id, result.request ? result.request.volume : 0);
      else showResult(status);
    }
  } catch (err) {
    $("ask-answer").textContent = err.message;
    $("ask-answer").className = "hint error";
  } finally {
    $("ask-btn").disabled = false;
    loadHistory();
  }
}

// ---------------------------------------------------------------------------------------- wiring
window.addEventListener("DOMContentLoaded", async () => {
  $("api-key").value = apiKey();
  $("api-key").addEventListener("change", (e) => { localStorage.setItem("sdga-api-key", e.target.value); location.reload(); });
  $("schema").value = JSON.stringify(STARTER, null, 2);
  parseSchema();
  $("schema").addEventListener("input", parseSchema);
  $("format-schema").addEventListener("click", () => { const s = parseSchema(); if (s) $("schema").value = JSON.stringify(s, null, 2); });
  $("load-template").addEventListener("click", loadTemplate);
  $("validate-btn").addEventListener("click", validate);
  $("generate-btn").addEventListener("click", generate);
  $("download-link").addEventListener("click", download);
  $("report-link").addEventListener("click", viewReport);
  $("refresh-history").addEventListener("click", loadHistory);
  $("ask-btn").addEventListener("click", ask);
  $("ask-prompt").addEventListener("keydown", (e) => { if (e.key === "Enter" && !e.isComposing) ask(); });
  try { await loadOptions(); } catch (err) { showError(err); }
  await loadTemplates();
  await loadHistory();
  document.body.dataset.ready = "1";
});
