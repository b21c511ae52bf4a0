"""Run the kiosk's real analysis on every take of the manifests and pool the figures per split.

Each take goes through the upload path (:func:`kiosk.analysis.analyse_take`)
with the chosen calibration profile and the take's line, and is scored
(:func:`kiosk.scoring.score_take`) for its setting, as a trainee's upload is;
the figures compare what the kiosk said with the labels
(:mod:`kiosk.evaluation.metrics`). Only APIs that the kiosk has had since
before issue 13 are used, so the same package measures old and new code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fnmatch import fnmatch
from pathlib import Path

from kiosk.analysis import TakeAnalysis, analyse_take
from kiosk.calibration import (
    MediaLimits,
    ScoringProfile,
    VisionCalibration,
    VoiceCalibration,
    load_media_limits,
    load_scoring_profile,
    load_vision_calibration,
    load_voice_calibration,
)
from kiosk.errors import KioskError
from kiosk.evaluation.manifest import Manifest, SeenCue, Split, Take, read_manifest
from kiosk.evaluation.media import resolve_media
from kiosk.evaluation.metrics import (
    CueFigures,
    FrameCounts,
    TakeCue,
    TakeVoice,
    VoiceFigures,
    any_frame_says_yes,
    cue_figures,
    filler_match,
    pause_match,
    score_frames,
    voice_figures,
    whole_take_false,
    wpm_from_words,
)
from kiosk.timespan import TimeSpan


@dataclass(frozen=True)
class TakeResult:
    """One take as the kiosk saw and heard it, against its labels.

    Attributes:
        key: the take's id (``manifest/id`` when several manifests are run).
        take: the take as the manifest gives it.
        media: the local file analysed.
        line: the line it was checked against (``None``: free speech).
        duration_s, frames: the recording's length and the frames analysed.
        seen: per labelled cue, the frame counts.
        voice: the voice figures (``None`` without heard labels or sound).
        problem: why the take could not be analysed (one sentence), else ``None``.
        words_said, line_words, unchecked_words: the kiosk's count of the line's words said, of
            the line's words, and of those it cannot check (line delivered is a share of the checked ones).
    """

    key: str
    take: Take
    media: Path
    line: str | None
    duration_s: float | None = None
    frames: int = 0
    seen: Mapping[SeenCue, TakeCue] = field(default_factory=dict)
    voice: TakeVoice | None = None
    problem: str | None = None
    words_said: int | None = None
    line_words: int | None = None
    unchecked_words: int | None = None


@dataclass(frozen=True)
class SplitFigures:
    """The figures of one split: per seen cue, and the voice."""

    split: Split
    takes: tuple[TakeResult, ...]
    cues: Mapping[SeenCue, CueFigures]
    voice: VoiceFigures | None
    language: str | None = None  # the takes' line language, when the figures are for one language

    @property
    def not_fully_scored(self) -> tuple[TakeResult, ...]:
        return tuple(t for t in self.takes if t.problem is not None)


@dataclass(frozen=True)
class Evaluation:
    """Every manifest run, the profile used, and the figures per split (tune first)."""

    manifests: tuple[Manifest, ...]
    profile: str
    splits: tuple[SplitFigures, ...]
    #: The same figures for each language of the takes' lines, when there is more than one.
    by_language: tuple[SplitFigures, ...] = ()


def evaluate(
    paths: Sequence[str | Path],
    *,
    profile: str = "default",
    split: Split | None = None,
    takes: Sequence[str] = (),
    progress: Callable[[str], None] | None = None,
) -> Evaluation:
    """Read the manifests, fetch their media, analyse every take (of ``split`` only, when given).

    ``takes`` keeps only the takes whose id matches one of these shell-style
    patterns (``face_*``); empty keeps all.

    Every manifest is checked and every recording found before the first
    take is analysed, so a mistake costs no waiting.

    Raises:
        ManifestError: a manifest is wrong or a recording cannot be had.
        CalibrationError: the profile cannot be read.
    """
    manifests = tuple(read_manifest(path) for path in paths)
    load_vision_calibration(profile)  # refuse a bad profile before any download
    several = len(manifests) > 1
    chosen = [
        (manifest, take)
        for manifest in manifests
        for take in manifest.takes
        if (split is None or take.split == split) and (not takes or any(fnmatch(take.id, p) for p in takes))
    ]
    media = [resolve_media(take.media, manifest=m.path, take_id=take.id, progress=progress) for m, take in chosen]
    results = []
    for number, ((manifest, take), path) in enumerate(zip(chosen, media, strict=True), start=1):
        key = f"{manifest.info.name}/{take.id}" if several else take.id
        if progress is not None:
            progress(f"[{number}/{len(chosen)}] {key}: {path.name}")
        results.append(
            run_take(
                take,
                path,
                key=key,
                vision_calibration=load_vision_calibration(profile),
                voice_calibration=load_voice_calibration(profile),
                scoring_profile=load_scoring_profile(profile),
                limits=load_media_limits(profile),
            )
        )
    splits = tuple(
        split_figures(s, [r for r in results if r.take.split == s])
        for s in Split
        if any(r.take.split == s for r in results)
    )
    languages = sorted({r.take.language for r in results})
    by_language = (
        tuple(
            replace(split_figures(s, chosen_results), language=language)
            for language in languages
            for s in Split
            if (chosen_results := [r for r in results if r.take.split == s and r.take.language == language])
        )
        if len(languages) > 1
        else ()
    )
    return Evaluation(manifests=manifests, profile=profile, splits=splits, by_language=by_language)


def run_take(
    take: Take,
    path: Path,
    *,
    key: str,
    vision_calibration: VisionCalibration,
    voice_calibration: VoiceCalibration,
    scoring_profile: ScoringProfile,
    limits: MediaLimits | None,
) -> TakeResult:
    """Analyse one take as an upload and compare it with its labels; a failed analysis is a result with a problem."""
    from kiosk.voice import prepare_line

    text = take.line_text()
    try:
        line = prepare_line(text, language=take.language) if text is not None else None
        analysis = analyse_take(
            path,
            vision_calibration=vision_calibration,
            voice_calibration=voice_calibration,
            line=line,
            limits=limits,
        )
    except KioskError as err:
        # The labels still count: as "not measured" (wpm, pitch, line delivered), never silently dropped.
        unmeasured = _unmeasured(take, key) if take.heard is not None else None
        return TakeResult(key=key, take=take, media=path, line=text, voice=unmeasured, problem=str(err))
    frames = analysis.body.timeline.frames if analysis.body is not None else ()
    seen = seen_counts(
        take, [f.time_s for f in frames], {cue: [getattr(f, cue.value) for f in frames] for cue in SeenCue}
    )
    problem = None
    if take.seen and not frames:
        problem = "the recording has no video, so the seen labels were not scored"
    voice = None
    summary = analysis.voice_summary
    if take.heard is not None:
        if analysis.voice is None or summary is None:
            problem = problem or "the recording has no sound, so the heard labels were not scored"
            voice = _unmeasured(take, key)
        else:
            voice = voice_result(
                take,
                key,
                pauses=[TimeSpan(p.start_s, p.end_s) for p in analysis.voice.pauses],
                fillers=[TimeSpan(f.start_s, f.end_s) for f in analysis.voice.filled_pauses],
                wpm=summary.words_per_minute,
                pitch_hz=summary.f0_median_hz,
                delivered=_line_delivered(analysis, take, scoring_profile) if line is not None else None,
            )
    return TakeResult(
        key=key,
        take=take,
        media=path,
        line=text,
        duration_s=analysis.info.duration_s,
        frames=len(frames),
        seen=seen,
        voice=voice,
        problem=problem,
        words_said=summary.words_said if summary is not None and line is not None else None,
        line_words=summary.line_words if summary is not None and line is not None else None,
        unchecked_words=len(summary.unchecked_words) if summary is not None and line is not None else None,
    )


def seen_counts(
    take: Take, times_s: Sequence[float], kiosk: Mapping[SeenCue, Sequence[bool | None]]
) -> dict[SeenCue, TakeCue]:
    """Per labelled cue of ``take``: its frame counts and whether a hand cue absent throughout was said anywhere."""
    result = {}
    for cue in SeenCue:
        labels = [lab for lab in take.seen if lab.cue == cue]
        if not labels:
            continue
        values = kiosk[cue]
        counts = score_frames(times_s, values, labels) if len(values) else FrameCounts()
        absent = any_frame_says_yes(values) if whole_take_false(cue, labels) and len(values) else None
        result[cue] = TakeCue(take=take.id, counts=counts, any_yes_when_absent=absent)
    return result


def _unmeasured(take: Take, key: str) -> TakeVoice:
    """A take whose voice the kiosk could not measure: its labels with no kiosk value (pauses and fillers left out)."""
    return voice_result(take, key, pauses=None, fillers=None, wpm=None, pitch_hz=None, delivered=None)


def voice_result(
    take: Take,
    key: str,
    *,
    pauses: Sequence[TimeSpan] | None,
    fillers: Sequence[TimeSpan] | None,
    wpm: float | None,
    pitch_hz: float | None,
    delivered: float | None,
) -> TakeVoice:
    """The kiosk's voice answers for one take against its heard labels (pure).

    ``pauses``/``fillers`` ``None``: the kiosk gave no answer, so they are not matched.
    """
    heard = take.heard
    assert heard is not None
    wpm_label = heard.wpm
    if wpm_label is None and heard.words is not None:
        wpm_label = wpm_from_words(heard.words, take.language)
    return TakeVoice(
        take=key,
        wpm_kiosk=wpm,
        wpm_label=wpm_label,
        pauses=pause_match(pauses, heard.pauses) if heard.pauses is not None and pauses is not None else None,
        fillers=filler_match(fillers, heard.fillers) if heard.fillers is not None and fillers is not None else None,
        pitch_kiosk_hz=pitch_hz,
        pitch_label_hz=heard.pitch_median_hz,
        delivered_kiosk=delivered,
        delivered_label=heard.line_delivered_share,
    )


def _line_delivered(analysis: TakeAnalysis, take: Take, scoring_profile: ScoringProfile) -> float | None:
    """The share of the line delivered as the scoring reports it (``None``: not observed)."""
    from kiosk.scoring import score_take, targets_for
    from kiosk.vocabulary import Cue

    body = analysis.body
    scores = score_take(
        setting=take.setting,
        targets=targets_for(scoring_profile, take.setting, language=take.language),
        profile=scoring_profile,
        body_timeline=body.timeline if body is not None else None,
        body_summary=body.summary if body is not None else None,
        voice=analysis.voice,
        voice_summary=analysis.voice_summary,
    )
    for cue in scores.cues:
        if cue.cue == Cue.LINE_DELIVERED:
            return cue.value if cue.observed else None
    share = analysis.voice_summary.line_delivered_share if analysis.voice_summary is not None else None
    return float(share) if share is not None else None


def split_figures(split: Split, results: Sequence[TakeResult]) -> SplitFigures:
    """Pool one split's takes: per cue over the takes that label it, and the voice over takes with heard labels."""
    cues = {}
    for cue in SeenCue:
        per_take = [
            TakeCue(r.key, r.seen[cue].counts, r.seen[cue].any_yes_when_absent) for r in results if cue in r.seen
        ]
        if per_take:
            cues[cue] = cue_figures(per_take)
    voices = [r.voice for r in results if r.voice is not None]
    return SplitFigures(
        split=split,
        takes=tuple(results),
        cues=cues,
        voice=voice_figures(voices) if voices else None,
    )


__all__ = [
    "Evaluation",
    "SplitFigures",
    "TakeResult",
    "evaluate",
    "run_take",
    "seen_counts",
    "split_figures",
    "voice_result",
]
