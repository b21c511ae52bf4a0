"""The voice analysis of a take as plain JSON-ready data (the ``voice`` part
of the take document; its schema is in ``body_analysis.schema.json``)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np

from kiosk.voice import VoiceSignals, VoiceSummary


def _stretches(items: Any) -> list[dict[str, float]]:
    return [{"start_s": s.start_s, "end_s": s.end_s, "duration_s": s.duration_s} for s in items]


def _array(values: np.ndarray) -> list[float | None]:
    return [None if not np.isfinite(v) else float(v) for v in np.asarray(values, dtype=float)]


def voice_section(signals: VoiceSignals, summary: VoiceSummary) -> dict[str, Any]:
    """The ``voice`` object of the take document (floats not yet rounded)."""
    line = signals.line
    frames = signals.frames
    return {
        "line": None
        if line is None
        else {
            "text": line.text,
            "language": line.language,
            "words": [
                {
                    "index": w.index,
                    "written": w.written,
                    "spoken": list(w.spoken),
                    "checked": w.checked,
                    "phrase_end": w.phrase_end,
                }
                for w in line.words
            ],
        },
        "summary": asdict(summary),
        "words": [asdict(w) for w in signals.words],
        "alignment_passes": signals.alignment_passes,
        "line_score_per_frame": signals.line_score_per_frame,
        "speech": _stretches(signals.speech),
        "pauses": [
            {"start_s": p.start_s, "end_s": p.end_s, "duration_s": p.duration_s, "after_word": p.after_word}
            for p in signals.pauses
        ],
        "filled_pauses": _stretches(signals.filled_pauses),
        "phrase_ends": [asdict(e) for e in signals.phrase_ends],
        "voice_breaks_s": _array(signals.voice_breaks_s),
        "syllable_nuclei_s": _array(signals.syllable_nuclei_s),
        "frames": {
            "step_s": frames.step_s,
            "times_s": _array(frames.times_s),
            "loudness_dbfs": _array(frames.loudness_dbfs),
            "f0_hz": _array(frames.f0_hz),
        },
    }
