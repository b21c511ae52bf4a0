"""The voice step for a take: frames -> speech -> alignment -> tone -> summary.

``analyse_voice`` runs every stage and reports each one's duration through
``on_stage`` (used by ``kiosk bench voice``); ``summarise_voice`` turns the
signals into the numbers a trainer reads.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from itertools import pairwise

import numpy as np

from kiosk.calibration import ToneThresholds, VoiceCalibration
from kiosk.capture import AUDIO_SAMPLE_RATE_HZ, AudioTrack
from kiosk.errors import MediaError, ModelUnavailableError
from kiosk.timespan import TimeSpan
from kiosk.vocabulary import Aligner, Language, LineCheck, PhraseEndMovement, WordStatus
from kiosk.voice.acoustics import VoiceFrames, front_end, measure_frames, semitones_re_100hz
from kiosk.voice.activity import pauses_between, speech_stretches
from kiosk.voice.alignment import ALIGNER_FRAME_S, LineAlignment, WordTiming, align_line
from kiosk.voice.dictionary import english_pronunciations
from kiosk.voice.fillers import filled_pauses, voiced_fillers
from kiosk.voice.line_check import WINDOW_S as WHISPER_WINDOW_S
from kiosk.voice.line_check import line_checker
from kiosk.voice.reference import reference_speech, said_by_espeak
from kiosk.voice.script import ScriptLine
from kiosk.voice.signals import Pause, SpokenWord, VoiceSignals, VoiceSummary
from kiosk.voice.syllables import syllable_nuclei_s
from kiosk.voice.synthesis_alignment import SynthesisAlignment, align_to_reference
from kiosk.voice.tone import (
    clipped_share,
    in_stretches,
    phrase_end_movement,
    pitch_spread_st,
    speech_loudness,
    voice_breaks_s,
)

#: Stage names reported to ``on_stage``, in order.
VOICE_STAGES = ("acoustics", "activity", "syllables", "alignment", "tone", "fillers")


def analyse_voice(
    audio: AudioTrack,
    line: ScriptLine | None,
    calibration: VoiceCalibration,
    *,
    on_stage: Callable[[str, float], None] | None = None,
) -> VoiceSignals:
    """Analyse a take's audio against the line the trainee meant to say.

    Args:
        audio: 16 kHz mono samples on the take's time axis (from ``kiosk.capture``).
        line: the scripted line, or ``None`` for free speech.
        calibration: the profile's ``[voice]`` part.
        on_stage: called with (stage name, seconds) after each stage.

    Raises:
        MediaError: malformed audio samples, or not at the capture sample rate.
    """
    if audio.sample_rate_hz != AUDIO_SAMPLE_RATE_HZ:
        raise MediaError(
            f"Voice analysis needs {AUDIO_SAMPLE_RATE_HZ} Hz audio as kiosk.capture delivers it, "
            f"got {audio.sample_rate_hz} Hz; read the recording through kiosk.capture."
        )
    clock = time.perf_counter()

    def done(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        if on_stage is not None:
            on_stage(stage, now - clock)
        clock = now

    # The voice front-end (high-pass): every stage below hears the same sound.
    filtered = front_end(audio, calibration)
    frames = measure_frames(audio, calibration, filtered=filtered)
    done("acoustics")
    speech = speech_stretches(frames, calibration.activity)
    done("activity")
    nuclei = syllable_nuclei_s(frames, speech, syllables=calibration.syllables, activity=calibration.activity)
    done("syllables")

    words: tuple[SpokenWord, ...] = ()
    passes = 0
    line_score: float | None = None
    line_matched: bool | None = None
    aligner: Aligner | None = None
    aligned_fillers: tuple[TimeSpan, ...] = ()
    held_words: frozenset[int] = frozenset()
    alignment_note: str | None = None
    if line is not None:
        aligner = calibration.languages[Language(line.language)].aligner
        if aligner is Aligner.SPEECH_SYNTHESIS_DTW:
            words, line_matched, held_words, alignment_note = _words_by_synthesis(
                filtered, frames, line, speech, calibration
            )
        else:
            alignment = None
            # pocketsphinx's acoustic model and dictionary are US English.
            if speech and line.language == "en" and line.spoken_words:
                alignment = align_line(
                    filtered,
                    line.spoken_words,
                    calibration.alignment,
                    speech_start_s=speech[0].start_s,
                    speech_end_s=speech[-1].end_s,
                )
                passes = alignment.passes
            words = _delivered_words(line, alignment, speech, calibration)
            if alignment is not None:
                aligned_fillers = tuple(f.span for f in alignment.fillers)
            if alignment is not None and alignment.found:
                line_score = float(np.median([t.score_per_frame for t in alignment.found]))
                line_matched = line_score >= calibration.alignment.min_line_score_per_frame
    done("alignment")

    pauses = tuple(Pause(p.start_s, p.end_s, _word_before(words, p.start_s)) for p in pauses_between(speech))
    ends = tuple(
        phrase_end_movement(frames, end, start, calibration.tone)
        for start, end in _phrases(speech, words, line, min_tail_s=calibration.tone.min_phrase_tail_s)
    )
    breaks = voice_breaks_s(frames, speech, calibration.tone)
    done("tone")
    # A word held several times longer than the rest of the line may have a filler run into it.
    word_spans = [
        TimeSpan(w.start_s, w.end_s)
        for w in words
        if w.start_s is not None and w.end_s is not None and w.index not in held_words
    ]
    # Filled pauses are found two ways, counted once: the aligner's optional
    # fillers between the line's words (English lines) and the acoustic
    # detector's held vowels (any language, with or without a line).
    fillers = merge_spans(
        voiced_fillers(frames, speech, aligned_fillers, calibration.fillers),
        filled_pauses(frames, speech, word_spans, calibration.fillers),
    )
    done("fillers")
    return VoiceSignals(
        frames=frames,
        speech=speech,
        pauses=pauses,
        syllable_nuclei_s=nuclei,
        line=line,
        words=words,
        alignment_passes=passes,
        line_score_per_frame=line_score,
        line_matched=line_matched,
        aligner=aligner,
        alignment_note=alignment_note,
        phrase_ends=ends,
        filled_pauses=fillers,
        voice_breaks_s=breaks,
    )


def _words_by_synthesis(
    filtered: AudioTrack,
    frames: VoiceFrames,
    line: ScriptLine,
    speech: tuple[TimeSpan, ...],
    calibration: VoiceCalibration,
) -> tuple[tuple[SpokenWord, ...], bool | None, frozenset[int], str | None]:
    """The line's words as delivered, aligned to espeak-ng's reading of the line: the words, whether it is
    the line, the words held long enough to hold a filled pause, and what kept the words from being checked."""
    settings = calibration.synthesis_alignment
    language = calibration.languages[Language(line.language)]
    unsaid = tuple(SpokenWord(w.index, w.written, WordStatus.SKIPPED, None, None, None) for w in line.words)
    if not speech or not line.words:
        return unsaid, None, frozenset(), None
    voice = language.espeak_voice or line.language
    pitch = _speech_pitch_hz(frames, speech)
    # A high voice is matched to espeak-ng's female variant: the distance between voices shrinks.
    if len(pitch) and float(np.median(pitch)) >= settings.high_voice_from_hz:
        voice += settings.high_voice_variant
    spoken = said_by_espeak([w.written for w in line.words], line.language)
    # A comma after a word that ends a phrase: the reference pauses and falls there too.
    said_as = [f"{said}," if w.phrase_end else said for w, said in zip(line.words, spoken, strict=True)]
    said_by_whisper: bool | None = None
    may_be_left_out: Callable[[int], bool] | None = None
    problem: str | None = None
    speech_span = TimeSpan(speech[0].start_s, speech[-1].end_s)
    if language.line_check is LineCheck.WHISPER and speech_span.duration_s <= WHISPER_WINDOW_S:
        try:
            checker = line_checker(
                threads=int(calibration.whisper.threads), compute_type=calibration.whisper.compute_type
            )
        except ModelUnavailableError as err:
            # The espeak-ng match alone judges the line (two cuts); the report says why.
            problem = f"Whether the line was said is judged less surely: {err}"
        else:
            evidence = checker.check(
                filtered,
                line.text,
                [w.written for w in line.words],
                line.language,
                speech_span,
            )
            said_by_whisper = evidence.mean_log_probability >= language.min_line_log_probability
            heard = evidence.word_min_probability
            most = calibration.whisper.max_left_out_word_probability

            def heard_unclearly(index: int) -> bool:
                # Whisper heard the word clearly: the match's guess that it was left out is overruled.
                probability = heard[index]
                return probability is None or probability < most

            may_be_left_out = heard_unclearly
    try:
        reference = reference_speech(tuple(said_as), voice=voice, rate_wpm=int(settings.reference_rate_wpm))
    except ModelUnavailableError as err:
        unchecked = tuple(SpokenWord(w.index, w.written, WordStatus.UNCHECKED, None, None, None) for w in line.words)
        return unchecked, None, frozenset(), f"Words are not checked: {err}"
    matched = align_to_reference(
        filtered, speech, reference, settings, is_the_line=said_by_whisper, may_be_left_out=may_be_left_out
    )
    if matched is None:
        return unsaid, None, frozenset(), problem
    if said_by_whisper is not None:
        right_line, other_line = said_by_whisper, not said_by_whisper
    else:
        right_line = matched.line_cost_ratio <= settings.max_line_cost_ratio
        other_line = matched.line_cost_ratio >= settings.min_other_line_cost_ratio
    # A trainee who stopped early (or started late): the words the path squeezed into the take's last (or
    # first) frames were not said.
    unsaid_ends = _squeezed_ends(matched, settings.max_squeezed_word_stretch)
    out = []
    for word in line.words:
        found = None if word.index in unsaid_ends else matched.words[word.index]
        if word.index in matched.silent:
            out.append(SpokenWord(word.index, word.written, WordStatus.UNCHECKED, None, None, None))
        elif found is None:
            out.append(SpokenWord(word.index, word.written, WordStatus.SKIPPED, None, None, None))
        else:
            if right_line:
                clear = found.relative_cost <= settings.max_relative_word_cost
                status = WordStatus.SAID if clear else WordStatus.UNCLEAR
            else:
                # Between the two cuts the match cannot tell the line from another for this voice: the
                # words keep their times (pace, pauses) but are not judged.
                status = WordStatus.UNCLEAR if other_line else WordStatus.UNCHECKED
            span = found.span
            end = min(span.end_s, max(span.start_s, _last_speech_end(speech, span.start_s, span.end_s)))
            # The log of the line's median word distance over this word's: 0 for a typical word, below 0 worse.
            relative = -float(np.log(found.relative_cost)) if found.relative_cost > 0 else None
            out.append(SpokenWord(word.index, word.written, status, span.start_s, end, relative))
    verdict = True if right_line else False if other_line else None
    held = frozenset(
        i
        for i, found in enumerate(matched.words)
        if found is not None and found.stretch >= settings.min_held_word_stretch
    )
    return tuple(out), verdict, held, problem


def _speech_pitch_hz(frames: VoiceFrames, speech: tuple[TimeSpan, ...]) -> np.ndarray:
    """The pitch (Hz) of the voiced frames inside the stretches of speech (empty without speech)."""
    return frames.f0_hz[in_stretches(frames, speech) & frames.voiced] if speech else np.array([])


def _squeezed_ends(matched: SynthesisAlignment, most_stretch: float) -> frozenset[int]:
    """The words at the start and at the end of the line that the path squeezed to almost nothing
    (or left out), up to the first word said at its length from either end.

    Whisper's word probabilities do not overrule this as they do a word left out mid-line: a
    line's last words are likely to it from the words before them, heard or not (0.24 for a
    Chinese line's last character that was never said).
    """
    squeezed: set[int] = set()
    for order in (range(len(matched.words)), range(len(matched.words) - 1, -1, -1)):
        for i in order:
            found = matched.words[i]
            if i in matched.silent:
                continue
            if found is not None and found.stretch >= most_stretch:
                break
            squeezed.add(i)
    # A line squeezed from both ends to nothing is not a line stopped early: leave it to the line check.
    return frozenset(squeezed) if len(squeezed) < len(matched.words) else frozenset()


def _last_speech_end(speech: tuple[TimeSpan, ...], start_s: float, end_s: float) -> float:
    """End of the last speech stretch overlapping [start_s, end_s] (``end_s`` if none)."""
    ends = [s.end_s for s in speech if s.start_s < end_s and s.end_s > start_s]
    return max(ends) if ends else end_s


def _delivered_words(
    line: ScriptLine, alignment: LineAlignment | None, speech: tuple[TimeSpan, ...], calibration: VoiceCalibration
) -> tuple[SpokenWord, ...]:
    if alignment is None or not alignment.found:
        # Nothing aligned (no speech, or none of it matched the line).
        return tuple(
            SpokenWord(w.index, w.written, WordStatus.SKIPPED if w.checked else WordStatus.UNCHECKED, None, None, None)
            for w in line.words
        )
    median = float(np.median([t.score_per_frame for t in alignment.found]))
    settings = calibration.alignment
    right_line = median >= settings.min_line_score_per_frame
    timings = _snap_to_speech(list(alignment.words), speech)
    out = []
    for word in line.words:
        if not word.checked:
            out.append(SpokenWord(word.index, word.written, WordStatus.UNCHECKED, None, None, None))
            continue
        parts = [timings[i] for i in line.spoken_range(word.index)]
        found = [p for p in parts if p is not None]
        if len(found) < len(parts) or not found:
            out.append(SpokenWord(word.index, word.written, WordStatus.SKIPPED, None, None, None))
            continue
        lowest = min(p.score_per_frame for p in found)
        relative = lowest - median
        clear = relative >= settings.min_relative_word_score and lowest >= settings.min_word_score_per_frame
        status = WordStatus.SAID if right_line and clear else WordStatus.UNCLEAR
        # The aligner lets a word run on into the silence after it (the last
        # word to the end of the file); a word ends, at the latest, where the
        # last stretch of speech it overlaps ends.
        end = min(found[-1].end_s, max(found[0].start_s, _last_speech_end(speech, found[0].start_s, found[-1].end_s)))
        out.append(SpokenWord(word.index, word.written, status, found[0].start_s, end, relative))
    return tuple(out)


def _snap_to_speech(timings: list[WordTiming | None], speech: tuple[TimeSpan, ...]) -> list[WordTiming | None]:
    """Correct two habits of the aligner at pauses.

    A word that starts in a pause starts where the speech resumes. A word
    squeezed to the aligner's minimum length (3 frames per phone) at the end
    of a stretch of speech, while the next stretch begins with speech no word
    covers, was said after the pause: it moves there.
    """
    pronunciations = english_pronunciations()
    out = list(timings)
    for i, timing in enumerate(out):
        if timing is None:
            continue
        gap_after = next((b for a, b in pairwise(speech) if a.end_s <= timing.start_s < b.start_s), None)
        if gap_after is not None and gap_after.start_s < timing.end_s:
            out[i] = timing = replace(timing, start_s=gap_after.start_s)
        phones = len(pronunciations[timing.word][0].split())
        squeezed = timing.end_s - timing.start_s <= (3 * phones + 1) * ALIGNER_FRAME_S
        following = next((t for t in out[i + 1 :] if t is not None), None)
        resumes = next((b for a, b in pairwise(speech) if abs(a.end_s - timing.end_s) <= 2 * ALIGNER_FRAME_S), None)
        if squeezed and resumes is not None and following is not None:
            uncovered = following.start_s - resumes.start_s
            if uncovered >= timing.end_s - timing.start_s:
                out[i] = replace(timing, start_s=resumes.start_s, end_s=following.start_s)
    return out


def _word_before(words: tuple[SpokenWord, ...], time_s: float) -> int | None:
    before = [w.index for w in words if w.start_s is not None and w.start_s < time_s]
    return before[-1] if before else None


def _phrases(
    speech: tuple[TimeSpan, ...], words: tuple[SpokenWord, ...], line: ScriptLine | None, *, min_tail_s: float
) -> list[tuple[float, float]]:
    """(start, end) of each phrase: speech stretches, further split at the
    line's punctuation where the words are aligned."""
    cuts: list[float] = []
    if line is not None:
        for spoken, written in zip(words, line.words, strict=True):
            if written.phrase_end and spoken.end_s is not None:
                cuts.append(spoken.end_s)
    phrases = []
    for stretch in speech:
        start = stretch.start_s
        inner = sorted(c for c in cuts if stretch.start_s < c < stretch.end_s - min_tail_s)
        for cut in inner:
            phrases.append((start, cut))
            start = cut
        phrases.append((start, stretch.end_s))
    return phrases


def enough_voice_for_pitch(voiced_speech_s: float, speaking_s: float, calibration: VoiceCalibration) -> bool:
    """True if ``voiced_speech_s`` of ``speaking_s`` is enough to report a median pitch.

    Whispered speech is speech without voice: its few "voiced" frames are
    noise that the pitch tracker happened to accept.
    """
    return (
        speaking_s > 0
        and voiced_speech_s >= calibration.min_voiced_for_pitch_s
        and voiced_speech_s >= calibration.min_voiced_share_for_pitch * speaking_s
    )


def merge_spans(*groups: tuple[TimeSpan, ...]) -> tuple[TimeSpan, ...]:
    """The union of groups of time spans, in time order, overlapping or touching spans merged.

    For filled pauses found two ways (the aligner's optional fillers and the
    acoustic detector): the same "um" found by both counts once.
    """
    spans = sorted((s for group in groups for s in group), key=lambda s: (s.start_s, s.end_s))
    merged: list[TimeSpan] = []
    for span in spans:
        if merged and span.start_s <= merged[-1].end_s:
            last = merged[-1]
            merged[-1] = TimeSpan(last.start_s, max(last.end_s, span.end_s))
        else:
            merged.append(TimeSpan(span.start_s, span.end_s))
    return tuple(merged)


def loudness_note(level_dbfs: float | None, tone: ToneThresholds) -> str | None:
    """What to say about a median speech level outside the profile's extremes (``None``: nothing)."""
    if level_dbfs is not None and level_dbfs < tone.too_quiet_dbfs:
        return f"The voice is quiet ({level_dbfs:.0f} dBFS): speak up or move closer to the microphone."
    if level_dbfs is not None and level_dbfs > tone.too_loud_dbfs:
        return f"The voice is very loud ({level_dbfs:.0f} dBFS): turn the microphone gain down."
    return None


def summarise_voice(signals: VoiceSignals, calibration: VoiceCalibration) -> VoiceSummary:
    """The take's voice in a trainer's numbers; see :class:`VoiceSummary`."""
    frames: VoiceFrames = signals.frames
    speech = signals.speech
    tone = calibration.tone
    notes: list[str] = []
    speaking = float(sum(s.duration_s for s in speech))
    span = float(speech[-1].end_s - speech[0].start_s) if speech else 0.0
    pauses = [p.duration_s for p in signals.pauses]

    words = signals.words
    checked = [w for w in words if w.status != WordStatus.UNCHECKED]
    said = [w for w in words if w.status == WordStatus.SAID]
    # The words found in the speech, with where each was said.
    timed = [(w, said_at) for w in words if (said_at := w.span) is not None]
    in_line_share = min(1.0, sum(at.duration_s for _, at in timed) / speaking) if timed and speaking > 0 else None
    wpm = None
    wrong_line = signals.line_matched is False
    # Words per minute only from a line that matches the speech (else the
    # word times are the aligner's guesses; pace then comes from syllables).
    if len(timed) >= 2 and not wrong_line:
        (first_word, first_span), (last_word, last_span) = timed[0], timed[-1]
        aligned_span = last_span.end_s - first_span.start_s
        first, last = first_word.index, last_word.index
        # Count the line's words between the first and last aligned ones,
        # unchecked ones included (they were said in between), skipped ones not.
        spoken = [w for w in words[first : last + 1] if w.status != WordStatus.SKIPPED]
        if aligned_span > 0:
            wpm = 60.0 * len(spoken) / aligned_span

    in_speech_f0 = _speech_pitch_hz(frames, speech)
    voiced_speech_s = float(len(in_speech_f0)) * frames.step_s
    # A median pitch only from enough voice: whispered speech has (almost) none.
    f0_median = (
        float(np.median(in_speech_f0)) if enough_voice_for_pitch(voiced_speech_s, speaking, calibration) else None
    )
    enough_voice = f0_median is not None and voiced_speech_s >= tone.min_voiced_for_tone_s
    spread = pitch_spread_st(frames, speech) if speech and enough_voice else float("nan")
    loud = speech_loudness(frames, speech)
    loud_median = float(np.median(loud)) if len(loud) else None
    clipped = clipped_share(frames, speech)

    if not speech:
        notes.append("No speech detected: check that the microphone is on and not muted, then speak the line clearly.")
    else:
        if clipped > 0:
            notes.append(
                f"The sound was clipped (distorted) for {clipped:.0%} of the line: "
                "turn the microphone gain down or move back from it."
            )
        loudness = loudness_note(loud_median, tone)
        if loudness:
            notes.append(loudness)
    if speech and not enough_voice:
        notes.append(
            f"Only {voiced_speech_s:.1f} s of voiced speech: too little to judge pitch variety; say the whole line."
        )
    if signals.alignment_note is not None:
        notes.append(signals.alignment_note)
    if signals.line is not None:
        unchecked = [w.written for w in signals.words if w.status == WordStatus.UNCHECKED]
        if signals.aligner is None:
            notes.append(
                f"Words are not checked for language {signals.line.language!r} (no aligner for it); "
                "pace is measured in syllables per second."
            )
        elif signals.aligner is Aligner.SPEECH_SYNTHESIS_DTW and signals.line_matched is None and timed:
            notes.append(
                "The words were timed against a synthetic voice reading the line, but for this voice the match "
                "cannot tell whether every word was said: pace and pauses are measured, the words are not checked."
            )
        elif unchecked and signals.alignment_note is None:
            notes.append(
                "Not in the pronunciation dictionary, so not checked: " + ", ".join(repr(w) for w in unchecked) + "."
            )
        elif speech and not timed:
            notes.append("The line could not be matched to the speech: check the right line was read.")
        elif speech and wrong_line:
            notes.append("The speech does not sound like the line: check the right line was read, then try again.")
        elif in_line_share is not None and in_line_share < calibration.alignment.min_speech_in_line_share:
            notes.append(
                f"Only {in_line_share:.0%} of the speech is the line: extra words were said, "
                "or a different line was read."
            )

    ends = [e.movement for e in signals.phrase_ends]
    return VoiceSummary(
        line_score_per_frame=signals.line_score_per_frame,
        speech_in_line_share=in_line_share,
        speech_found=bool(speech),
        speaking_s=speaking,
        # The first word of the line if it was found (a cough or an "um"
        # before it is not the start of the line), else the first speech.
        first_word_s=float(timed[0][1].start_s) if timed else float(speech[0].start_s) if speech else None,
        span_s=span,
        pause_count=len(pauses),
        pause_mean_s=float(np.mean(pauses)) if pauses else None,
        longest_pause_s=float(max(pauses)) if pauses else None,
        words_per_minute=wpm,
        speech_rate_syl_per_s=len(signals.syllable_nuclei_s) / span if span > 0 else None,
        articulation_rate_syl_per_s=len(signals.syllable_nuclei_s) / speaking if speaking > 0 else None,
        line_words=len(words),
        words_said=len(said),
        line_delivered_share=(len(said) / len(checked)) if checked and speech else None,
        skipped_words=tuple(w.written for w in words if w.status == WordStatus.SKIPPED),
        unclear_words=tuple(w.written for w in words if w.status == WordStatus.UNCLEAR),
        unchecked_words=tuple(w.written for w in words if w.status == WordStatus.UNCHECKED),
        f0_median_hz=f0_median,
        f0_median_st=float(semitones_re_100hz(f0_median)) if f0_median else None,
        pitch_spread_st=None if np.isnan(spread) else float(spread),
        monotone=None if np.isnan(spread) else bool(spread < tone.monotone_max_spread_st),
        loudness_median_dbfs=loud_median,
        loudness_spread_db=float(np.std(loud)) if len(loud) else None,
        too_quiet=None if loud_median is None else loud_median < tone.too_quiet_dbfs,
        too_loud=None if loud_median is None else loud_median > tone.too_loud_dbfs,
        clipped_share=clipped,
        voice_break_count=len(signals.voice_breaks_s),
        filled_pause_count=len(signals.filled_pauses),
        falling_ends=ends.count(PhraseEndMovement.FALLING),
        level_ends=ends.count(PhraseEndMovement.LEVEL),
        rising_ends=ends.count(PhraseEndMovement.RISING),
        notes=tuple(notes),
    )
