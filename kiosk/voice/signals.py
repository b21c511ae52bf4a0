"""What the voice step hands on: a take's voice over time and in summary.

Frozen dataclasses on the take's time axis (seconds from the start of the
take), the same axis as the body signals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kiosk.timespan import TimeSpan
from kiosk.vocabulary import Aligner, WordStatus
from kiosk.voice.acoustics import VoiceFrames
from kiosk.voice.script import ScriptLine
from kiosk.voice.tone import PhraseEnd


@dataclass(frozen=True)
class SpokenWord:
    """One word of the scripted line and how it was delivered.

    Attributes:
        index: position in the line as written.
        written: the word as written.
        status: how it was delivered (said, unclear, skipped, or unchecked).
        start_s, end_s: where it was said, seconds from the start of the take
            (``None`` unless said or unclear).
        relative_score: how well the word matched against the line's median
            word, natural-log units, 0 typical and below 0 worse (``None`` if
            not aligned): pocketsphinx's acoustic match per 10 ms frame for
            English, the log of the distance ratio to espeak-ng's reading otherwise.
    """

    index: int
    written: str
    status: WordStatus
    start_s: float | None
    end_s: float | None
    relative_score: float | None

    @property
    def span(self) -> TimeSpan | None:
        """Where the word was said, ``None`` unless said or unclear."""
        if self.start_s is None or self.end_s is None:
            return None
        return TimeSpan(self.start_s, self.end_s)


@dataclass(frozen=True)
class Pause(TimeSpan):
    """A silence inside the line: a :class:`~kiosk.timespan.TimeSpan` that knows the word before it.

    Attributes:
        after_word: index of the last line word said before it (``None`` if
            the words were not aligned or it comes before the first).
    """

    after_word: int | None = None


@dataclass(frozen=True)
class VoiceSignals:
    """A take's voice over time.

    Attributes:
        frames: per-frame loudness, pitch, spectral change and clipping.
        speech: stretches of speech, in order.
        pauses: silences of at least ``min_pause_s`` between them.
        syllable_nuclei_s: times of the syllable nuclei.
        line: the scripted line (``None`` if none was given).
        words: the line's words as delivered (empty without a line).
        alignment_passes: aligner passes used (0: not aligned).
        line_score_per_frame: acoustic match per 10 ms frame of the line's
            median aligned word (natural log; ``None`` if not aligned).
        phrase_ends: pitch movement at each phrase end.
        filled_pauses: stretches that sound like "um"/"uh".
        voice_breaks_s: times of sudden pitch jumps.
        line_matched: whether the speech is the line, as its aligner judged
            (``None``: not aligned).
        aligner: the aligner the line's language uses (``None`` without a line).
        alignment_note: what kept the words from being checked as usual (a
            missing model or espeak-ng), for the report's notes.
    """

    frames: VoiceFrames
    speech: tuple[TimeSpan, ...]
    pauses: tuple[Pause, ...]
    syllable_nuclei_s: np.ndarray
    line: ScriptLine | None
    words: tuple[SpokenWord, ...]
    alignment_passes: int
    line_score_per_frame: float | None
    phrase_ends: tuple[PhraseEnd, ...]
    filled_pauses: tuple[TimeSpan, ...]
    voice_breaks_s: np.ndarray
    line_matched: bool | None = None
    aligner: Aligner | None = None
    alignment_note: str | None = None

    @property
    def aligned(self) -> bool:
        """True when the line's words have times."""
        return any(w.start_s is not None for w in self.words)

    def words_between(self, start_s: float, end_s: float) -> tuple[SpokenWord, ...]:
        """The line's words said (in part) between two times."""
        return tuple(
            w
            for w in self.words
            if w.start_s is not None and w.end_s is not None and w.start_s < end_s and w.end_s > start_s
        )


@dataclass(frozen=True)
class VoiceSummary:
    """A take's voice in numbers a trainer reads. ``None`` = could not be measured.

    Attributes:
        line_score_per_frame: how well the speech matches the line (see
            :class:`VoiceSignals`); below the profile's cut, no word counts as said.
        speech_in_line_share: share 0-1 of the speaking time covered by the line's words.
        speech_found: False if the take holds no speech.
        speaking_s: total time speaking (sum of speech stretches), seconds.
        first_word_s: time from the start of the take to the first speech.
        span_s: first speech to last speech, seconds.
        pause_count, pause_mean_s, longest_pause_s: pauses of at least ``min_pause_s``.
        words_per_minute: line words said per minute over the aligned span.
        speech_rate_syl_per_s: syllable nuclei per second over the span.
        articulation_rate_syl_per_s: syllable nuclei per second of speaking time.
        line_words, words_said: words in the line, and said as written.
        line_delivered_share: share 0-1 of the checked words said.
        skipped_words, unclear_words, unchecked_words: the written words concerned.
        f0_median_hz, f0_median_st: median pitch (Hz; semitones re 100 Hz).
        pitch_spread_st: pitch variability, semitones (robust SD).
        monotone: pitch spread below the profile's threshold.
        loudness_median_dbfs, loudness_spread_db: level of voiced speech and its SD.
        too_quiet, too_loud: median level outside the profile's band.
        clipped_share: share 0-1 of speech frames with clipped samples.
        voice_break_count: sudden pitch jumps in speech.
        filled_pause_count: "um"/"uh" stretches.
        falling_ends, level_ends, rising_ends: phrase-end movements.
        notes: plain sentences on what could not be measured, or is worth knowing.
    """

    line_score_per_frame: float | None
    speech_in_line_share: float | None
    speech_found: bool
    speaking_s: float
    first_word_s: float | None
    span_s: float
    pause_count: int
    pause_mean_s: float | None
    longest_pause_s: float | None
    words_per_minute: float | None
    speech_rate_syl_per_s: float | None
    articulation_rate_syl_per_s: float | None
    line_words: int
    words_said: int
    line_delivered_share: float | None
    skipped_words: tuple[str, ...]
    unclear_words: tuple[str, ...]
    unchecked_words: tuple[str, ...]
    f0_median_hz: float | None
    f0_median_st: float | None
    pitch_spread_st: float | None
    monotone: bool | None
    loudness_median_dbfs: float | None
    loudness_spread_db: float | None
    too_quiet: bool | None
    too_loud: bool | None
    clipped_share: float
    voice_break_count: int
    filled_pause_count: int
    falling_ends: int
    level_ends: int
    rising_ends: int
    notes: tuple[str, ...]
