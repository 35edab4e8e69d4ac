// The quality report: charts (Vega-Lite, drawn by the vendored vega-embed) of a run or an uploaded file,
// real-vs-synthetic overlays and fidelity scores given a reference file, downloadable as one HTML file.
import { $, el, on, emit, say, pct, short } from "./dom.js";
import { API, post, authHeaders, downloadFrom } from "./api.js";
import { expressionInterpreter } from "../vendor/vega-interpreter.js";

let lastRequest = null;
const uploads = new Map(); // File -> location (uploaded once)

async function upload(file) {
  if (uploads.has(file)) return uploads.get(file);
  const response = await fetch(`${API}/uploads?filename=${encodeURIComponent(file.name)}`, {
    method: "POST", body: file, headers: authHeaders({ "Content-Type": "application/octet-stream" }),
  });
  const data = await response.json();
  if (!response.ok) throw new Error(data.message || `upload failed (HTTP ${response.status})`);
  uploads.set(file, data.location);
  return data.location;
}

function fillSources(rows) {
  const select = $("report-source");
  const keep = select.value;
  const done = rows.filter((r) => (r.status === "success" || r.status === "partial") && r.destination_type !== "rds");
  select.replaceChildren(...done.map((r) => el("option", { value: r.generation_id },
    `${new Date(r.created_at).toLocaleString()} — ${r.name || r.data_type || "custom"}, ${(r.records_generated || 0).toLocaleString()} rows (${r.output_format})`)));
  if (!done.length) select.append(el("option", { value: "" }, "(no finished runs yet: generate one, or upload a file)"));
  if ([...select.options].some((o) => o.value === keep)) select.value = keep;
}

async function build(request = null) {
  const status = $("report-status");
  $("report-build").disabled = true;
  try {
    const body = request ? Object.assign({}, request) : {};
    if (!request) {
      const file = $("report-file").files[0];
      if (file) { say(status, `Uploading ${file.name}…`, "busy"); body.data_location = await upload(file); }
      else if ($("report-source").value) body.generation_id = $("report-source").value;
      else { say(status, "Pick a run or upload a data file first.", "error"); return; }
    }
    const ref = $("report-reference").files[0];
    if (ref) { say(status, `Uploading reference ${ref.name}…`, "busy"); body.reference_location = await upload(ref); }
    say(status, "Measuring…", "busy");
    const report = await post(`${API}/synthetic-data/quality-report`, body);
    lastRequest = body;
    await render(report);
    $("report-download").disabled = false;
    say(status, `${report.title} · ${report.charts.length} charts · ${Math.round(report.analysis_time_ms)} ms`, "ok");
  } catch (err) {
    say(status, err.message, "error");
  } finally {
    $("report-build").disabled = false;
  }
}

async function render(report) {
  const m = report.metrics;
  const scores = [["Uniqueness", m.uniqueness_score], ["Validity", m.validity_score], ["Completeness", m.completeness_score]];
  if (m.coherence && m.coherence.score !== null && m.coherence.score !== undefined) scores.push(["Coherence", m.coherence.score]);
  if (m.fidelity) scores.push(["Fidelity (overall)", m.fidelity.overall_score], ["Column shapes", m.fidelity.column_shapes], ["Column pair trends", m.fidelity.column_pair_trends]);
  $("report-scores").replaceChildren(...scores.map(([k, v]) => el("div", { class: "score", "data-score": k }, el("b", {}, pct(v)), el("span", {}, k))));
  const box = $("report-charts");
  box.replaceChildren();
  const jobs = [];
  for (const chart of report.charts) {
    const node = el("figure", { class: `chart ${chart.kind === "heatmap" || chart.id === "scores" ? "wide" : ""}`, id: `chart-${chart.id}`, "data-kind": chart.kind, role: "img", "aria-label": `Chart: ${chart.title}` });
    box.append(node);
    jobs.push(window.vegaEmbed(node, chart.spec, { actions: false, renderer: "svg", ast: true, expr: expressionInterpreter, defaultStyle: false, tooltip: { disableDefaultStyle: true } })
      .catch((e) => { node.textContent = `Chart unavailable: ${e.message}`; }));
  }
  await Promise.all(jobs);
  renderTables(m);
}

function renderTables(m) {
  const box = $("report-tables");
  box.replaceChildren();
  const stats = Object.entries(m.field_statistics || {});
  if (stats.length) {
    const head = ["Field", "Nulls", "Unique", "Min", "Max", "Avg length", "Invalid"];
    box.append(el("details", { open: true }, el("summary", {}, `Field statistics (${stats.length})`),
      el("div", { class: "grid-wrap" }, el("table", { class: "data-table", id: "field-stats" },
        el("thead", {}, el("tr", {}, ...head.map((h) => el("th", { scope: "col" }, h)))),
        el("tbody", {}, ...stats.map(([name, st]) => el("tr", {}, el("td", {}, name), el("td", { class: "num" }, st.null_count.toLocaleString()),
          el("td", { class: "num" }, st.unique_count.toLocaleString()), el("td", {}, short(st.min_value, 28)), el("td", {}, short(st.max_value, 28)),
          el("td", { class: "num" }, st.avg_length === null || st.avg_length === undefined ? "" : st.avg_length.toFixed(1)),
          el("td", { class: "num" }, st.invalid_count === null || st.invalid_count === undefined ? "" : st.invalid_count.toLocaleString()))))))));
  }
  const rules = (m.coherence && m.coherence.rules) || [];
  if (rules.length) {
    const broken = rules.filter((r) => r.violations > 0).length;
    box.append(el("details", { open: broken > 0 }, el("summary", {}, `Declared rules checked on the data (${rules.length}, ${broken} broken)`),
      el("div", { class: "grid-wrap" }, el("table", { class: "data-table" },
        el("thead", {}, el("tr", {}, ...["Rule", "Rows checked", "Violations", "Example"].map((h) => el("th", { scope: "col" }, h)))),
        el("tbody", {}, ...rules.map((r) => el("tr", {}, el("td", {}, el("code", {}, r.rule)), el("td", { class: "num" }, r.skipped ? "–" : r.checked.toLocaleString()),
          el("td", { class: `num ${r.violations ? "bad" : ""}` }, r.skipped ? "–" : r.violations.toLocaleString()),
          el("td", {}, r.skipped ? `skipped: ${r.skipped}` : short((r.examples || [])[0], 80)))))))));
  }
}

export function init() {
  on("history", fillSources);
  $("report-build").addEventListener("click", () => build());
  $("report-download").addEventListener("click", () => {
    if (!lastRequest) return;
    downloadFrom(`${API}/synthetic-data/quality-report.html`, { method: "POST", body: JSON.stringify(lastRequest), headers: { "Content-Type": "application/json" } }, "quality-report.html")
      .catch((e) => say($("report-status"), `Download failed: ${e.message}`, "error"));
  });
  on("open-report", ({ generation_id }) => {
    emit("view", "report");
    $("report-file").value = "";
    const select = $("report-source");
    if (![...select.options].some((o) => o.value === generation_id)) select.prepend(el("option", { value: generation_id }, generation_id));
    select.value = generation_id;
    build({ generation_id });
  });
}
