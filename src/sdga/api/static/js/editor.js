// The code view of the schema: JSON or YAML, highlighted, with line numbers and errors shown at their
// line (parse errors as you type, the server's validation messages once the schema parses). It stays in
// two-way sync with the grid: an edit here that parses replaces the model; a grid edit rewrites the text.
import { $, el, on, debounce } from "./dom.js";
import * as S from "./schema.js";

let mode = "json";
let lineErrors = []; // [{line, text, kind}]
let serverErrors = [];

function serialise(schema) {
  return mode === "yaml" ? window.jsyaml.dump(schema, { lineWidth: 120, noRefs: true }) : JSON.stringify(schema, null, 2);
}

function parseText(text) {
  if (mode === "yaml") {
    try { return { value: window.jsyaml.load(text) }; } catch (err) {
      const line = err.mark ? err.mark.line + 1 : 1;
      return { error: { line, text: (err.reason || err.message).split("\n")[0] } };
    }
  }
  try { return { value: JSON.parse(text) }; } catch (err) {
    const m = /position (\d+)/.exec(err.message);
    const lm = /line (\d+)/.exec(err.message);
    let line = lm ? Number(lm[1]) : 1;
    if (!lm && m) line = text.slice(0, Number(m[1])).split("\n").length;
    if (!lm && !m) line = text.split("\n").length;
    return { error: { line, text: err.message.replace(/^JSON\.parse: /, "") } };
  }
}

const escapeHtml = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function highlightJson(line) {
  return escapeHtml(line).replace(/("(?:\\.|[^"\\])*")(\s*:)?|\b(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)\b|\b(true|false|null)\b/g,
    (m, str, colon, num, lit) => {
      if (str) return colon ? `<span class="tk-key">${str}</span>${colon}` : `<span class="tk-str">${str}</span>`;
      if (num) return `<span class="tk-num">${num}</span>`;
      return `<span class="tk-lit">${lit}</span>`;
    });
}

function highlightYaml(line) {
  const hash = line.search(/(^|\s)#/);
  const code = hash >= 0 ? line.slice(0, hash) : line;
  const comment = hash >= 0 ? line.slice(hash) : "";
  let out = escapeHtml(code).replace(/^(\s*-?\s*)([^\s:'"][^:]*?|"[^"]*"|'[^']*')(:)(\s|$)/, '$1<span class="tk-key">$2</span>$3$4');
  out = out.replace(/(:\s+|-\s+)("(?:\\.|[^"\\])*"|'[^']*')/g, '$1<span class="tk-str">$2</span>')
    .replace(/(:\s+|-\s+|\[|,\s*)(-?\d+(?:\.\d+)?)(?=\s*(,|\]|$))/g, '$1<span class="tk-num">$2</span>')
    .replace(/(:\s+|-\s+)(true|false|null)\s*$/g, '$1<span class="tk-lit">$2</span>');
  return out + (comment ? `<span class="tk-com">${escapeHtml(comment)}</span>` : "");
}

function paint() {
  const text = $("schema-text").value;
  const lines = text.split("\n");
  const marks = new Map();
  for (const e of [...lineErrors, ...serverErrors]) marks.set(e.line, marks.get(e.line) === "error" ? "error" : e.kind);
  const hl = mode === "yaml" ? highlightYaml : highlightJson;
  $("code-layer").innerHTML = lines.map((l, i) => {
    const kind = marks.get(i + 1);
    return `<span class="code-line${kind ? " mark-" + kind : ""}">${hl(l) || " "}</span>`;
  }).join("\n") + "\n";
  $("code-gutter").textContent = lines.map((_, i) => String(i + 1)).join("\n");
  const all = [...lineErrors, ...serverErrors].sort((a, b) => a.line - b.line);
  $("code-errors").replaceChildren(...all.map((e) => {
    const b = el("button", { type: "button", class: `link ${e.kind}` }, `Line ${e.line}: ${e.text}`);
    b.addEventListener("click", () => goToLine(e.line));
    return el("li", {}, b);
  }));
  syncScroll();
}

function goToLine(line) {
  const box = $("schema-text");
  const lines = box.value.split("\n");
  const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
  box.focus();
  box.setSelectionRange(start, start + (lines[line - 1] || "").length);
  const lineHeight = parseFloat(getComputedStyle(box).lineHeight) || 18;
  box.scrollTop = Math.max(0, (line - 4) * lineHeight);
  syncScroll();
}

function syncScroll() {
  const box = $("schema-text");
  $("code-layer").style.transform = `translate(${-box.scrollLeft}px, ${-box.scrollTop}px)`;
  $("code-gutter").style.transform = `translateY(${-box.scrollTop}px)`;
}

function rewrite() {
  $("schema-text").value = serialise(S.toSchema());
  lineErrors = [];
  status();
  paint();
}

function status() {
  const box = $("schema-status");
  if (lineErrors.length) {
    box.textContent = `${mode.toUpperCase()} error on line ${lineErrors[0].line}: ${lineErrors[0].text}`;
    box.className = "hint error";
  } else {
    const list = S.tables();
    box.textContent = `Valid ${mode.toUpperCase()}: ${list.length} table(s), ${list.reduce((n, t) => n + t.fields.length, 0)} field(s).`;
    box.className = "hint";
  }
}

const fromText = debounce(() => {
  const parsed = parseText($("schema-text").value);
  if (parsed.error) { lineErrors = [Object.assign({ kind: "error" }, parsed.error)]; status(); paint(); return; }
  try {
    S.load(parsed.value, "code");
    lineErrors = [];
  } catch (err) {
    lineErrors = [{ line: 1, text: err.message, kind: "error" }];
  }
  status();
  paint();
}, 250);

// Server messages (validation) placed at the line of the field they name.
export function setServerMessages(messages) {
  const lines = $("schema-text").value.split("\n");
  serverErrors = messages.map((m) => ({ line: lineOf(lines, m.field), text: (m.field ? `${m.field}: ` : "") + m.text, kind: m.kind === "error" ? "error" : "warning" }));
  paint();
}

function lineOf(lines, field) {
  if (!field) return 1;
  const parts = String(field).split(".");
  const name = parts[parts.length - 1].replace(/\[\d+\]$/, "");
  let from = 0;
  if (parts.length > 1) {
    const t = lines.findIndex((l) => nameLine(l, parts[0]));
    if (t >= 0) from = t;
  }
  for (let i = from; i < lines.length; i++) if (nameLine(lines[i], name)) return i + 1;
  return from + 1;
}

function nameLine(line, name) {
  const esc = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^\\s*(-\\s+)?"?name"?\\s*:\\s*["']?${esc}["']?\\s*,?\\s*$`).test(line);
}

export function setMode(next) {
  mode = next;
  for (const b of document.querySelectorAll("#code-mode button")) b.setAttribute("aria-pressed", b.dataset.mode === mode ? "true" : "false");
  rewrite();
}

export function init() {
  const box = $("schema-text");
  box.addEventListener("input", () => { paint(); fromText(); });
  box.addEventListener("scroll", syncScroll);
  for (const b of document.querySelectorAll("#code-mode button")) b.addEventListener("click", () => setMode(b.dataset.mode));
  on("schema", ({ source }) => { serverErrors = []; if (source !== "code") rewrite(); else paint(); });
}
