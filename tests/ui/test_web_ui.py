"""The web UI in a real browser (Debian's chromium driven by Playwright) against a real server on loopback.

One walk through the page as a new user takes it: build a two-table schema in the grid, watch the preview
and the validation panel, edit the JSON/YAML view, generate with progress, open the quality report (with
a reference file, and as a downloadable HTML file that opens offline), ask the agent and follow up, check
the history (failure reasons, cancel, open in builder) — at 1280 and 768 px, with axe-core checking each
view. Screenshots of each step go to tmp/artefacts/ui (``SDGA_UI_ARTEFACTS``); with
``SDGA_UPDATE_SCREENSHOTS=1`` they also refresh the copies that docs/ui.md shows.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sdga.api import create_app
from sdga.config import Settings
from sdga.service import SyntheticDataService

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("SDGA_CHROMIUM", "/usr/bin/chromium")
ARTEFACTS = Path(os.environ.get("SDGA_UI_ARTEFACTS", ROOT / "tmp" / "artefacts" / "ui"))
DOCS_IMAGES = ROOT / "docs" / "images" / "ui"
AXE = Path(__file__).with_name("vendor") / "axe.min.js"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    home = tmp_path_factory.mktemp("ui-home")
    app = create_app(SyntheticDataService(Settings(home=home, background_threshold=2000)))
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "server did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        if os.environ.get("SDGA_REQUIRE_SERVICES") == "1":
            pytest.fail("chromium is required for the web UI test but is not installed")
        pytest.skip("chromium not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            yield b
        finally:
            b.close()


class Page:
    """A page with the checks every step repeats: no script errors, no outside requests, screenshots, axe."""

    def __init__(self, browser: Any, server: str, width: int) -> None:
        self.server = server
        self.page = browser.new_page(viewport={"width": width, "height": 900}, accept_downloads=True)
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        # A 4xx answer the page shows to the user (e.g. a preview of a broken schema) is logged by the
        # browser as a failed resource; anything else on the console is a fault.
        self.page.on(
            "console",
            lambda m: (
                self.errors.append(m.text)
                if m.type in ("error", "warning") and "Failed to load resource" not in m.text
                else None
            ),
        )
        self.page.on("request", self._request)

    def _request(self, request: Any) -> None:
        if not request.url.startswith((self.server, "data:", "blob:")):
            self.outside.append(request.url)

    def open(self) -> Any:
        self.page.goto(self.server + "/")
        self.page.wait_for_selector("body[data-ready='1']", timeout=15_000)
        return self.page

    def shot(self, name: str, *, full_page: bool = False) -> Path:
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTEFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        assert path.stat().st_size > 10_000
        if os.environ.get("SDGA_UPDATE_SCREENSHOTS") == "1":
            DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, DOCS_IMAGES / path.name)
        return path

    def axe(self, what: str) -> None:
        """No serious or critical accessibility violation (labels, names, contrast, ARIA, focus order)."""
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            self.page.evaluate(AXE.read_text(encoding="utf-8"))  # through the debugger: not subject to the page's CSP
        result = self.page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
        )
        bad = [v for v in result if v["impact"] in ("serious", "critical")]
        assert not bad, f"{what}: {json.dumps(bad, indent=1)}"

    def done(self) -> None:
        assert not self.errors, self.errors
        assert not self.outside, f"requests outside the app: {self.outside}"
        self.page.close()


def _preview_rows(page: Any, table: str) -> list[list[str]]:
    page.click(f"#preview-tabs [data-key='{table}']")
    return page.eval_on_selector_all(
        "#preview-table tbody tr", "rows => rows.map(r => [...r.cells].slice(1).map(c => c.textContent))"
    )


def test_build_preview_generate_report_agent_history(server: str, browser: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    ui = Page(browser, server, 1280)
    page = ui.open()

    # 1. Controls are filled before they are shown: no empty or "loading" dropdown at first paint.
    empty = page.eval_on_selector_all("select", "ss => ss.filter(s => !s.options.length).map(s => s.id)")
    assert empty == [], empty
    assert page.locator("#template option").count() > 30
    expect(page.locator("#format option")).to_contain_text(["json", "csv", "parquet"])
    expect(page.locator("input[name=compliance]")).to_have_count(5)
    expect(page.locator("#preview-status")).to_contain_text("rows per table")
    ui.shot("01-start", full_page=True)
    ui.axe("build view")

    # 2. A two-table schema in the grid: a child table of customers, its parent key, children per parent,
    # and fields picked with the searchable type picker (each type shows an example value).
    page.click("#add-child-table")
    page.fill("#table-name", "orders")
    page.press("#table-name", "Enter")
    expect(page.locator("#table-tabs [role=tab]")).to_have_count(2)
    expect(page.locator("#table-parent")).to_have_value("customers")
    page.fill("#table-children", "2")
    page.press("#table-children", "Tab")
    for name, typed, pick in (("total", "amou", "amount"), ("items", "integ", "integer")):
        page.click("#add-field")
        page.keyboard.type(name)
        page.keyboard.press("Tab")
        page.keyboard.type(typed)
        expect(page.locator("#type-options li[aria-selected=true]")).to_contain_text(pick)
        page.keyboard.press("Enter")
        expect(page.locator(f"#builder-grid tr[data-field='{name}'] .type-input")).to_have_value(pick)
    total = page.locator("#builder-grid tr[data-field='total']")
    expect(total.locator("td.example")).not_to_be_empty()
    total.get_by_label("Minimum of orders.total").fill("5")
    total.get_by_label("Maximum of orders.total").fill("500")
    total.get_by_label("Maximum of orders.total").press("Tab")
    items = page.locator("#builder-grid tr[data-field='items']")
    items.get_by_label("Minimum of orders.items").fill("1")
    items.get_by_label("Maximum of orders.items").fill("9")
    items.get_by_label("Maximum of orders.items").press("Tab")
    items.get_by_label("Null percent of orders.items").fill("10")
    items.get_by_label("Null percent of orders.items").press("Tab")

    # ... kept in sync with the JSON view
    text = page.locator("#schema-text")
    expect(text).to_have_value(re.compile(r'"references": "customers\.customer_id"'))
    schema = json.loads(text.input_value())
    orders = next(t for t in schema["tables"] if t["name"] == "orders")
    fields = {f["name"]: f for f in orders["fields"]}
    assert fields["total"]["constraints"] == {"min": 5, "max": 500}
    assert fields["items"]["constraints"] == {"min": 1, "max": 9, "nullable": True, "null_rate": 0.1}
    assert fields["customer_id"]["cardinality"]["mean"] == 2

    # 3. The preview follows: both tables, children pointing at the previewed parents, same seed same rows.
    expect(page.locator("#preview-tabs [data-key='orders']")).to_be_visible(timeout=10_000)
    expect(page.locator("#preview-box")).not_to_have_class(re.compile("stale"), timeout=10_000)
    customers = _preview_rows(page, "customers")
    order_rows = _preview_rows(page, "orders")
    assert len(customers) == 20 and len(order_rows) == 20
    assert {r[1] for r in order_rows} <= {r[0] for r in customers}
    ui.shot("02-builder-two-tables", full_page=True)

    # Edits in the JSON view reach the grid; a syntax error is shown at its line.
    page.click("#code-view summary") if not page.locator("#schema-text").is_visible() else None
    edited = text.input_value().replace('"name": "tier"', '"name": "plan"')
    text.fill(edited)
    page.click("#table-tabs [data-key='0']")
    expect(page.locator("#builder-grid tr[data-field='plan']")).to_have_count(1)
    broken = edited.replace('"name": "plan",', '"name": "plan"', 1)
    text.fill(broken)
    line = broken[: broken.index('"name": "plan"')].count("\n") + 2
    expect(page.locator("#code-errors")).to_contain_text(f"Line {line}")
    expect(page.locator("#code-layer .mark-error")).to_have_count(1)
    text.fill(edited)
    expect(page.locator("#code-errors li")).to_have_count(0)
    page.click("#code-mode [data-mode=yaml]")
    expect(text).to_have_value(re.compile(r"^tables:", re.M))
    assert page.locator("#code-layer .tk-key").count() > 10  # highlighted
    page.click("#code-mode [data-mode=json]")

    # Same seed, same rows: a change and its undoing give the first rows back.
    before = _preview_rows(page, "customers")
    page.click("#table-tabs [data-key='0']")
    age = page.locator("#builder-grid tr[data-field='age']")
    age.get_by_label("Minimum of customers.age").fill("95")
    age.get_by_label("Minimum of customers.age").press("Tab")

    # 4. The validation panel: the contradiction is reported next to its field and at its line.
    expect(page.locator("#validation-list")).to_contain_text("age", timeout=10_000)
    expect(age).to_have_class(re.compile("has-error"))
    expect(page.locator("#builder-grid tr.field-msgs")).to_contain_text("Error")
    expect(page.locator("#preview-status")).to_contain_text("No preview")
    ui.shot("03-validation", full_page=True)
    age.get_by_label("Minimum of customers.age").fill("18")
    age.get_by_label("Minimum of customers.age").press("Tab")
    expect(page.locator("#preview-box")).not_to_have_class(re.compile("stale"), timeout=10_000)
    expect(page.locator("#validation-status")).to_contain_text("Valid", timeout=10_000)
    assert _preview_rows(page, "customers") == before
    page.check("input[name=compliance][value=GDPR]")
    expect(page.locator("#validation-list")).to_contain_text("GDPR", timeout=10_000)

    # 5. Generate above the background threshold: progress, then the result with its links.
    page.fill("#volume", "6000")
    page.press("#volume", "Tab")
    page.click("#generate-btn")
    expect(page.locator("#summary")).to_contain_text("success", timeout=60_000)
    expect(page.locator("#result")).to_contain_text("orders")
    page.locator("#result").scroll_into_view_if_needed()
    ui.shot("04-generated")

    # 6. The quality report: charts, a heatmap, then real-vs-synthetic overlays from a reference file.
    page.click("#result button:has-text('Quality report')")
    expect(page.locator("#report-charts figure svg").first).to_be_visible(timeout=30_000)
    expect(page.locator("#chart-corr-orders svg")).to_have_count(1)
    assert page.locator("#report-charts figure svg").count() >= 6
    expect(page.locator("#field-stats tbody tr")).to_have_count(10)  # 6 customer fields + 4 order fields
    reference = tmp_path / "orders.csv"
    with reference.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["total", "items"])
        writer.writerows([[round(10 + (i * 37) % 400, 2), 1 + i % 5] for i in range(400)])
    page.set_input_files("#report-reference", str(reference))
    page.click("#report-build")
    expect(page.locator("#report-charts figure[data-kind=overlay] svg").first).to_be_visible(timeout=30_000)
    expect(page.locator("#report-scores")).to_contain_text("Column shapes")
    ui.shot("05-quality-report", full_page=True)
    ui.axe("report view")
    with page.expect_download(timeout=30_000) as info:
        page.click("#report-download")
    saved = tmp_path / "report.html"
    info.value.save_as(saved)
    offline = browser.new_page()
    offline.route(
        "**/*", lambda route: route.abort() if not route.request.url.startswith("file:") else route.continue_()
    )
    offline.goto(saved.as_uri())
    offline.wait_for_function("document.querySelectorAll('figure svg').length >= 6", timeout=15_000)
    offline.close()

    # 7. The agent: a plan shown before anything runs, a follow-up that edits it, then run, result linked.
    page.click("#tab-agent")
    page.fill("#agent-input", "300 customers with orders as csv")
    page.keyboard.press("Enter")
    first = page.locator("#conversation .bubble.agent").first
    expect(first).to_contain_text("Understood", timeout=60_000)
    expect(first).to_contain_text("300")
    runs_before = page.evaluate("fetch('/api/v1/synthetic-data/history').then(r => r.json()).then(r => r.length)")
    page.fill("#agent-input", "make it 500 rows")
    page.click("#agent-send")
    second = page.locator("#conversation .bubble.agent").nth(1)
    expect(second.locator(".plan-summary")).to_contain_text("500", timeout=60_000)
    assert (
        page.evaluate("fetch('/api/v1/synthetic-data/history').then(r => r.json()).then(r => r.length)") == runs_before
    )
    ui.axe("agent view")
    second.locator(".run-plan").click()
    expect(second.locator(".outcome")).to_contain_text("Generated", timeout=60_000)
    ui.shot("06-agent", full_page=True)
    second.locator(".outcome button:has-text('quality report')").click()
    expect(page.locator("#view-report")).to_be_visible()
    expect(page.locator("#report-charts figure svg").first).to_be_visible(timeout=30_000)

    # 8. Runs and history: a long run shows its progress in the run card and in the history, where it is
    # cancelled; the reason is recorded and shown in both.
    page.click("#tab-build")
    page.fill("#volume", "3000000")
    page.press("#volume", "Tab")
    page.click("#generate-btn")
    expect(page.locator("#cancel-btn")).to_be_visible(timeout=15_000)
    expect(page.locator("#progress-box")).to_be_visible()
    page.click("#tab-runs")
    running = page.locator("#history tbody tr[data-status=running], #history tbody tr[data-status=pending]")
    expect(running).to_have_count(1, timeout=15_000)
    expect(running.locator("progress")).to_be_visible()
    running.locator("button:has-text('Cancel')").click()
    expect(page.locator("#history tbody tr").first).to_have_attribute("data-status", "failed", timeout=30_000)
    expect(page.locator("#run-status")).to_contain_text("cancelled by the user", timeout=60_000)
    rows = page.locator("#history tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("failed")
    expect(rows.first.locator("td.reason")).to_contain_text("cancelled by the user")
    expect(rows.last).to_contain_text("customers, orders")
    expect(page.locator("#history tbody tr[data-status=success]")).to_have_count(2)
    ui.shot("07-history")
    ui.axe("runs view")
    # "open in builder" brings a run's schema back into the grid
    page.locator("#history tbody tr[data-status=success]").last.locator("button:has-text('Open in builder')").click()
    expect(page.locator("#view-build")).to_be_visible()
    expect(page.locator("#table-tabs [role=tab]")).to_have_count(2)
    expect(page.locator("#volume")).to_have_value("6000")
    with page.expect_download(timeout=30_000) as info:
        page.click("#tab-runs")
        page.locator("#history tbody tr[data-status=success]").last.locator("button:has-text('Download')").click()
    assert info.value.suggested_filename.endswith(".zip")
    ui.done()


def test_narrow_screen_keyboard_and_no_empty_first_paint(server: str, browser: Any) -> None:
    from playwright.sync_api import expect

    ui = Page(browser, server, 768)
    page = ui.open()
    expect(page.locator("#preview-status")).to_contain_text("rows per table", timeout=10_000)
    expect(page.locator("#validation-status")).to_contain_text("Valid", timeout=10_000)
    # 768 px: one column, nothing wider than the screen
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 768, f"the page is {width} px wide at 768"
    ui.shot("08-narrow-768", full_page=True)
    ui.axe("build view at 768 px")

    # the sections are tabs: arrow keys move between them
    page.focus("#tab-build")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#tab-agent")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#view-agent")).to_be_visible()
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#view-build")).to_be_visible()

    # the grid from the keyboard: a field's type picked with arrows and Enter, the next control reached by Tab
    type_input = page.locator("#builder-grid tr[data-field='full_name'] .type-input")
    type_input.focus()
    page.keyboard.type("ema")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    expect(type_input).to_have_value("email")
    page.keyboard.press("Tab")
    label = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert label and label.startswith("Null percent of customers.full_name"), label
    expect(page.locator("#schema-text")).to_have_value(re.compile(r'"name": "full_name",\s*"type": "email"'))
    # Escape closes the picker and keeps the type
    type_input.focus()
    page.keyboard.type("zzz")
    page.keyboard.press("Escape")
    expect(page.locator("#type-options")).to_be_hidden()
    expect(type_input).to_have_value("email")
    # the run form: Enter on Generate runs
    page.fill("#volume", "7")
    page.focus("#generate-btn")
    page.keyboard.press("Enter")
    expect(page.locator("#summary")).to_contain_text("7 records", timeout=30_000)

    # a template loads into the grid, every table with it
    page.select_option("#template", "ecommerce")
    page.click("#load-template")
    expect(page.locator("#table-tabs [role=tab]")).to_have_count(4)
    expect(page.locator("#preview-tabs [role=tab]")).to_have_count(4, timeout=10_000)
    page.click("#table-tabs [role=tab]:has-text('orders')")
    expect(page.locator("#table-parent")).to_have_value("customers")

    # an unclear request gets a question with options, and an option answers it
    page.click("#tab-agent")
    page.fill("#agent-input", "qwerty zxcv")
    page.keyboard.press("Enter")
    question = page.locator("#conversation .bubble.agent .question")
    expect(question).to_be_visible(timeout=60_000)
    expect(page.locator("#conversation .run-plan")).to_have_count(0)
    question.locator("button").first.click()  # an example answer, put in the box to edit
    expect(page.locator("#agent-input")).not_to_have_value("")
    page.keyboard.press("Enter")
    expect(page.locator("#conversation .bubble.agent").nth(1)).to_contain_text("Understood", timeout=60_000)
    expect(page.locator("#conversation .run-plan")).to_have_count(1)
    ui.axe("agent view at 768 px")
    ui.done()
