// Start-up: everything the controls list (options, field types, templates) arrives inside the page, so
// the controls are filled before they are first shown; then the parts are wired together.
import { $, el, on, emit, tabs, selectTab, say } from "./dom.js";
import { API, api, apiKey } from "./api.js";
import * as S from "./schema.js";
import { setCatalogue } from "./typepicker.js";
import * as builder from "./builder.js";
import * as editor from "./editor.js";
import * as preview from "./preview.js";
import * as runs from "./runs.js";
import * as agent from "./agent.js";
import * as report from "./report.js";

const VIEWS = ["build", "agent", "runs", "report"];

function showView(key) {
  for (const v of VIEWS) $(`view-${v}`).hidden = v !== key;
  selectTab($("views"), key);
  document.body.dataset.view = key;
  if (key === "runs") runs.loadHistory();
}

async function loadTemplate() {
  const name = $("template").value;
  try {
    S.load(name ? await api(`${API}/templates/${encodeURIComponent(name)}`) : S.STARTER);
    say($("template-status"), name ? `Loaded template ${name}.` : "Loaded the starter example.", "ok");
  } catch (err) { say($("template-status"), err.message, "error"); }
}

function boot() {
  const data = JSON.parse($("bootstrap").textContent);
  setCatalogue(data.types);
  runs.fillOptions(data.options);
  $("template").replaceChildren(el("option", { value: "" }, "Starter example (customers)"),
    ...data.templates.map((t) => el("option", { value: t.name, title: t.description || "" }, `${t.name}${t.domain ? " — " + t.domain : ""}`)));
  if (data.options.api_key_required) $("api-key-box").hidden = false;
  $("api-key").value = apiKey();
  $("api-key").addEventListener("change", (e) => { localStorage.setItem("sdga-api-key", e.target.value); location.reload(); });
  tabs($("views"), (key) => showView(key));
  on("view", showView);
  $("load-template").addEventListener("click", loadTemplate);
  builder.init();
  editor.init();
  preview.init();
  runs.init();
  agent.init();
  report.init(data);
  S.load(S.STARTER);
  showView("build");
  document.body.classList.remove("booting");
  runs.loadHistory().finally(() => { document.body.dataset.ready = "1"; emit("ready"); });
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot); else boot();
