"""Each role's day in a real browser: Debian's Chromium driven by pytest-playwright against Django's live
server, with an axe-core scan and a reflow check of every page it passes (and screenshots when asked).

One browser for the whole run, one context per role. `Ui.check(step)` is called on each page a journey
reaches: the page is scanned with axe-core (every rule, any impact) at 1366 px and 390 px, checked for
reflow at 320 px (no horizontal scrolling), then reloaded in the other language, which the journey goes on
in, so every journey runs half in Vietnamese and half in English and every page is scanned in both. At the
end of the run the scans are written to var/screenshots/axe-report.json and summed up on the terminal.

Screenshots are pictures for people, not checks, and cost a quarter of the run: each step is photographed
(full page, at both sizes, into var/screenshots/<role>/) only when BROWSER_SCREENSHOTS=1, which
`make screenshots` sets. A test that fails always leaves a full-page screenshot of each of its tabs as
they were, var/screenshots/<role>/FAILED-<test>.png.

axe-core comes from the npm registry at set-up (scripts/bootstrap: node_modules/axe-core); without it the
scans are skipped with a printed reason, and without Chromium the whole module is.
"""

import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "var" / "screenshots"
SCREENSHOTS = os.environ.get("BROWSER_SCREENSHOTS", "") == "1"  # every step photographed (make screenshots)
# Without the background-networking flags Chromium keeps calling home, which a closed network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
DESKTOP, PHONE, REFLOW = (1366, 900), (390, 844), 320
LANGUAGES = ("vi", "en")
PASSWORD = "correct-horse-battery"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (scripts/bootstrap installs Debian's chromium): no browser tests")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS,
            "headless": True}


# What the scans found, for the whole run ----------------------------------------------------------------

@dataclass
class Scan:
    role: str
    step: str
    path: str
    language: str
    width: int
    violations: list = field(default_factory=list)


class Record:
    def __init__(self):
        self.scans: list[Scan] = []
        self.reflow: list[dict] = []
        self.focus: list[dict] = []
        self.shots = 0
        self.timing: dict[str, float] = {}
        self.started = time.monotonic()
        self.axe_missing = not AXE_JS.exists()

    def summary(self) -> dict:
        pages = {(s.role, s.step) for s in self.scans}
        return {
            "axe_core": "missing" if self.axe_missing else _axe_version(),
            "pages": len(pages),
            "scans": len(self.scans),
            "languages": sorted({s.language for s in self.scans}),
            "widths": sorted({s.width for s in self.scans}),
            "violations": sum(len(s.violations) for s in self.scans),
            "reflow_checks": len(self.reflow),
            "reflow_failures": [r for r in self.reflow if not r["ok"]],
            "focus_checks": len(self.focus),
            "focus_failures": [f for f in self.focus if not f["ok"]],
            "screenshots": self.shots,
            "timing": {k: round(v, 1) for k, v in self.timing.items()},
            "seconds": round(time.monotonic() - self.started, 1),
        }


def _axe_version() -> str:
    try:
        return json.loads((AXE_JS.parent / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return "?"


_RECORDS: list[Record] = []


@pytest.fixture(scope="session")
def ui_record():
    record = Record()
    _RECORDS.append(record)
    yield record
    if record.scans or record.reflow:
        SHOTS.mkdir(parents=True, exist_ok=True)
        report = {"summary": record.summary(), "scans": [s.__dict__ for s in record.scans], "reflow": record.reflow,
                  "focus": record.focus}
        (SHOTS / "axe-report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))


def pytest_terminal_summary(terminalreporter):
    """One line at the end of the run: what the browser tests scanned and found."""
    for record in _RECORDS:
        if record.axe_missing:
            terminalreporter.write_line(f"browser: axe-core is not installed ({AXE_JS} is missing; scripts/bootstrap "
                                        "runs npm ci): pages were driven and photographed but not scanned")
        summary = record.summary()
        terminalreporter.write_line(
            f"browser: {summary['pages']} pages x {len(summary['languages'])} languages x "
            f"{len(summary['widths'])} sizes = {summary['scans']} axe-core {summary['axe_core']} scans, "
            f"{summary['violations']} violations; {summary['reflow_checks']} reflow checks at {REFLOW} px, "
            f"{len(summary['reflow_failures'])} failures; {summary['focus_checks']} focus rings checked, "
            f"{len(summary['focus_failures'])} below 3:1; "
            + (f"{summary['screenshots']} screenshots in var/screenshots/" if SCREENSHOTS
               else "no screenshots (BROWSER_SCREENSHOTS=1 or make screenshots takes them)")
            + f" ({summary['seconds']} s)")


# The browser side ------------------------------------------------------------------------------------------

JS_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(" "), summary: n.failureSummary}))}));
}"""

JS_REFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    const inFrame = el.parentElement && el.parentElement.closest(".table-wrap, .checkbox-list, pre");
    const loose = ["absolute", "fixed"].includes(getComputedStyle(el).position);  // escapes a frame's clipping
    if (box.right > width + 1 && (!inFrame || loose)) {
      wide.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && el.className.baseVal === undefined ? "." + String(el.className).trim().split(/\\s+/).join(".") : "") + " " + Math.round(box.right));
      if (wide.length > 12) break;
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, wide};
}"""

# The ring around the focused element against what surrounds it (WCAG 1.4.11 / 2.4.7).
JS_FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const rgb = c => (c.match(/[\\d.]+/g) || [0, 0, 0, 0]).map(Number);
  const lin = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  const lum = c => 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
  const backdrop = node => {
    for (let n = node; n; n = n.parentElement) {
      const c = rgb(getComputedStyle(n).backgroundColor);
      if (c.length < 4 || c[3] > 0.5) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const cs = getComputedStyle(el);
  const ring = rgb(cs.outlineColor).slice(0, 3);
  const around = backdrop(el.parentElement);
  const a = lum(ring), b = lum(around);
  return {element: el.tagName.toLowerCase() + (el.id ? "#" + el.id : ""), text: (el.innerText || el.value || el.name || "").trim().slice(0, 40),
          style: cs.outlineStyle, width: parseFloat(cs.outlineWidth),
          ratio: Math.round(((Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)) * 100) / 100};
}"""


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


class Ui:
    """One role's browser tab, with the checks every page gets."""

    def __init__(self, *, browser, base_url: str, role: str, record: Record, language: str = "vi"):
        self.base_url, self.role, self.record = base_url.rstrip("/"), role, record
        self.context = browser.new_context(viewport={"width": DESKTOP[0], "height": DESKTOP[1]},
                                           locale="vi-VN", timezone_id=settings.TIME_ZONE)
        self.context.set_default_timeout(15_000)
        if AXE_JS.exists():
            self.context.add_init_script(path=str(AXE_JS))
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        # a refused form answers 4xx on purpose: the console notes it, which is no script error
        self.page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error"
                     and not msg.text.startswith("Failed to load resource: the server responded with a status of 4")
                     else None)
        self.last_method = "GET"
        self.page.on("response", self._navigated)
        self.language = language
        self.steps = 0
        self._language_cookie(language)

    def _navigated(self, response) -> None:
        request = response.request
        if request.is_navigation_request() and request.frame == self.page.main_frame \
                and not 300 <= response.status < 400:
            self.last_method = request.method

    # navigation -------------------------------------------------------------------------------------------
    def url(self, path: str) -> str:
        return path if path.startswith("http") else self.base_url + path

    def go(self, path: str):
        response = self.page.goto(self.url(path))
        return response

    def path(self) -> str:
        return self.page.url.removeprefix(self.base_url)

    def _language_cookie(self, language: str) -> None:
        self.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language,
                                   "url": self.base_url}])
        self.language = language

    def switch_language(self, language: str | None = None) -> None:
        """Reload the page in the other language (GET pages only)."""
        self._language_cookie(language or ("en" if self.language == "vi" else "vi"))
        self.page.reload()

    # the checks -------------------------------------------------------------------------------------------
    def _timed(self, what: str, started: float) -> None:
        self.record.timing[what] = self.record.timing.get(what, 0.0) + time.monotonic() - started

    def _scan(self, step: str, width: int) -> None:
        if self.record.axe_missing:
            return
        started = time.monotonic()
        violations = self.page.evaluate(JS_AXE)
        self._timed("axe", started)
        self.record.scans.append(Scan(self.role, step, self.path(), self.language, width, violations))
        assert not violations, (f"axe-core: {self.role} / {step} ({self.path()}, {self.language}, {width} px):\n"
                                + json.dumps(violations, ensure_ascii=False, indent=1))

    def photograph(self, name: str) -> None:
        """A full-page screenshot into var/screenshots/<role>/<name>.png, when BROWSER_SCREENSHOTS=1."""
        if not SCREENSHOTS:
            return
        folder = SHOTS / self.role
        folder.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        self.page.screenshot(path=str(folder / f"{name}.png"), full_page=True, animations="disabled")
        self._timed("screenshots", started)
        self.record.shots += 1

    def _shot(self, step: str, width: int) -> None:
        self.photograph(f"{self.steps:02d}-{_slug(step)}-{self.language}-{width}")

    def _resize(self, width: int, height: int) -> None:
        self.page.set_viewport_size({"width": width, "height": height})
        # let the page's resize handlers run before anything is measured
        self.page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")

    def _reflow(self, step: str) -> None:
        self._resize(REFLOW, 700)
        result = self.page.evaluate(JS_REFLOW)
        ok = result["scrollWidth"] <= result["width"]
        self.record.reflow.append({"role": self.role, "step": step, "path": self.path(), "language": self.language,
                                   "ok": ok, **result})
        assert ok, f"horizontal scrolling at {REFLOW} px on {self.role} / {step} ({self.path()}): {result}"

    def _one_language(self, step: str, *, reflow: bool) -> None:
        for width, height in (DESKTOP, PHONE):
            self._resize(width, height)
            self._scan(step, width)
            self._shot(step, width)
        if reflow:
            self._reflow(step)
        self.page.set_viewport_size({"width": DESKTOP[0], "height": DESKTOP[1]})

    def check(self, step: str, *, both_languages: bool | None = None) -> None:
        """Scan and photograph the page as it is (it may carry a one-time message), then reload it in the
        other language and do the same there; the journey goes on in that language. A page that answered
        a POST (a refused form) is not reloaded: that would send the form again."""
        if both_languages is None:
            both_languages = self.last_method == "GET"
        self.steps += 1
        assert not self.errors, f"JavaScript errors on {self.path()}: {self.errors}"
        self._one_language(step, reflow=True)
        if both_languages:
            started = time.monotonic()
            self.switch_language()
            self._timed("reload", started)
            self._one_language(step, reflow=False)
        assert not self.errors, f"JavaScript errors on {self.path()}: {self.errors}"

    def focus_ring(self, step: str, presses: int = 25) -> None:
        """Tab through the page from the top: every element that takes the focus shows a ring of at
        least 2 px whose colour contrasts at least 3:1 with what surrounds it."""
        self.page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
        self.page.locator("body").focus()
        bad = []
        for _ in range(presses):
            self.page.keyboard.press("Tab")
            found = self.page.evaluate(JS_FOCUS)
            if found is None:
                continue
            ok = found["style"] != "none" and found["width"] >= 2 and found["ratio"] >= 3
            self.record.focus.append({"role": self.role, "step": step, "language": self.language, "ok": ok, **found})
            if not ok:
                bad.append(found)
        assert not bad, f"focus rings below 3:1 on {self.role} / {step}: {bad}"

    # keyboard only -----------------------------------------------------------------------------------------
    def tab_to(self, selector: str, *, limit: int = 250) -> None:
        """Press Tab until the element matching `selector` has the focus (it must be reachable that way)."""
        for _ in range(limit):
            if self.page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector):
                return
            self.page.keyboard.press("Tab")
        raise AssertionError(f"{selector} cannot be reached with the Tab key on {self.path()}")

    def key_fill(self, selector: str, value: str) -> None:
        self.tab_to(selector)
        self.page.keyboard.press("Control+A")
        self.page.keyboard.type(value)

    def key_select(self, selector: str, label_or_value: str) -> None:
        """Choose an option of a <select> from the keyboard (the browser's own type-ahead)."""
        self.tab_to(selector)
        value = self.page.evaluate("""([s, wanted]) => { const el = document.querySelector(s);
            const o = [...el.options].find(o => o.value === wanted || o.textContent.trim().startsWith(wanted));
            return o ? o.index : -1; }""", [selector, label_or_value])
        assert value >= 0, f"no option {label_or_value} in {selector}"
        current = self.page.evaluate("s => document.querySelector(s).selectedIndex", selector)
        key = "ArrowDown" if value > current else "ArrowUp"
        for _ in range(abs(value - current)):
            self.page.keyboard.press(key)

    def key_file(self, selector: str, path) -> None:
        """Reach a file field with Tab and open the browser's file chooser with Space."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        self.tab_to(selector)
        try:
            with self.page.expect_file_chooser(timeout=5000) as chooser:
                self.page.keyboard.press("Space")
            chooser.value.set_files(str(path))
        except PlaywrightTimeout:  # the chooser did not open in time: the field is reachable, fill it directly
            self.page.set_input_files(selector, str(path))

    def key_press(self, selector: str, key: str = "Enter") -> None:
        self.tab_to(selector)
        self.page.keyboard.press(key)

    # mouse or keyboard alike ---------------------------------------------------------------------------------
    def submit(self, selector: str) -> None:
        with self.page.expect_navigation():
            self.page.locator(selector).click()

    def close(self) -> None:
        self.context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        item.browser_test_failed = True
    return report


@pytest.fixture
def ui_for(request, browser, live_server, ui_record):
    """ui_for(role) -> a Ui in a fresh context; closed after the test, photographed first if it failed."""
    opened = []

    def make(role: str, language: str = "vi") -> Ui:
        ui = Ui(browser=browser, base_url=live_server.url, role=role, record=ui_record, language=language)
        opened.append(ui)
        return ui

    yield make
    for n, ui in enumerate(opened):
        if getattr(request.node, "browser_test_failed", False):
            folder = SHOTS / ui.role
            folder.mkdir(parents=True, exist_ok=True)
            name = f"FAILED-{_slug(request.node.name)}" + (f"-{n + 1}" if len(opened) > 1 else "")
            try:
                ui.page.screenshot(path=str(folder / f"{name}.png"), full_page=True, animations="disabled")
            except Exception as exc:  # a crashed or closed page: the failure itself says what happened
                print(f"browser: no screenshot of {ui.role}'s tab after the failure ({exc})")
        ui.close()


def sign_in(ui: Ui, email: str, *, totp_secret: str | None = None, keyboard: bool = False) -> None:
    """Sign in on the real page (and enter the authenticator code where the role needs one)."""
    from accounts.mfa import totp_code_now

    ui.go("/accounts/login/")
    if keyboard:
        ui.key_fill('input[name="login"]', email)
        ui.key_fill('input[name="password"]', PASSWORD)
        with ui.page.expect_navigation():
            ui.page.keyboard.press("Enter")
    else:
        ui.page.fill('input[name="login"]', email)
        ui.page.fill('input[name="password"]', PASSWORD)
        ui.submit('form[action="/accounts/login/"] button[type="submit"]')
    if totp_secret:
        assert "/accounts/2fa/authenticate/" in ui.page.url, ui.page.url
        ui.page.fill('input[name="code"]', totp_code_now(totp_secret))
        ui.submit('form[action="/accounts/2fa/authenticate/"] button[type="submit"]')
    assert "/accounts/login/" not in ui.page.url, "sign-in failed"
