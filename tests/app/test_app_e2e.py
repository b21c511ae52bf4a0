"""The kiosk in a real browser: practice at the kiosk, the video-call self-check and the upload, end to end.

A Streamlit server runs the app (``streamlit run streamlit_app.py``);
headless Chromium (Debian's, driven by Playwright) opens it. At the kiosk,
the recording stands in for the kiosk's own camera and microphone
(``KIOSK_CAMERA`` / ``KIOSK_MICROPHONE`` = ``file:PATH``, played in real
time through the capture interface a webcam uses), and the trainee presses
Stop in the middle of the line. For the
self-check, Chromium's fake camera and microphone play a real recording
from ``../shared/data`` (made into a Y4M picture file and a WAV sound file
in the test's temporary folder); the picture and sound go over WebRTC to
the server's aiortc, are recorded and analysed live, and the page reaches
the scored report. The upload test sends the recording itself through the
file uploader; the last test has the browser refuse the camera. Screenshots
are kept in ``test-artifacts/`` (``e2e-*.png``, and ``*-failure.png`` where a
test failed), with the server's log.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import av
import numpy as np
import pytest
from conftest import SHARED_DATA
from e2e_support import (
    ARTEFACTS,
    CHROMIUM,
    PAGE_TIMEOUT_MS,
    _playwright,
    failure_screenshot,
    open_mode,
    page_button,
    read_score,
    serve_kiosk,
)

from kiosk.store import Store

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TRAINER_PIN = "284917"

CLIP = SHARED_DATA / "video-retalking" / "face_2.mp4"  # a man speaking to the camera, 5 s, 25 fps
#: Side of the square fake camera picture, in pixels (the clip is 844x844).
FAKE_SIDE = 480


def write_y4m(source: Path, target: Path, *, side: int = FAKE_SIDE) -> Path:
    """The recording's pictures as a Y4M file Chromium's fake camera plays (and loops).

    The plainest header every Chromium reads: size, frame rate, progressive,
    square pixels, 4:2:0 chroma; then ``FRAME`` and the Y, U and V planes.
    """
    with av.open(str(source)) as container, target.open("wb") as out:
        stream = container.streams.video[0]
        rate = stream.average_rate
        out.write(f"YUV4MPEG2 W{side} H{side} F{rate.numerator}:{rate.denominator} Ip A1:1 C420\n".encode("ascii"))
        for frame in container.decode(stream):
            planes = frame.reformat(width=side, height=side, format="yuv420p").to_ndarray()
            assert planes.shape == (side * 3 // 2, side)
            out.write(b"FRAME\n")
            out.write(np.ascontiguousarray(planes).tobytes())
    return target


def write_wav(source: Path, target: Path) -> Path:
    """The recording's sound as 48 kHz 16-bit mono WAV, for Chromium's fake microphone."""
    resampler = av.AudioResampler(format="s16", layout="mono", rate=48_000)
    with av.open(str(source)) as container, av.open(str(target), "w", format="wav") as out:
        stream = out.add_stream("pcm_s16le", rate=48_000, layout="mono")
        for frame in container.decode(audio=0):
            for block in resampler.resample(frame):
                out.mux(stream.encode(block))
        for block in resampler.resample(None):
            out.mux(stream.encode(block))
        out.mux(stream.encode(None))
    return target


@pytest.fixture(scope="module")
def fake_media(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("fake-media")
    return write_y4m(CLIP, folder / "camera.y4m"), write_wav(CLIP, folder / "microphone.wav")


@pytest.fixture(scope="module")
def kiosk_server(tmp_path_factory):
    """The app served by ``streamlit run`` on a free port; the server is stopped afterwards."""
    with serve_kiosk(tmp_path_factory.mktemp("kiosk-server"), log_name="e2e-streamlit.log") as server:
        yield server


@pytest.fixture(scope="module")
def kiosk_url(kiosk_server):
    return kiosk_server.url


def assert_report_embedded(page, score: int) -> None:
    """The HTML report is in its iframe, showing the same overall score."""
    report = page.frame_locator("iframe[srcdoc]").first
    shown = report.locator("#overall-score")
    shown.wait_for(timeout=30_000)
    assert shown.inner_text().strip() == str(score)
    assert report.locator("svg.timeline-chart").count() == 1


def test_video_call_self_check_records_a_take_in_the_browser_and_reaches_the_report(kiosk_url, fake_media):
    sync_playwright = _playwright()
    y4m, wav = fake_media
    ARTEFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={y4m}",
                f"--use-file-for-fake-audio-capture={wav}",
                "--autoplay-policy=no-user-gesture-required",
            ],
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("pageerror", lambda e: errors.append(str(e)))
            with failure_screenshot(page, "e2e-browser"):
                self_check(page, kiosk_url)
        finally:
            browser.close()
    assert not errors, errors


def self_check(page, kiosk_url: str) -> None:
    """Start the camera, see the framing checks, record a take, reach the report."""
    open_mode(page, kiosk_url, "Video-call self-check")
    camera = page.frame_locator('iframe[title*="webrtc"]').first
    camera.get_by_role("button", name="Start camera").click(timeout=PAGE_TIMEOUT_MS)
    # Connected: the framing checks judge the pictures arriving over WebRTC.
    page.get_by_text("Your framing now").wait_for(timeout=PAGE_TIMEOUT_MS)
    page.get_by_text("Face size:").wait_for(timeout=PAGE_TIMEOUT_MS)
    page.screenshot(path=str(ARTEFACTS / "e2e-browser-setup.png"), full_page=True)
    page_button(page, "Record").click()
    stop = page_button(page, "Stop")
    stop.wait_for(timeout=PAGE_TIMEOUT_MS)
    page.get_by_text("Recording:").wait_for(timeout=PAGE_TIMEOUT_MS)
    page.wait_for_timeout(5_000)  # the clip says its sentence
    page.screenshot(path=str(ARTEFACTS / "e2e-browser-recording.png"), full_page=True)
    stop.click()
    score = read_score(page)
    assert_report_embedded(page, score)
    page.get_by_text("Your framing in this take").wait_for(timeout=10_000)
    page.screenshot(path=str(ARTEFACTS / "e2e-browser-report.png"), full_page=True)


def test_practice_at_the_kiosk_stopped_by_the_trainee_reaches_the_report(kiosk_url):
    sync_playwright = _playwright()
    ARTEFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("pageerror", lambda e: errors.append(str(e)))
            with failure_screenshot(page, "e2e-practice"):
                open_mode(page, kiosk_url, "Practise at the kiosk")
                switch_language_and_back(page)
                page.get_by_label("Your name (leave empty to practise anonymously)").fill("Ana")
                page.get_by_text("Keep my recording").click()  # to watch the tips' moments in the report
                page_button(page, "Start").click()
                stop = page_button(page, "Stop")
                stop.wait_for(timeout=PAGE_TIMEOUT_MS)
                # The name is kept in the address, so a reload keeps it (tests/app/test_practice_page.py).
                assert "name=Ana" in page.url, page.url
                # The live preview shows the camera's pictures while recording.
                preview = page.locator('[data-testid="stMain"] img.kiosk-preview').first
                preview.wait_for(timeout=PAGE_TIMEOUT_MS)
                first = preview.get_attribute("src")
                page.wait_for_timeout(2_500)
                assert preview.get_attribute("src") != first, "the preview did not move"
                page.screenshot(path=str(ARTEFACTS / "e2e-practice-recording.png"), full_page=True)
                stop.click()  # before the clip's end: the take is what was recorded until now
                score = read_score(page)
                assert_report_embedded(page, score)
                report = page.frame_locator("iframe[srcdoc]").first
                header = report.locator("p.recording").inner_text()
                seconds = float(re.search(r"(\d+(?:[.,]\d+)?)\s*s\b", header).group(1).replace(",", "."))
                assert page_button(page, "Try the line again").count() == 1
                assert page_button(page, "Next line").count() == 1
                page.screenshot(path=str(ARTEFACTS / "e2e-practice-report.png"), full_page=True)
                watch_a_tip_in_a_laptop_window(page)
        finally:
            browser.close()
    assert not errors, errors
    # Stopped a few seconds into 20 s of pictures and 11 s of speech: the take
    # ends where Stop was pressed.
    assert 1.5 < seconds < 10.5, header


def watch_a_tip_in_a_laptop_window(page) -> None:
    """In a 1366x768 window the trainee's name and the tips are seen without scrolling; a tip's
    "watch" plays the kept recording from the tip's moment (the video's currentTime)."""
    page.set_viewport_size({"width": 1366, "height": 768})
    page.evaluate("window.scrollTo(0, 0)")
    page.locator('[data-testid="stMain"]').evaluate("e => e.scrollTo(0, 0)")
    report = page.frame_locator("iframe[srcdoc]").first
    assert report.get_by_role("heading", name="Ana").is_visible()
    tips = report.locator("li.tip")
    assert tips.count() >= 1
    for i in range(tips.count()):
        box = tips.nth(i).bounding_box()
        assert box and box["y"] + box["height"] <= 768, (i, box)
    page.screenshot(path=str(ARTEFACTS / "e2e-practice-report-laptop.png"))
    watch = report.locator("li.tip a.watch").last
    wanted = float(watch.get_attribute("data-t"))
    video = report.locator("#take-video")
    video.evaluate("v => v.readyState >= 1 ? true : new Promise(done => v.addEventListener('loadedmetadata', done))")
    # Start from elsewhere in the take, so that reaching the tip's moment is the link's doing.
    away = video.evaluate(f"v => {{ v.currentTime = Math.min(v.duration - 0.1, {wanted} + 2); return v.currentTime }}")
    assert abs(away - wanted) > 1.0, (away, wanted)
    watch.click()
    report.locator("#take-video").evaluate(
        "v => v.seeking ? new Promise(done => v.addEventListener('seeked', done)) : 0"
    )
    at = video.evaluate("v => v.currentTime")
    assert abs(at - wanted) <= 0.5, (at, wanted)


def switch_language_and_back(page) -> None:
    """One switch to Danish puts the setting and the line in Danish at once, the setting still chosen
    (Streamlit's page remembers a choice by its shown words: the kiosk sends it again in the new ones)."""
    main = page.locator('[data-testid="stMain"]')

    def pick(language: str) -> None:
        page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
        page.get_by_role("option", name=language, exact=True).click()

    main.get_by_text("Phone", exact=True).click()
    page.get_by_text("thank you for calling").first.wait_for(timeout=PAGE_TIMEOUT_MS)
    pick("Dansk")
    main.get_by_text("Kontaktform").wait_for(timeout=PAGE_TIMEOUT_MS)
    checked = main.locator('[data-testid="stRadio"] label:has(input:checked)')
    checked.wait_for(timeout=10_000)
    assert checked.inner_text().strip() == "Telefon"
    # The picker shows its choice as its input's value, or as text: either way in Danish.
    line = main.locator('[data-testid="stSelectbox"]').first.evaluate(
        "e => e.innerText + ' ' + [...e.querySelectorAll('input')].map(i => i.value).join(' ')"
    )
    assert "Velkomst: Godmorgen, og tak, fordi du ringer" in line, line
    page.screenshot(path=str(ARTEFACTS / "e2e-practice-danish.png"), full_page=True)
    pick("English")
    main.get_by_text("Setting", exact=True).wait_for(timeout=PAGE_TIMEOUT_MS)
    main.get_by_text("Front desk", exact=True).click()  # the line the rest of the test says
    main.get_by_text("welcome to the hotel").first.wait_for(timeout=PAGE_TIMEOUT_MS)


def test_upload_reaches_the_report_and_a_dashboard_left_open_shows_it(kiosk_server):
    """A trainer's dashboard, opened in another browser before the upload, shows the new take in
    Progress by itself (read again every 15 s) and in the CSV export (read when clicked)."""
    sync_playwright = _playwright()
    ARTEFACTS.mkdir(exist_ok=True)
    with Store(f"sqlite:///{kiosk_server.data / 'kiosk.db'}") as store:
        if not store.has_trainer_pin():
            store.set_trainer_pin(TRAINER_PIN)  # as `kiosk trainer set-pin` does on the kiosk's machine
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        try:
            trainer = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True).new_page()
            with failure_screenshot(trainer, "e2e-dashboard"):
                open_mode(trainer, kiosk_server.url, "Trainer dashboard")
                trainer.get_by_label("Trainer PIN").fill(TRAINER_PIN)
                page_button(trainer, "Open the dashboard").click()
                trainer.get_by_role("tab", name="Progress").click(timeout=PAGE_TIMEOUT_MS)
                # The Data tab has a search box of its own: this one is on the Progress tab, the one shown.
                find = trainer.get_by_label("Find a trainee (any part of the name, or the code)").locator(
                    "visible=true"
                )
                find.fill("bo upl")
                find.press("Enter")
                trainer.get_by_text("No trainee matches").first.wait_for(timeout=PAGE_TIMEOUT_MS)
            page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            with failure_screenshot(page, "e2e-upload"):
                open_mode(page, kiosk_server.url, "Upload a recording")
                page.get_by_text("upload the file").wait_for(timeout=PAGE_TIMEOUT_MS)
                name = page.get_by_label("Trainee's name (optional: the take is saved under it)")
                name.fill("Bo Upload")
                name.press("Enter")  # Streamlit takes a typed value on Enter or leaving the box
                page.wait_for_function("() => location.search.includes('Bo')")
                page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(CLIP))
                score = read_score(page)
                assert_report_embedded(page, score)
                page.screenshot(path=str(ARTEFACTS / "e2e-upload-report.png"), full_page=True)
            with failure_screenshot(trainer, "e2e-dashboard"):
                # Nobody touches the dashboard: its Progress tab finds the new trainee by itself.
                # The picker shows its choice as its input's value, or as text.
                trainer.wait_for_function(
                    """() => [...document.querySelectorAll('[data-testid="stSelectbox"]')].some(e =>
                        (e.innerText + ' ' + [...e.querySelectorAll('input')].map(i => i.value).join(' '))
                        .includes('Bo Upload ('))""",
                    timeout=30_000,
                )
                trainer.locator(".vega-embed canvas, .vega-embed svg").first.wait_for(timeout=PAGE_TIMEOUT_MS)
                trainer.wait_for_timeout(1_000)  # the other charts and tables finish drawing
                trainer.screenshot(path=str(ARTEFACTS / "e2e-dashboard-progress.png"), full_page=True)
                trainer.locator(".vega-embed").first.evaluate("e => e.scrollIntoView({block: 'center'})")
                trainer.screenshot(path=str(ARTEFACTS / "e2e-dashboard-charts.png"))
                trainer.get_by_role("tab", name="Data and privacy").click()
                with trainer.expect_download() as download:
                    trainer.get_by_role("button", name="Export the takes (CSV)").click()
                rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
                (row,) = [r for r in rows if r["trainee"] == "Bo Upload"]
                assert row["line"].startswith("Good evening, welcome to the hotel"), row
                assert round(float(row["overall"])) == score, row
        finally:
            browser.close()


def test_a_camera_the_browser_refuses_gets_advice_on_what_to_do(kiosk_url):
    """Permission denied: the camera box names the error, the page says how to allow the camera."""
    sync_playwright = _playwright()
    ARTEFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--use-fake-device-for-media-stream", "--deny-permission-prompts"],
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            with failure_screenshot(page, "e2e-browser-denied"):
                open_mode(page, kiosk_url, "Video-call self-check")
                camera = page.frame_locator('iframe[title*="webrtc"]').first
                camera.get_by_role("button", name="Start camera").click(timeout=PAGE_TIMEOUT_MS)
                camera.get_by_text("NotAllowedError").wait_for(timeout=PAGE_TIMEOUT_MS)
                page.get_by_text("does not start?").click()
                advice = page.locator('[data-testid="stAlertContentWarning"]').filter(has_text="NotAllowedError")
                advice.wait_for(timeout=PAGE_TIMEOUT_MS)
                assert "address bar" in advice.inner_text()
                assert page_button(page, "Record").count() == 0
                page.screenshot(path=str(ARTEFACTS / "e2e-browser-denied.png"), full_page=True)
        finally:
            browser.close()
