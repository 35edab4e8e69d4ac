// A searchable type picker (WAI-ARIA combobox with a listbox): type to filter by name, category or
// description; each option shows an example value from the API's field-type catalogue.
import { el } from "./dom.js";

let catalogue = [];
let popup = null;
let current = null; // { input, onPick, options, index }

export function setCatalogue(types) { catalogue = types; }
export function typeInfo(name) { return catalogue.find((t) => t.name === name); }

function matches(query) {
  const q = query.trim().toLowerCase();
  if (!q) return catalogue;
  const starts = catalogue.filter((t) => t.name.startsWith(q));
  const rest = catalogue.filter((t) => !t.name.startsWith(q) && `${t.name} ${t.category} ${t.description}`.toLowerCase().includes(q));
  return [...starts, ...rest];
}

function ensurePopup() {
  if (popup) return popup;
  popup = el("ul", { id: "type-options", role: "listbox", class: "type-options", "aria-label": "Field types", hidden: true });
  popup.addEventListener("mousedown", (e) => e.preventDefault()); // keep focus in the input
  popup.addEventListener("click", (e) => {
    const li = e.target.closest("li[role=option]");
    if (li && current) pick(li.dataset.name);
  });
  document.body.append(popup);
  return popup;
}

function render() {
  const list = ensurePopup();
  const found = matches(current.input.value).slice(0, 80);
  current.options = found;
  current.index = Math.min(current.index, found.length - 1);
  list.replaceChildren(...found.map((t, i) => el("li", {
    role: "option", id: `type-opt-${i}`, "data-name": t.name, "aria-selected": i === current.index ? "true" : "false",
  }, el("b", {}, t.name), el("span", { class: "cat" }, t.category), el("span", { class: "ex" }, t.example ? `e.g. ${t.example}` : ""))));
  if (!found.length) list.append(el("li", { class: "none" }, "No type matches; faker:<method> is accepted too."));
  const r = current.input.getBoundingClientRect();
  list.style.left = `${window.scrollX + r.left}px`;
  list.style.top = `${window.scrollY + r.bottom + 2}px`;
  list.style.minWidth = `${Math.max(r.width, 300)}px`;
  list.hidden = false;
  current.input.setAttribute("aria-expanded", "true");
  if (current.index >= 0) {
    current.input.setAttribute("aria-activedescendant", `type-opt-${current.index}`);
    const active = list.children[current.index];
    if (active) active.scrollIntoView({ block: "nearest" });
  } else current.input.removeAttribute("aria-activedescendant");
}

function close() {
  if (popup) popup.hidden = true;
  if (current) {
    current.input.setAttribute("aria-expanded", "false");
    current.input.removeAttribute("aria-activedescendant");
  }
  current = null;
}

function pick(name) {
  const c = current;
  close();
  c.input.value = name;
  c.onPick(name);
}

// A combobox input for a field's type; `onPick(name)` is called with the chosen (or typed) type.
export function typePicker(value, onPick, label) {
  const input = el("input", {
    type: "text", value, class: "type-input", role: "combobox", "aria-autocomplete": "list", "aria-expanded": "false",
    "aria-controls": "type-options", "aria-label": label, autocomplete: "off", spellcheck: "false",
  });
  const open = () => { current = { input, onPick, options: [], index: -1 }; render(); };
  input.addEventListener("focus", () => { input.select(); });
  input.addEventListener("input", () => { if (!current || current.input !== input) open(); current.index = 0; render(); });
  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (!current || current.input !== input) { open(); return; }
      const n = current.options.length;
      current.index = e.key === "ArrowDown" ? Math.min(n - 1, current.index + 1) : Math.max(0, current.index - 1);
      render();
    } else if (e.key === "Enter") {
      if (current && current.input === input) {
        e.preventDefault();
        const chosen = current.options[current.index];
        pick(chosen ? chosen.name : input.value.trim());
      }
    } else if (e.key === "Escape") {
      if (current && current.input === input) { e.preventDefault(); close(); input.value = value; }
    }
  });
  input.addEventListener("blur", () => {
    if (current && current.input === input) {
      const typed = input.value.trim();
      close();
      if (typed && typed !== value && (typeInfo(typed) || typed.startsWith("faker:"))) onPick(typed);
      else input.value = value;
    }
  });
  input.addEventListener("click", () => { if (!current || current.input !== input) open(); });
  return input;
}
