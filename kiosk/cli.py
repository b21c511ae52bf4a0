"""The ``kiosk`` command line.

    kiosk models fetch                  resolve and verify the models (MediaPipe, Whisper base)
    kiosk analyze TAKE [--line TEXT] [--lang en] [--json OUT]
                                        body language and voice of a recorded take
    kiosk analyze TAKE --scenario ID --report take.html [--json take.json] [--lang da]
                                        the take scored for a scenario line, as a report
    kiosk scenarios [--lang da] [--setting phone]   list the scripted lines to practise
    kiosk bench vision                  per-frame speed of the body analyser
    kiosk bench voice                   real-time factor of the voice analysis
    kiosk bench live                    live preview fps and seconds from Stop to the report
    kiosk trainer set-pin               set the trainer PIN (asked twice, not shown; or one line on stdin)
    kiosk trainer unlock                forget wrong PINs and trainee codes (ends a lockout)
    kiosk backup [PATH]                 copy the SQLite database safely while kiosks run (0600 file)
    kiosk export PATH.csv|PATH.json     the takes as CSV, or everything as JSON (0600 file)
    kiosk settings [--check]            the KIOSK_* environment variables: values, defaults, meanings
    kiosk eval MANIFEST... [--split held_out] [--json] [--verbose]
                                        the kiosk's figures on labelled recordings (tests/eval/FORMAT.md)
    kiosk eval --from-store [--store URL] [--workshop NAME] [--json]
                                        per cue, how often the trainers' verdicts said the kiosk was right
    kiosk export-labels --out FILE.toml [--store URL] [--workshop NAME] [--split tune]
                                        the trainers' verdicts as an eval manifest (kept recordings only)

Every failure a user can cause ends with one sentence on stderr and exit
code 2; set ``KIOSK_DEBUG=1`` to see a traceback instead.
"""

from __future__ import annotations

import argparse
import mimetypes
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.capture.take import RecordingInfo
from kiosk.errors import EXIT_BAD_INPUT, KioskError
from kiosk.evaluation.command import add_eval_arguments

if TYPE_CHECKING:
    from kiosk.report.html import ReportVideo

#: Recordings longer than this (seconds) get a progress bar on stderr.
PROGRESS_BAR_AFTER_S = 3.0


def _fetch_models(args: argparse.Namespace) -> int:
    from kiosk.models import fetch_all

    paths = fetch_all(progress=lambda message: print(message, file=sys.stderr))
    for name, path in paths.items():
        print(f"{name}: {path}")
    return 0


def _advance(bar: Any, time_s: float) -> None:
    """Move a progress bar counted in seconds of the take to the seconds analysed so far."""
    if bar is not None and time_s > bar.n:
        bar.update(round(min(time_s, bar.total) - bar.n, 1))


def _analyze(args: argparse.Namespace) -> int:
    from kiosk.analysis import analyse_take, require_a_face, require_speech
    from kiosk.calibration import load_media_limits, load_vision_calibration, load_voice_calibration
    from kiosk.report.body_json import body_document, write_body_document
    from kiosk.report.text import summary_table, voice_table
    from kiosk.voice import prepare_line

    vision_calibration = load_vision_calibration(args.profile)
    voice_calibration = load_voice_calibration(args.profile)
    scenario = None
    if args.scenario is not None:
        from kiosk.scenarios import find_scenario

        scenario = find_scenario(args.scenario)
    for option, path in (("--report", args.report), ("--json", args.json)):
        if path is not None and not path.resolve().parent.is_dir():
            raise KioskError(f"The folder for {option} {path} does not exist; create it or choose another path.")
    # A scenario, a report, a setting or a report language asks for the scored report.
    scored = (
        scenario is not None
        or args.report is not None
        or args.setting is not None
        or args.report_lang is not None
        or args.baseline is not None
    )
    baseline = _read_baseline(args.baseline) if args.baseline is not None else None
    if baseline is not None:
        from kiosk.calibration import load_baseline_settings
        from kiosk.voice import voice_calibration_for

        # Pitch tracked around the trainee's own median (a deep voice is not lost below the usual floor).
        voice_calibration = voice_calibration_for(
            voice_calibration, baseline.voice, load_baseline_settings(args.profile)
        )
    if scored:
        from kiosk.calibration import load_scoring_profile
        from kiosk.i18n import load_strings

        scoring_profile = load_scoring_profile(args.profile)
        load_strings(args.report_lang or args.lang)  # refuse an unknown report language before the work
    text = args.line if args.line is not None else scenario.text_in(args.lang) if scenario else None
    line = prepare_line(text, language=args.lang) if text is not None else None
    bar = None

    def start_bar(info: RecordingInfo) -> None:
        nonlocal bar
        if info.has_video and info.duration_s > PROGRESS_BAR_AFTER_S and not args.quiet:
            from tqdm import tqdm

            # Progress in seconds of the take: frames are judged on a fixed schedule, not every decoded one.
            bar = tqdm(total=round(info.duration_s, 1), unit="s", desc="Analysing", file=sys.stderr, leave=False)

    try:
        analysis = analyse_take(
            args.take,
            vision_calibration=vision_calibration,
            voice_calibration=voice_calibration,
            line=line,
            on_start=start_bar,
            on_progress=lambda analysed_s: _advance(bar, analysed_s),
            limits=load_media_limits(args.profile),
        )
    finally:
        if bar is not None:
            bar.close()
    body = analysis.body
    if scored:
        return _report(args, analysis, scenario, scoring_profile, baseline)
    if args.json is not None:
        document = body_document(
            analysis.info,
            analysis.audio,
            body.timeline if body else None,
            body.summary if body else None,
            profile=args.profile,
            voice=analysis.voice,
            voice_summary=analysis.voice_summary,
        )
        write_body_document(document, args.json)
    if body is not None:
        require_a_face(body)
        print(summary_table(analysis.info, analysis.audio, body.summary))
    else:
        require_speech(analysis)
        print(f"{analysis.info.path.name}: {analysis.info.describe()}")
        print("No video: body language needs a recording with the camera on; this report covers the voice.")
    if analysis.voice is not None and analysis.voice_summary is not None:
        print(voice_table(analysis.voice, analysis.voice_summary, min_pause_s=voice_calibration.activity.min_pause_s))
    elif line is not None:
        print("The line was not checked: the recording has no sound.")
    for note in analysis.notes:
        print(f"Note: {note}")
    if args.json is not None:
        print(f"\nFull analysis written to {args.json}")
    return 0


def _read_baseline(path: Path) -> Any:
    """A baseline written by ``kiosk baseline``."""
    import json

    from kiosk.calibration import TraineeBaseline

    try:
        return TraineeBaseline.from_json(json.loads(path.read_text(encoding="utf-8")))
    except OSError as err:
        raise KioskError(
            f"The baseline {path} cannot be read ({err.strerror}); give the file `kiosk baseline` wrote."
        ) from err
    except ValueError as err:
        raise KioskError(f"The baseline {path} is not JSON ({err}); give the file `kiosk baseline` wrote.") from None


def _baseline(args: argparse.Namespace) -> int:
    """``kiosk baseline``: a trainee's own centre from a 10 s calibration recording, as JSON."""
    import json
    from datetime import datetime

    from kiosk.analysis import analyse_take, measure_baseline
    from kiosk.calibration import load_profile
    from kiosk.settings import read_settings
    from kiosk.voice import prepare_line

    profile = load_profile(args.profile)
    if not args.out.resolve().parent.is_dir():
        raise KioskError(f"The folder for --out {args.out} does not exist; create it or choose another path.")
    analysis = analyse_take(
        args.recording,
        vision_calibration=profile.vision,
        voice_calibration=profile.voice,
        line=prepare_line(args.line, language=args.lang) if args.line else None,
        limits=profile.media,
    )
    baseline = measure_baseline(
        analysis,
        settings=profile.baseline,
        vision_calibration=profile.vision,
        voice_calibration=profile.voice,
        kiosk=args.kiosk or read_settings().kiosk_name,
        taken_at=datetime.now().astimezone(),
    )
    args.out.write_text(json.dumps(baseline.to_json(), indent=2) + "\n", encoding="utf-8")
    body, voice = baseline.body, baseline.voice
    if body is not None:
        print(
            f"Looking at the lens: {body.gaze_yaw_deg:+.1f} deg sideways, {body.gaze_pitch_deg:+.1f} deg up; "
            f"resting smile {body.rest_smile_intensity:.2f}; head roll {body.head_roll_deg:+.1f} deg"
        )
    if voice is not None:
        print(
            f"Normal voice: {voice.speech_dbfs:.1f} dBFS"
            + (f", pitch {voice.median_pitch_hz:.0f} Hz" if voice.median_pitch_hz else "")
        )
    print(f"Baseline written to {args.out}; score takes against it with `kiosk analyze TAKE --baseline {args.out}`.")
    return 0


def _video_beside(media: Path, report: Path, analysis) -> ReportVideo | None:  # noqa: ANN001
    """The analysed recording, linked from the report by its path relative to the report (``None``: a still)."""
    from urllib.parse import quote

    from kiosk.report.html import ReportVideo

    if analysis.info.duration_s <= 0 or not media.is_file():
        return None
    relative = os.path.relpath(media.resolve(), report.resolve().parent)
    mime = mimetypes.guess_type(media.name)[0] or "video/mp4"
    return ReportVideo(src=quote(Path(relative).as_posix()), mime=mime)


def _report(args, analysis, scenario, scoring_profile, baseline) -> int:  # noqa: ANN001
    """Score the take for its line and write the report (HTML and/or JSON)."""
    from kiosk.analysis import score_and_report
    from kiosk.report.html import write_html
    from kiosk.report.take_report import write_report_json
    from kiosk.report.view import DocumentView, calibration_line

    scored = score_and_report(
        analysis,
        scoring_profile=scoring_profile,
        profile_name=str(args.profile),
        language=args.report_lang or args.lang,
        scenario=scenario,
        setting=args.setting,
        baseline=baseline,
    )
    for note in scored.notes:
        print(note)
    report = scored.document
    if args.report is not None:
        write_html(report, args.report, video=_video_beside(analysis.info.path, Path(args.report), analysis))
    if args.json is not None:
        write_report_json(report, args.json)
    overall = report.overall
    score = "-" if overall.score is None else overall.score
    print(f"{analysis.info.path.name}: {report.strings['overall']} {score} ({overall.label})")
    calibrated = calibration_line(DocumentView(report.to_json()))
    if calibrated:
        print(f"  {calibrated}")
    for missing in report.missing:  # no overall score: say what was missing and what to check
        print(f"  {missing.title}: {missing.advice}")
    for cue in report.cues:
        value = cue.score if cue.observed else f"- ({cue.why_not_observed})"
        print(f"  {cue.label:<26} {value}")
    for number, tip in enumerate(report.tips, start=1):
        print(f"{number}. {tip.text}")
    for path in (args.report, args.json):
        if path is not None:
            print(f"Written: {path}")
    return 0


def _scenarios(args: argparse.Namespace) -> int:
    from kiosk.scenarios import format_scenario_list, load_scenarios

    scenarios = [s for s in load_scenarios() if args.setting in (None, s.setting)]
    print(format_scenario_list(scenarios, args.lang, situations=args.situations))
    return 0


def _bench(args: argparse.Namespace) -> int:
    from kiosk.bench import run_vision_bench

    print(run_vision_bench(args.file, frames=args.frames))
    return 0


def _bench_voice(args: argparse.Namespace) -> int:
    from kiosk.bench import run_voice_bench

    print(run_voice_bench(args.file, line=args.line, repeats=args.repeats, language=args.lang))
    return 0


def _bench_live(args: argparse.Namespace) -> int:
    from kiosk.bench import run_live_bench

    print(run_live_bench(args.camera, args.microphone, seconds=args.seconds))
    return 0


def _read_pin() -> str:
    """The new PIN: typed twice without echo at a terminal, else the first line of stdin."""
    import getpass

    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    pin = getpass.getpass("New trainer PIN (at least 6 digits, or a passphrase of at least 12 characters): ")
    if getpass.getpass("The same PIN again: ") != pin:
        raise KioskError("The two PINs differ: run `kiosk trainer set-pin` again and type the same PIN twice.")
    return pin


def _trainer_set_pin(args: argparse.Namespace) -> int:
    from kiosk.store import Store, pin_problem

    pin = _read_pin()
    problem = pin_problem(pin)
    if problem:  # before the database is opened: nothing to undo
        raise KioskError(problem)
    with Store() as store:
        replaced = store.has_trainer_pin()
        store.set_trainer_pin(pin)
    print("Trainer PIN changed." if replaced else "Trainer PIN set: the dashboard opens with it.")
    return 0


def _trainer_unlock(args: argparse.Namespace) -> int:
    from kiosk.store import Store

    with Store() as store:
        store.clear_tries()
    print("Wrong PINs and codes forgotten: the dashboard and My progress take tries again.")
    return 0


def _backup(args: argparse.Namespace) -> int:
    from kiosk.store import backup_database, default_url

    written = backup_database(default_url(), args.path)
    print(f"Backup written: {written}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from kiosk.store import Store, dumps_export, write_private

    kind = args.path.suffix.lower()
    if kind not in (".csv", ".json"):
        raise KioskError(f"Export to a .csv (the takes) or a .json file (everything), not {args.path.name}.")
    if not args.path.resolve().parent.is_dir():
        raise KioskError(f"The folder for {args.path} does not exist; create it or choose another path.")
    with Store() as store:
        text = store.export_csv() if kind == ".csv" else dumps_export(store.export_json())
    write_private(args.path, text)
    print(f"Written: {args.path}")
    return 0


def _eval(args: argparse.Namespace) -> int:
    from kiosk.evaluation.command import run_eval

    if args.from_store:
        return _eval_from_store(args)
    if args.store is not None or args.workshop is not None:
        raise KioskError("--store and --workshop go with --from-store (the trainers' verdicts); add it.")
    return run_eval(args)


def _eval_from_store(args: argparse.Namespace) -> int:
    """``kiosk eval --from-store``: the stored verdicts per cue, as a table (or JSON)."""
    import json

    from kiosk.evaluation.from_store import (
        describe_store,
        evaluate_store,
        open_existing_store,
        verdict_json,
        verdict_table,
    )

    if args.manifests:
        raise KioskError("Give either MANIFEST files or --from-store, not both: run them one after the other.")
    with open_existing_store(args.store) as store:
        evaluation = evaluate_store(store, args.workshop)
        source = describe_store(store)
    if args.json:
        print(json.dumps(verdict_json(evaluation, source=source), indent=2, ensure_ascii=False))
    else:
        print(verdict_table(evaluation, source=source))
    return 0


def _export_labels(args: argparse.Namespace) -> int:
    """``kiosk export-labels``: the stored verdicts as an eval manifest (tests/eval/FORMAT.md)."""
    from kiosk.evaluation.from_store import manifest_of, open_existing_store
    from kiosk.evaluation.manifest import Split
    from kiosk.store import write_private

    if args.out.suffix.lower() != ".toml":
        raise KioskError(f"An eval manifest is a .toml file, not {args.out.name}; give --out NAME.toml.")
    if not args.out.resolve().parent.is_dir():
        raise KioskError(f"The folder for --out {args.out} does not exist; create it or choose another path.")
    with open_existing_store(args.store) as store:
        exported = manifest_of(store, args.workshop, split=Split(args.split))
    write_private(args.out, exported.text)
    print(
        f"Written: {args.out}: {exported.takes} take(s), {exported.labels} label(s); "
        f"{exported.comments} verdict(s) written as comments only (see the file)."
    )
    if exported.without_recording:
        print(
            f"Left out: {exported.without_recording} take(s) with verdicts whose recording was not kept "
            "(kiosk eval needs the recording); their verdicts still count in kiosk eval --from-store."
        )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description="Voice and body-language practice kiosk.")
    commands = parser.add_subparsers(dest="command", required=True)

    models = commands.add_parser("models", help="manage the pinned models (MediaPipe bundles, Whisper base)")
    models_commands = models.add_subparsers(dest="models_command", required=True)
    fetch = models_commands.add_parser("fetch", help="resolve and verify every model into the cache")
    fetch.set_defaults(run=_fetch_models)

    analyze = commands.add_parser("analyze", help="analyse a recorded take")
    analyze.add_argument(
        "take", type=Path, help="video (mp4, mov, webm, mkv, ...), sound (wav, flac, m4a, ...) or still image"
    )
    analyze.add_argument("--line", help="the scripted line the trainee meant to say (checks the words and pace)")
    analyze.add_argument(
        "--lang", default="en", help="language of the line and the report: en, da, lt or zh (default en)"
    )
    analyze.add_argument("--report-lang", help="language of the report if not the line's (en, da, lt or zh)")
    analyze.add_argument("--scenario", help="the scenario line practised (see `kiosk scenarios`): scores the take")
    analyze.add_argument("--report", type=Path, help="write the scored report here as one HTML file")
    analyze.add_argument(
        "--setting",
        choices=("front_desk", "phone", "video_call"),
        help="setting to score for (default: the scenario's)",
    )
    analyze.add_argument("--json", type=Path, help="write the per-frame timeline and summary here")
    analyze.add_argument("--profile", default="default", help="calibration profile name or .toml path")
    analyze.add_argument("--quiet", action="store_true", help="no progress bar")
    analyze.add_argument(
        "--baseline", type=Path, help="the trainee's baseline (from `kiosk baseline`): score against their own centre"
    )
    analyze.set_defaults(run=_analyze)

    baseline = commands.add_parser(
        "baseline", help="a trainee's own centre from a 10 s calibration recording (the dot, the pose, a sentence)"
    )
    baseline.add_argument("recording", type=Path, help="the calibration recording (video with sound)")
    baseline.add_argument("--out", type=Path, required=True, help="write the baseline here (JSON)")
    baseline.add_argument("--line", help="the sentence said (optional)")
    baseline.add_argument("--lang", default="en", help="language of the sentence (default en)")
    baseline.add_argument("--kiosk", help="the kiosk's name (default: KIOSK_NAME, else this machine's name)")
    baseline.add_argument("--profile", default="default", help="calibration profile name or .toml path")
    baseline.set_defaults(run=_baseline)

    scenarios = commands.add_parser("scenarios", help="list the scripted lines to practise")
    scenarios.add_argument("--lang", default="en", help="language of the lines: en, zh, lt or da (default en)")
    scenarios.add_argument(
        "--setting", choices=("front_desk", "phone", "video_call"), help="only the lines for this setting"
    )
    scenarios.add_argument("--situations", action="store_true", help="also show each customer's situation")
    scenarios.set_defaults(run=_scenarios)

    bench = commands.add_parser("bench", help="measure speed")
    bench_commands = bench.add_subparsers(dest="bench_command", required=True)
    vision = bench_commands.add_parser("vision", help="ms per frame for face, pose and the whole analyser")
    vision.add_argument("--file", type=Path, default=None, help="recording to time (default: a shared test clip)")
    vision.add_argument("--frames", type=int, default=150, help="frames per measurement")
    vision.set_defaults(run=_bench)
    voice = bench_commands.add_parser("voice", help="real-time factor of the voice analysis, per stage")
    voice.add_argument("--file", type=Path, default=None, help="recording to time (default: a shared test clip)")
    voice.add_argument("--line", default=None, help="its scripted line (default: the clip's transcript)")
    voice.add_argument("--repeats", type=int, default=5, help="timed runs (the median is reported)")
    voice.add_argument(
        "--lang",
        choices=("en", "da", "lt", "zh"),
        default="en",
        help="language of the line (default en); without --file, a kiosk line in it said by espeak-ng",
    )
    voice.set_defaults(run=_bench_voice)
    live = bench_commands.add_parser(
        "live", help="preview frames per second while recording, and seconds from Stop to the report"
    )
    live.add_argument("--camera", type=Path, default=None, help="recording standing in for the camera")
    live.add_argument("--microphone", type=Path, default=None, help="recording standing in for the microphone")
    live.add_argument("--seconds", type=float, default=30.0, help="length of the take (default 30)")
    live.set_defaults(run=_bench_live)

    trainer = commands.add_parser("trainer", help="the trainer's dashboard: its PIN")
    trainer_commands = trainer.add_subparsers(dest="trainer_command", required=True)
    set_pin = trainer_commands.add_parser(
        "set-pin", help="set or change the trainer PIN (asked twice without echo; or one line on stdin)"
    )
    set_pin.set_defaults(run=_trainer_set_pin)
    unlock = trainer_commands.add_parser("unlock", help="forget wrong PINs and trainee codes (ends a lockout)")
    unlock.set_defaults(run=_trainer_unlock)

    backup = commands.add_parser("backup", help="copy the database while the kiosk runs (SQLite's online backup)")
    backup.add_argument(
        "path",
        type=Path,
        nargs="?",
        default=None,
        help="file or folder for the copy (default: backups/ in the data folder)",
    )
    backup.set_defaults(run=_backup)

    settings = commands.add_parser("settings", help="list the KIOSK_* environment variables, their values and meanings")
    settings.add_argument("--check", action="store_true", help="only check them: exit 2 with a message if one is wrong")
    settings.set_defaults(run=_settings)

    evaluation = commands.add_parser("eval", help="the kiosk's figures on labelled recordings (tests/eval/*.toml)")
    add_eval_arguments(evaluation)
    evaluation.add_argument(
        "--from-store", action="store_true", help="count the trainers' verdicts in the kiosk's database instead"
    )
    evaluation.add_argument("--store", metavar="URL", help="with --from-store: the database (default: the kiosk's)")
    evaluation.add_argument("--workshop", metavar="NAME", help="with --from-store: only this workshop's takes")
    evaluation.set_defaults(run=_eval)

    labels = commands.add_parser("export-labels", help="write the trainers' verdicts as an eval manifest (.toml)")
    labels.add_argument("--out", type=Path, required=True, metavar="FILE.toml", help="the manifest to write")
    labels.add_argument("--store", metavar="URL", help="the database (default: the kiosk's)")
    labels.add_argument("--workshop", metavar="NAME", help="only this workshop's takes")
    labels.add_argument(
        "--split",
        choices=("tune", "held_out"),
        default="held_out",
        help="the takes' split (default held_out: a validation set, never tuned on)",
    )
    labels.set_defaults(run=_export_labels)

    export = commands.add_parser("export", help="export the takes (.csv) or everything (.json)")
    export.add_argument("path", type=Path, help="the file to write: .csv or .json")
    export.set_defaults(run=_export)
    return parser


def _settings(args: argparse.Namespace) -> int:
    from kiosk.settings import describe_settings

    if not args.check:
        print(describe_settings())
    return 0  # main() has already checked them


def _debugging() -> bool:
    """``KIOSK_DEBUG``, even when another variable is wrong (the traceback may be why)."""
    from kiosk.settings import SettingsError, read_settings

    try:
        return read_settings().debug
    except SettingsError:
        return False


def _quiet_native_logs() -> None:
    """Send MediaPipe's C++ log lines (written straight to fd 2) to /dev/null.

    Python's own stderr (messages, the progress bar) moves to a duplicate of
    the real stderr first, so the user still sees everything the kiosk says.
    """
    if _debugging():
        return
    try:
        sys.stderr.flush()
        real_stderr = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
        sys.stderr = os.fdopen(real_stderr, "w", buffering=1, encoding=sys.stderr.encoding or "utf-8", errors="replace")
    except OSError:
        pass  # no fd 2 to redirect (embedded use): leave logging as it is


def main(argv: Sequence[str] | None = None) -> int:
    from kiosk.settings import read_settings

    args = build_parser().parse_args(argv)
    _quiet_native_logs()
    try:
        read_settings()  # a wrong KIOSK_* value is refused before any work, whatever the command
        return int(args.run(args))
    except KioskError as err:
        print(f"kiosk: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("kiosk: interrupted.", file=sys.stderr)
        return 130
    except Exception as err:  # noqa: BLE001 - a user never sees a traceback
        if _debugging():
            traceback.print_exc()
        print(
            f"kiosk: unexpected error ({type(err).__name__}: {err}); nothing stored was changed. "
            "Run again with KIOSK_DEBUG=1 and report the output.",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
