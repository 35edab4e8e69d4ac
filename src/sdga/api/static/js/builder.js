// The field builder: one grid of fields per table (name, searchable type with an example, the
// constraints that type reads, null %, unique, key), the tables and their references (parent, children
// per parent). Every edit changes the shared schema model; the code view and the preview follow.
import { $, el, on, tabs, selectTab } from "./dom.js";
import * as S from "./schema.js";
import { typePicker, typeInfo } from "./typepicker.js";

const NUMERIC = new Set(["integer", "float", "decimal", "amount", "latitude", "longitude", "sequence"]);
const DECIMALS = new Set(["float", "decimal", "amount", "latitude", "longitude"]);
const TEMPORAL = new Set(["date", "datetime", "timestamp", "time"]);
const TEXT = new Set(["string", "text", "sentence", "word", "username", "review", "log_message", "comment"]);
const ENUMS = new Set(["category", "product_category", "string", "log_level", "http_method"]);

let fieldMessages = new Map(); // "table/field" -> [{kind, text}]

// Messages are patched into the drawn grid (not a redraw), so a reply that arrives while someone types
// never replaces the input they are typing in.
export function setFieldMessages(map) {
  fieldMessages = map;
  const ti = S.activeIndex();
  for (const row of document.querySelectorAll("#builder-grid tr.field-row")) {
    const fi = Number(row.dataset.index);
    const next = row.nextElementSibling;
    if (next && next.classList.contains("field-msgs")) next.remove();
    row.classList.remove("has-error", "has-warning");
    const msgs = fieldMessages.get(`${ti}/${fi}`) || [];
    if (!msgs.length) continue;
    const worst = msgs.some((m) => m.kind === "error") ? "error" : "warning";
    row.classList.add(`has-${worst}`);
    row.after(messageRow(msgs, worst));
  }
}

function messageRow(msgs, worst) {
  const label = { error: "Error", compliance: "Compliance", warning: "Warning" };
  return el("tr", { class: `field-msgs ${worst}` }, el("td", { colspan: "8" }, el("ul", {}, ...msgs.map((m) => el("li", { class: m.kind }, `${label[m.kind] || "Warning"}: ${m.text}`)))));
}

function constraints(f) { return f.constraints || (f.constraints = {}); }

function clean(f) {
  const c = f.constraints;
  if (!c) return;
  for (const [k, v] of Object.entries(c)) if (v === "" || v === null || v === undefined || (Array.isArray(v) && !v.length)) delete c[k];
  if (!Object.keys(c).length) delete f.constraints;
}

function parseValue(text) {
  const t = text.trim();
  if (t === "") return "";
  return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t;
}

function small(label, value, onChange, attrs = {}) {
  const input = el("input", Object.assign({ type: "text", value: value === undefined || value === null ? "" : String(value), "aria-label": label, "data-key": `c/${label.split(" of ")[0]}/${label.split(" of ").slice(1).join(" of ")}`, class: "c-input", placeholder: attrs.placeholder || "" }, attrs));
  input.addEventListener("change", () => onChange(input.value));
  return el("label", { class: "c-item" }, el("span", {}, attrs.short || label.split(" ").slice(-1)[0]), input);
}

function setC(f, key, value) { constraints(f)[key] = value; clean(f); S.changed(); }

function constraintEditor(table, f, where) {
  const c = f.constraints || {};
  const box = el("div", { class: "constraints" });
  const label = (what) => `${what} of ${where}`;
  if (f.type === "reference") {
    const parents = S.tables().filter((t) => t !== table);
    const options = [];
    for (const t of parents) for (const g of t.fields) if (g.primary_key || (g.constraints && g.constraints.unique)) options.push(`${t.name}.${g.name}`);
    if (f.references && !options.includes(f.references)) options.unshift(f.references);
    const sel = el("select", { "aria-label": label("Referenced key"), "data-key": `c/ref/${where}`, class: "c-input" }, el("option", { value: "" }, "(pick a key)"), ...options.map((o) => el("option", { value: o }, o)));
    sel.value = f.references || "";
    sel.addEventListener("change", () => { f.references = sel.value || undefined; S.changed(); });
    box.append(el("label", { class: "c-item" }, el("span", {}, "→"), sel));
    const card = f.cardinality || {};
    const setCard = (k, v) => {
      f.cardinality = Object.assign({}, f.cardinality || {});
      if (v === "") delete f.cardinality[k]; else f.cardinality[k] = Number(v);
      if (!Object.keys(f.cardinality).length) delete f.cardinality;
      S.changed();
    };
    box.append(small(label("Children per parent, mean"), card.mean, (v) => setCard("mean", v), { short: "mean", inputmode: "decimal" }));
    box.append(small(label("Children per parent, min"), card.min, (v) => setCard("min", v), { short: "min", inputmode: "numeric" }));
    box.append(small(label("Children per parent, max"), card.max, (v) => setCard("max", v), { short: "max", inputmode: "numeric" }));
    return box;
  }
  if (NUMERIC.has(f.type) || TEMPORAL.has(f.type)) {
    const hint = TEMPORAL.has(f.type) ? (f.type === "time" ? "09:00" : "2024-01-01") : "";
    box.append(small(label("Minimum"), c.min, (v) => setC(f, "min", parseValue(v)), { short: "min", placeholder: hint }));
    box.append(small(label("Maximum"), c.max, (v) => setC(f, "max", parseValue(v)), { short: "max", placeholder: hint }));
  }
  if (DECIMALS.has(f.type)) box.append(small(label("Decimal places"), c.precision, (v) => setC(f, "precision", v === "" ? "" : Number(v)), { short: "dp", inputmode: "numeric" }));
  if (TEMPORAL.has(f.type)) box.append(small(label("Format"), c.format, (v) => setC(f, "format", v), { short: "format", placeholder: "%Y-%m-%d" }));
  if (f.type === "pattern") box.append(small(label("Pattern (regular expression)"), c.pattern, (v) => setC(f, "pattern", v), { short: "regex", placeholder: "[A-Z]{3}-[0-9]{4}", class: "c-input wide" }));
  if (TEXT.has(f.type) && !c.enum) {
    box.append(small(label("Minimum length"), c.min_length, (v) => setC(f, "min_length", v === "" ? "" : Number(v)), { short: "len≥", inputmode: "numeric" }));
    box.append(small(label("Maximum length"), c.max_length, (v) => setC(f, "max_length", v === "" ? "" : Number(v)), { short: "len≤", inputmode: "numeric" }));
  }
  if (ENUMS.has(f.type) || c.enum) {
    const values = (c.enum || []).join(", ");
    box.append(small(label("Values (comma separated)"), values, (v) => {
      const list = v.split(",").map((s) => s.trim()).filter(Boolean).map(parseValue);
      setC(f, "enum", list);
      if (c.weights && c.weights.length !== list.length) setC(f, "weights", "");
    }, { short: "values", class: "c-input wide", placeholder: "a, b, c" }));
    if (c.enum && c.enum.length) {
      box.append(small(label("Weights (comma separated)"), (c.weights || []).join(", "), (v) => setC(f, "weights", v.split(",").map((s) => Number(s.trim())).filter((n) => !Number.isNaN(n))), { short: "weights", placeholder: "70, 20, 10" }));
    }
  }
  if (!box.children.length) box.append(el("span", { class: "muted" }, "—"));
  return box;
}

function fieldRow(table, ti, f, fi) {
  const where = `${table.name}.${f.name}`;
  const info = typeInfo(f.type);
  const k = (what) => `${ti}/${fi}/${what}`;
  const name = el("input", { type: "text", value: f.name, "aria-label": `Name of field ${fi + 1} in ${table.name}`, class: "f-name", spellcheck: "false", "data-key": k("name") });
  name.addEventListener("change", () => { if (name.value.trim()) S.renameField(table, f, name.value.trim()); else name.value = f.name; });
  const type = typePicker(f.type, (t) => {
    f.type = t;
    if (t === "reference" && !f.references) { const p = S.tables().find((x) => x !== table); if (p && S.primaryKey(p)) f.references = `${p.name}.${S.primaryKey(p)}`; }
    if (t !== "reference") { delete f.references; delete f.cardinality; }
    S.changed();
  }, `Type of ${where}`);
  type.dataset.key = k("type");
  const c = f.constraints || {};
  const nullPct = el("input", { type: "number", min: "0", max: "100", step: "1", class: "f-null", "data-key": k("null"), "aria-label": `Null percent of ${where}`, value: c.nullable ? String(Math.round(100 * (c.null_rate ?? 0.1))) : "0" });
  nullPct.addEventListener("change", () => {
    const v = Math.max(0, Math.min(100, Number(nullPct.value) || 0));
    if (v > 0) { constraints(f).nullable = true; f.constraints.null_rate = v / 100; } else if (f.constraints) { delete f.constraints.nullable; delete f.constraints.null_rate; }
    clean(f); S.changed();
  });
  const unique = el("input", { type: "checkbox", "data-key": k("unique"), "aria-label": `Unique values in ${where}`, checked: Boolean(c.unique), disabled: info && !info.unique && !c.unique ? true : undefined });
  unique.addEventListener("change", () => { setC(f, "unique", unique.checked || ""); });
  const key = el("input", { type: "checkbox", "data-key": k("key"), "aria-label": `${where} is the table's key`, checked: Boolean(f.primary_key) });
  key.addEventListener("change", () => { if (key.checked) { f.primary_key = true; constraints(f).unique = true; } else delete f.primary_key; S.changed(); });
  const remove = el("button", { type: "button", class: "icon danger", "data-key": k("remove"), "aria-label": `Remove field ${where}`, title: "Remove field" }, "✕");
  remove.addEventListener("click", () => { table.fields.splice(fi, 1); S.changed(); });
  const up = el("button", { type: "button", class: "icon", "data-key": k("up"), "aria-label": `Move ${where} up`, title: "Move up", disabled: fi === 0 ? true : undefined }, "↑");
  up.addEventListener("click", () => { table.fields.splice(fi - 1, 0, table.fields.splice(fi, 1)[0]); S.changed(); });
  const msgs = fieldMessages.get(`${ti}/${fi}`) || [];
  const worst = msgs.some((m) => m.kind === "error") ? "error" : msgs.length ? "warning" : "";
  const row = el("tr", { class: `field-row ${worst ? "has-" + worst : ""}`, "data-field": f.name, "data-index": String(fi) },
    el("td", {}, name),
    el("td", {}, type),
    el("td", { class: "example" }, info && info.example ? info.example : f.type.startsWith("faker:") ? "(Faker)" : ""),
    el("td", {}, constraintEditor(table, f, where)),
    el("td", {}, nullPct),
    el("td", { class: "center" }, unique),
    el("td", { class: "center" }, key),
    el("td", { class: "actions" }, up, remove));
  return msgs.length ? [row, messageRow(msgs, worst)] : [row];
}

function tableSettings(table, ti) {
  const name = el("input", { type: "text", id: "table-name", value: table.name, spellcheck: "false" });
  name.addEventListener("change", () => { if (name.value.trim()) S.renameTable(table, name.value.trim()); else name.value = table.name; });
  const parent = el("select", { id: "table-parent" }, el("option", { value: "" }, "(none: a root table)"),
    ...S.tables().filter((t) => t !== table).map((t) => el("option", { value: t.name }, t.name)));
  parent.value = S.parentOf(table);
  parent.addEventListener("change", () => S.setParent(table, parent.value));
  const ref = S.referenceFields(table)[0];
  const children = el("input", { type: "number", id: "table-children", min: "0", step: "0.5", value: ref && ref.cardinality && ref.cardinality.mean !== undefined ? String(ref.cardinality.mean) : "", disabled: ref ? undefined : true, placeholder: "mean" });
  children.addEventListener("change", () => { if (!ref) return; ref.cardinality = Object.assign({}, ref.cardinality || {}, { mean: Number(children.value) || 0 }); S.changed(); });
  const volume = el("input", { type: "number", id: "table-volume", min: "1", step: "1", value: table.volume ?? "", placeholder: ref ? "from parents" : "run volume" });
  volume.addEventListener("change", () => { if (volume.value === "") delete table.volume; else table.volume = Number(volume.value); S.changed(); });
  const remove = el("button", { type: "button", class: "secondary small", id: "remove-table", disabled: S.tables().length < 2 ? true : undefined }, "Remove table");
  remove.addEventListener("click", () => S.removeTable(ti));
  return el("div", { class: "table-settings" },
    el("label", { for: "table-name" }, "Table name", name),
    el("label", { for: "table-parent" }, "Parent table", parent),
    el("label", { for: "table-children" }, "Children per parent", children),
    el("label", { for: "table-volume" }, "Rows (optional)", volume),
    remove);
}

export function render() {
  const list = S.tables();
  if (!list.length) return;
  const ti = S.activeIndex();
  const table = list[ti];
  const tabList = $("table-tabs");
  const focused = document.activeElement && document.activeElement.closest && document.activeElement.closest("#builder") ? document.activeElement : null;
  const focusedKey = focused ? focused.dataset.key || focused.id : null;
  const selection = focused && typeof focused.selectionStart === "number" ? [focused.selectionStart, focused.selectionEnd] : null;
  const typed = focused && focused.tagName === "INPUT" ? focused.value : undefined; // before its blur handler runs
  tabList.replaceChildren(...list.map((t, i) => el("button", { type: "button", role: "tab", "data-key": String(i), id: `table-tab-${i}`, "aria-controls": "builder-grid", class: "tab" }, t.name, S.parentOf(t) ? el("span", { class: "muted" }, ` ← ${S.parentOf(t)}`) : "")));
  selectTab(tabList, String(ti));
  $("table-settings").replaceChildren(tableSettings(table, ti));
  const body = el("tbody");
  table.fields.forEach((f, fi) => body.append(...fieldRow(table, ti, f, fi)));
  $("builder-grid").replaceChildren(el("table", { class: "grid-table", "aria-labelledby": `table-tab-${ti}` },
    el("thead", {}, el("tr", {}, ...["Name", "Type", "Example", "Constraints", "Null %", "Unique", "Key", ""].map((h) => el("th", { scope: "col" }, h)))), body));
  if (focusedKey && !document.getElementById("builder").contains(focused)) restoreFocus(focusedKey, selection, typed);
}

function restoreFocus(key, selection, typed) {
  const target = [...document.querySelectorAll("#builder [data-key], #builder [id]")].find((n) => (n.dataset.key || n.id) === key);
  if (!target) return;
  const reopen = typed !== undefined && target.getAttribute("role") === "combobox" && target.value !== typed;
  if (typed !== undefined && target.tagName === "INPUT" && target.type === "text") target.value = typed;
  target.focus();
  if (selection && typeof target.setSelectionRange === "function") { try { target.setSelectionRange(...selection); } catch (e) { /* not a text input */ } }
  if (reopen) target.dispatchEvent(new Event("input")); // the type list was open for the old input
}

let pending = false;
// Edits made in the grid redraw it once the event that made them is over (a Tab moves focus first), so
// focus and the caret stay where the user is.
function renderSoon() {
  if (pending) return;
  pending = true;
  setTimeout(() => { pending = false; render(); }, 0);
}

export function focusField(loc) {
  if (!loc) return;
  if (loc.table !== S.activeIndex()) S.setActive(loc.table);
  const rows = document.querySelectorAll("#builder-grid tr.field-row");
  const row = loc.field !== null ? rows[loc.field] : null;
  if (row) { row.scrollIntoView({ block: "center" }); row.querySelector("input").focus(); }
}

export function init() {
  tabs($("table-tabs"), (key) => S.setActive(Number(key)));
  on("active", render);
  on("schema", ({ source }) => (source === "grid" ? renderSoon() : render()));
  $("add-field").addEventListener("click", () => {
    S.addField(S.activeTable());
    render();
    const inputs = document.querySelectorAll("#builder-grid .f-name");
    const last = inputs[inputs.length - 1];
    if (last) { last.focus(); last.select(); }
  });
  $("add-table").addEventListener("click", () => S.addTable(null));
  $("add-child-table").addEventListener("click", () => S.addTable(S.activeTable().name));
}
