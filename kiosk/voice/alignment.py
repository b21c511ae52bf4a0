"""Forced alignment of the scripted line to the take's audio (pocketsphinx).

The English acoustic model and dictionary shipped inside the pocketsphinx
wheel are loaded once per process (:func:`shared_aligner`). A line is aligned
in up to three passes, each only if the previous one did not reach the end
of the line:

1. a linear grammar of the line with pocketsphinx's default beams;
2. the same with wider beams (fast speech falls out of the default beams);
3. a grammar in which every word is optional, to find the words that were
   left out; the words found are then aligned again for their timings.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import pocketsphinx

from kiosk.calibration import AlignmentSettings
from kiosk.capture import AudioTrack

#: pocketsphinx's acoustic model works at 16 kHz with 100 frames per second.
ALIGNER_SAMPLE_RATE_HZ = 16000
ALIGNER_FRAME_S = 0.01
#: Silence kept around the speech when cutting the audio for alignment.
_MARGIN_S = 1.0


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


def _decoder(beam: float, word_beam: float) -> pocketsphinx.Decoder:
    return pocketsphinx.Decoder(
        hmm=pocketsphinx.get_model_path("en-us/en-us"),
        dict=pocketsphinx.get_model_path("en-us/cmudict-en-us.dict"),
        lm=None,
        beam=beam,
        wbeam=word_beam,
        loglevel="FATAL",
    )


def _words_of(segments) -> list[tuple[str, int, int, float]]:
    out = []
    for seg in segments or ():
        name = seg.word
        if name.startswith("<") or name.startswith("["):
            continue  # silence and fillers
        frames = seg.end_frame - seg.start_frame + 1
        score = float(np.log(seg.ascore)) / frames if seg.ascore > 0 else -np.inf
        out.append((name.split("(")[0], seg.start_frame, seg.end_frame + 1, score))
    return out


class ScriptAligner:
    """Aligns lines of English text to audio; owns the pocketsphinx decoders.

    Use as a context manager, or through :func:`shared_aligner` which keeps
    one per process. ``align`` is serialised with a lock: a decoder is not
    thread-safe.
    """

    def __init__(self, settings: AlignmentSettings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._normal: pocketsphinx.Decoder | None = None
        self._wide: pocketsphinx.Decoder | None = None
        self._initial_cmn: str | None = None
        self._take_cmn: str | None = None

    def __enter__(self) -> ScriptAligner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._normal = None
            self._wide = None

    def in_dictionary(self, word: str) -> bool:
        with self._lock:
            return self._normal_decoder().lookup_word(word) is not None

    def _normal_decoder(self) -> pocketsphinx.Decoder:
        if self._normal is None:
            self._normal = _decoder(self.settings.beam, self.settings.word_beam)
        return self._normal

    def _wide_decoder(self) -> pocketsphinx.Decoder:
        if self._wide is None:
            self._wide = _decoder(self.settings.wide_beam, self.settings.wide_word_beam)
        return self._wide

    def align(
        self, audio: AudioTrack, words: Sequence[str], *, speech_start_s: float, speech_end_s: float
    ) -> LineAlignment:
        """Find each of ``words`` (dictionary words, in order) in the audio.

        Args:
            audio: 16 kHz mono samples on the take's time axis.
            words: the line's dictionary words.
            speech_start_s, speech_end_s: where speech was detected; the
                audio is cut to this span plus a margin before aligning.
        """
        if not words:
            return LineAlignment(words=(), passes=0)
        if audio.sample_rate_hz != ALIGNER_SAMPLE_RATE_HZ:
            raise ValueError(f"Aligner needs {ALIGNER_SAMPLE_RATE_HZ} Hz audio, got {audio.sample_rate_hz} Hz.")
        rate = audio.sample_rate_hz
        first = max(0, int((speech_start_s - _MARGIN_S - audio.start_s) * rate))
        last = min(len(audio.samples), int((speech_end_s + _MARGIN_S - audio.start_s) * rate))
        clip = audio.samples[first:last].astype(np.float64)
        noise = 10.0 ** (self.settings.comfort_noise_dbfs / 20.0)
        clip = clip + np.random.default_rng(0).normal(0.0, noise, len(clip))
        pcm = (np.clip(clip, -1.0, 1.0) * 32767.0).astype(np.int16).tobytes()
        offset_s = audio.start_s + first / rate
        text = " ".join(words)
        with self._lock:
            self._adapt_to_take(pcm)
            for passes, decoder in ((1, self._normal_decoder()), (2, self._wide_decoder())):
                found = self._linear(decoder, pcm, text)
                if len(found) == len(words):
                    return LineAlignment(tuple(self._timing(w, offset_s) for w in found), passes)
            present = self._optional(self._wide_decoder(), pcm, words)
            said = [words[i] for i in present]
            found = self._linear(self._wide_decoder(), pcm, " ".join(said)) if said else []
            if len(found) != len(said):
                found = []
                present = []
        timings: list[WordTiming | None] = [None] * len(words)
        for index, word in zip(present, found):
            timings[index] = self._timing(word, offset_s)
        return LineAlignment(tuple(timings), 3)

    def _adapt_to_take(self, pcm: bytes) -> None:
        """Estimate the take's own cepstral mean (channel and voice) first.

        pocketsphinx carries its running cepstral mean from one utterance to
        the next, so alignments would depend on what was analysed before.
        Each take starts from the model's initial mean, is run through once,
        and is then aligned with the mean of its own sound.
        """
        decoder = self._normal_decoder()
        if self._initial_cmn is None:
            self._initial_cmn = decoder.get_cmn()
        decoder.set_cmn(self._initial_cmn)
        decoder.set_align_text("a")  # any search: only the features matter here
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=False)
        decoder.end_utt()
        self._take_cmn = decoder.get_cmn()

    @staticmethod
    def _timing(word: tuple[str, int, int, float], offset_s: float) -> WordTiming:
        name, start, stop, score = word
        return WordTiming(name, offset_s + start * ALIGNER_FRAME_S, offset_s + stop * ALIGNER_FRAME_S, score)

    def _decode(self, decoder: pocketsphinx.Decoder, pcm: bytes) -> list[tuple[str, int, int, float]]:
        decoder.set_cmn(self._take_cmn)
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=False)
        decoder.end_utt()
        return _words_of(decoder.seg())

    def _linear(self, decoder: pocketsphinx.Decoder, pcm: bytes, text: str) -> list[tuple[str, int, int, float]]:
        try:
            decoder.set_align_text(text)
        except RuntimeError:
            return []
        return self._decode(decoder, pcm)

    def _optional(self, decoder: pocketsphinx.Decoder, pcm: bytes, words: Sequence[str]) -> list[int]:
        """Indices of ``words`` found when each may be left out."""
        grammar = "#JSGF V1.0;\ngrammar line;\npublic <line> = " + " ".join(f"[{w}]" for w in words) + ";"
        decoder.add_jsgf_string("optional_words", grammar)
        decoder.activate_search("optional_words")
        heard = [w[0] for w in self._decode(decoder, pcm)]
        # Map the heard sequence back onto the line in order.
        present: list[int] = []
        position = 0
        for word in heard:
            while position < len(words) and words[position] != word:
                position += 1
            if position < len(words):
                present.append(position)
                position += 1
        return present


@cache
def shared_aligner(settings: AlignmentSettings) -> ScriptAligner:
    """The process's aligner for these settings (models loaded once)."""
    return ScriptAligner(settings)
