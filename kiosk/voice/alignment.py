"""Forced alignment of the scripted line to the take's audio (pocketsphinx).

pocketsphinx keeps state from one utterance to the next (its running
cepstral mean, its Gaussian selection), so an alignment would depend on the
takes analysed before it. Like a MediaPipe landmarker in video mode, each
take therefore gets its own decoders (:class:`TakeAligner`, a context
manager), given only the line's words: with so small a dictionary a decoder
starts in about 10 ms. The acoustic model is pocketsphinx's shipped US
English one; the pronunciation dictionary is read once per process
(:mod:`kiosk.voice.dictionary`).

A line is aligned in up to three passes, each only if the previous one did
not reach the end of the line:

1. a linear grammar of the line with pocketsphinx's default beams;
2. the same with wider beams (fast speech falls out of the default beams);
3. a search for the words left out: the longest beginning of the line that
   aligns (a binary search) ends just before a word that was not said; that
   word is set aside and the rest of the line tried again, up to
   ``max_skipped_words`` times. A trainee who stops early gets the words
   said up to there: when the beginning that aligns reaches the end of the
   speech and leaving out the next word does not help, the search stops. (A grammar with every
   word optional finds the same, but its search time grows steeply with the line: 3.6 s for 12 words.)
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pocketsphinx

from kiosk.calibration import AlignmentSettings
from kiosk.capture import AudioTrack
from kiosk.voice.dictionary import english_pronunciations

#: pocketsphinx's acoustic model works at 16 kHz with 100 frames per second.
ALIGNER_SAMPLE_RATE_HZ = 16000
ALIGNER_FRAME_S = 0.01

_Found = tuple[str, int, int, float]  # word, first frame, frame after, score per frame


@dataclass(frozen=True)
class WordTiming:
    """One word of the line as found in the audio.

    Attributes:
        word: the dictionary word aligned (lowercase, without variant marks).
        start_s, end_s: seconds from the start of the take.
        score_per_frame: acoustic log-likelihood per 10 ms frame (natural log).
    """

    word: str
    start_s: float
    end_s: float
    score_per_frame: float


@dataclass(frozen=True)
class LineAlignment:
    """The result of aligning a line's words.

    Attributes:
        words: one entry per word asked for, in order; ``None`` where the word
            was not found (left out by the speaker).
        passes: how many passes it took (1-3, see the module docstring).
    """

    words: tuple[WordTiming | None, ...]
    passes: int

    @property
    def found(self) -> tuple[WordTiming, ...]:
        return tuple(w for w in self.words if w is not None)


def _words_of(segments) -> list[_Found]:
    out = []
    for seg in segments or ():
        name = seg.word
        if name.startswith("<") or name.startswith("["):
            continue  # silence and fillers
        frames = seg.end_frame - seg.start_frame + 1
        score = float(np.log(seg.ascore)) / frames if seg.ascore > 0 else -np.inf
        out.append((name.split("(")[0], seg.start_frame, seg.end_frame + 1, score))
    return out


class TakeAligner:
    """Aligns a line to one take's audio; owns that take's decoders.

    Use as a context manager around one take: the decoders and their small
    dictionary file are released on exit.
    """

    def __init__(self, words: Sequence[str], settings: AlignmentSettings) -> None:
        pronunciations = english_pronunciations()
        missing = sorted({w for w in words if w not in pronunciations})
        if missing:
            raise ValueError(f"Words not in the pronunciation dictionary: {', '.join(missing)}")
        self.words = tuple(words)
        self.settings = settings
        self._folder = tempfile.TemporaryDirectory(prefix="kiosk-align-")
        self._dictionary = Path(self._folder.name) / "line.dict"
        entries = []
        for word in sorted(set(words)):
            for n, phones in enumerate(pronunciations[word], start=1):
                entries.append(f"{word if n == 1 else f'{word}({n})'} {phones}")
        self._dictionary.write_text("\n".join(entries) + "\n", encoding="utf-8")
        self._normal: pocketsphinx.Decoder | None = None
        self._wide: pocketsphinx.Decoder | None = None

    def __enter__(self) -> TakeAligner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._normal = None
        self._wide = None
        self._folder.cleanup()

    def _decoder(self, wide: bool) -> pocketsphinx.Decoder:
        if wide:
            if self._wide is None:
                self._wide = self._new(self.settings.wide_beam, self.settings.wide_word_beam)
            return self._wide
        if self._normal is None:
            self._normal = self._new(self.settings.beam, self.settings.word_beam)
        return self._normal

    def _new(self, beam: float, word_beam: float) -> pocketsphinx.Decoder:
        return pocketsphinx.Decoder(
            hmm=pocketsphinx.get_model_path("en-us/en-us"),
            dict=str(self._dictionary),
            lm=None,
            beam=beam,
            wbeam=word_beam,
            loglevel="FATAL",
        )

    def align(self, audio: AudioTrack, *, speech_start_s: float, speech_end_s: float) -> LineAlignment:
        """Find each of the line's words in the audio.

        Args:
            audio: 16 kHz mono samples on the take's time axis.
            speech_start_s, speech_end_s: where speech was detected; the
                audio is cut to this span plus ``margin_s`` before aligning.
        """
        words = self.words
        if not words:
            return LineAlignment(words=(), passes=0)
        if audio.sample_rate_hz != ALIGNER_SAMPLE_RATE_HZ:
            raise ValueError(f"Aligner needs {ALIGNER_SAMPLE_RATE_HZ} Hz audio, got {audio.sample_rate_hz} Hz.")
        settings = self.settings
        rate = audio.sample_rate_hz
        first = max(0, int((speech_start_s - settings.margin_s - audio.start_s) * rate))
        last = min(len(audio.samples), int((speech_end_s + settings.margin_s - audio.start_s) * rate))
        clip = audio.samples[first:last].astype(np.float64)
        noise = 10.0 ** (settings.comfort_noise_dbfs / 20.0)
        clip = clip + np.random.default_rng(0).normal(0.0, noise, len(clip))
        pcm = (np.clip(clip, -1.0, 1.0) * 32767.0).astype(np.int16).tobytes()
        offset_s = audio.start_s + first / rate

        def result(found: Sequence[_Found], indices: Sequence[int], passes: int) -> LineAlignment:
            timings: list[WordTiming | None] = [None] * len(words)
            for index, (name, start, stop, score) in zip(indices, found, strict=False):
                timings[index] = WordTiming(
                    name, offset_s + start * ALIGNER_FRAME_S, offset_s + stop * ALIGNER_FRAME_S, score
                )
            return LineAlignment(tuple(timings), passes)

        for passes, wide in ((1, False), (2, True)):
            found = self._linear(self._decoder(wide), pcm, words)
            if len(found) == len(words):
                return result(found, range(len(words)), passes)
        decoder = self._decoder(True)
        beginning = self._longest_beginning(decoder, pcm, words)
        # What aligns of the line reaches the end of the speech: either one
        # word was left out (the words after it absorbed into the last one),
        # which the first try below finds, or the trainee stopped early, and
        # searching further would only cost seconds (each try decodes the take).
        stopped_early = bool(beginning) and (
            offset_s + beginning[-1][2] * ALIGNER_FRAME_S >= speech_end_s - settings.stopped_early_within_s
        )
        kept = list(range(len(words)))
        longest = len(beginning)
        for attempt in range(int(settings.max_skipped_words)):
            if attempt:
                if stopped_early:
                    break
                # The longest beginning of the remaining line that aligns.
                longest = len(self._longest_beginning(decoder, pcm, [words[i] for i in kept]))
            # The word left out is where the alignment stops, or the word
            # before it (squeezed into the gap): try both, keep the better.
            best_try: tuple[float, list[int], list[_Found]] | None = None
            for candidate in {longest, max(0, longest - 1)}:
                trial = kept[:candidate] + kept[candidate + 1 :]
                found = self._linear(decoder, pcm, [words[i] for i in trial]) if trial else []
                if trial and len(found) == len(trial):
                    score = float(np.mean([f[3] for f in found]))
                    if best_try is None or score > best_try[0]:
                        best_try = (score, trial, found)
            if best_try is not None:
                return result(best_try[2], best_try[1], 3)
            del kept[longest]
            if not kept:
                break
        # Still no full match: the longest beginning that aligns.
        return result(beginning, range(len(beginning)), 3)

    def _longest_beginning(self, decoder: pocketsphinx.Decoder, pcm: bytes, words: Sequence[str]) -> list[_Found]:
        """The longest beginning of ``words`` (but not all of it) that aligns, by binary search."""
        low, high, best = 1, len(words) - 1, []
        while low <= high:
            middle = (low + high) // 2
            found = self._linear(decoder, pcm, words[:middle])
            if len(found) == middle:
                low, best = middle + 1, found
            else:
                high = middle - 1
        return best

    @staticmethod
    def _decode(decoder: pocketsphinx.Decoder, pcm: bytes) -> list[_Found]:
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=False)
        decoder.end_utt()
        return _words_of(decoder.seg())

    def _linear(self, decoder: pocketsphinx.Decoder, pcm: bytes, words: Sequence[str]) -> list[_Found]:
        try:
            decoder.set_align_text(" ".join(words))
        except RuntimeError:
            return []
        return self._decode(decoder, pcm)


def align_line(
    audio: AudioTrack,
    words: Sequence[str],
    settings: AlignmentSettings,
    *,
    speech_start_s: float,
    speech_end_s: float,
) -> LineAlignment:
    """Align dictionary ``words`` to a take (a fresh :class:`TakeAligner`)."""
    with TakeAligner(words, settings) as aligner:
        return aligner.align(audio, speech_start_s=speech_start_s, speech_end_s=speech_end_s)
