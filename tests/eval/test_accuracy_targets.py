"""``kiosk eval`` on the committed labelled set asserts issue 13's targets that the kiosk meets.

A chosen part of ``body.toml`` and ``speech.toml`` (the whole set takes about ten minutes on two
cores; the README's Accuracy table is the full run) is analysed by the real command, and its JSON
figures are held to the targets. Labels were written before the kiosk ran on these files (see the
manifests' ``[manifest]`` tables); registry media are fetched by package, version and SHA-256.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent

#: Frontal faces looking at the lens, placed anywhere in the frame, and faces looking down: eye contact.
EYE_CONTACT_TAKES = (
    "face_1",
    "face_2",
    "face_4",
    "single_face_video",
    "*_single_face",  # the failing case: a portrait in the upper half of a 640x480 frame, and 3 more places
    "*_f15",  # held out: the same four places with another face
    "upper_half_wolfgang_down",
    "centre_face_5_eyes_down",
)
#: Head-and-shoulders takes with no hand anywhere in view.
NO_HANDS_TAKES = ("face_1", "face_2", "face_4", "single_face_video")
#: Folded arms (the business-person still, and two real photos from a registry package).
FOLDED_ARMS_TAKES = ("business_person_still", "reg_obama_folded_arms_smiling", "reg_obama_standing_folded_arms")
#: Right lines read by real people, and lines paired with a recording that says something else.
RIGHT_LINE_TAKES = ("whisper_jfk", "ps_librivox_0880", "ps_librivox_0890", "ps_goforward", "praatio_mary")
WRONG_LINE_TAKES = ("wrongline_ps_goforward", "wrongline_mfa_thoughts")


def kiosk_eval(manifest: str, takes: tuple[str, ...]) -> dict[str, Any]:
    command = [sys.executable, "-m", "kiosk.cli", "eval", str(HERE / manifest), "--json", "--quiet"]
    for pattern in takes:
        command += ["--take", pattern]
    done = subprocess.run(command, capture_output=True, text=True, timeout=1200, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    document: dict[str, Any] = json.loads(done.stdout)
    return document


def takes_by_id(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {take["id"]: take for take in document["takes"]}


@pytest.fixture(scope="module")
def body() -> dict[str, Any]:
    return kiosk_eval("body.toml", EYE_CONTACT_TAKES + NO_HANDS_TAKES + FOLDED_ARMS_TAKES)


@pytest.fixture(scope="module")
def speech() -> dict[str, Any]:
    return kiosk_eval("speech.toml", RIGHT_LINE_TAKES + WRONG_LINE_TAKES)


@pytest.mark.slow
def test_eye_contact_agrees_on_nine_frames_in_ten_and_no_frontal_portrait_falls_below_eight(body) -> None:
    takes = takes_by_id(body)
    assert len([t for t in takes.values() if t["seen"].get("eye_contact")]) >= 14
    for split in body["splits"].values():
        figures = split["seen"]["eye_contact"]
        assert figures["frames"] >= 100
        assert figures["agreement"] >= 0.90, figures
    for take in takes.values():
        eye_contact = take["seen"].get("eye_contact")
        if eye_contact is not None and eye_contact["recall_n"]:  # a take with frames looking at the lens
            assert eye_contact["recall"] >= 0.80, (take["id"], eye_contact)


@pytest.mark.slow
def test_no_hand_cue_on_takes_with_no_hands_in_view(body) -> None:
    takes = takes_by_id(body)
    for take_id in NO_HANDS_TAKES:
        for cue in ("hands_visible", "hand_on_face"):
            figures = takes[take_id]["seen"][cue]
            assert figures["any_yes_when_absent"] is False, (take_id, cue, figures)
            assert figures["agreement"] == 1.0


@pytest.mark.slow
def test_folded_arms_are_found_where_labelled(body) -> None:
    takes = takes_by_id(body)
    for take_id in FOLDED_ARMS_TAKES:
        figures = takes[take_id]["seen"]["arms_crossed"]
        assert figures["recall_n"] == 1 and figures["recall"] == 1.0, (take_id, figures)


@pytest.mark.slow
def test_right_lines_are_delivered_and_wrong_lines_are_not(speech) -> None:
    takes = takes_by_id(speech)
    for take_id in RIGHT_LINE_TAKES:
        voice = takes[take_id]["voice"]
        assert voice["line_delivered_kiosk"] >= 0.9, (take_id, voice)
    for take_id in WRONG_LINE_TAKES:
        voice = takes[take_id]["voice"]
        assert voice["line_delivered_label"] == 0.0
        assert voice["line_delivered_kiosk"] == 0.0, (take_id, voice)


@pytest.mark.slow
def test_pauses_in_jfk_are_found_with_boundaries_within_100_ms(speech) -> None:
    pauses = takes_by_id(speech)["whisper_jfk"]["voice"]["pauses"]
    assert pauses["labelled"] >= 3
    assert pauses["recall"] == 1.0, pauses
    assert pauses["median_boundary_error_ms"] <= 100, pauses


@pytest.mark.slow
def test_a_real_filler_is_marked_at_its_place_in_what_was_said() -> None:
    # mfa_uh (tune): the MFA author says "montreal uh forced aligner" (his transcript); the line is
    # "montreal forced aligner". The report says the line was said, with the "uh" where it was.
    from kiosk.calibration import load_voice_calibration
    from kiosk.capture import RecordingSource
    from kiosk.evaluation.manifest import read_manifest
    from kiosk.evaluation.media import resolve_media
    from kiosk.report.text import voice_table
    from kiosk.voice import analyse_voice, prepare_line, summarise_voice

    manifest = read_manifest(HERE / "speech.toml")
    take = next(t for t in manifest.takes if t.id == "mfa_uh")
    with RecordingSource(resolve_media(take.media, manifest=manifest.path, take_id=take.id)) as source:
        audio = source.audio()
    assert audio is not None and take.heard is not None and take.heard.transcript == "montreal uh forced aligner"
    calibration = load_voice_calibration()
    signals = analyse_voice(audio, prepare_line(take.line_text() or ""), calibration)
    assert [w.status.value for w in signals.words] == ["said", "said", "said"]
    (filler,) = signals.filled_pauses
    (label,) = take.heard.fillers or ()
    assert abs(filler.start_s - label.start_s) <= 0.1  # the labelled "uh", 2.34-3.64 s
    table = voice_table(signals, summarise_voice(signals, calibration), min_pause_s=0.25)
    assert "What you said            montreal (um/uh) forced aligner" in table
