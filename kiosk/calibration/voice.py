"""The ``[voice]`` tables: pitch and frame settings, speech and pauses, tone, fillers and the aligner."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from kiosk.calibration.schema import (
    BETWEEN_0_AND_1,
    NEGATIVE,
    NOT_NEGATIVE,
    NOT_POSITIVE,
    POSITIVE,
    SHARE,
    Range,
    choice,
    number,
    profile_table,
    table,
    tables_by,
    text,
)
from kiosk.vocabulary import Aligner, Language, LineCheck, ModelWeights

#: A level against full scale: an RMS of 1.0 is 0 dBFS, nothing is louder.
DBFS = "dBFS"
#: pocketsphinx's acoustic match: natural-log units per 10 ms frame.
LOG_SCORE = "natural-log units per 10 ms frame"


@profile_table
class VoiceActivityThresholds:
    """Where speech and pauses are (the ``[voice.activity]`` table)."""

    peak_quantile: float = number(
        doc="The take's loud peak is this quantile of frame loudness (the loudest frame may be a click)",
        unit="quantile 0-1",
        check=SHARE,
    )
    min_pause_s: float = number(
        doc="A pause is a silence at least this long (de Jong & Bosker 2013)", unit="seconds", check=POSITIVE
    )
    silence_below_peak_db: float = number(
        doc="Speech is louder than this far below the take's loud peak (de Jong & Wempe 2009)",
        unit="dB",
        check=POSITIVE,
    )
    noise_floor_quantile: float = number(
        doc="The room's noise floor is this quantile of the loudness of the unvoiced frames",
        unit="quantile 0-1",
        check=SHARE,
    )
    min_noise_floor_s: float = number(
        doc="The noise floor is read only from at least this much unvoiced time", unit="seconds", check=POSITIVE
    )
    min_snr_db: float = number(
        doc="Speech is at least this far above the room's noise floor", unit="dB", check=NOT_NEGATIVE
    )
    min_edge_snr_db: float = number(
        doc="A stretch of speech reaches out at its edges while at least this far above the noise floor",
        unit="dB",
        check=NOT_NEGATIVE,
    )
    min_speech_dbfs: float = number(
        doc="Speech is louder than this at all (quieter is a muted or unplugged microphone)",
        unit=DBFS,
        check=NOT_POSITIVE,
    )
    min_voiced_s: float = number(
        doc="A stretch counts as speech only with at least this much voicing (a door click has none)",
        unit="seconds",
        check=NOT_NEGATIVE,
    )


@profile_table
class SyllableThresholds:
    """Syllable nuclei, for the speaking rate (the ``[voice.syllables]`` table)."""

    min_dip_db: float = number(
        doc="A loudness peak is a syllable nucleus if loudness dips at least this much before the next one",
        unit="dB",
        check=POSITIVE,
    )


@profile_table
class ToneThresholds:
    """Pitch variety, phrase ends, loudness, clipping and voice breaks (the ``[voice.tone]`` table)."""

    monotone_max_spread_st: float = number(
        doc="Pitch spread (robust SD of voiced pitch) below which a line sounds monotone",
        unit="semitones",
        check=POSITIVE,
    )
    min_voiced_for_tone_s: float = number(
        doc="Pitch spread, monotone and phrase ends are judged only from this much voiced speech",
        unit="seconds",
        check=POSITIVE,
    )
    phrase_end_window_s: float = number(
        doc="A phrase end's pitch movement is measured over at most this much of its last voiced stretch",
        unit="seconds",
        check=POSITIVE,
    )
    phrase_end_min_change_st: float = number(
        doc="A phrase end moving at least this far is rising or falling ('t Hart 1981)",
        unit="semitones",
        check=POSITIVE,
    )
    min_phrase_end_voiced_s: float = number(
        doc="A phrase end's movement needs at least this much voicing at the end", unit="seconds", check=POSITIVE
    )
    min_phrase_tail_s: float = number(
        doc="A punctuation mark ends a phrase only if at least this much speech follows it in the same stretch",
        unit="seconds",
        check=NOT_NEGATIVE,
    )
    too_quiet_dbfs: float = number(doc="Median speech level below this sounds distant", unit=DBFS, check=NOT_POSITIVE)
    too_loud_dbfs: float = number(
        doc="Median speech level above this leaves no headroom", unit=DBFS, check=NOT_POSITIVE
    )
    clip_level: float = number(
        doc="A sample at or above this magnitude is clipped",
        unit="share of full scale",
        check=Range(0, 1, low_open=True),
    )
    min_clipped_run_samples: float = number(
        doc="A clipped stretch counts from this many consecutive samples at the rails (one can be a peak)",
        unit="samples",
        check=Range(low=1, whole=True),
    )
    voice_break_min_jump_st: float = number(
        doc="A jump this large between neighbouring voiced frames is a voice break, not intonation",
        unit="semitones",
        check=POSITIVE,
    )
    max_break_gap_s: float = number(
        doc="A voice break may hide behind an unvoiced gap this long", unit="seconds", check=NOT_NEGATIVE
    )

    def checks(self) -> Iterator[str]:
        if self.too_quiet_dbfs >= self.too_loud_dbfs:
            yield f"too_quiet_dbfs ({self.too_quiet_dbfs}) must be below too_loud_dbfs ({self.too_loud_dbfs})."


@profile_table
class FillerThresholds:
    """Filled pauses ("um", "uh") (the ``[voice.fillers]`` table)."""

    min_duration_s: float = number(
        doc="A filled pause is a sustained voiced stretch at least this long", unit="seconds", check=POSITIVE
    )
    max_pitch_spread_st: float = number(
        doc="A filled pause's pitch SD about its least-squares line is at most this, over the stretch and every window",
        unit="semitones",
        check=POSITIVE,
    )
    max_pitch_slope_st_per_s: float = number(
        doc="A filled pause's pitch glides at most this fast (least-squares line), up or down",
        unit="semitones per second",
        check=NOT_NEGATIVE,
    )
    min_voiced_share: float = number(
        doc="At least this share of a filled pause's frames are voiced (creak at its end may drop a few)",
        unit="share of the frames",
        check=SHARE,
    )
    max_spectral_change_db: float = number(
        doc="A filled pause's log spectrum changes at most this much from frame to frame, on average",
        unit="dB",
        check=POSITIVE,
    )
    min_aligned_voiced_s: float = number(
        doc="A filler placed by the aligner counts only if it holds at least this much voiced speech",
        unit="seconds",
        check=NOT_NEGATIVE,
    )
    max_word_overlap_share: float = number(
        doc="At most this share of a filled pause may overlap an aligned word of the line",
        unit="share of the stretch",
        check=SHARE,
    )


@profile_table
class AlignmentSettings:
    """Aligning the scripted line to the speech with pocketsphinx (the ``[voice.alignment]`` table)."""

    beam: float = number(
        doc="First pass's search beam (smaller is a wider search)",
        unit="probability ratio",
        check=BETWEEN_0_AND_1,
    )
    word_beam: float = number(doc="First pass's word beam", unit="probability ratio", check=BETWEEN_0_AND_1)
    wide_beam: float = number(
        doc="Second pass's search beam, when the line did not align to the end",
        unit="probability ratio",
        check=BETWEEN_0_AND_1,
    )
    wide_word_beam: float = number(doc="Second pass's word beam", unit="probability ratio", check=BETWEEN_0_AND_1)
    comfort_noise_dbfs: float = number(
        doc="Noise added before aligning (pocketsphinx breaks down on digital silence)",
        unit=DBFS,
        check=NOT_POSITIVE,
    )
    margin_s: float = number(
        doc="Silence kept around the detected speech when cutting the audio to align",
        unit="seconds",
        check=NOT_NEGATIVE,
    )
    max_skipped_words: float = number(
        doc="Words left out of the line are searched for one at a time, at most this many",
        unit="words",
        check=Range(low=0, whole=True),
    )
    stopped_early_within_s: float = number(
        doc="A line that aligns up to this close to the end of speech stopped early: stop searching",
        unit="seconds",
        check=NOT_NEGATIVE,
    )
    min_words_to_give_up: float = number(
        doc=(
            "The search for left-out words stops when the beginning of the line that aligns has at least this "
            "many words and their median matches below min_line_score_per_frame (another line was read)"
        ),
        unit="words",
        check=Range(low=3, whole=True),
    )
    min_relative_word_score: float = number(
        doc="A word matching this far below the line's median word is unclear (replaced or mispronounced)",
        unit=LOG_SCORE,
        check=NEGATIVE,
    )
    min_line_score_per_frame: float = number(
        doc="Below this match of the line's median word, it is not the right line: no word counts as said",
        unit=LOG_SCORE,
        check=NOT_POSITIVE,
    )
    min_word_score_per_frame: float = number(
        doc="A single word matching below this is unclear even in a well-matched line",
        unit=LOG_SCORE,
        check=NOT_POSITIVE,
    )
    min_speech_in_line_share: float = number(
        doc="Below this share of the speech time covered by the line's words, the report says much is not the line",
        unit="share of the speech time",
        check=SHARE,
    )
    filler_probability: float = number(
        doc="Grammar probability of a filled pause (um, uh, er, ah, hm) at each place between the line's words",
        unit="probability",
        check=BETWEEN_0_AND_1,
    )
    min_filler_s: float = number(
        doc="A filled pause the aligner places is kept when at least this long", unit="seconds", check=NOT_NEGATIVE
    )
    min_filler_score_per_frame: float = number(
        doc="A filled pause the aligner places is kept when it matches at least this well (against the phone loop)",
        unit=LOG_SCORE,
        check=NOT_POSITIVE,
    )
    speech_below_peak_db: float = number(
        doc="For the share of the speech the line covers: speech is louder than this far below the clip's loud peak",
        unit="dB",
        check=POSITIVE,
    )
    speech_above_comfort_noise_db: float = number(
        doc="For the share of the speech the line covers: speech is also this far above the aligner's comfort noise",
        unit="dB",
        check=POSITIVE,
    )
    min_speech_covered_share: float = number(
        doc="Below this share of the speech (the phone loop's) covered by the line's words, it is not the line",
        unit="share of the speech frames",
        check=SHARE,
    )

    def checks(self) -> Iterator[str]:
        # The second pass is there to search wider: a smaller beam.
        for wide, first in (("wide_beam", "beam"), ("wide_word_beam", "word_beam")):
            if getattr(self, wide) > getattr(self, first):
                yield (
                    f"{wide} ({getattr(self, wide)}) must be at most {first} ({getattr(self, first)}): "
                    "the second pass searches wider."
                )


@profile_table
class SynthesisAlignmentSettings:
    """Aligning a line to espeak-ng's reading of it (the ``[voice.synthesis_alignment]`` table)."""

    reference_rate_wpm: float = number(
        doc="espeak-ng says the reference line at this rate (its -s)", unit="words per minute", check=POSITIVE
    )
    high_voice_from_hz: float = number(
        doc="A take whose median pitch is at least this is matched to espeak-ng's high-voice variant",
        unit="Hz",
        check=POSITIVE,
    )
    reference_silence_below_peak_db: float = number(
        doc="The reference's speech is louder than this far below its peak (the rest is its pauses)",
        unit="dB",
        check=POSITIVE,
    )
    mfcc_count: float = number(
        doc="Mel-frequency cepstral coefficients compared (the first, overall level, is left out)",
        unit="coefficients",
        check=Range(2, 40, whole=True),
    )
    mel_bands: float = number(
        doc="Mel filter bands the coefficients are computed from", unit="bands", check=Range(8, 128, whole=True)
    )
    outside_line_cost_quantile: float = number(
        doc=(
            "Speech before or after the line matches a row outside it at this quantile of the take's "
            "distances to the reference"
        ),
        unit="quantile 0-1",
        check=SHARE,
    )
    max_line_cost_ratio: float = number(
        doc=(
            "The line's match (mean distance along the path) against its match to the line said backwards; "
            "above this it is not the line"
        ),
        unit="ratio",
        check=POSITIVE,
    )
    min_other_line_cost_ratio: float = number(
        doc="From this ratio up it is another line; between the two cuts the words are timed but not judged",
        unit="ratio",
        check=POSITIVE,
    )
    max_relative_word_cost: float = number(
        doc="A word whose mean distance along the path is more than this times the line's median word is unclear",
        unit="ratio",
        check=POSITIVE,
    )
    skip_candidates: float = number(
        doc="The words matching worst are tried left out, this many of them",
        unit="words",
        check=Range(low=0, whole=True),
    )
    min_skip_gain: float = number(
        doc="A word counts as left out when the path without it is at least this much closer (relative)",
        unit="share of the path's distance",
        check=NOT_NEGATIVE,
    )
    max_skipped_words: float = number(
        doc="At most this many words are found left out", unit="words", check=Range(low=0, whole=True)
    )
    max_squeezed_word_stretch: float = number(
        doc=(
            "Words at the end (or start) of the line that the path squeezed below this stretch were not said "
            "(the trainee stopped early)"
        ),
        unit="ratio",
        check=POSITIVE,
    )
    min_held_word_stretch: float = number(
        doc=(
            "A word taking this many times longer than the reference's, against the rest of the line, may hold "
            "a filled pause: the filler check may look inside it"
        ),
        unit="ratio",
        check=POSITIVE,
    )
    high_voice_variant: str = text(
        doc="espeak-ng's variant for high voices, added to the language's voice", default="+f4"
    )


@profile_table
class WhisperSettings:
    """Whisper base for checking a line (the ``[voice.whisper]`` table)."""

    threads: float = number(doc="CPU threads Whisper uses", unit="threads", check=Range(1, 64, whole=True))
    max_left_out_word_probability: float = number(
        doc="A word is found left out only if Whisper gives it (its least likely token) less than this",
        unit="probability",
        check=SHARE,
    )
    compute_type: ModelWeights = choice(doc="CTranslate2's weights: int8 (fast) or float32", vocabulary=ModelWeights)


@profile_table
class LanguageVoice:
    """How a line in one language is aligned (a ``[voice.languages.<language>]`` table)."""

    aligner: Aligner = choice(doc="The aligner for lines in this language", vocabulary=Aligner)
    line_check: LineCheck = choice(
        doc="With the synthesis aligner: what decides whether the line was said", vocabulary=LineCheck
    )
    min_line_log_probability: float = number(
        doc="With the Whisper line check: below this mean log-probability per token it is another line",
        unit="natural-log probability per token",
        check=NOT_POSITIVE,
    )
    espeak_voice: str = text(
        doc="espeak-ng's voice for the reference speech (espeak-ng --voices); empty: the language's code",
        default="",
    )


@profile_table
class VoiceCalibration:
    """The ``[voice]`` part of a calibration profile."""

    pitch_floor_hz: float = number(
        doc="Lowest pitch searched for (Praat's default for speech)", unit="Hz", check=POSITIVE
    )
    pitch_ceiling_hz: float = number(
        doc="Highest pitch searched for (Praat's default for speech)", unit="Hz", check=POSITIVE
    )
    frame_step_s: float = number(doc="One analysis frame every this long", unit="seconds", check=POSITIVE)
    high_pass_hz: float = number(
        doc="The voice front-end removes DC, rumble and hum below this (zero-phase Butterworth high-pass)",
        unit="Hz",
        check=POSITIVE,
    )
    high_pass_order: float = number(
        doc="Order of the front-end's Butterworth high-pass (run forwards and backwards: twice the slope)",
        unit="filter order",
        check=Range(1, 10, whole=True),
    )
    min_voicing_strength: float = number(
        doc="A frame is voiced only if Praat's autocorrelation peak (its voicing strength) is at least this",
        unit="normalised autocorrelation 0-1",
        check=SHARE,
    )
    min_voiced_for_pitch_s: float = number(
        doc="The median pitch is reported only from at least this much voiced speech (else not observed)",
        unit="seconds",
        check=POSITIVE,
    )
    min_voiced_share_for_pitch: float = number(
        doc="...and only if at least this share of the speech time is voiced (whispered speech has almost none)",
        unit="share of the speech time",
        check=SHARE,
    )
    activity: VoiceActivityThresholds = table(doc="Speech and pauses: [voice.activity]")
    syllables: SyllableThresholds = table(doc="Syllable nuclei: [voice.syllables]")
    tone: ToneThresholds = table(doc="Tone, loudness and voice breaks: [voice.tone]")
    fillers: FillerThresholds = table(doc='Filled pauses ("um"): [voice.fillers]')
    alignment: AlignmentSettings = table(doc="Aligning the line with pocketsphinx: [voice.alignment]")
    synthesis_alignment: SynthesisAlignmentSettings = table(
        doc="Aligning the line to espeak-ng's reading of it: [voice.synthesis_alignment]"
    )
    whisper: WhisperSettings = table(doc="Whisper base for checking a line: [voice.whisper]")
    languages: Mapping[Language, LanguageVoice] = tables_by(
        doc="The aligner for each language of the lines: the [voice.languages.<language>] tables",
        keys=lambda _: tuple(Language),
        value=LanguageVoice,
        noun="languages",
    )

    def checks(self) -> Iterator[str]:
        if self.pitch_floor_hz >= self.pitch_ceiling_hz:
            yield (f"pitch_floor_hz ({self.pitch_floor_hz}) must be below pitch_ceiling_hz ({self.pitch_ceiling_hz}).")
