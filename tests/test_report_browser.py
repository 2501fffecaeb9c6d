"""End to end: the rendered report in headless Chromium.

Approach: Chromium's DevTools protocol over ``--remote-debugging-pipe`` (file descriptors 3
and 4, NUL-separated JSON), driven with the standard library only: no websocket package, no
Playwright, no network port. The test opens ``report.html`` from a ``file://`` URL and checks

(a) no console error, uncaught exception or failed load (``Runtime.consoleAPICalled``,
    ``Runtime.exceptionThrown``, ``Log.entryAdded`` at level error: this includes any blocked
    or missing resource and any Content-Security-Policy violation);
(b) every ``<img>`` decoded (``complete`` and ``naturalWidth > 0``);
(c) a screenshot (``Page.captureScreenshot``, 1280 x 4000 CSS px, the top of the page) is a
    non-blank PNG of plausible size.

A control page with a console error and a broken image shows the harness catches both.

Chromium is looked up in ``$RADIOME_CHROMIUM``, then ``chromium``, ``chromium-browser``,
``google-chrome`` on the PATH. Without it the tests skip, unless ``RADIOME_REQUIRE_BROWSER=1``
(as in CI), where they fail.
"""

from __future__ import annotations

import base64
import io
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from radiome.report.html import render_report

TIMEOUT_S = 60.0


def _find_chromium() -> str | None:
    env = os.environ.get("RADIOME_CHROMIUM")
    if env and Path(env).is_file():
        return env
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def chromium() -> str:
    exe = _find_chromium()
    if exe is None:
        reason = "no Chromium found (set RADIOME_CHROMIUM or install chromium)"
        if os.environ.get("RADIOME_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + "; this run requires it (RADIOME_REQUIRE_BROWSER=1)")
        pytest.skip(reason)
    return exe


class Browser:
    """A headless Chromium driven over the DevTools pipe (fd 3: commands in, fd 4: replies out)."""

    def __init__(self, exe: str, profile: Path):
        to_chrome_r, self._to_chrome_w = os.pipe()
        self._from_chrome_r, from_chrome_w = os.pipe()
        child_in, child_out = os.dup(to_chrome_r), os.dup(from_chrome_w)

        def setup_fds() -> None:  # runs in the child before exec: the pipe ends become fds 3 and 4
            os.dup2(child_in, 3, inheritable=True)
            os.dup2(child_out, 4, inheritable=True)

        args = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-extensions", "--mute-audio", "--hide-scrollbars", f"--user-data-dir={profile}",
                "--remote-debugging-pipe", "about:blank"]
        self.proc = subprocess.Popen(args, preexec_fn=setup_fds, close_fds=False, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for fd in (to_chrome_r, from_chrome_w, child_in, child_out):
            os.close(fd)
        self._buf = b""
        self._next = 0
        self.events: list[dict] = []
        self.session: str | None = None

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("Chromium did not answer in time")
            ready, _, _ = select.select([self._from_chrome_r], [], [], left)
            if ready:
                chunk = os.read(self._from_chrome_r, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium closed the DevTools pipe (did it start?)")
                self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params: dict | None = None, *, session: bool = True) -> dict:
        self._next += 1
        msg = {"id": self._next, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self._to_chrome_w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str) -> dict:
        for i, ev in enumerate(self.events):
            if ev.get("method") == method:
                return self.events.pop(i)
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            ev = self._read_message(deadline)
            if ev.get("method") == method:
                return ev
            self.events.append(ev)

    def open_page(self, width: int = 1280, height: int = 4000) -> None:
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True},
                                 session=False)["sessionId"]
        for method in ("Page.enable", "Runtime.enable", "Log.enable"):
            self.send(method)
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    def load(self, url: str) -> None:
        self.send("Page.navigate", {"url": url})
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True})
        return result["result"].get("value")

    def problems(self) -> list[str]:
        """Console errors/warnings, uncaught exceptions and error log entries seen so far."""
        out = []
        for ev in self.events:
            method, p = ev.get("method"), ev.get("params", {})
            if method == "Runtime.consoleAPICalled" and p.get("type") in {"error", "assert", "warning"}:
                out.append("console." + p["type"] + ": " + " ".join(str(a.get("value", a.get("description")))
                                                                   for a in p.get("args", [])))
            elif method == "Runtime.exceptionThrown":
                out.append("exception: " + json.dumps(p.get("exceptionDetails", {}))[:300])
            elif method == "Log.entryAdded" and p.get("entry", {}).get("level") in {"error", "warning"}:
                entry = p["entry"]
                out.append(f"log.{entry.get('level')} [{entry.get('source')}]: "
                           f"{entry.get('text')} {entry.get('url', '')}")
        return out

    def screenshot(self) -> bytes:
        metrics = self.send("Page.getLayoutMetrics")
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        clip = {"x": 0, "y": 0, "width": 1280, "height": min(float(size["height"]), 4000.0), "scale": 1}
        data = self.send("Page.captureScreenshot", {"format": "png", "clip": clip,
                                                    "captureBeyondViewport": True})["data"]
        return base64.b64decode(data)

    def close(self) -> None:
        try:
            self.send("Browser.close", session=False)
        except Exception:  # noqa: BLE001 - already gone
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_chrome_w, self._from_chrome_r):
            try:
                os.close(fd)
            except OSError:
                pass


@pytest.fixture(scope="module")
def _browser_process(chromium, tmp_path_factory):
    b = Browser(chromium, tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield b
    finally:
        b.close()


@pytest.fixture
def browser(_browser_process):
    """A fresh page (tab) with its own event log in the module's Chromium."""
    b = _browser_process
    b.events.clear()
    b.session = None
    b.open_page()
    return b


IMAGES_JS = ("JSON.stringify(Array.from(document.images).map(i => ({w: i.naturalWidth, h: i.naturalHeight, "
             "ok: i.complete, alt: i.alt})))")


def _png_stats(data: bytes) -> tuple[int, int, float, int]:
    from PIL import Image, ImageStat

    image = Image.open(io.BytesIO(data)).convert("RGB")
    small = image.resize((max(1, image.width // 8), max(1, image.height // 8)))
    stddev = sum(ImageStat.Stat(small).stddev) / 3.0
    colours = len(small.getcolors(maxcolors=1 << 24) or [])
    return image.width, image.height, stddev, colours


def test_report_opens_without_errors_and_renders(browser, tmp_path):
    from test_report_html import make_study_out

    out = make_study_out(tmp_path / "OUT")
    report = render_report(out)
    browser.load(report.resolve().as_uri())
    time.sleep(0.3)  # let late console messages arrive
    browser.evaluate("document.readyState")
    assert browser.problems() == []

    images = json.loads(browser.evaluate(IMAGES_JS))
    assert len(images) == 10
    broken = [i for i in images if not (i["ok"] and i["w"] > 0 and i["h"] > 0)]
    assert broken == []

    n_sections = browser.evaluate("document.querySelectorAll('section.report-section').length")
    assert n_sections >= 15
    assert browser.evaluate("getComputedStyle(document.querySelector('nav.toc')).position") == "sticky"
    assert "SYNTHETIC DATA" in browser.evaluate("document.title")

    png = browser.screenshot()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    (tmp_path / "report.png").write_bytes(png)
    width, height, stddev, colours = _png_stats(png)
    assert width == 1280 and height == 4000, (width, height)  # the page is taller than the clip
    assert stddev > 10 and colours > 50, (stddev, colours)  # not a blank page
    assert len(png) > 50_000


def test_harness_catches_console_errors_and_broken_images(browser, tmp_path):
    page = tmp_path / "bad.html"
    page.write_text("<!DOCTYPE html><html><body><p>control</p><img src=\"missing.png\" alt=\"x\">"
                    "<script>console.error('deliberate')</script></body></html>", encoding="utf-8")
    browser.load(page.resolve().as_uri())
    time.sleep(0.3)
    browser.evaluate("1")
    problems = browser.problems()
    assert any("deliberate" in p for p in problems), problems
    assert any("missing.png" in p for p in problems), problems
    images = json.loads(browser.evaluate(IMAGES_JS))
    assert images and images[0]["w"] == 0
