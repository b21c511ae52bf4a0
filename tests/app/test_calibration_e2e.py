"""The trainee's calibration on the kiosk page, in real headless Chromium, with recordings for the devices.

The kiosk's camera and microphone are real recordings (``KIOSK_CAMERA`` /
``KIOSK_MICROPHONE`` = ``file:PATH``) played in real time through the same
capture interface a webcam uses: video-retalking face_2 (5 s: a woman talking
to the lens). Refusals are the AppTests' (test_calibration_page.py).
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
    serve_kiosk,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SPEAKER = SHARED_DATA / "video-retalking" / "face_2.mp4"


def env(camera) -> dict[str, str]:  # noqa: ANN001
    return {
        "KIOSK_CALIBRATION": "first",
        "KIOSK_COUNTDOWN_S": "0",
        "KIOSK_CAMERA": f"file:{camera}",
        "KIOSK_MICROPHONE": f"file:{SPEAKER}",
    }


def test_the_first_take_begins_with_the_dot_then_the_sentence_then_the_take_at_the_lens(tmp_path, browser_page) -> None:
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
            # The take follows by itself, its line pinned next to the lens (its report is the AppTests' business).
            page_button(page, "Stop").wait_for(timeout=60_000)
            line = page.locator(".teleprompter").first.bounding_box()
            assert line is not None and line["y"] < 40
            page.screenshot(path=str(ARTEFACTS / "e2e-calibration-take.png"), full_page=True)
