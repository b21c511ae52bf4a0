"""Cue values from a take's signals, their scores, the overall score and tips (pure functions)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kiosk.calibration import CueTarget, ScoringProfile
from kiosk.vision.summary import BodySummary, BodyTimeline, Episode
from kiosk.voice.signals import WORD_SAID, WORD_UNCHECKED, VoiceSignals, VoiceSummary
from kiosk.voice.tone import robust_spread

#: Reasons a cue could not be observed (keys into the report's strings).
NO_VIDEO = "no_video"
NO_FACE = "no_face"
NOT_IN_VIEW = "not_in_view"
NO_SOUND = "no_sound"
NO_SPEECH = "no_speech"
NO_LINE = "no_line"
NOT_ENGLISH = "not_english"
TOO_LITTLE_VOICE = "too_little_voice"
NO_PHRASE_ENDS = "no_phrase_ends"


#: Where in the take a tip points: a stretch of the take, seconds from its start
#: (the same thing as a body-language episode).
Moment = Episode


@dataclass(frozen=True)
class CueScore:
    """One cue of a take, scored.

    Attributes:
        cue: the cue's name (a key of the profile's ``[scoring.<setting>]``).
        observed: False when it could not be measured in this take.
        value: the measured value in the cue's unit (``None`` if not observed).
        score: 0-100 (``None`` if not observed).
        target: the band, tolerance and weight it was scored against.
        direction: "low" or "high" when outside the band, else "in_band".
        reason: why it was not observed (a key, e.g. "no_video"), else ``None``.
        moment: the part of the take a tip about this cue points at.
    """

    cue: str
    observed: bool
    value: float | None
    score: float | None
    target: CueTarget
    direction: str
    reason: str | None
    moment: Moment | None


@dataclass(frozen=True)
class TakeScores:
    """A take scored for one line.

    Attributes:
        setting: front_desk, phone or video_call.
        cues: every cue of the setting, in profile order.
        overall: weighted mean of the observed cues' scores (``None`` if none observed).
        label: "excellent", "good", "fair" or "keep_practising" (``None`` with no overall).
        tips: up to three cues whose improvement would raise the overall most.
        strengths: observed cues at full marks, heaviest first (up to three).
    """

    setting: str
    cues: tuple[CueScore, ...]
    overall: float | None
    label: str | None
    tips: tuple[CueScore, ...]
    strengths: tuple[CueScore, ...]

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


def _direction(value: float, target: CueTarget) -> str:
    low, high = target.band
    return "low" if value < low else "high" if value > high else "in_band"


def _longest(episodes: tuple[Episode, ...]) -> Moment | None:
    if not episodes:
        return None
    longest = max(episodes, key=lambda e: e.duration_s)
    return Moment(longest.start_s, longest.end_s)


def _longest_not(timeline: BodyTimeline, name: str) -> Moment | None:
    """The longest stretch where a yes/no cue was observed as no."""
    return _longest(timeline.stretches_where(name, 0.0))


def _body_values(
    timeline: BodyTimeline | None, summary: BodySummary | None, profile: ScoringProfile
) -> dict[str, tuple[float | None, str | None, Moment | None]]:
    """cue -> (value, reason if not observed, moment)."""
    out: dict[str, tuple[float | None, str | None, Moment | None]] = {}
    if timeline is None or summary is None:
        return {cue: (None, NO_VIDEO, None) for cue in
                ("eye_contact", "eye_contact_at_start", "smiling", "smile_onset", "upright", "arms_open")}
    if summary.face_frame_count == 0:
        return {cue: (None, NO_FACE, None) for cue in
                ("eye_contact", "eye_contact_at_start", "smiling", "smile_onset", "upright", "arms_open")}

    def share(name: str) -> tuple[float | None, str | None]:
        cue = summary.cue(name)
        return (cue.share, None) if cue.share is not None else (None, NOT_IN_VIEW)

    value, reason = share("eye_contact")
    look_away = summary.longest_look_away
    out["eye_contact"] = (value, reason, Moment(look_away.start_s, look_away.end_s) if look_away else None)

    times, contact = timeline.times_s, timeline.column("eye_contact")
    start = (times - (times[0] if len(times) else 0.0)) <= profile.start_window_s
    opening = contact[start]
    opening = opening[~np.isnan(opening)]
    out["eye_contact_at_start"] = (
        (float(opening.mean()), None, Moment(float(times[0]), float(times[0]) + profile.start_window_s))
        if len(opening)
        else (None, NOT_IN_VIEW, None)
    )

    value, reason = share("smiling")
    smiling = summary.cue("smiling")
    out["smiling"] = (value, reason, _longest_not(timeline, "smiling") or _longest(smiling.episodes))
    if value is None:
        out["smile_onset"] = (None, reason, None)
    elif smiling.first_onset_s is None:
        # Never smiling is observed, and is the latest onset of all.
        out["smile_onset"] = (float("inf"), None, Moment(0.0, min(summary.duration_s, profile.start_window_s)))
    else:
        out["smile_onset"] = (smiling.first_onset_s, None, Moment(0.0, smiling.first_onset_s))

    value, reason = share("upright")
    out["upright"] = (value, reason, _longest_not(timeline, "upright"))
    crossed = summary.cue("arms_crossed")
    out["arms_open"] = (
        (1.0 - crossed.share, None, _longest(crossed.episodes)) if crossed.share is not None
        else (None, NOT_IN_VIEW, None)
    )
    return out


def _voice_values(
    signals: VoiceSignals | None, summary: VoiceSummary | None, profile: ScoringProfile
) -> dict[str, tuple[float | None, str | None, Moment | None]]:
    voice_cues = ("pace", "pace_syllables", "pitch_variety", "phrase_ends", "loudness", "even_loudness",
                  "filled_pauses", "line_delivered")
    if signals is None or summary is None:
        return {cue: (None, NO_SOUND, None) for cue in voice_cues}
    if not summary.speech_found:
        return {cue: (None, NO_SPEECH, None) for cue in voice_cues}
    speech = signals.speech
    whole = Moment(float(speech[0].start_s), float(speech[-1].end_s))
    out: dict[str, tuple[float | None, str | None, Moment | None]] = {}
    english = signals.line is not None and signals.line.language == "en"
    if summary.words_per_minute is not None:
        out["pace"] = (summary.words_per_minute, None, whole)
        out["pace_syllables"] = (None, None, None)  # pace is judged in words; see score_take
    else:
        out["pace"] = (None, NO_LINE if signals.line is None else NOT_ENGLISH if not english else NO_SPEECH, None)
        rate = summary.speech_rate_syl_per_s
        out["pace_syllables"] = (rate, None if rate is not None else NO_SPEECH, whole)
    out["pitch_variety"] = (
        (summary.pitch_spread_st, None, whole) if summary.pitch_spread_st is not None
        else (None, TOO_LITTLE_VOICE, None)
    )
    ends = [e for e in signals.phrase_ends if e.movement != "unknown"]
    if ends:
        first_not_falling = next((e for e in ends if e.movement != "falling"), None)
        moment = whole
        if first_not_falling is not None:
            # The phrase's last word, where the pitch should fall.
            before = [w for w in signals.words if w.start_s is not None and w.start_s < first_not_falling.end_s]
            start = before[-1].start_s if before else max(whole.start_s, first_not_falling.end_s - profile.start_window_s)
            moment = Moment(float(start), float(first_not_falling.end_s))
        out["phrase_ends"] = (summary.falling_ends / len(ends), None, moment)
    else:
        out["phrase_ends"] = (None, NO_PHRASE_ENDS, None)
    out["loudness"] = (summary.loudness_median_dbfs, None, whole)
    out["even_loudness"] = (summary.loudness_spread_db, None, whole)
    words = max(1, summary.line_words) if signals.line is not None else None
    if words is None:
        syllables = len(signals.syllable_nuclei_s)
        # Without a line, words are estimated from the syllables.
        words = max(1, round(syllables / profile.syllables_per_word))
    first_filler = signals.filled_pauses[0] if signals.filled_pauses else None
    out["filled_pauses"] = (
        summary.filled_pause_count / words,
        None,
        Moment(first_filler.start_s, first_filler.end_s) if first_filler else whole,
    )
    if signals.line is None:
        out["line_delivered"] = (None, NO_LINE, None)
    elif summary.line_delivered_share is None:
        out["line_delivered"] = (None, NOT_ENGLISH if not english else NO_SPEECH, None)
    else:
        missed = [w for w in signals.words if w.status not in (WORD_SAID, WORD_UNCHECKED)]
        moment = whole
        if missed:
            timed = [w for w in signals.words if w.start_s is not None]
            before = [w for w in timed if w.index < missed[0].index]
            at = before[-1].end_s if before else whole.start_s
            moment = Moment(at, at)
        out["line_delivered"] = (summary.line_delivered_share, None, moment)
    return out


#: Voice cues whose tip points at the stretch of speech that shows the problem most.
_STRETCH_CUES = frozenset({"pace", "pace_syllables", "loudness", "even_loudness", "pitch_variety"})


def _stretch_moment(voice: VoiceSignals, cue: str, direction: str) -> Moment | None:
    """The stretch of speech that is fastest/slowest, loudest/quietest, most
    uneven, or flattest/most swinging, for a tip about ``cue``."""
    frames = voice.frames
    measured = []
    overall = np.nanmedian(frames.loudness_dbfs[frames.voiced]) if frames.voiced.any() else np.nan
    for stretch in voice.speech:
        inside = (frames.times_s >= stretch.start_s) & (frames.times_s < stretch.end_s)
        voiced = inside & frames.voiced
        if cue in ("pace", "pace_syllables"):
            nuclei = voice.syllable_nuclei_s
            value = np.count_nonzero((nuclei >= stretch.start_s) & (nuclei < stretch.end_s)) / stretch.duration_s
        elif cue == "loudness":
            value = np.median(frames.loudness_dbfs[voiced]) if voiced.any() else np.nan
        elif cue == "even_loudness":
            value = abs(np.median(frames.loudness_dbfs[voiced]) - overall) if voiced.any() else np.nan
        else:
            pitch = frames.pitch_st[voiced]
            value = robust_spread(pitch) if len(pitch) > 1 else np.nan
        if np.isfinite(value):
            measured.append((float(value), stretch))
    if not measured:
        return None
    pick = max if direction == "high" else min
    stretch = pick(measured, key=lambda item: item[0])[1]
    return Moment(float(stretch.start_s), float(stretch.end_s))


def score_take(
    *,
    setting: str,
    targets: dict[str, CueTarget],
    profile: ScoringProfile,
    body_timeline: BodyTimeline | None,
    body_summary: BodySummary | None,
    voice: VoiceSignals | None,
    voice_summary: VoiceSummary | None,
) -> TakeScores:
    """Score a take's cues against ``targets`` (see :func:`kiosk.scoring.targets_for`)."""
    values = {**_body_values(body_timeline, body_summary, profile), **_voice_values(voice, voice_summary, profile)}
    # A cue held the whole take wrong (e.g. staring) points at the whole take.
    duration = body_summary.duration_s if body_summary is not None else (
        float(voice.frames.times_s[-1]) if voice is not None and len(voice.frames) else 0.0
    )
    whole_take = Moment(0.0, duration)
    # A single picture (one frame, no sound) has no moments to point at.
    still = body_summary is not None and body_summary.frame_count <= 1 and voice is None
    cues = []
    for cue, target in targets.items():
        value, reason, moment = values.get(cue, (None, NO_VIDEO, None))
        if cue == "pace_syllables" and value is None and reason is None:
            continue  # pace was judged in words per minute
        if value is None:
            cues.append(CueScore(cue, False, None, None, target, "in_band", reason, None))
            continue
        if value == float("inf"):  # a smile that never came
            cues.append(CueScore(cue, True, None, 0.0, target, "never", None, None if still else moment or whole_take))
            continue
        direction = _direction(float(value), target)
        if cue == "smiling" and direction == "high" and body_summary is not None:
            # Smiling where it is out of place: point at the longest smile.
            moment = _longest(body_summary.cue("smiling").episodes) or moment
        if cue == "eye_contact" and direction == "high" and body_summary is not None:
            # Staring: point at the longest unbroken look.
            moment = _longest(body_summary.cue("eye_contact").episodes) or moment
        if cue in _STRETCH_CUES and direction in ("low", "high") and voice is not None:
            moment = _stretch_moment(voice, cue, direction) or moment
        if still:
            moment = None
        else:
            moment = moment or whole_take
        cues.append(
            CueScore(cue, True, float(value), score_against(float(value), target), target, direction, None, moment)
        )
    if any(c.cue == "pace_syllables" and c.observed for c in cues):
        # Pace was judged in syllables per second: one pace row, not two.
        cues = [c for c in cues if c.cue != "pace"]
    else:
        cues = [c for c in cues if c.cue != "pace_syllables"]
    observed = [c for c in cues if c.observed]
    total_weight = sum(c.target.weight for c in observed)
    overall = (
        sum(c.score * c.target.weight for c in observed) / total_weight if observed and total_weight else None
    )
    label = None
    if overall is not None:
        label = (
            "excellent" if overall >= profile.excellent
            else "good" if overall >= profile.good
            else "fair" if overall >= profile.fair
            else "keep_practising"
        )
    # Gain in the overall score if the cue reached full marks.
    gains = sorted(
        (c for c in observed if c.score < 100.0),
        key=lambda c: (-(100.0 - c.score) * c.target.weight, c.cue),
    )
    strengths = sorted((c for c in observed if c.score >= 100.0), key=lambda c: (-c.target.weight, c.cue))
    return TakeScores(
        setting=setting,
        cues=tuple(cues),
        overall=overall,
        label=label,
        tips=tuple(gains[:3]),
        strengths=tuple(strengths[:3]),
    )
