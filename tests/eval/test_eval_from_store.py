"""``kiosk eval --from-store`` and ``kiosk export-labels``: the trainers' verdicts on real stored takes as the
accuracy table, and as a manifest that loads, and that ``kiosk eval`` scores on the kept recording.

The takes are face_2.mp4 (a woman facing the camera, 5 s, never smiling, arms out of view) analysed and
scored by the kiosk's own code, saved as the kiosk saves them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import SHARED_DATA

from kiosk.evaluation.from_store import manifest_of
from kiosk.evaluation.manifest import SeenCue, Split, read_manifest
from kiosk.evaluation.runner import evaluate
from kiosk.store import Store, TakeRecord, take_record
from kiosk.timespan import TimeSpan

FACE_2 = SHARED_DATA / "video-retalking" / "face_2.mp4"


def kiosk(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    """The command line as a user runs it (its own data folder, so it never touches the machine's store)."""
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "KIOSK_DATA_DIR": str(data)},
        check=False,
    )


def refused(result: subprocess.CompletedProcess[str], phrase: str) -> None:
    """Exit 2 with one ``kiosk:`` sentence containing ``phrase``, and no traceback."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    (message,) = [line for line in result.stderr.splitlines() if line.startswith("kiosk:")]
    assert phrase in message


@pytest.fixture(scope="module")
def real_take() -> TakeRecord:
    """face_2.mp4 analysed and scored for a video-call greeting, as the kiosk stores a take."""
    from kiosk.analysis import analyse_take, score_and_report
    from kiosk.calibration import load_scoring_profile, load_vision_calibration, load_voice_calibration
    from kiosk.scenarios import find_scenario
    from kiosk.voice import prepare_line

    scenario = find_scenario("video-call-greeting-01")
    analysis = analyse_take(
        FACE_2,
        vision_calibration=load_vision_calibration(),
        voice_calibration=load_voice_calibration(),
        line=prepare_line(scenario.text_in("en")),
    )
    scored = score_and_report(
        analysis, scoring_profile=load_scoring_profile(), profile_name="default", language="en", scenario=scenario
    )
    return take_record(
        scored.document,
        scored.scores,
        uid="real",
        trainee=None,
        profile="default",
        recorded_at=datetime(2026, 12, 1, 10, 0),
        duration_s=analysis.info.duration_s,
    )


@pytest.fixture
def seeded(tmp_path, real_take) -> tuple[str, Path]:
    """A store with two workshops, three real takes (one with its recording kept) and eight verdicts."""
    kept = tmp_path / "recordings" / "take-ana.mp4"
    kept.parent.mkdir()
    shutil.copy(FACE_2, kept)
    url = f"sqlite:///{tmp_path / 'kiosk.db'}"
    at = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    with Store(url) as store:
        monday = store.create_workshop("Monday", ["Ana", "Bo"])
        tuesday = store.create_workshop("Tuesday", ["Cleo"])
        for uid, who, workshop, media in (
            ("ana-1", "Ana", monday, str(kept)),
            ("bo-1", "Bo", monday, None),
            ("cleo-1", "Cleo", tuesday, None),
        ):
            store.save_take(replace(real_take, uid=uid, trainee=who, workshop_id=workshop.id, media_path=media))
        store.add_verdict("ana-1", "eye_contact", "right", now=at)
        store.add_verdict("ana-1", "smiling", "wrong", span=TimeSpan(1.0, 3.0), note="she did smile at 0:01", now=at)
        store.add_verdict("ana-1", "upright", "right", span=TimeSpan(0.5, 4.5), now=at)
        store.add_verdict("ana-1", "pace_syllables", "wrong", note="she was not rushing", now=at)
        store.add_verdict("ana-1", "eye_contact", "wrong", span=TimeSpan(1.0, 2.0), note="looked at notes", now=at)
        store.add_verdict("bo-1", "eye_contact", "right", now=at)
        store.add_verdict("bo-1", "smiling", "right", now=at)
        store.add_verdict("cleo-1", "eye_contact", "wrong", now=at)
    return url, kept


def test_eval_from_store_prints_per_cue_agreement_for_a_workshop_and_overall(seeded, tmp_path) -> None:
    url, _ = seeded
    result = kiosk("eval", "--from-store", "--store", url, "--workshop", "Monday", data=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "trainers' verdicts on workshop Monday, entered 2026-12-02 to 2026-12-02" in lines[1]
    assert lines[3] == "== verdicts: 7 on 2 takes, agree 0.57 =="
    rows = {line.split()[0]: line.split()[1:] for line in lines[5:-1]}
    assert rows == {
        "eye_contact": ["3", "2", "0.67", "2", "1", "1"],
        "smiling": ["2", "2", "0.50", "1", "1", "1"],
        "upright": ["1", "1", "1.00", "1", "0", "1"],
        "pace_syllables": ["1", "1", "0.00", "0", "1", "0"],
    }
    result = kiosk("eval", "--from-store", "--store", url, "--json", data=tmp_path)
    document = json.loads(result.stdout)
    assert document["schema"] == "kiosk-eval-verdicts/1" and document["workshop"] is None
    assert (document["verdicts"], document["takes"], document["agreement"]) == (8, 3, 0.5)
    assert document["cues"]["eye_contact"] == {"n": 4, "right": 2, "takes": 3, "timed": 1, "agreement": 0.5}


def test_export_labels_writes_a_manifest_that_loads_and_that_kiosk_eval_scores(seeded, tmp_path) -> None:
    url, kept = seeded
    out = tmp_path / "labels" / "monday.toml"
    out.parent.mkdir()
    result = kiosk("export-labels", "--out", str(out), "--store", url, "--workshop", "Monday", data=tmp_path)
    assert result.returncode == 0, result.stderr
    said = result.stdout
    assert f"Written: {out}: 1 take(s), 3 label(s); 2 verdict(s) written as comments only" in said
    assert "Left out: 1 take(s) with verdicts whose recording was not kept" in said
    assert out.stat().st_mode & 0o777 == 0o600
    text = out.read_text(encoding="utf-8")
    assert "# 1 take(s) with verdicts left out: their recording was not kept." in text
    assert (
        '# verdict pace_syllables wrong (whole take, 2026-12-02): "she was not rushing": '
        "not a label (not a per-frame cue a manifest labels)" in text
    )
    assert "not a label (overlaps an earlier verdict's label of the same cue)" in text
    manifest = read_manifest(out)
    (take,) = manifest.takes
    assert (take.id, take.split, take.setting, take.language) == ("ana-1", Split.HELD_OUT, "video_call", "en")
    assert take.media.path == kept.resolve()
    # The kiosk saw eye contact throughout and no smile: "right" keeps its answer, "wrong" turns it.
    assert [(s.cue, s.value, s.start_s, s.end_s) for s in take.seen] == [
        (SeenCue.EYE_CONTACT, True, None, None),
        (SeenCue.SMILING, True, 1.0, 3.0),
        (SeenCue.UPRIGHT, True, 0.5, 4.5),
    ]
    figures = evaluate([out]).splits[0].cues
    assert figures[SeenCue.EYE_CONTACT].counts.agreement == 1.0
    assert figures[SeenCue.SMILING].counts.agreement == 0.0  # the trainer says she smiled; the kiosk did not see it
    assert figures[SeenCue.UPRIGHT].counts.agreement == 1.0
    assert figures[SeenCue.SMILING].counts.frames > 0


def test_export_labels_for_tuning_and_a_store_with_no_kept_recording(seeded, tmp_path) -> None:
    url, _ = seeded
    with Store(url) as store:
        tuned = manifest_of(store, "Monday", split=Split.TUNE)
        assert (tuned.takes, tuned.labels, tuned.comments, tuned.without_recording) == (1, 3, 2, 1)
        assert 'split = "tune"' in tuned.text
    out = tmp_path / "tuesday.toml"
    refused(
        kiosk("export-labels", "--out", str(out), "--store", url, "--workshop", "Tuesday", data=tmp_path),
        "None of the 1 take(s) with verdicts (workshop Tuesday) has its recording kept",
    )
    assert not out.exists()


def test_the_commands_say_what_is_wrong_and_exit_2(seeded, tmp_path) -> None:
    url, _ = seeded
    refused(
        kiosk("eval", "--from-store", "--store", url, "--workshop", "Friday", data=tmp_path),
        "No workshop is named 'Friday'; the workshops are: Monday, Tuesday.",
    )
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    Store(empty).close()
    refused(
        kiosk("eval", "--from-store", "--store", empty, data=tmp_path),
        "No trainer's verdicts are stored for all workshops and takes",
    )
    refused(
        kiosk("export-labels", "--out", str(tmp_path / "x.toml"), "--store", empty, data=tmp_path),
        "No trainer's verdicts are stored",
    )
    missing = tmp_path / "typo.db"
    refused(
        kiosk("eval", "--from-store", "--store", f"sqlite:///{missing}", data=tmp_path),
        f"There is no kiosk database at {missing}",
    )
    assert not missing.exists()
    refused(
        kiosk("export-labels", "--out", str(tmp_path / "nowhere" / "x.toml"), "--store", url, data=tmp_path),
        "does not exist; create it or choose another path",
    )
    taken = tmp_path / "folder.toml"
    taken.mkdir()
    refused(kiosk("export-labels", "--out", str(taken), "--store", url, data=tmp_path), f"{taken} could not be written")
    refused(
        kiosk("export-labels", "--out", str(tmp_path / "x.json"), "--store", url, data=tmp_path),
        "An eval manifest is a .toml file",
    )
    refused(kiosk("eval", "--store", url, data=tmp_path), "--store and --workshop go with --from-store")
    refused(kiosk("eval", data=tmp_path), "Give at least one MANIFEST")
