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

pytestmark = [pytest.mark.browser, pytest.mark.slow]

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
def kiosk_url(tmp_path_factory):
    """The app served by ``streamlit run`` on a free port; the server is stopped afterwards."""
    with serve_kiosk(tmp_path_factory.mktemp("kiosk-server"), log_name="e2e-streamlit.log") as server:
        yield server.url


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
                page.get_by_label("Your name (leave empty to practise anonymously)").fill("Ana")
                page_button(page, "Start").click()
                stop = page_button(page, "Stop")
                stop.wait_for(timeout=PAGE_TIMEOUT_MS)
                # The live preview shows the camera's pictures while recording.
                preview = page.locator('[data-testid="stMain"] [data-testid="stImage"] img').first
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
        finally:
            browser.close()
    assert not errors, errors
    # Stopped a few seconds into 20 s of pictures and 11 s of speech: the take
    # ends where Stop was pressed.
    assert 1.5 < seconds < 10.5, header


def test_upload_reaches_the_report_in_a_real_browser(kiosk_url):
    sync_playwright = _playwright()
    ARTEFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            with failure_screenshot(page, "e2e-upload"):
                open_mode(page, kiosk_url, "Upload a recording")
                page.get_by_text("upload the file").wait_for(timeout=PAGE_TIMEOUT_MS)
                page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(CLIP))
                score = read_score(page)
                assert_report_embedded(page, score)
                page.screenshot(path=str(ARTEFACTS / "e2e-upload-report.png"), full_page=True)
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
