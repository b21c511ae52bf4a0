"""A take's body language over time: shares, episodes, onsets (pure functions).

Each frame stands for the time until the next frame, so shares are correct
for variable frame rates. Shares are taken over the time where a cue was
observable; unknown frames count for neither side. A take's timeline holds
the frames the schedule judged (:mod:`kiosk.vision.schedule`), its yes/no
cues already made steady (:mod:`kiosk.vision.steady`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kiosk.calibration import VisionCalibration
from kiosk.timespan import TimeSpan
from kiosk.vision.signals import FrameSignals

#: The yes/no cues summarised for every take, in report order.
BODY_CUES: tuple[str, ...] = (
    "face_found",
    "others_present",
    "well_framed",
    "too_dark",
    "backlit",
    "eye_contact",
    "eyes_closed",
    "smiling",
    "smile_reaches_eyes",
    "upright",
    "head_tilted",
    "head_dropped",
    "shoulders_raised",
    "arms_crossed",
    "hands_visible",
    "hand_on_face",
    "legs_crossed",
)


@dataclass(frozen=True)
class CueSummary:
    """One cue over the whole take.

    Attributes:
        cue: the cue's name (a :class:`FrameSignals` field).
        observed_s: seconds in which the cue could be judged.
        share: fraction 0-1 of ``observed_s`` in which it held; ``None`` if never observed.
        episodes: stretches where it held (short gaps merged, blips dropped).
        first_onset_s: start of the first episode, ``None`` if none.
        longest_s: length of the longest episode in seconds (0.0 if none).
    """

    cue: str
    observed_s: float
    share: float | None
    episodes: tuple[TimeSpan, ...]
    first_onset_s: float | None
    longest_s: float


@dataclass(frozen=True)
class BodyTimeline:
    """Per-frame signals of one take, in time order."""

    frames: tuple[FrameSignals, ...]

    @property
    def times_s(self) -> np.ndarray:
        return np.array([f.time_s for f in self.frames], dtype=np.float64)

    def column(self, name: str) -> np.ndarray:
        """One signal over time as float64; unknown is NaN, booleans are 0/1."""
        values = [getattr(f, name) for f in self.frames]
        return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)

    def stretches_where(self, name: str, value: float) -> tuple[TimeSpan, ...]:
        """Every stretch where signal ``name`` equals ``value`` (1.0 yes, 0.0 no,
        NaN unknown), each frame lasting until the next; nothing merged or dropped."""
        column = self.column(name)
        held = (np.isnan(column) if np.isnan(value) else column == value).astype(np.float64)
        spans = self.frame_spans_s(max_span_s=np.inf)
        return episodes_of(held, self.times_s, spans, merge_gap_s=0.0, min_episode_s=0.0)

    def frame_spans_s(self, *, max_span_s: float) -> np.ndarray:
        """How long each frame stands for, in seconds, at most ``max_span_s``.

        The cap keeps a gap in a variable-rate file from making one frame
        count for seconds.
        """
        times = self.times_s
        if len(times) == 0:
            return times
        if len(times) == 1:
            return np.ones(1)  # a still image: one frame is the whole take
        spans = np.diff(times)
        spans = np.append(spans, np.median(spans))
        return np.minimum(spans, max_span_s)


@dataclass(frozen=True)
class BodySummary:
    """The take's body language in numbers a trainer can read."""

    duration_s: float
    frame_count: int
    face_frame_count: int
    max_people_in_view: int
    cues: tuple[CueSummary, ...]
    longest_look_away: TimeSpan | None
    median_head_yaw_deg: float | None
    median_head_pitch_deg: float | None
    median_smile_intensity: float | None

    def cue(self, name: str) -> CueSummary:
        for summary in self.cues:
            if summary.cue == name:
                return summary
        raise KeyError(name)


def episodes_of(
    held: np.ndarray, starts_s: np.ndarray, spans_s: np.ndarray, *, merge_gap_s: float, min_episode_s: float
) -> tuple[TimeSpan, ...]:
    """Stretches where ``held`` is true (NaN and 0 end a stretch).

    Args:
        held: per-frame 1.0 / 0.0 / NaN.
        starts_s: frame times in seconds.
        spans_s: how long each frame stands for, seconds.
        merge_gap_s: stretches separated by at most this are joined.
        min_episode_s: joined stretches shorter than this are dropped.
    """
    raw: list[list[float]] = []
    for on, start, span in zip(held, starts_s, spans_s, strict=True):
        if on == 1.0:
            if raw and start - raw[-1][1] <= 1e-6:
                raw[-1][1] = start + span
            else:
                raw.append([start, start + span])
    merged: list[list[float]] = []
    for start, end in raw:
        if merged and start - merged[-1][1] <= merge_gap_s:
            merged[-1][1] = end
        else:
            merged.append([start, end])
    return tuple(TimeSpan(float(s), float(e)) for s, e in merged if e - s >= min_episode_s)


def summarise_cue(
    timeline: BodyTimeline, cue: str, calibration: VisionCalibration, *, value: float = 1.0
) -> CueSummary:
    """Share, episodes and onset of one yes/no cue (``value=0.0`` summarises where it did *not* hold)."""
    column = timeline.column(cue)
    spans = timeline.frame_spans_s(max_span_s=calibration.episodes.max_frame_span_s)
    known = ~np.isnan(column)
    observed = float(spans[known].sum())
    held = np.where(known, (column == value).astype(np.float64), np.nan)
    share = float(spans[held == 1.0].sum() / observed) if observed > 0 else None
    episodes = episodes_of(
        held,
        timeline.times_s,
        spans,
        merge_gap_s=calibration.episodes.merge_gap_s,
        min_episode_s=calibration.episodes.min_episode_s,
    )
    return CueSummary(
        cue=cue,
        observed_s=observed,
        share=share,
        episodes=episodes,
        first_onset_s=episodes[0].start_s if episodes else None,
        longest_s=max((e.duration_s for e in episodes), default=0.0),
    )


def _median(timeline: BodyTimeline, name: str) -> float | None:
    column = timeline.column(name)
    column = column[~np.isnan(column)]
    return float(np.median(column)) if column.size else None


def summarise(timeline: BodyTimeline, calibration: VisionCalibration) -> BodySummary:
    """Summarise every body cue of a take."""
    spans = timeline.frame_spans_s(max_span_s=calibration.episodes.max_frame_span_s)
    times = timeline.times_s
    duration = float(times[-1] + spans[-1]) if len(times) else 0.0
    look_away = summarise_cue(timeline, "eye_contact", calibration, value=0.0)
    return BodySummary(
        duration_s=duration,
        frame_count=len(timeline.frames),
        face_frame_count=sum(1 for f in timeline.frames if f.face_found),
        max_people_in_view=max((f.people_in_view for f in timeline.frames), default=0),
        cues=tuple(summarise_cue(timeline, cue, calibration) for cue in BODY_CUES),
        longest_look_away=max(look_away.episodes, key=lambda e: e.duration_s, default=None),
        median_head_yaw_deg=_median(timeline, "head_yaw_deg"),
        median_head_pitch_deg=_median(timeline, "head_pitch_deg"),
        median_smile_intensity=_median(timeline, "smile_intensity"),
    )
