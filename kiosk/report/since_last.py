"""A take against the trainee's previous take of the same line: "Since your last try"."""

from __future__ import annotations

from collections.abc import Mapping

from kiosk.report.document import CueChange, SinceLast, TakeReport


def since_last(
    report: TakeReport,
    *,
    recorded: str,
    overall: float | None,
    cue_scores: Mapping[str, float | None],
    unchanged_within: float,
) -> SinceLast | None:
    """This take's scores beside the previous take's (``overall`` and ``cue_scores`` 0-100, as stored).

    Only the cues scored on both takes are compared; ``None`` when nothing
    can be (the previous take had no score a cue of this one has).
    ``unchanged_within`` is the profile's ``[scoring] unchanged_within``.
    """
    changes = []
    for row in report.cues:
        before = cue_scores.get(row.cue.value)
        if row.score is not None and before is not None:
            changes.append(CueChange(cue=row.cue, label=row.label, before=int(round(before)), now=row.score))
    overall_before = None if overall is None else int(round(overall))
    if not changes and (overall_before is None or report.overall.score is None):
        return None
    return SinceLast(
        recorded=recorded,
        overall_before=overall_before,
        overall_now=report.overall.score,
        cues=tuple(changes),
        unchanged_within=unchanged_within,
    )


__all__ = ["since_last"]
