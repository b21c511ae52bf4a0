"""The ``kiosk eval`` command line: its options and what it runs (also ``python -m kiosk.evaluation``)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from kiosk.errors import EXIT_BAD_INPUT, KioskError


def add_eval_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``kiosk eval``."""
    parser.add_argument("manifests", type=Path, nargs="*", metavar="MANIFEST", help="manifest .toml files")
    parser.add_argument("--split", choices=("tune", "held_out"), help="analyse and report only this split's takes")
    parser.add_argument(
        "--take",
        action="append",
        default=[],
        metavar="PATTERN",
        help="only takes whose id matches (repeatable; face_*)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of the tables")
    parser.add_argument("--verbose", action="store_true", help="also print every take's figures")
    parser.add_argument(
        "--save-json", type=Path, metavar="PATH", help="also write the JSON document to PATH (one run, both forms)"
    )
    parser.add_argument("--profile", default="default", help="calibration profile name or .toml path")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")


def run_eval(args: argparse.Namespace) -> int:
    """Evaluate the manifests and print the tables (or the JSON document); 0 when it ran."""
    from kiosk.evaluation.manifest import Split
    from kiosk.evaluation.runner import evaluate
    from kiosk.evaluation.table import json_document, text_report

    def progress(message: str) -> None:
        if not args.quiet:
            print(message, file=sys.stderr)

    if not args.manifests:
        raise KioskError("Give at least one MANIFEST .toml file to evaluate (see tests/eval/FORMAT.md).")
    split = Split(args.split) if args.split else None
    evaluation = evaluate(args.manifests, profile=args.profile, split=split, takes=args.take, progress=progress)
    document = json.dumps(json_document(evaluation), indent=2, ensure_ascii=False)
    if args.save_json is not None:
        try:
            args.save_json.write_text(document + "\n", encoding="utf-8")
        except OSError as err:
            print(
                f"kiosk: could not write {args.save_json}: {err.strerror}; give a path in a folder you can write.",
                file=sys.stderr,
            )
            return EXIT_BAD_INPUT
    if args.json:
        print(document)
    else:
        print(text_report(evaluation, verbose=args.verbose))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m kiosk.evaluation``: the same as ``kiosk eval``, one sentence and exit 2 on bad input."""
    parser = argparse.ArgumentParser(prog="python -m kiosk.evaluation", description="kiosk eval")
    add_eval_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run_eval(args)
    except KioskError as err:
        print(f"kiosk: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
