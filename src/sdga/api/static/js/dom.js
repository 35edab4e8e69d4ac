// Small DOM helpers shared by every part of the page.
export const $ = (id) => document.getElementById(id);

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("on") && typeof v === "function") node.addEventListener(k.slice(2), v);
    else if (k === "value") node.value = v;
    else if (k === "checked") node.checked = Boolean(v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function debounce(fn, ms) {
  let timer = null;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

export function short(v, n = 40) {
  const t = v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
  return t.length > n ? t.slice(0, n - 1) + "…" : t;
}

export function duration(ms) {
  if (ms === null || ms === undefined) return "";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
}

export function pct(x) { return x === null || x === undefined ? "–" : (100 * x).toFixed(1) + "%"; }

// A status line (role=status) with a kind: "", "ok", "error", "busy".
export function say(node, text, kind = "") {
  node.textContent = text;
  node.className = `hint ${kind}`.trim();
}

// One simple event bus between the parts of the page.
const listeners = {};
export function on(name, fn) { (listeners[name] = listeners[name] || []).push(fn); }
export function emit(name, detail) { for (const fn of listeners[name] || []) fn(detail); }

// Tabs (WAI-ARIA tabs pattern): buttons with role=tab inside role=tablist, arrow keys move between them.
export function tabs(list, onSelect) {
  const buttons = () => [...list.querySelectorAll("[role=tab]")];
  list.addEventListener("click", (e) => {
    const tab = e.target.closest("[role=tab]");
    if (tab) onSelect(tab.dataset.key, tab);
  });
  list.addEventListener("keydown", (e) => {
    const all = buttons();
    const i = all.indexOf(document.activeElement);
    if (i < 0) return;
    let j = null;
    if (e.key === "ArrowRight") j = (i + 1) % all.length;
    else if (e.key === "ArrowLeft") j = (i - 1 + all.length) % all.length;
    else if (e.key === "Home") j = 0;
    else if (e.key === "End") j = all.length - 1;
    if (j === null) return;
    e.preventDefault();
    all[j].focus();
    onSelect(all[j].dataset.key, all[j]);
  });
}

export function selectTab(list, key) {
  for (const tab of list.querySelectorAll("[role=tab]")) {
    const on = tab.dataset.key === key;
    tab.setAttribute("aria-selected", on ? "true" : "false");
    tab.tabIndex = on ? 0 : -1;
  }
}
