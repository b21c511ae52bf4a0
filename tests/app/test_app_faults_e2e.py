"""The kiosk under bad hands, in a real browser: double clicks, Start/Stop storms, first takes, a long session.

These are the reproducers of the server's segmentation fault (issue 11):
before the fix, a double click on Start and then Stop killed the whole
server 3 times out of 3, and the first take on a fresh server 3 times in 31.
Each test checks that the server process is still alive afterwards, that
every take that reached Stop was scored once, and that the server's threads
and open files do not grow take after take.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
from pathlib import Path

import pytest
from e2e_support import (  # noqa: F401 - browser_page: a fixture
    ARTEFACTS,
    CHROMIUM,
    PAGE_TIMEOUT_MS,
    KioskServer,
    _playwright,
    browser_page_fixture,
    failure_screenshot,
    open_mode,
    page_button,
    read_score,
    read_score_or_none,
    serve_kiosk,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: Takes in the long session (``KIOSK_SOAK_TAKES`` raises it; the issue's soak ran 100).
SOAK_TAKES = int(os.environ.get("KIOSK_SOAK_TAKES", "7"))
#: Fresh servers for the first-take reproducer (``KIOSK_FRESH_SERVERS`` raises it; the issue's ran 31).
FRESH_SERVERS = int(os.environ.get("KIOSK_FRESH_SERVERS", "1"))


def takes_saved(server: KioskServer) -> int:
    if not (server.data / "kiosk.db").exists():
        return 0  # the database is made with the first saved take
    with sqlite3.connect(server.data / "kiosk.db") as db:
        return db.execute("SELECT count(*) FROM takes").fetchone()[0]


def process_figures(pid: int) -> dict[str, int]:
    """The server's threads, open files and resident memory (kB), from /proc."""
    status = Path(f"/proc/{pid}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return {
        "threads": int(fields["Threads"].strip()),
        "files": len(os.listdir(f"/proc/{pid}/fd")),
        "rss_kb": int(fields["VmRSS"].split()[0]),
    }


def assert_alive(server: KioskServer) -> None:
    if not server.alive:
        tail = server.log.read_text(errors="replace")[-4000:]
        pytest.fail(f"the kiosk server died (exit {server.process.returncode}):\n{tail}")


def practise(page, server: KioskServer) -> None:
    open_mode(page, server.url, "Practise at the kiosk")
    page_button(page, "Start").wait_for(timeout=PAGE_TIMEOUT_MS)


def one_take(
    page, *, double_start: bool = False, double_stop: bool = False, record_ms: int = 1_500, needs_score: bool = True
) -> int | None:
    """Start (once or twice, 120 ms apart), record, Stop (once or twice), read the score (``needs_score``:
    there must be one; a take shorter than the stand-in's first word has none)."""
    start = page_button(page, "Start")
    start.click()
    if double_start:
        page.wait_for_timeout(120)
        try:
            start.click(timeout=1_000)  # the page may already have moved on: a click that misses is fine
        except Exception:  # noqa: BLE001 - Playwright's timeout: the button was gone
            pass
    stop = page_button(page, "Stop")
    stop.wait_for(timeout=PAGE_TIMEOUT_MS)
    page.wait_for_timeout(record_ms)
    stop.click()
    if double_stop:
        try:
            stop.click(timeout=300)
        except Exception:  # noqa: BLE001 - already gone
            pass
    return read_score(page) if needs_score else read_score_or_none(page)


def test_a_double_click_on_start_then_stop_scores_one_take_and_the_server_lives(tmp_path, browser_page) -> None:
    with serve_kiosk(tmp_path, log_name="e2e-double-start.log") as server:
        page = browser_page
        with failure_screenshot(page, "e2e-double-start"):
            practise(page, server)
            for attempt in range(3):
                score = one_take(page, double_start=True, double_stop=True)
                assert score is not None and 0 <= score <= 100
                assert_alive(server)
                assert takes_saved(server) == 2 * attempt + 1
                page_button(page, "Try the line again").click()
                page_button(page, "Stop").wait_for(timeout=PAGE_TIMEOUT_MS)
                # Stopped once the stand-in microphone has given its first words: a take stopped before any
                # word has nothing to score and says so (tests/app/test_practice_page.py).
                page.wait_for_timeout(1_500)
                page_button(page, "Stop").click()
                read_score(page)
                assert takes_saved(server) == 2 * attempt + 2
                page_button(page, "Next line").click()
                page_button(page, "Start").wait_for(timeout=PAGE_TIMEOUT_MS)
            page.screenshot(path=str(ARTEFACTS / "e2e-double-start.png"), full_page=True)
        assert_alive(server)


def test_start_stop_storms_never_leave_two_takes_or_kill_the_server(tmp_path, browser_page) -> None:
    """Clicks as fast as a frustrated trainee: Start, Cancel during the countdown, Stop after the first words,
    twice."""
    with serve_kiosk(tmp_path, log_name="e2e-storm.log", extra_env={"KIOSK_COUNTDOWN_S": "2"}) as server:
        page = browser_page
        with failure_screenshot(page, "e2e-storm"):
            practise(page, server)
            scored = 0
            for round_ in range(6):
                page_button(page, "Start").click()
                if round_ % 2 == 0:
                    # Cancel during the countdown: back to the start, nothing saved.
                    cancel = page_button(page, "Cancel")
                    cancel.click(timeout=PAGE_TIMEOUT_MS)
                    page.get_by_text("cancelled before recording started").wait_for(timeout=PAGE_TIMEOUT_MS)
                    page_button(page, "Start").wait_for(timeout=PAGE_TIMEOUT_MS)
                else:
                    stop = page_button(page, "Stop")
                    stop.wait_for(timeout=PAGE_TIMEOUT_MS)
                    # Stop as soon as the stand-in microphone, playing in real time, has given the first words
                    # (jfk.flac's "And so" ends 0.9 s in): a take stopped before any word has nothing to score,
                    # and says so instead of a score (test_practice_page covers that screen).
                    page.wait_for_timeout(1_200)
                    stop.click()
                    try:
                        stop.click(timeout=200)
                    except Exception:  # noqa: BLE001 - already gone
                        pass
                    read_score(page)
                    scored += 1
                    page_button(page, "Next line").click()
                    page_button(page, "Start").wait_for(timeout=PAGE_TIMEOUT_MS)
                assert_alive(server)
            assert takes_saved(server) == scored
            page.screenshot(path=str(ARTEFACTS / "e2e-storm.png"), full_page=True)


@pytest.mark.parametrize("server_number", range(1, FRESH_SERVERS + 1))
def test_the_first_take_on_a_fresh_server_reaches_its_report(tmp_path, browser_page, server_number: int) -> None:
    """A new server each time: Start, wait 4 s, Stop (3 of 31 such servers died before the fix)."""
    with serve_kiosk(tmp_path, log_name=f"e2e-first-take-{server_number}.log") as server:
        page = browser_page
        with failure_screenshot(page, f"e2e-first-take-{server_number}"):
            practise(page, server)
            one_take(page, record_ms=4_000)
            assert_alive(server)
            assert takes_saved(server) == 1


def test_a_long_session_keeps_the_server_s_threads_files_and_memory_flat(tmp_path, browser_page) -> None:
    """Take after take on one page: the server's threads and open files return to where they were."""
    with serve_kiosk(tmp_path, log_name="e2e-soak.log", extra_env={"KIOSK_COUNTDOWN_S": "0"}) as server:
        page = browser_page
        figures = []
        with failure_screenshot(page, "e2e-soak"):
            practise(page, server)
            for _ in range(SOAK_TAKES):
                one_take(page, record_ms=1_500, needs_score=False)  # past the first words: a report, not a refusal
                assert_alive(server)
                page_button(page, "Try the line again").wait_for(timeout=PAGE_TIMEOUT_MS)
                page_button(page, "Next line").click()
                page_button(page, "Start").wait_for(timeout=PAGE_TIMEOUT_MS)
                page.wait_for_timeout(300)
                figures.append(process_figures(server.process.pid))
        assert takes_saved(server) == SOAK_TAKES
        settled = figures[2]  # after the first takes have loaded what stays loaded
        last = figures[-1]
        report = "\n".join(f"take {i + 1}: {f}" for i, f in enumerate(figures))
        (ARTEFACTS / "e2e-soak-figures.txt").write_text(report + "\n")
        assert last["threads"] <= settled["threads"] + 2, report
        assert last["files"] <= settled["files"] + 4, report
        # Memory: a leak of a recording per take (tens of MB) would show; allocator noise (frames
        # queued for the schedule come and go) does not, so the median of the last three takes is
        # compared with the median of takes 2-4. Measured: 470-550 MB over 16 takes with no trend
        # (4 Dec); once, under the whole suite's load, 574 -> 635 MB over 10. 100 MB still
        # catches 15 MB kept per take.
        settled_kb = statistics.median(f["rss_kb"] for f in figures[1:4])
        last_kb = statistics.median(f["rss_kb"] for f in figures[-3:])
        assert last_kb <= settled_kb + 100_000, report


def analyser_processes(pid: int) -> list[int]:
    """The server's landmarker child processes: one per take being analysed (see kiosk.vision.isolated)."""
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            children += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass  # the thread ended while we looked
    found = []
    for child in children:
        try:
            if b"kiosk.vision.landmarker_child" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.append(child)
        except OSError:
            pass
    return found


def take_running(server: KioskServer, threads_before: int) -> bool:
    """A take is recording: its analyser process is there and the server has more threads than before."""
    pid = server.process.pid
    return bool(analyser_processes(pid)) and process_figures(pid)["threads"] > threads_before


def take_gone(server: KioskServer, threads_before: int, *, pool_growth: int = 0) -> bool:
    """The take's analyser process is gone and the server is back to its threads (plus ``pool_growth``:
    a worker pool that grew during the server's first take keeps its threads, as in the long session)."""
    pid = server.process.pid
    return not analyser_processes(pid) and process_figures(pid)["threads"] <= threads_before + pool_growth


def wait_for(condition, timeout_s: float) -> bool:
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return condition()


def test_reloading_the_page_or_leaving_the_mode_mid_take_frees_the_take(tmp_path, browser_page) -> None:
    """A reload starts a new session: the old take stops by itself once nobody watches it (10 s),
    saves nothing, and frees its threads; switching mode drops it at once."""
    with serve_kiosk(tmp_path, log_name="e2e-reload.log", extra_env={"KIOSK_COUNTDOWN_S": "0"}) as server:
        page = browser_page
        pid = server.process.pid
        with failure_screenshot(page, "e2e-reload"):
            practise(page, server)
            threads = process_figures(pid)["threads"]
            page_button(page, "Start").click()
            page_button(page, "Stop").wait_for(timeout=PAGE_TIMEOUT_MS)
            assert wait_for(lambda: take_running(server, threads), 10), "no take was recording"
            page.reload()
            practise(page, server)
            assert wait_for(lambda: take_gone(server, threads), 30), process_figures(pid)
            assert takes_saved(server) == 0
            # Leaving the mode mid-take drops the take straight away.
            page_button(page, "Start").click()
            page_button(page, "Stop").wait_for(timeout=PAGE_TIMEOUT_MS)
            assert wait_for(lambda: take_running(server, threads), 10), "no take was recording"
            page.locator('[data-testid="stSidebar"]').get_by_text("Upload a recording", exact=True).click()
            page.get_by_text("upload the file").wait_for(timeout=PAGE_TIMEOUT_MS)
            assert wait_for(lambda: take_gone(server, threads), 8), process_figures(pid)
            # And the kiosk still takes a whole take afterwards.
            page.locator('[data-testid="stSidebar"]').get_by_text("Practise at the kiosk", exact=True).click()
            one_take(page)
            assert takes_saved(server) == 1
        assert_alive(server)


def test_the_kiosk_shows_no_streamlit_menu_deploy_or_stop_of_its_own_and_the_preview_runs(
    tmp_path, browser_page
) -> None:
    """The repo's .streamlit/config.toml (toolbarMode "minimal", ui.hideTopBar): no developer menu, no
    Deploy button, and never Streamlit's own Stop (top right; pressed mid-take it used to freeze the
    take on a broken picture), watched every 20 ms from the click on Start; the page's own Stop
    scores the take and the setup form is gone while it records."""
    with serve_kiosk(tmp_path, log_name="e2e-streamlit-stop.log", extra_env={"KIOSK_COUNTDOWN_S": "0"}) as server:
        page = browser_page
        pid = server.process.pid
        with failure_screenshot(page, "e2e-streamlit-stop"):
            practise(page, server)
            threads = process_figures(pid)["threads"]
            page.evaluate(
                """() => { window.chrome = []; const t = setInterval(() => {
                       for (const id of ['stStatusWidget', 'stToolbar', 'stMainMenu', 'stAppDeployButton'])
                           if (document.querySelector(`[data-testid="${id}"]`)) window.chrome.push(id);
                       for (const b of document.querySelectorAll('button'))
                           if (b.innerText.trim() === 'Deploy') window.chrome.push('Deploy'); }, 20);
                       setTimeout(() => clearInterval(t), 4000); }"""
            )
            page_button(page, "Start").click()
            page.wait_for_timeout(4_200)
            assert page.evaluate("() => window.chrome") == []
            # While recording: the live preview, the line and Stop; not the setup form, not even greyed.
            assert page.get_by_label("Your name (leave empty to practise anonymously)").count() == 0
            assert page_button(page, "Start").count() == 0
            page_button(page, "Stop").wait_for(timeout=PAGE_TIMEOUT_MS)
            assert wait_for(lambda: take_running(server, threads), 10), "no take was recording"
            preview = page.locator('[data-testid="stMain"] img.kiosk-preview').first
            # A frozen preview shows one picture for ever; a live one a new picture every few tenths of a
            # second (fewer on a machine busy with the whole test suite): watch for up to 5 s.
            pictures = set()
            for _ in range(50):
                pictures.add(preview.get_attribute("src"))
                if len(pictures) >= 5:
                    break
                page.wait_for_timeout(100)
            page.screenshot(path=str(ARTEFACTS / "e2e-kiosk-chrome.png"), full_page=True)
            assert len(pictures) >= 5, f"the preview showed {len(pictures)} pictures in 5 s"
            page_button(page, "Stop").click()
            read_score(page)
            # The server's first take: under the whole suite's load the server kept one or two more
            # threads than before it in 3 of 4 runs (issue 16's note), never more; the long session's
            # check allows the same +2 after its first takes. The analyser process must still be gone.
            assert wait_for(lambda: take_gone(server, threads, pool_growth=2), 30), process_figures(pid)
            assert takes_saved(server) == 1
        assert_alive(server)
