// Live preview (the first rows of every table, regenerated as the schema changes: same seed, same rows)
// and the validation panel (errors, warnings and compliance findings, each next to its field).
import { $, el, on, debounce, say, short, tabs, selectTab } from "./dom.js";
import { API, post } from "./api.js";
import * as S from "./schema.js";
import { setFieldMessages, focusField } from "./builder.js";
import { setServerMessages } from "./editor.js";
import { runSettings } from "./runs.js";

let previewTicket = 0;
let validateTicket = 0;
let lastPreview = null;
let shownTable = null;

function renderPreview() {
  const data = lastPreview;
  if (!data) return;
  const names = data.tables.map((t) => t.name);
  if (!names.includes(shownTable)) shownTable = names[0];
  const list = $("preview-tabs");
  list.replaceChildren(...data.tables.map((t) => el("button", { type: "button", role: "tab", class: "tab", "data-key": t.name, id: `preview-tab-${t.name}`, "aria-controls": "preview-table" }, `${t.name} (${t.rows.length})`)));
  selectTab(list, shownTable);
  const table = data.tables.find((t) => t.name === shownTable);
  const head = el("tr", {}, el("th", { scope: "col" }, "#"), ...table.columns.map((c) => el("th", { scope: "col" }, c)));
  const body = el("tbody", {}, ...table.rows.map((r, i) => el("tr", {}, el("td", { class: "muted" }, String(i + 1)),
    ...table.columns.map((c) => el("td", { class: r[c] === null || r[c] === undefined ? "null" : "" }, r[c] === null || r[c] === undefined ? "null" : short(r[c], 48))))));
  $("preview-table").replaceChildren(el("table", { class: "data-table", "aria-labelledby": `preview-tab-${shownTable}` }, el("thead", {}, head), body));
}

export async function refreshPreview() {
  const ticket = ++previewTicket;
  const settings = runSettings();
  const body = { schema: S.toSchema(), rows: Number($("preview-rows").value) || 20, volume: settings.volume || undefined };
  if (settings.seed !== null) body.seed = settings.seed;
  say($("preview-status"), "Generating preview…", "busy");
  try {
    const data = await post(`${API}/synthetic-data/preview`, body);
    if (ticket !== previewTicket) return;
    lastPreview = data;
    $("preview-box").classList.remove("stale");
    renderPreview();
    const warn = data.warnings.length ? ` · ${data.warnings.length} warning(s): ${data.warnings[0]}` : "";
    say($("preview-status"), `${body.rows} rows per table · seed ${data.seed} · ${Math.round(data.elapsed_ms)} ms${warn}`, "ok");
  } catch (err) {
    if (ticket !== previewTicket) return;
    $("preview-box").classList.add("stale");
    say($("preview-status"), `No preview: ${err.message}`, "error");
  }
}

function messagesOf(result) {
  const out = [];
  for (const e of result.errors || []) out.push({ kind: e.severity === "warning" ? "warning" : "error", field: e.field, text: e.message });
  for (const c of result.compliance_issues || []) out.push({ kind: c.severity === "warning" ? "warning" : "error", compliance: true, field: c.field, text: `${c.requirement}: ${c.issue}${c.fix ? " — fix: " + c.fix : ""}` });
  return out;
}

export async function validate() {
  const ticket = ++validateTicket;
  const settings = runSettings();
  say($("validation-status"), "Checking…", "busy");
  try {
    const result = await post(`${API}/synthetic-data/validate-schema`, { schema: S.toSchema(), compliance_requirements: settings.compliance, volume: settings.volume || null });
    if (ticket !== validateTicket) return null;
    showValidation(result);
    return result;
  } catch (err) {
    if (ticket !== validateTicket) return null;
    const details = err.body && Array.isArray(err.body.details) ? err.body.details : [];
    const msgs = details.length ? details.slice(0, 12).map((d) => ({ kind: "error", field: String(d.loc || "").replace(/^body\.schema\.?/, ""), text: d.msg })) : [{ kind: "error", field: null, text: err.message }];
    showMessages(msgs, null);
    say($("validation-status"), "The schema cannot be read: fix the messages below.", "error");
    return null;
  }
}

function showValidation(result) {
  const msgs = messagesOf(result);
  showMessages(msgs, result);
  const errors = msgs.filter((m) => m.kind === "error").length;
  const warnings = msgs.length - errors;
  say($("validation-status"), result.valid ? `Valid${warnings ? ` · ${warnings} warning(s)` : ""}${result.compliance_issues.length ? ` · ${result.compliance_issues.length} compliance finding(s)` : ""}` : `${errors} error(s), ${warnings} warning(s)`, result.valid ? "ok" : "error");
}

function showMessages(msgs, result) {
  const byField = new Map();
  const list = $("validation-list");
  list.replaceChildren();
  for (const m of msgs) {
    const loc = S.locate(m.field);
    if (loc && loc.field !== null) {
      const key = `${loc.table}/${loc.field}`;
      byField.set(key, [...(byField.get(key) || []), { kind: m.compliance && m.kind !== "error" ? "compliance" : m.kind, text: m.text }]);
    }
    const where = m.field ? el("button", { type: "button", class: "link field" }, m.field) : null;
    if (where) where.addEventListener("click", () => focusField(S.locate(m.field)));
    list.append(el("li", { class: `msg ${m.kind}` }, el("span", { class: "badge" }, m.compliance ? "compliance" : m.kind), where, " ", m.text));
  }
  for (const s of (result && result.suggestions) || []) list.append(el("li", { class: "msg hint-msg" }, el("span", { class: "badge" }, "tip"), " ", s));
  setFieldMessages(byField);
  setServerMessages(msgs);
}

const schedule = debounce(() => { refreshPreview(); validate(); }, 400);

export function init() {
  tabs($("preview-tabs"), (key) => { shownTable = key; renderPreview(); });
  on("schema", () => { $("preview-box").classList.add("stale"); schedule(); });
  on("settings", schedule);
  $("preview-rows").addEventListener("change", refreshPreview);
  $("validate-btn").addEventListener("click", validate);
}
