"""The video-call self-check's workings without a browser: ICE servers from the
environment, and a trainee's session fed real frames and sound as the webrtc
callbacks hand them over (the page itself runs in test_browser_e2e.py)."""

from __future__ import annotations

import asyncio
import json
import time
from fractions import Fraction
from pathlib import Path

import av
import pytest
from conftest import SHARED_DATA  # noqa: E402

from kiosk.app.browser import ICE_SERVERS_ENV, SelfCheck, rtc_configuration
from kiosk.calibration import load_framing_calibration, load_vision_calibration
from kiosk.live import LiveTake
from kiosk.settings import SettingsError as IceServersError
from kiosk.settings import ice_servers

CLIP = SHARED_DATA / "video-retalking" / "face_2.mp4"
APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"


# --------------------------------------------------------------------------- ICE servers


def test_no_ice_servers_means_host_candidates_only():
    assert ice_servers(None) == [] and ice_servers("") == [] and ice_servers("  ") == []
    assert rtc_configuration({}) == ({"iceServers": []}, None)


def test_ice_servers_from_the_environment():
    servers = [
        {"urls": "stun:stun.example.org:3478"},
        {
            "urls": ["turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349"],
            "username": "agent",
            "credential": "s3cret",
        },
    ]
    assert ice_servers(json.dumps(servers)) == servers
    assert rtc_configuration({ICE_SERVERS_ENV: json.dumps(servers)}) == ({"iceServers": servers}, None)


@pytest.mark.parametrize(
    "value, says",
    [
        ("stun:stun.example.org", "not valid JSON"),
        ('{"urls": "stun:x"}', "must be a JSON list"),
        ('["stun:x"]', "entry 1 is not an object"),
        ('[{"urls": "stun:x"}, {"url": "stun:y"}]', 'entry 2 needs "urls"'),
        ('[{"urls": []}]', 'entry 1 needs "urls"'),
        ('[{"urls": "stun:x", "password": "p"}]', "unknown keys password"),
        ('[{"urls": "turn:x", "username": 7}]', '"username" must be a string'),
    ],
)
def test_a_malformed_value_is_refused_with_what_to_write(value, says):
    with pytest.raises(IceServersError, match=says) as refused:
        ice_servers(value)
    assert str(refused.value).startswith(ICE_SERVERS_ENV)
    config, message = rtc_configuration({ICE_SERVERS_ENV: value})
    assert config == {"iceServers": []}
    assert says.split()[0] in message and "localhost and a LAN" in message


# --------------------------------------------------------------------------- a session, fed as aiortc does


def browser_frames(limit: int) -> tuple[list[av.VideoFrame], list[av.AudioFrame]]:
    """The clip's pictures (stamped when fed, :func:`live`) and its sound as aiortc delivers it:
    20 ms blocks of 48 kHz stereo s16 on a 48 kHz clock."""
    video = []
    with av.open(str(CLIP)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i >= limit:
                break
            video.append(frame)
    resampler = av.AudioResampler(format="s16", layout="stereo", rate=48_000, frame_size=960)
    audio = []
    with av.open(str(CLIP)) as container:
        for frame in container.decode(audio=0):
            frame.pts = None
            audio += resampler.resample(frame)
    for i, block in enumerate(audio):
        block.pts, block.time_base, block.sample_rate = i * 960, Fraction(1, 48_000), 48_000
    return video, audio[: int(limit / 25 * 50)]


def live(frames: list[av.VideoFrame]) -> list[av.VideoFrame]:
    """Stamp pictures as a camera would: captured now, on the sender's 90 kHz clock."""
    for frame in frames:
        frame.pts, frame.time_base = int(time.monotonic() * 90_000), Fraction(1, 90_000)
    return frames


def test_a_session_checks_the_framing_then_records_every_frame_and_the_sound():
    check = SelfCheck()
    vision = load_vision_calibration()
    framing = load_framing_calibration()
    video, audio = browser_frames(51)
    try:
        assert check.framing_now(vision, framing) is None  # no picture yet
        # Before recording: the preview comes back mirrored, the framing is judged.
        shown = asyncio.run(check.on_video_frames(live(video[:3])))
        assert len(shown) == 1 and (shown[0].width, shown[0].height) == (844, 844)
        checks = check.framing_now(vision, framing)
        assert {c.check: c.passed for c in checks}["face_size"] is True
        # The analyser's process took its first picture while starting; a fresh one is judged at once.
        asyncio.run(check.on_video_frames(live([video[3]])))
        assert check.framing_now(vision, framing) is not None
        # With landmarks found, the overlay is drawn on what goes back.
        plain = video[4].to_ndarray(format="rgb24")[:, ::-1]
        drawn = asyncio.run(check.on_video_frames(live([video[4]])))[0].to_ndarray(format="rgb24")
        assert (abs(drawn.astype(int) - plain.astype(int)).max(axis=2) > 60).sum() > 200
        # Recording: every picture and all the sound handed over reach the take.
        take = LiveTake(vision_calibration=vision, expect_video=True, expect_audio=True, isolated=True)
        take.start()
        check.attach(take)
        assert check.feed.attached
        for i in range(5, 51, 2):
            asyncio.run(check.on_video_frames(live(video[i : i + 2])))  # two queued up at a time
            for block in audio[2 * i : 2 * i + 4]:
                check.on_audio_frame(block)
        check.detach()
        result = take.stop()
        assert check.take is None and not check.feed.attached
        assert result.recorded.frame_count == 46
        assert result.recorded.audio is not None
        assert result.recorded.audio.duration_s == pytest.approx(len(audio[10:102]) * 0.02, abs=0.03)
        assert result.timeline is not None and result.timeline.frames
        assert take.stop() is result
    finally:
        check.release_preview()


# --------------------------------------------------------------------------- the same words as at the kiosk


def reported_flow(scenario_id: str):
    """A take flow on its report screen (the take could not be scored: nothing but the buttons)."""
    from kiosk.app.takeflow import Phase, TakeFlow, TakeOutcome

    flow = TakeFlow()
    flow._phase, flow._scenario_id = Phase.REPORT, scenario_id
    flow.outcome = TakeOutcome(report=None, error="Nothing was heard.")
    return flow


@pytest.mark.parametrize("language", ["en", "da"])
def test_the_buttons_after_a_take_say_the_same_at_the_kiosk_and_in_the_self_check(monkeypatch, language):
    """One set of words for one action in every mode, in the page's language ("Try the line again", never
    "Try again" in one mode and "Try the line again" in the other). The browser's camera box itself needs a
    real browser (test_app_e2e.py): here it is an idle stand-in."""
    from types import SimpleNamespace

    from e2e_support import switch_to
    from streamlit.testing.v1 import AppTest

    from kiosk.i18n import load_strings

    monkeypatch.setattr(
        "kiosk.app.browser._camera", lambda *args: SimpleNamespace(state=SimpleNamespace(playing=False))
    )
    app = AppTest.from_file(str(APP), default_timeout=60)
    app.session_state["practice-flow"] = reported_flow("front-desk-greeting-01")
    app.session_state["browser-flow"] = reported_flow("video-call-greeting-01")
    app.run()
    app.sidebar.selectbox(key="language").set_value(language).run()
    kiosk = {b.key: b.label for b in app.button}
    switch_to(app, "browser")
    assert not app.exception, app.exception
    self_check = {b.key: b.label for b in app.button}
    words = load_strings(language)["app"]
    assert kiosk["again"] == self_check["browser-again"] == words["again"]
    assert kiosk["next"] == self_check["browser-next"] == words["next"]


def test_the_camera_box_s_own_buttons_are_in_the_page_s_language() -> None:
    """streamlit-webrtc's buttons take their words from ``translations=`` (its defaults are English)."""
    from kiosk.app.browser import component_text
    from kiosk.i18n import load_strings

    english, danish = component_text(load_strings("en")["app"]), component_text(load_strings("da")["app"])
    assert english["start"] == "Start camera" and english["stop"] == "Stop camera"
    assert danish["start"] != english["start"] and danish["select_device"] != english["select_device"]
    assert set(danish) == set(english) and all(danish.values())
