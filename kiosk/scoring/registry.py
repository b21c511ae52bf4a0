"""Every scored cue in one place: what it measures, its unit, how its value comes from the take, its live cue.

A cue is named by :class:`kiosk.vocabulary.Cue` (which also says whether it
is seen or heard, and so which settings score it). Here each cue has one
:class:`CueSpec`, written next to the function that measures it; scoring,
the line's targets, the report's tables and the live coach are all driven
from :data:`CUE_SPECS`. Adding a cue is: a member of ``Cue``, its spec and
measure here, its targets in the profile's ``[scoring.<setting>]`` tables and
its words in every strings file (``[cues.<cue>]``); a test checks all four.

Times are seconds from the start of the take; every moment is a
:class:`~kiosk.timespan.TimeSpan`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from kiosk.calibration import ScoringProfile
from kiosk.timespan import TimeSpan
from kiosk.vision.summary import BodySummary, BodyTimeline
from kiosk.vocabulary import Cue, LiveCueName, NotObserved, PhraseEndMovement, Sense, Setting, WordStatus
from kiosk.voice.signals import VoiceSignals, VoiceSummary
from kiosk.voice.tone import robust_spread


@dataclass(frozen=True)
class TakeSignals:
    """What a take's analysis hands to scoring (either half may be missing)."""

    body_timeline: BodyTimeline | None
    body_summary: BodySummary | None
    voice: VoiceSignals | None
    voice_summary: VoiceSummary | None

    @property
    def duration_s(self) -> float:
        """The take's length, from the pictures if any, else from the sound."""
        if self.body_summary is not None:
            return self.body_summary.duration_s
        if self.voice is not None and len(self.voice.frames):
            return float(self.voice.frames.times_s[-1])
        return 0.0

    @property
    def still(self) -> bool:
        """A single picture and no sound: nothing in it has a moment."""
        return self.body_summary is not None and self.body_summary.frame_count <= 1 and self.voice is None

    def speech_span(self) -> TimeSpan:
        """From the first to the last speech (call only when speech was found)."""
        assert self.voice is not None and self.voice.speech
        return TimeSpan(float(self.voice.speech[0].start_s), float(self.voice.speech[-1].end_s))


@dataclass(frozen=True)
class Measured:
    """One cue's value in one take.

    Attributes:
        value: in the cue's unit; ``None`` when not observed; ``inf`` for a
            smile that never came (observed, and later than any onset).
        reason: why it was not observed, else ``None``.
        moment: the part of the take a tip about it points at.
    """

    value: float | None
    reason: NotObserved | None = None
    moment: TimeSpan | None = None


def not_observed(reason: NotObserved) -> Measured:
    return Measured(None, reason, None)


#: Measures a cue in a take already known to hold what the cue's sense needs
#: (a face for seen cues, speech for heard ones).
MeasureFn = Callable[[TakeSignals, ScoringProfile], Measured]
#: A cue's value over one stretch of speech (for a tip that points at the stretch showing the problem most).
StretchValueFn = Callable[[VoiceSignals, TimeSpan], float]


@dataclass(frozen=True)
class CueSpec:
    """One scored cue.

    Attributes:
        cue: its name.
        measures: what it measures, in the trainer's words, with its unit.
        unit: the unit of its value (``share`` 0-1, ``s``, ``words/min``,
            ``syllables/s``, ``semitones``, ``dBFS``, ``dB``).
        percent: its value is a share shown as a percentage.
        decimals: decimals shown otherwise.
        measure: how its value comes from the take.
        live_cues: the live cue that nudges it, per setting where there is one.
        stands_in_for: a cue this one replaces when that one cannot be measured
            (pace in syllables per second for pace in words per minute); only
            one of the two is scored.
        longest_episode_when_high: for a value above its band, the tip points
            at the longest episode of this body signal (staring, smiling out of place).
        stretch_value: for a value outside its band, the tip points at the
            stretch of speech where this value is highest (above) or lowest (below).
        everyday_value: its value means something to a trainee ("172 words per
            minute"); False for a technical one (dBFS, semitones), which the
            report keeps to the trainer's details.
    """

    cue: Cue
    measures: str
    unit: str
    percent: bool
    decimals: int
    measure: MeasureFn
    live_cues: Mapping[Setting, LiveCueName] = field(default_factory=lambda: MappingProxyType({}))
    stands_in_for: Cue | None = None
    longest_episode_when_high: str | None = None
    stretch_value: StretchValueFn | None = None
    everyday_value: bool = True

    @property
    def sense(self) -> Sense:
        return self.cue.sense


def _on_camera(live_cue: LiveCueName) -> Mapping[Setting, LiveCueName]:
    return MappingProxyType({s: live_cue for s in Setting if s.on_camera})


def _everywhere(live_cue: LiveCueName) -> Mapping[Setting, LiveCueName]:
    return MappingProxyType({s: live_cue for s in Setting})


# -- helpers shared by the measures ----------------------------------------------------------


def _longest(episodes: tuple[TimeSpan, ...]) -> TimeSpan | None:
    if not episodes:
        return None
    longest = max(episodes, key=lambda e: e.duration_s)
    return TimeSpan(longest.start_s, longest.end_s)


def _longest_not(timeline: BodyTimeline, name: str) -> TimeSpan | None:
    """The longest stretch where a yes/no body signal was observed as no."""
    return _longest(timeline.stretches_where(name, 0.0))


def _share(take: TakeSignals, name: str) -> tuple[float | None, NotObserved | None]:
    assert take.body_summary is not None
    share = take.body_summary.cue(name).share
    return (share, None) if share is not None else (None, NotObserved.NOT_IN_VIEW)


def _body(take: TakeSignals) -> tuple[BodyTimeline, BodySummary]:
    assert take.body_timeline is not None and take.body_summary is not None
    return take.body_timeline, take.body_summary


def _voice(take: TakeSignals) -> tuple[VoiceSignals, VoiceSummary]:
    assert take.voice is not None and take.voice_summary is not None
    return take.voice, take.voice_summary


def _aligned(voice: VoiceSignals) -> bool:
    """Whether the line's language has an aligner (its words are checked)."""
    return voice.line is not None and voice.aligner is not None


def _in_characters(voice: VoiceSignals) -> bool:
    """Whether the line's pace is counted in characters (Chinese) rather than words."""
    return voice.line is not None and voice.line.language == "zh"


def _frames_in(voice: VoiceSignals, stretch: TimeSpan) -> tuple[np.ndarray, np.ndarray]:
    """The voice frames inside a stretch, and those of them voiced."""
    frames = voice.frames
    inside = (frames.times_s >= stretch.start_s) & (frames.times_s < stretch.end_s)
    return inside, inside & frames.voiced


# -- seen ----------------------------------------------------------------------------------------


def _eye_contact(take: TakeSignals, profile: ScoringProfile) -> Measured:
    _, summary = _body(take)
    value, reason = _share(take, "eye_contact")
    look_away = summary.longest_look_away
    return Measured(value, reason, TimeSpan(look_away.start_s, look_away.end_s) if look_away else None)


def _eye_contact_at_start(take: TakeSignals, profile: ScoringProfile) -> Measured:
    timeline, _ = _body(take)
    times, contact = timeline.times_s, timeline.column("eye_contact")
    start = (times - (times[0] if len(times) else 0.0)) <= profile.start_window_s
    opening = contact[start]
    opening = opening[~np.isnan(opening)]
    if not len(opening):
        return not_observed(NotObserved.NOT_IN_VIEW)
    return Measured(float(opening.mean()), None, TimeSpan(float(times[0]), float(times[0]) + profile.start_window_s))


def _smiling(take: TakeSignals, profile: ScoringProfile) -> Measured:
    timeline, summary = _body(take)
    value, reason = _share(take, "smiling")
    return Measured(value, reason, _longest_not(timeline, "smiling") or _longest(summary.cue("smiling").episodes))


def _smile_onset(take: TakeSignals, profile: ScoringProfile) -> Measured:
    _, summary = _body(take)
    value, reason = _share(take, "smiling")
    if value is None:
        return Measured(None, reason, None)
    onset = summary.cue("smiling").first_onset_s
    if onset is None:
        # Never smiling is observed, and is the latest onset of all.
        return Measured(float("inf"), None, TimeSpan(0.0, min(summary.duration_s, profile.start_window_s)))
    return Measured(onset, None, TimeSpan(0.0, onset))


def _upright(take: TakeSignals, profile: ScoringProfile) -> Measured:
    timeline, _ = _body(take)
    value, reason = _share(take, "upright")
    return Measured(value, reason, _longest_not(timeline, "upright"))


def _arms_open(take: TakeSignals, profile: ScoringProfile) -> Measured:
    _, summary = _body(take)
    crossed = summary.cue("arms_crossed")
    if crossed.share is None:
        return not_observed(NotObserved.NOT_IN_VIEW)
    return Measured(1.0 - crossed.share, None, _longest(crossed.episodes))


# -- heard ---------------------------------------------------------------------------------------


def _pace(take: TakeSignals, profile: ScoringProfile) -> Measured:
    voice, summary = _voice(take)
    if summary.words_per_minute is not None and not _in_characters(voice):
        return Measured(summary.words_per_minute, None, take.speech_span())
    reason = (
        NotObserved.NO_LINE
        if voice.line is None
        else NotObserved.NOT_ENGLISH
        if not _aligned(voice)
        else NotObserved.NO_SPEECH
    )
    return not_observed(reason)


def _pace_characters(take: TakeSignals, profile: ScoringProfile) -> Measured:
    voice, summary = _voice(take)
    if summary.words_per_minute is not None and _in_characters(voice):
        # A Chinese line's words are its characters (kiosk.voice.script).
        return Measured(summary.words_per_minute, None, take.speech_span())
    return not_observed(NotObserved.NO_LINE if voice.line is None else NotObserved.NO_SPEECH)


def _pace_syllables(take: TakeSignals, profile: ScoringProfile) -> Measured:
    _, summary = _voice(take)
    if summary.words_per_minute is not None:
        # The line's own pace (words or characters) was measured: no stand-in.
        return not_observed(NotObserved.NO_SPEECH)
    rate = summary.speech_rate_syl_per_s
    return Measured(rate, None, take.speech_span()) if rate is not None else not_observed(NotObserved.NO_SPEECH)


def _syllables_per_s(voice: VoiceSignals, stretch: TimeSpan) -> float:
    nuclei = voice.syllable_nuclei_s
    return float(np.count_nonzero((nuclei >= stretch.start_s) & (nuclei < stretch.end_s)) / stretch.duration_s)


def _pitch_variety(take: TakeSignals, profile: ScoringProfile) -> Measured:
    _, summary = _voice(take)
    if summary.pitch_spread_st is None:
        return not_observed(NotObserved.TOO_LITTLE_VOICE)
    return Measured(summary.pitch_spread_st, None, take.speech_span())


def _pitch_spread_st(voice: VoiceSignals, stretch: TimeSpan) -> float:
    _, voiced = _frames_in(voice, stretch)
    pitch = voice.frames.pitch_st[voiced]
    return robust_spread(pitch) if len(pitch) > 1 else float("nan")


def _phrase_ends(take: TakeSignals, profile: ScoringProfile) -> Measured:
    voice, summary = _voice(take)
    ends = [e for e in voice.phrase_ends if e.movement != PhraseEndMovement.UNKNOWN]
    if not ends:
        return not_observed(NotObserved.NO_PHRASE_ENDS)
    whole = take.speech_span()
    first_not_falling = next((e for e in ends if e.movement != PhraseEndMovement.FALLING), None)
    moment = whole
    if first_not_falling is not None:
        # The phrase's last word, where the pitch should fall.
        before = [w.start_s for w in voice.words if w.start_s is not None and w.start_s < first_not_falling.end_s]
        start = before[-1] if before else max(whole.start_s, first_not_falling.end_s - profile.start_window_s)
        moment = TimeSpan(float(start), float(first_not_falling.end_s))
    return Measured(summary.falling_ends / len(ends), None, moment)


def _loudness(take: TakeSignals, profile: ScoringProfile) -> Measured:
    _, summary = _voice(take)
    return Measured(summary.loudness_median_dbfs, None, take.speech_span())


def _median_level_dbfs(voice: VoiceSignals, stretch: TimeSpan) -> float:
    _, voiced = _frames_in(voice, stretch)
    return float(np.median(voice.frames.loudness_dbfs[voiced])) if voiced.any() else float("nan")


def _even_loudness(take: TakeSignals, profile: ScoringProfile) -> Measured:
    _, summary = _voice(take)
    return Measured(summary.loudness_spread_db, None, take.speech_span())


def _level_off_the_take_db(voice: VoiceSignals, stretch: TimeSpan) -> float:
    """How far a stretch's median level is from the whole take's, in dB."""
    frames = voice.frames
    overall = np.nanmedian(frames.loudness_dbfs[frames.voiced]) if frames.voiced.any() else np.nan
    return float(abs(_median_level_dbfs(voice, stretch) - overall))


def _filled_pauses(take: TakeSignals, profile: ScoringProfile) -> Measured:
    voice, summary = _voice(take)
    if voice.line is not None:
        words = max(1, summary.line_words)
    else:
        # Without a line, words are estimated from the syllables.
        words = max(1, round(len(voice.syllable_nuclei_s) / profile.syllables_per_word))
    first = voice.filled_pauses[0] if voice.filled_pauses else None
    return Measured(
        summary.filled_pause_count / words,
        None,
        TimeSpan(first.start_s, first.end_s) if first else take.speech_span(),
    )


def _longest_pause(take: TakeSignals, profile: ScoringProfile) -> Measured:
    voice, _ = _voice(take)
    if not voice.pauses:
        return Measured(0.0, None, take.speech_span())  # said in one breath: no pause inside the line
    longest = max(voice.pauses, key=lambda pause: pause.duration_s)
    return Measured(longest.duration_s, None, TimeSpan(longest.start_s, longest.end_s))


def _line_delivered(take: TakeSignals, profile: ScoringProfile) -> Measured:
    voice, summary = _voice(take)
    if voice.line is None:
        return not_observed(NotObserved.NO_LINE)
    if summary.line_delivered_share is None:
        if not _aligned(voice):
            return not_observed(NotObserved.NOT_ENGLISH)
        words_timed = any(w.span is not None for w in voice.words)
        return not_observed(NotObserved.WORDS_UNCERTAIN if words_timed else NotObserved.NO_SPEECH)
    whole = take.speech_span()
    missed = [w for w in voice.words if w.status not in (WordStatus.SAID, WordStatus.UNCHECKED)]
    moment = whole
    if missed:
        timed = [w for w in voice.words if w.start_s is not None]
        before = [w for w in timed if w.index < missed[0].index]
        at = before[-1].end_s if before else whole.start_s
        assert at is not None
        moment = TimeSpan(at, at)
    return Measured(summary.line_delivered_share, None, moment)


# -- the registry --------------------------------------------------------------------------------

CUE_SPECS: Mapping[Cue, CueSpec] = MappingProxyType(
    {
        spec.cue: spec
        for spec in (
            CueSpec(
                Cue.EYE_CONTACT,
                "share of the time looking at the customer (the camera)",
                "share",
                percent=True,
                decimals=0,
                measure=_eye_contact,
                live_cues=_on_camera(LiveCueName.LOOK_UP),
                longest_episode_when_high="eye_contact",
            ),
            CueSpec(
                Cue.EYE_CONTACT_AT_START,
                "share of the opening seconds ([scoring] start_window_s) looking at the camera",
                "share",
                percent=True,
                decimals=0,
                measure=_eye_contact_at_start,
            ),
            CueSpec(
                Cue.SMILING,
                "share of the time smiling",
                "share",
                percent=True,
                decimals=0,
                measure=_smiling,
                live_cues=_on_camera(LiveCueName.SMILE),
                longest_episode_when_high="smiling",
            ),
            CueSpec(
                Cue.SMILE_ONSET,
                "seconds from the start of the take to the first smile",
                "s",
                percent=False,
                decimals=1,
                measure=_smile_onset,
            ),
            CueSpec(
                Cue.UPRIGHT,
                "share of the time standing or sitting upright",
                "share",
                percent=True,
                decimals=0,
                measure=_upright,
                live_cues=MappingProxyType(
                    {Setting.FRONT_DESK: LiveCueName.STAND_TALL, Setting.VIDEO_CALL: LiveCueName.SIT_UP}
                ),
            ),
            CueSpec(
                Cue.ARMS_OPEN,
                "share of the time with the arms not crossed",
                "share",
                percent=True,
                decimals=0,
                measure=_arms_open,
                live_cues=_on_camera(LiveCueName.ARMS_OPEN),
            ),
            CueSpec(
                Cue.PACE,
                "words of the line per minute, over the aligned span",
                "words/min",
                percent=False,
                decimals=0,
                measure=_pace,
                live_cues=_everywhere(LiveCueName.SLOWER),
                stretch_value=_syllables_per_s,
            ),
            CueSpec(
                Cue.PACE_CHARACTERS,
                "characters of the line per minute, over the aligned span (Chinese lines)",
                "characters/min",
                percent=False,
                decimals=0,
                measure=_pace_characters,
                live_cues=_everywhere(LiveCueName.SLOWER),
                stands_in_for=Cue.PACE,
                stretch_value=_syllables_per_s,
            ),
            CueSpec(
                Cue.PACE_SYLLABLES,
                "syllables per second, from the first to the last speech (lines whose words cannot be aligned)",
                "syllables/s",
                percent=False,
                decimals=1,
                measure=_pace_syllables,
                stands_in_for=Cue.PACE,
                stretch_value=_syllables_per_s,
            ),
            CueSpec(
                Cue.PITCH_VARIETY,
                "spread of the voiced pitch, semitones",
                "semitones",
                percent=False,
                decimals=1,
                measure=_pitch_variety,
                stretch_value=_pitch_spread_st,
                everyday_value=False,
            ),
            CueSpec(
                Cue.PHRASE_ENDS,
                "share of the phrase ends where the pitch falls",
                "share",
                percent=True,
                decimals=0,
                measure=_phrase_ends,
                everyday_value=False,
            ),
            CueSpec(
                Cue.LOUDNESS,
                "median level of the voiced speech, dBFS",
                "dBFS",
                percent=False,
                decimals=0,
                measure=_loudness,
                live_cues=_everywhere(LiveCueName.LOUDER),
                stretch_value=_median_level_dbfs,
                everyday_value=False,
            ),
            CueSpec(
                Cue.EVEN_LOUDNESS,
                "spread (standard deviation) of the level of voiced speech, dB",
                "dB",
                percent=False,
                decimals=1,
                measure=_even_loudness,
                stretch_value=_level_off_the_take_db,
                everyday_value=False,
            ),
            CueSpec(
                Cue.FILLED_PAUSES,
                'filled pauses ("um", "uh") per word of the line',
                "share",
                percent=True,
                decimals=0,
                measure=_filled_pauses,
            ),
            CueSpec(
                Cue.LONGEST_PAUSE,
                "the longest silence between two stretches of speech in the take, seconds",
                "s",
                percent=False,
                decimals=1,
                measure=_longest_pause,
            ),
            CueSpec(
                Cue.LINE_DELIVERED,
                "share of the line's checked words said as written",
                "share",
                percent=True,
                decimals=0,
                measure=_line_delivered,
            ),
        )
    }
)
"""Every scored cue's spec, in :class:`~kiosk.vocabulary.Cue` order."""

_missing = [cue for cue in Cue if cue not in CUE_SPECS]
if _missing or list(CUE_SPECS) != list(Cue):
    raise RuntimeError(f"every Cue needs one spec in CUE_SPECS, in Cue order; missing {_missing}")


def spec_of(cue: Cue | str) -> CueSpec:
    """The spec of a cue, by member or name."""
    return CUE_SPECS[Cue(cue)]


__all__ = ["CUE_SPECS", "CueSpec", "Measured", "MeasureFn", "StretchValueFn", "TakeSignals", "spec_of"]
