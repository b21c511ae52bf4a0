"""``kiosk eval``: a bad manifest gets one sentence naming the file and entry (exit 2); a real one gets real figures.

The end-to-end run uses ``tests/eval/fixtures/smoke.toml``: face_1.mp4 (a man in
a suit, hands out of view) and jfk.flac (the published transcript, reference
pauses, wpm and pitch).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SHARED_DATA

from kiosk.evaluation.command import main
from kiosk.evaluation.manifest import Split, read_manifest
from kiosk.evaluation.metrics import FrameCounts, SpanMatch, TakeCue, TakeVoice
from kiosk.evaluation.runner import Evaluation, TakeResult, split_figures
from kiosk.evaluation.table import SCHEMA, json_document, text_report

SMOKE = Path(__file__).resolve().parent / "fixtures" / "smoke.toml"
JFK = SHARED_DATA / "whisper" / "jfk.flac"
JFK_SHA256 = "63a4b1e4c1dc655ac70961ffbf518acd249df237e5a0152faae9a4a836949715"

GOOD = f'''
[manifest]
name = "t"
labelled_by = "a test"
labelled_on = "2026-12-04"
method = "written by the test"

[[take]]
id = "jfk"
split = "tune"
licence = "public domain speech"
media = {{ path = "{JFK}", sha256 = "{JFK_SHA256}" }}

[[take.seen]]
cue = "face_found"
value = false
start_s = 1.0
end_s = 2.0

[take.heard]
transcript = "And so my fellow Americans"
pauses = [[2.16, 3.25]]
'''


def run_eval(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main([*args, "--quiet"])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_good_manifest_reads() -> None:
    path = Path(__file__).resolve().parent / "fixtures" / "smoke.toml"
    manifest = read_manifest(path)
    assert [t.id for t in manifest.takes] == ["face_1", "jfk"]
    jfk = manifest.takes[1]
    assert jfk.line_text() == jfk.heard.transcript if jfk.heard else False
    assert jfk.heard is not None and jfk.heard.line_delivered_share == 1.0  # the line is what was said
    assert jfk.heard.fillers == ()  # labelled: none


BAD_CASES = {
    "missing media": ((f'media = {{ path = "{JFK}", sha256 = "{JFK_SHA256}" }}', 'media = "nowhere.flac"'), [
        'take "jfk", media', "nowhere.flac does not exist"
    ]),
    "sha256 mismatch": ((JFK_SHA256, "0" * 64), ['take "jfk", media', "SHA-256", "0" * 64]),
    "unknown cue": (('cue = "face_found"', 'cue = "eye_contac"'), ['take "jfk", seen 1, cue', '"eye_contac"']),
    "malformed TOML": (('id = "jfk"', 'id = "jfk'), ["is not valid TOML", "line 9"]),
    "span ends before it starts": (("end_s = 2.0", "end_s = 0.5"), ['take "jfk", seen 1', "ends (0.5 s) before"]),
    "unknown take key": (('licence = "public domain speech"', 'licence = "x"\ncolour = "red"'), [
        'take "jfk", colour', '"colour" is not a key'
    ]),
    "unknown heard key": (("pauses = [[2.16, 3.25]]", "speed = 2"), ['take "jfk", heard, speed']),
    "pause ends before it starts": (("[[2.16, 3.25]]", "[[3.25, 2.16]]"), ['take "jfk", heard, pauses, item 1']),
    "unknown split": (('split = "tune"', 'split = "train"'), ['take "jfk", split', '"train" is not a split']),
    "missing required key": (('licence = "public domain speech"', ""), ['take "jfk", licence', "missing"]),
    "unknown language": (('split = "tune"', 'split = "tune"\nlanguage = "sv"'), ['take "jfk", language', '"sv"']),
    "value not a boolean": (("value = false", 'value = "no"'), ['take "jfk", seen 1, value', "true or false"]),
    "pypi media without archive": (
        (f'media = {{ path = "{JFK}", sha256 = "{JFK_SHA256}" }}',
         f'media = {{ registry = "pypi", package = "p", version = "1", member = "m.wav", sha256 = "{JFK_SHA256}" }}'),
        ['take "jfk", media, archive', "wheel (.whl) or sdist (.tar.gz)"],
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", BAD_CASES, ids=list(BAD_CASES))
def test_a_bad_manifest_gets_one_sentence_naming_file_and_entry(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (old, new), phrases = BAD_CASES[case]
    assert old in GOOD, old
    path = tmp_path / "bad.toml"
    path.write_text(GOOD.replace(old, new, 1), encoding="utf-8")
    code, out, err = run_eval(capsys, str(path))
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kiosk: "), err
    assert "bad.toml" in lines[0]
    for phrase in phrases:
        assert phrase in lines[0], lines[0]
    assert lines[0].endswith(".")


def test_duplicate_take_ids_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    take = GOOD[GOOD.index("[[take]]") :]
    path = tmp_path / "twice.toml"
    path.write_text(GOOD + take, encoding="utf-8")
    code, _, err = run_eval(capsys, str(path))
    assert code == 2
    assert 'twice.toml, take "jfk": the id is used by an earlier take' in err


def test_overlapping_labels_of_one_cue_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    extra = '\n[[take.seen]]\ncue = "face_found"\nvalue = true\nstart_s = 1.5\n'
    path = tmp_path / "overlap.toml"
    path.write_text(GOOD.replace("[take.heard]", extra + "\n[take.heard]"), encoding="utf-8")
    code, _, err = run_eval(capsys, str(path))
    assert code == 2
    assert 'overlap.toml, take "jfk", seen face_found: two labels of this cue cover the same time' in err


def test_a_missing_manifest_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_eval(capsys, str(tmp_path / "nothere.toml"))
    assert code == 2
    assert "nothere.toml: the manifest does not exist" in err


def test_a_split_without_takes_runs_and_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_eval(capsys, str(SMOKE), "--split", "held_out")
    assert code == 0, err
    assert "No take in the chosen split." in out
    assert "== tune" not in out


def _result(key: str, counts: FrameCounts, voice: TakeVoice | None) -> TakeResult:
    take = read_manifest(SMOKE).takes[0]
    return TakeResult(
        key=key,
        take=take,
        media=Path(f"{key}.mp4"),
        line=None,
        duration_s=3.0,
        frames=counts.frames,
        seen={},
        voice=voice,
    )


def test_the_table_shows_n_for_every_figure() -> None:
    counts = FrameCounts(frames=40, agree=30, unknown=4, true_positive=30, false_positive=2, label_positive=34)
    voice = TakeVoice(
        "a", wpm_kiosk=110.0, wpm_label=100.0, pauses=SpanMatch(4, 5, 3, (10.0, 30.0, 50.0, 70.0, 90.0, 110.0))
    )
    result = _result("a", counts, voice)
    from kiosk.evaluation.manifest import SeenCue

    result = TakeResult(**{**result.__dict__, "seen": {SeenCue.EYE_CONTACT: TakeCue("a", counts)}})
    evaluation = Evaluation(
        manifests=(read_manifest(SMOKE),), profile="default", splits=(split_figures(Split.TUNE, [result]),)
    )
    text = text_report(evaluation, verbose=True)
    row = next(line for line in text.splitlines() if line.startswith("eye_contact"))
    assert row.split()[:5] == ["eye_contact", "40", "1", "0.75", "0.10"]
    assert "0.94 (32)" in row and "0.88 (34)" in row  # precision 30/32, recall 30/34, with n
    assert "median |error| 10.0%" in text and "(n=1 takes)" in text
    assert "precision 0.75 (n=4 kiosk), recall 0.60 (n=5 labelled), median boundary error 60 ms (n=6)" in text
    assert "Takes" in text and "    eye_contact    agreement 0.75 of 40 frames" in text
    document = json_document(evaluation)
    assert document["splits"]["tune"]["seen"]["eye_contact"]["precision_n"] == 32
    assert document["splits"]["tune"]["voice"]["pauses"]["median_boundary_error_ms"] == 60.0


@pytest.mark.slow
def test_kiosk_eval_on_real_recordings_gives_real_figures_as_json() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "eval", str(SMOKE), "--json"],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ},
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    document = json.loads(result.stdout)
    assert document["schema"] == SCHEMA
    assert [m["name"] for m in document["manifests"]] == ["smoke"]
    assert list(document["splits"]) == ["tune"]
    tune = document["splits"]["tune"]
    assert tune["takes"] == 2 and tune["problems"] == {}

    # jfk: the published transcript is said in full at about 130 wpm.
    voice = tune["voice"]
    assert voice["line_delivered"] == {
        "n": 1, "kiosk_mean": 1.0, "label_mean": 1.0, "mean_abs_error": 0.0, "short": 0, "short_takes": [],
        "not_measured": 0,
    }  # fmt: skip
    assert voice["wpm"]["n"] == 1 and abs(voice["wpm"]["mean_error_pct"]) < 5.0
    assert voice["pitch"]["n"] == 1 and abs(voice["pitch"]["mean_error_pct"]) < 5.0
    assert voice["pauses"]["labelled"] == 3 and voice["pauses"]["recall"] == 1.0
    assert voice["pauses"]["median_boundary_error_ms"] < 150
    # No um or uh in this speech: every filler the kiosk reports is unmatched.
    assert voice["fillers"]["labelled"] == 0 and voice["fillers"]["matched"] == 0
    assert voice["fillers"]["precision"] == (0.0 if voice["fillers"]["kiosk"] else None)

    # face_1: a face in every frame; hands out of view are never reported.
    seen = tune["seen"]
    assert seen["face_found"]["agreement"] == 1.0 and seen["face_found"]["frames"] > 50
    assert seen["hands_visible"]["absent_takes"] == 1 and seen["hands_visible"]["absent_takes_with_any"] == 0
    assert seen["upright"]["agreement"] >= 0.9
    # The upright label gives its edges, so frames within 0.25 s of 0.0 and 6.0 s are left out.
    assert seen["upright"]["frames"] < seen["face_found"]["frames"]

    takes = {t["id"]: t for t in document["takes"]}
    assert set(takes) == {"face_1", "jfk"}
    assert takes["jfk"]["frames"] == 0 and takes["jfk"]["words_said"] == takes["jfk"]["line_words"] == 22
    assert takes["face_1"]["voice"] is None
    assert set(takes["jfk"]["voice"]) >= {"wpm_kiosk", "wpm_label", "wpm_error_pct", "pauses", "fillers"}
    assert set(takes["face_1"]["seen"]) == {"upright", "hands_visible", "hand_on_face", "face_found"}


@pytest.mark.slow
def test_the_kiosk_command_refuses_a_bad_manifest_in_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(GOOD.replace('cue = "face_found"', 'cue = "posture"'), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "eval", str(path)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    messages = [line for line in result.stderr.splitlines() if line.startswith("kiosk:")]
    assert len(messages) == 1 and 'bad.toml, take "jfk", seen 1, cue: "posture" is not a seen cue' in messages[0]


@pytest.mark.slow
def test_a_take_that_cannot_be_fully_scored_is_reported_and_the_rest_still_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "sound_only.toml"
    path.write_text(GOOD, encoding="utf-8")  # a seen label on a sound file
    code, out, err = run_eval(capsys, str(path), "--verbose")
    assert code == 0, err
    assert "== tune: 1 takes, 1 not fully scored: jfk ==" in out
    assert "not scored: the recording has no video, so the seen labels were not scored" in out
    # The voice still counts: one labelled pause (2.16-3.25 s) in "And so my fellow Americans".
    assert "recall 1.00 (n=1 labelled)" in out


def test_a_recording_the_kiosk_refuses_still_counts_as_not_measured(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "broken.mp4").write_bytes(b"not a recording at all" * 100)
    path = tmp_path / "broken.toml"
    path.write_text(
        GOOD.replace(f'media = {{ path = "{JFK}", sha256 = "{JFK_SHA256}" }}', 'media = "broken.mp4"').replace(
            "pauses = [[2.16, 3.25]]", "wpm = 130.0"
        ),
        encoding="utf-8",
    )
    code, out, err = run_eval(capsys, str(path))
    assert code == 0, err
    assert "== tune: 1 takes, 1 not fully scored: jfk ==" in out
    assert "words per minute     median |error| -, mean - (n=0 takes, 1 not measured)" in out
    assert "labelled >= 0.9 but kiosk below: 1 (jfk) (n=1 takes, 1 not measured)" in out
