// The agent as a conversation: each message is planned first (understood / assumed / a question when the
// request is unclear), follow-ups in the same conversation edit the plan, and "Run" generates it, with
// the result linked (report, download, open in builder).
import { $, el, emit, say } from "./dom.js";
import { API, post, downloadFrom } from "./api.js";
import * as S from "./schema.js";
import { applyRequest, generate } from "./runs.js";

let sessionId = null;
let busy = false;

function list(title, items, cls) {
  if (!items || !items.length) return null;
  return el("div", { class: `plan-part ${cls}` }, el("h4", {}, title), el("ul", {}, ...items.map((i) => el("li", {}, i))));
}

function describe(request) {
  if (!request) return "";
  const schema = request.schema || {};
  const tables = schema.tables ? schema.tables.map((t) => `${t.name} (${t.fields.length} fields)`) : [`${schema.name || request.data_type} (${(schema.fields || []).length} fields)`];
  const parts = [`${Number(request.volume).toLocaleString()} records`, request.output_format, tables.join(", ")];
  if ((request.compliance_requirements || []).length) parts.push(request.compliance_requirements.join(", "));
  return parts.filter(Boolean).join(" · ");
}

function agentCard(result) {
  const card = el("div", { class: "bubble agent", role: "article", "aria-label": "Agent's plan" });
  if (result.error) card.append(el("p", { class: "msg error" }, result.error.message || "The agent could not complete the request."));
  if (result.question) {
    card.append(el("div", { class: "plan-part question" }, el("h4", {}, "Question"), el("p", {}, result.question.text),
      el("div", { class: "row" }, ...result.question.options.map((o, i) => {
        const b = el("button", { type: "button", class: "secondary small" }, `${i + 1}. ${o}`);
        // An option that is an example ("a domain, e.g. '2,000 patients for a clinic'") is put in the box
        // to edit; a choice is answered with its number, as the agent asks.
        const example = /e\.g\. '([^']+)'/.exec(o);
        b.addEventListener("click", () => {
          if (example) { $("agent-input").value = example[1]; $("agent-input").focus(); } else send(String(i + 1));
        });
        return b;
      }))));
  }
  if (result.plan) {
    card.append(...[list("Understood", result.plan.understood, "understood"), list("Assumed", result.plan.assumed, "assumed"), list("Warnings", result.plan.warnings, "warnings")].filter(Boolean));
    const tables = Object.entries(result.plan.tables || {});
    if (tables.length > 1) card.append(list("Tables", tables.map(([t, n]) => `${t}: ${n}`), "tables"));
  } else if (result.answer && !result.question) card.append(el("p", {}, result.answer));
  if (result.request) {
    const request = result.request;
    card.append(el("p", { class: "plan-summary" }, el("b", {}, "Plan: "), describe(request)));
    const run = el("button", { type: "button", class: "run-plan" }, "Run this plan");
    const open = el("button", { type: "button", class: "secondary" }, "Open in builder");
    const outcome = el("div", { class: "outcome", "aria-live": "polite" });
    run.addEventListener("click", async () => {
      run.disabled = true;
      say(outcome, "Running…", "busy");
      const id = await generate(request);
      run.disabled = false;
      outcome.replaceChildren();
      if (!id) { say(outcome, $("run-status").textContent, "error"); return; }
      const report = el("button", { type: "button", class: "link" }, "quality report");
      report.addEventListener("click", () => emit("open-report", { generation_id: id }));
      const dl = el("button", { type: "button", class: "link" }, "download");
      dl.addEventListener("click", () => downloadFrom(`${API}/synthetic-data/download/${id}`).catch(() => {}));
      outcome.className = "outcome";
      outcome.append(el("span", { class: "result-line" }, `Result: ${$("run-status").textContent} `), report, " · ", dl);
    });
    open.addEventListener("click", () => { if (request.schema) S.load(request.schema); applyRequest(request); emit("view", "build"); });
    card.append(el("div", { class: "row" }, run, open), outcome);
  }
  return card;
}

async function send(text) {
  const prompt = (text ?? $("agent-input").value).trim();
  if (!prompt || busy) return;
  busy = true;
  $("agent-send").disabled = true;
  $("agent-input").value = "";
  const log = $("conversation");
  log.append(el("div", { class: "bubble user" }, prompt));
  const thinking = el("div", { class: "bubble agent thinking" }, "Planning…");
  log.append(thinking);
  thinking.scrollIntoView({ block: "nearest" });
  try {
    const body = { prompt, plan_only: true };
    if (sessionId) body.session_id = sessionId;
    const result = await post(`${API}/agent/ask`, body);
    sessionId = result.session_id;
    thinking.replaceWith(agentCard(result));
    say($("agent-status"), `Conversation ${sessionId.slice(0, 8)} · ${result.backend} backend · follow-ups edit this plan.`, "");
  } catch (err) {
    thinking.replaceWith(el("div", { class: "bubble agent" }, el("p", { class: "msg error" }, err.message)));
  } finally {
    busy = false;
    $("agent-send").disabled = false;
    $("agent-input").focus();
  }
}

export function init() {
  $("agent-send").addEventListener("click", () => send());
  $("agent-input").addEventListener("keydown", (e) => { if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); send(); } });
  $("agent-new").addEventListener("click", () => { sessionId = null; $("conversation").replaceChildren(); say($("agent-status"), "New conversation.", ""); $("agent-input").focus(); });
}
