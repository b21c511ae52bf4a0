"""A take's cues scored against their targets: each cue's score, the overall score, tips and strengths (pure).

What each cue measures and how comes from :data:`kiosk.scoring.registry.CUE_SPECS`;
this module only scores: 100 inside a cue's target band, falling linearly to
0 over its tolerance outside it; the overall score is the weighted mean of
the cues observed; a cue not observed is left out and says why.

A take missing a whole half its setting scores (nobody seen on a front-desk
take, no speech heard) gets no overall score: a mean of the other half would
praise a take that did not happen. The half and why are in ``missing``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from kiosk.calibration import CueTarget, ScoringProfile
from kiosk.scoring.registry import CUE_SPECS, CueSpec, Measured, TakeSignals, not_observed
from kiosk.timespan import TimeSpan
from kiosk.vision.summary import BodySummary, BodyTimeline
from kiosk.vocabulary import Cue, Direction, NotObserved, ScoreLabel, Sense, WordStatus
from kiosk.voice.signals import VoiceSignals, VoiceSummary


@dataclass(frozen=True)
class CueScore:
    """One cue of a take, scored.

    Attributes:
        cue: the cue (a key of the profile's ``[scoring.<setting>]``).
        observed: False when it could not be measured in this take.
        value: the measured value in the cue's unit (``None`` if not observed).
        score: 0-100 (``None`` if not observed).
        target: the band, tolerance and weight it was scored against.
        direction: below, inside or above the band (or a smile that never came).
        reason: why it was not observed, else ``None``.
        moment: the part of the take a tip about this cue points at.
        slightly_off: outside its band but at the profile's ``slightly_off_min_score`` or more
            ("a little" fast, quiet... rather than "too").
    """

    cue: Cue
    observed: bool
    value: float | None
    score: float | None
    target: CueTarget
    direction: Direction
    reason: NotObserved | None
    moment: TimeSpan | None
    slightly_off: bool = False


#: Why a whole half of a take is missing (every cue of that sense not observed for one of these).
_HALF_MISSING = frozenset({NotObserved.NO_VIDEO, NotObserved.NO_FACE, NotObserved.NO_SOUND, NotObserved.NO_SPEECH})


@dataclass(frozen=True)
class MissingHalf:
    """A half of the take its setting scores (what is seen, or what is heard) that was not there at all."""

    sense: Sense
    reason: NotObserved


@dataclass(frozen=True)
class PaceStretch:
    """A stretch of speech between pauses, spoken outside the pace band (``LOW``: slow, ``HIGH``: fast)."""

    span: TimeSpan
    direction: Direction
    value: float  # in the scored pace cue's unit (words/min or syllables/s)


@dataclass(frozen=True)
class TakeScores:
    """A take scored for one line.

    Attributes:
        setting: front_desk, phone or video_call.
        cues: every cue of the setting, in profile order.
        overall: weighted mean of the observed cues' scores (``None`` if none
            observed, or a half of the take is missing).
        label: the word for the overall score (``None`` with no overall).
        tips: up to three cues whose improvement would raise the overall most.
        strengths: observed cues at full marks, heaviest first (up to three).
        missing: the halves of the take its setting scores that were not there at all.
        pace_stretches: the stretches of speech outside the pace band.
    """

    setting: str
    cues: tuple[CueScore, ...]
    overall: float | None
    label: ScoreLabel | None
    tips: tuple[CueScore, ...]
    strengths: tuple[CueScore, ...]
    missing: tuple[MissingHalf, ...] = ()
    pace_stretches: tuple[PaceStretch, ...] = ()

    def cue(self, name: str) -> CueScore:
        for cue in self.cues:
            if cue.cue == name:
                return cue
        raise KeyError(name)


def score_against(value: float, target: CueTarget) -> float:
    """0-100: full marks inside ``target.band``, falling linearly to 0 over
    ``target.tolerance`` outside it."""
    low, high = target.band
    distance = max(low - value, value - high, 0.0)
    return float(100.0 * max(0.0, 1.0 - distance / target.tolerance))


def _direction(value: float, target: CueTarget) -> Direction:
    low, high = target.band
    return Direction.LOW if value < low else Direction.HIGH if value > high else Direction.IN_BAND


def observe(spec: CueSpec, take: TakeSignals, profile: ScoringProfile) -> Measured:
    """A cue's value in a take, or why it could not be observed: seen cues need a face, heard cues speech."""
    if spec.sense is Sense.SEEN:
        if take.body_timeline is None or take.body_summary is None:
            return not_observed(NotObserved.NO_VIDEO)
        if take.body_summary.face_frame_count == 0:
            return not_observed(NotObserved.NO_FACE)
    else:
        if take.voice is None or take.voice_summary is None:
            return not_observed(NotObserved.NO_SOUND)
        if not take.voice_summary.speech_found:
            return not_observed(NotObserved.NO_SPEECH)
    return spec.measure(take, profile)


def _longest_episode(summary: BodySummary | None, signal: str) -> TimeSpan | None:
    if summary is None:
        return None
    episodes = summary.cue(signal).episodes
    if not episodes:
        return None
    longest = max(episodes, key=lambda e: e.duration_s)
    return TimeSpan(longest.start_s, longest.end_s)


def _worst_stretch(spec: CueSpec, voice: VoiceSignals, direction: Direction) -> TimeSpan | None:
    """The stretch of speech that shows a problem most: the highest value for one above the band, else the lowest."""
    assert spec.stretch_value is not None
    measured = []
    for stretch in voice.speech:
        value = spec.stretch_value(voice, stretch)
        if np.isfinite(value):
            measured.append((float(value), stretch))
    if not measured:
        return None
    pick = max if direction is Direction.HIGH else min
    stretch = pick(measured, key=lambda item: item[0])[1]
    return TimeSpan(float(stretch.start_s), float(stretch.end_s))


def _tip_moment(
    spec: CueSpec, measured: Measured, direction: Direction, take: TakeSignals, whole_take: TimeSpan
) -> TimeSpan | None:
    """Where a tip about a cue points: its own moment, or the episode or stretch that shows the problem most."""
    if take.still:
        return None  # a single picture has no moments to point at
    moment = measured.moment
    if direction is Direction.HIGH and spec.longest_episode_when_high is not None:
        moment = _longest_episode(take.body_summary, spec.longest_episode_when_high) or moment
    if direction in (Direction.LOW, Direction.HIGH) and spec.stretch_value is not None and take.voice is not None:
        moment = _worst_stretch(spec, take.voice, direction) or moment
    # A cue held the whole take wrong (e.g. staring) points at the whole take.
    return moment or whole_take


def _label(overall: float, profile: ScoringProfile) -> ScoreLabel:
    if overall >= profile.excellent:
        return ScoreLabel.EXCELLENT
    if overall >= profile.good:
        return ScoreLabel.GOOD
    if overall >= profile.fair:
        return ScoreLabel.FAIR
    return ScoreLabel.KEEP_PRACTISING


def score_take(
    *,
    setting: str,
    targets: Mapping[Cue, CueTarget],
    profile: ScoringProfile,
    body_timeline: BodyTimeline | None,
    body_summary: BodySummary | None,
    voice: VoiceSignals | None,
    voice_summary: VoiceSummary | None,
) -> TakeScores:
    """Score a take's cues against ``targets`` (see :func:`kiosk.scoring.targets_for`)."""
    take = TakeSignals(body_timeline, body_summary, voice, voice_summary)
    whole_take = TimeSpan(0.0, take.duration_s)
    measured: dict[Cue, Measured] = {}
    for name in targets:
        spec = CUE_SPECS[Cue(name)]
        primary = measured.get(spec.stands_in_for) if spec.stands_in_for is not None else None
        if primary is not None and primary.value is not None:
            continue  # the cue it stands in for was measured: one row, not two
        measured[spec.cue] = observe(spec, take, profile)
    cues = []
    for cue, value in measured.items():
        target = targets[cue]
        spec = CUE_SPECS[cue]
        if value.value is None:
            cues.append(CueScore(cue, False, None, None, target, Direction.IN_BAND, value.reason, None))
        elif value.value == float("inf"):  # a smile that never came
            moment = None if take.still else value.moment or whole_take
            cues.append(CueScore(cue, True, None, 0.0, target, Direction.NEVER, None, moment))
        else:
            direction = _direction(float(value.value), target)
            score = score_against(float(value.value), target)
            cues.append(
                CueScore(
                    cue,
                    True,
                    float(value.value),
                    score,
                    target,
                    direction,
                    None,
                    _tip_moment(spec, value, direction, take, whole_take),
                    slightly_off=direction is not Direction.IN_BAND and score >= profile.slightly_off_min_score,
                )
            )
    # A stand-in observed replaces the cue it stands in for; one not observed leaves it.
    for spec in CUE_SPECS.values():
        if spec.stands_in_for is None:
            continue
        stand_in_observed = any(c.cue == spec.cue and c.observed for c in cues)
        dropped = spec.stands_in_for if stand_in_observed else spec.cue
        cues = [c for c in cues if c.cue != dropped]
    observed = [c for c in cues if c.observed]
    missing = _missing_halves(cues)
    total_weight = sum(c.target.weight for c in observed)
    overall = (
        sum(c.score * c.target.weight for c in observed if c.score is not None) / total_weight
        if observed and total_weight and not missing
        else None
    )
    label = None if overall is None else _label(overall, profile)
    # Gain in the overall score if the cue reached full marks.
    gains = sorted(
        (c for c in observed if c.score is not None and c.score < 100.0),
        key=lambda c: (-(100.0 - (c.score or 0.0)) * c.target.weight, c.cue),
    )
    strengths = sorted(
        (c for c in observed if c.score is not None and c.score >= 100.0), key=lambda c: (-c.target.weight, c.cue)
    )
    return TakeScores(
        setting=setting,
        cues=tuple(cues),
        overall=overall,
        label=label,
        tips=tuple(gains[:3]),
        strengths=tuple(strengths[:3]),
        missing=missing,
        pace_stretches=pace_stretches(cues, take.voice, profile),
    )


def _missing_halves(cues: list[CueScore]) -> tuple[MissingHalf, ...]:
    """The senses whose every cue was not observed because the take had nothing of that half."""
    missing = []
    for sense in Sense:
        of_sense = [c for c in cues if Cue(c.cue).sense is sense]
        reasons = {c.reason for c in of_sense}
        if of_sense and not any(c.observed for c in of_sense) and len(reasons) == 1 and reasons <= _HALF_MISSING:
            reason = next(iter(reasons))
            assert reason is not None
            missing.append(MissingHalf(sense, reason))
    return tuple(missing)


def pace_stretches(
    cues: Sequence[CueScore], voice: VoiceSignals | None, profile: ScoringProfile
) -> tuple[PaceStretch, ...]:
    """The stretches of speech (between pauses) spoken clearly faster or slower than the scored pace cue's band.

    Words (or a Chinese line's characters) per minute count the line's words said in the stretch; syllables
    per second (lines whose words are not aligned) its syllable nuclei; both
    over the stretch and the pause after it. A
    stretch too short to have a pace of its own (the profile's
    ``pace_stretch_min_s`` and ``pace_stretch_min_words``) is left out.
    """
    pace = next((c for c in cues if c.observed and c.cue in (Cue.PACE, Cue.PACE_CHARACTERS, Cue.PACE_SYLLABLES)), None)
    if pace is None or voice is None:
        return ()
    low, high = pace.target.band
    found = []
    stretches = list(voice.speech)
    for i, stretch in enumerate(stretches):
        if stretch.duration_s < profile.pace_stretch_min_s:
            continue
        # The band is a rate over the line with its pauses in it: a stretch counts the pause after it
        # (up to the next speech), as the whole line's pace does, so a line said at an even, in-band
        # pace with breaks is not shaded fast.
        until_s = float(stretches[i + 1].start_s) if i + 1 < len(stretches) else float(stretch.end_s)
        if pace.cue in (Cue.PACE, Cue.PACE_CHARACTERS):
            words = [w for w in voice.words_between(stretch.start_s, stretch.end_s) if w.status == WordStatus.SAID]
            if len(words) < profile.pace_stretch_min_words:
                continue
            assert words[0].start_s is not None and words[-1].end_s is not None
            span = TimeSpan(float(words[0].start_s), float(words[-1].end_s))
            if span.duration_s < profile.pace_stretch_min_s:
                continue
            value = len(words) / (max(until_s, span.end_s) - span.start_s) * 60.0
        else:
            span = TimeSpan(float(stretch.start_s), float(stretch.end_s))
            nuclei = voice.syllable_nuclei_s
            syllables = np.count_nonzero((nuclei >= span.start_s) & (nuclei < span.end_s))
            value = float(syllables) / (max(until_s, span.end_s) - span.start_s)
        # A few words' rate wobbles with their lengths: only a stretch clearly off (beyond the band by
        # more than the cue's tolerance, where the whole line would score 0) is shaded.
        slack = pace.target.tolerance
        if value < low - slack or value > high + slack:
            found.append(PaceStretch(span, Direction.LOW if value < low else Direction.HIGH, float(value)))
    return tuple(found)
