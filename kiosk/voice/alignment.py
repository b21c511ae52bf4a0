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
not reach the end of the line with its median word above
``min_line_score_per_frame``:

1. a linear grammar of the line with pocketsphinx's default beams;
2. the same with wider beams (fast speech falls out of the default beams);
3. a search for the words left out: the longest beginning of the line that
   aligns (a binary search) ends just before a word that was not said; that
   word is set aside and the rest of the line tried again, up to
   ``max_skipped_words`` times. A trainee who stops early gets the words
   said up to there: when the beginning that aligns reaches the end of the
   speech and leaving out the next word does not help, the search stops.
   It stops at once when the beginning that aligns (``min_words_to_give_up``
   words or more) already matches below ``min_line_score_per_frame``:
   another line was read, and the search
   would take a dozen decodes (11 s for a 6.6 s take) to say the same.
   (A grammar with every word optional finds the same, but its search time
   grows steeply with the line: 3.6 s for 12 words.) When pass 2 did reach
   the end, but badly, this search runs with the default beams (the wide
   beams and the fillers can squeeze a word that was not said into the
   speech) and the better-matching of the two alignments is kept.

Each pass's grammar lets a filled pause (:data:`~kiosk.voice.dictionary.FILLER_WORDS`:
um, uh, er, ah, hm, with cmudict's phones) stand before, between or after
the line's words, at a low probability (``filler_probability``), so that a
hesitation is not forced into the words next to it. The fillers found are
kept (:class:`AlignedFiller`), each with the word it follows.

Scores are relative to a free phone loop: every take is also decoded by
pocketsphinx's phone recogniser (context-independent phones, its phone
language model), and a word's score is its acoustic log-likelihood minus
the loop's over the same frames, per frame. A word said as written scores
near 0 whatever the voice, the microphone or the codec (they lower both
alike); speech that is not the word scores far below. The raw score falls
with unusual voices and fast speech (-3.4 for espeak-ng's female voice at
250 wpm, against -3.0 as the old cut for a wrong line); the ratio does not.
When the line's words cover too little of the speech (frames within
``speech_below_peak_db`` of the clip's loud peak; ``min_speech_covered_share``)
the speech is not this line and no word is returned (the phone loop is then
not decoded at all: on a ten-minute take against one line it would cost 40 s).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pocketsphinx

from kiosk.calibration import AlignmentSettings
from kiosk.capture import AudioTrack
from kiosk.timespan import TimeSpan
from kiosk.voice.dictionary import english_filler_pronunciations, english_pronunciations

#: pocketsphinx's acoustic model works at 16 kHz with 100 frames per second.
ALIGNER_SAMPLE_RATE_HZ = 16000
ALIGNER_FRAME_S = 0.01

_Found = tuple[str, int, int, float]  # word, first frame, frame after, log-likelihood (natural log)

#: How a filler is named in the aligner's dictionary and grammar ("++um++"): never a word of a line.
_FILLER_MARK = "++"
_SENSCR_SHIFT = 10
#: A word at most this many frames over its fewest (3 per phone) is squeezed (as in the analyser's snap to speech).
_SQUEEZE_SLACK_FRAMES = 2


@dataclass(frozen=True)
class WordTiming:
    """One word of the line as found in the audio.

    Attributes:
        word: the dictionary word aligned (lowercase, without variant marks).
        start_s, end_s: seconds from the start of the take.
        score_per_frame: acoustic log-likelihood per 10 ms frame (natural
            log) minus that of a free phone loop over the same frames: about
            0 for a word said as written, far below for other speech.
    """

    word: str
    start_s: float
    end_s: float
    score_per_frame: float


@dataclass(frozen=True)
class AlignedFiller:
    """A filled pause the aligner placed between the line's words.

    Attributes:
        word: the filler (``"um"``, ``"uh"``, ``"er"``, ``"ah"``, ``"hm"``).
        span: where it was, seconds from the start of the take.
        after_word: index (into the words asked for) of the word it follows;
            ``None`` before the first word.
        score_per_frame: as :attr:`WordTiming.score_per_frame`.
    """

    word: str
    span: TimeSpan
    after_word: int | None
    score_per_frame: float


@dataclass(frozen=True)
class LineAlignment:
    """The result of aligning a line's words.

    Attributes:
        words: one entry per word asked for, in order; ``None`` where the word
            was not found (left out by the speaker, or the speech is not this line).
        passes: how many passes it took (1-3, see the module docstring).
        fillers: the filled pauses placed between the words, in time order.
        speech_covered_share: share of the speech (10 ms frames within
            ``speech_below_peak_db`` of the loud peak) that the line's words
            cover; ``None`` if there is none.
    """

    words: tuple[WordTiming | None, ...]
    passes: int
    fillers: tuple[AlignedFiller, ...] = ()
    speech_covered_share: float | None = None

    @property
    def found(self) -> tuple[WordTiming, ...]:
        return tuple(w for w in self.words if w is not None)


def _words_of(segments) -> list[_Found]:
    """The words, fillers, silences and noises of a decode, with their log-likelihoods."""
    out = []
    for seg in segments or ():
        name = seg.word
        score = float(np.log(seg.ascore)) if seg.ascore > 0 else -np.inf
        out.append((name.split("(")[0], seg.start_frame, seg.end_frame + 1, score))
    return out


def _is_filler(found: _Found) -> bool:
    return found[0].startswith(_FILLER_MARK)


def _is_silence(found: Sequence[object]) -> bool:
    name = str(found[0])
    return name.startswith("<") or name.startswith("[")


def _line_words(found: Sequence[_Found]) -> list[_Found]:
    return [f for f in found if not _is_filler(f) and not _is_silence(f)]


def _loud_frames(clip: np.ndarray, below_peak_db: float, above_noise_db: float, noise: float) -> np.ndarray:
    """Which 10 ms frames of ``clip`` are speech: louder than ``below_peak_db`` under the loud
    peak (the 0.99 quantile of frame levels) and than the comfort noise (de Jong & Wempe 2009)."""
    hop = int(ALIGNER_SAMPLE_RATE_HZ * ALIGNER_FRAME_S)
    frames = len(clip) // hop
    if frames == 0:
        return np.zeros(0, dtype=bool)
    power = np.mean(clip[: frames * hop].reshape(frames, hop) ** 2, axis=1)
    level_db = 10.0 * np.log10(power + 1e-20)
    floor_db = 20.0 * np.log10(noise) + above_noise_db
    return level_db >= max(float(np.quantile(level_db, 0.99)) - below_peak_db, floor_db)


def _min_frames(word: str) -> int:
    """The fewest frames the aligner can give ``word``: 3 per phone (no skip transitions in en-us)."""
    pronunciations = english_pronunciations()
    return 3 * min(len(phones.split()) for phones in pronunciations[word]) if word in pronunciations else 0


def _absorb_fillers_into_squeezed_words(found: Sequence[_Found]) -> list[_Found]:
    """A filler right next to a word squeezed to (nearly) its fewest frames is part of that word.

    When a word is said with a vowel the dictionary does not expect (jfk's
    emphatic "so", its vowel like "ah"), the aligner may give the vowel to a
    filler and squeeze the word into the frames after it. The filler and the
    word together are the word as said.
    """
    out: list[_Found] = []
    for item in found:
        # Fillers back to back ("ah" then "um") are one filled pause: the longer part names it.
        if out and _is_filler(item) and _is_filler(out[-1]) and out[-1][2] == item[1]:
            before = out[-1]
            name = item[0] if item[2] - item[1] >= before[2] - before[1] else before[0]
            out[-1] = (name, before[1], item[2], before[3] + item[3])
        else:
            out.append(item)
    changed = True
    while changed:
        changed = False
        for n, item in enumerate(out):
            if not _is_filler(item) or _is_silence(item):
                continue
            for m in (n - 1, n + 1):
                if not 0 <= m < len(out):
                    continue
                word = out[m]
                if _is_filler(word) or _is_silence(word):
                    continue
                touching = word[1] == item[2] or word[2] == item[1]
                if touching and word[2] - word[1] <= _min_frames(word[0]) + _SQUEEZE_SLACK_FRAMES:
                    out[m] = (word[0], min(word[1], item[1]), max(word[2], item[2]), word[3] + item[3])
                    del out[n]
                    changed = True
                    break
            if changed:
                break
    return out


@dataclass(frozen=True)
class _PhoneLoop:
    """The phone loop's log-likelihood per frame."""

    score: np.ndarray

    def ratio_per_frame(self, found: _Found) -> float:
        """``found``'s log-likelihood minus the loop's over its frames, per frame."""
        _, start, stop, score = found
        frames = max(1, stop - start)
        return (score - float(self.score[start:stop].sum())) / frames

    def median_ratio(self, found: Sequence[_Found]) -> float:
        """The median of :meth:`ratio_per_frame` over the line's words in ``found``."""
        ratios = [self.ratio_per_frame(f) for f in _line_words(found)]
        return float(np.median(ratios)) if ratios else -np.inf


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
        self._fillers = tuple(
            (f"{_FILLER_MARK}{word}{_FILLER_MARK}", phones) for word, phones in english_filler_pronunciations().items()
        )
        entries += [f"{name} {phones}" for name, phones in self._fillers]
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
        speech = _loud_frames(clip, settings.speech_below_peak_db, settings.speech_above_comfort_noise_db, noise)
        loops: list[_PhoneLoop] = []

        def loop_scores() -> _PhoneLoop:
            # The phone loop costs more than an alignment (0.07 s per second
            # of audio): decoded only for a line that may be the speech.
            if not loops:
                loops.append(self._phone_loop(pcm))
            return loops[0]

        def covered_share(found: Sequence[_Found]) -> float | None:
            covered = np.zeros(len(speech), dtype=bool)
            for _, start, stop, _ in _line_words(found):
                covered[start:stop] = True
            speech_frames = int(np.count_nonzero(speech))
            return float(np.count_nonzero(covered & speech)) / speech_frames if speech_frames else None

        def not_the_line(found: Sequence[_Found]) -> bool:
            share = covered_share(found)
            return share is not None and share < settings.min_speech_covered_share

        def seconds(frame: int) -> float:
            return offset_s + frame * ALIGNER_FRAME_S

        def result(found: Sequence[_Found], indices: Sequence[int], passes: int) -> LineAlignment:
            share = covered_share(found)
            if not_the_line(found):
                # The line's words explain too little of what was said: not this line.
                return LineAlignment((None,) * len(words), passes, (), share)
            loop = loop_scores()
            timings: list[WordTiming | None] = [None] * len(words)
            fillers: list[AlignedFiller] = []
            said = iter(indices)
            last: int | None = None
            for item in _absorb_fillers_into_squeezed_words(found):
                name, start, stop, _ = item
                if _is_silence(item):
                    continue
                ratio = loop.ratio_per_frame(item)
                if _is_filler(item):
                    span = TimeSpan(seconds(start), seconds(stop))
                    if span.duration_s >= settings.min_filler_s and ratio >= settings.min_filler_score_per_frame:
                        fillers.append(AlignedFiller(name.strip(_FILLER_MARK[0]), span, last, ratio))
                    continue
                index = next(said, None)
                if index is None:
                    break
                timings[index] = WordTiming(name, seconds(start), seconds(stop), ratio)
                last = index
            return LineAlignment(tuple(timings), passes, tuple(fillers), share)

        poor: tuple[list[_Found], int] | None = None
        for passes, wide in ((1, False), (2, True)):
            found = self._linear(self._decoder(wide), pcm, words)
            if len(_line_words(found)) == len(words):
                if not_the_line(found) or loop_scores().median_ratio(found) >= settings.min_line_score_per_frame:
                    return result(found, range(len(words)), passes)
                # The whole line aligns, but badly: with the wide beams and
                # the fillers a word that was left out can be squeezed in
                # (or it is another line). Search for left-out words with the
                # narrow beams, and keep whichever matches better.
                poor = (found, passes)
                break

        def hopeless(beginning: list[_Found]) -> bool:
            # The words that do align match too poorly for this to be the line (the cut
            # result() applies anyway): searching for left-out words would only cost seconds.
            # Its last word may match poorly for having absorbed a word left out after it;
            # a median over three words or more is not pulled below the cut by that one.
            return (
                len(_line_words(beginning)) >= settings.min_words_to_give_up
                and loop_scores().median_ratio(beginning) < settings.min_line_score_per_frame
            )

        found, kept = self._skip_search(self._decoder(poor is None), pcm, seconds(0), speech_end_s, hopeless)
        if poor is not None and loop_scores().median_ratio(found) <= loop_scores().median_ratio(poor[0]):
            return result(poor[0], range(len(words)), poor[1])
        return result(found, kept, 3)

    def _skip_search(
        self,
        decoder: pocketsphinx.Decoder,
        pcm: bytes,
        offset_s: float,
        speech_end_s: float,
        hopeless: Callable[[list[_Found]], bool],
    ) -> tuple[list[_Found], list[int]]:
        """Pass 3: find the words left out (see the module docstring); (found, indices of the words found).

        Stops at the longest beginning that aligns when ``hopeless`` says its
        words already match too poorly for the line (another line was read).
        """
        words, settings = self.words, self.settings
        beginning = self._longest_beginning(decoder, pcm, words)
        if hopeless(beginning):
            return beginning, list(range(len(_line_words(beginning))))
        # What aligns of the line reaches the end of the speech: either one
        # word was left out (the words after it absorbed into the last one),
        # which the first try below finds, or the trainee stopped early, and
        # searching further would only cost seconds (each try decodes the take).
        stopped_early = bool(_line_words(beginning)) and (
            offset_s + _line_words(beginning)[-1][2] * ALIGNER_FRAME_S >= speech_end_s - settings.stopped_early_within_s
        )
        kept = list(range(len(words)))
        longest = len(_line_words(beginning))
        for attempt in range(int(settings.max_skipped_words)):
            if attempt:
                if stopped_early:
                    break
                # The longest beginning of the remaining line that aligns.
                longest = len(_line_words(self._longest_beginning(decoder, pcm, [words[i] for i in kept])))
            # The word left out is where the alignment stops, or the word
            # before it (squeezed into the gap): try both, keep the better.
            best_try: tuple[float, list[int], list[_Found]] | None = None
            for candidate in {longest, max(0, longest - 1)}:
                trial = kept[:candidate] + kept[candidate + 1 :]
                found = self._linear(decoder, pcm, [words[i] for i in trial]) if trial else []
                if trial and len(_line_words(found)) == len(trial):
                    score = float(np.mean([f[3] / max(1, f[2] - f[1]) for f in _line_words(found)]))
                    if best_try is None or score > best_try[0]:
                        best_try = (score, trial, found)
            if best_try is not None:
                return best_try[2], best_try[1]
            del kept[longest]
            if not kept:
                break
        # Still no full match: the longest beginning that aligns.
        return beginning, list(range(len(_line_words(beginning))))

    def _longest_beginning(self, decoder: pocketsphinx.Decoder, pcm: bytes, words: Sequence[str]) -> list[_Found]:
        """The longest beginning of ``words`` (but not all of it) that aligns, by binary search."""
        low, high, best = 1, len(words) - 1, []
        while low <= high:
            middle = (low + high) // 2
            found = self._linear(decoder, pcm, words[:middle])
            if len(_line_words(found)) == middle:
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
        """Decode with a grammar of ``words`` in order, a filler allowed before, between and after them."""
        if not words:
            return []
        # States 0..n between the words (n = len(words)); state n + 1 + i
        # follows a filler said before word i (before the end for i = n), and
        # n + 1 + n + 1 is the end. One filler per place: letting fillers
        # repeat lets them absorb long stretches of other speech, and the
        # search then keeps them all alive (20 s instead of 1.4 s for ten
        # minutes of LibriVox against one line).
        n = len(words)
        end = 2 * n + 2
        share = self.settings.filler_probability / max(1, len(self._fillers))
        transitions: list[tuple[int, int, float] | tuple[int, int, float, str]] = []
        for i in range(n + 1):
            after_filler = n + 1 + i
            transitions += [(i, after_filler, share, name) for name, _ in self._fillers]
            if i < n:
                transitions += [(i, i + 1, 1.0 - self.settings.filler_probability, words[i])]
                transitions += [(after_filler, i + 1, 1.0, words[i])]
            else:
                transitions += [(i, end, 1.0 - self.settings.filler_probability), (after_filler, end, 1.0)]
        try:
            grammar = decoder.create_fsg("line", 0, end, transitions)
            decoder.add_fsg("line", grammar)
            decoder.activate_search("line")
        except (RuntimeError, ValueError):
            return []
        return self._decode(decoder, pcm)

    def _phone_loop(self, pcm: bytes) -> _PhoneLoop:
        """Decode ``pcm`` with the free phone loop: its log-likelihood per frame."""
        decoder = pocketsphinx.Decoder(
            hmm=pocketsphinx.get_model_path("en-us/en-us"),
            allphone=pocketsphinx.get_model_path("en-us-phone.lm.bin"),
            allphone_ci=True,
            lm=None,
            loglevel="FATAL",
        )
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=False)
        decoder.end_utt()
        frames = decoder.n_frames() + 1
        score = np.zeros(frames)
        for seg in decoder.seg() or ():
            start, stop = seg.start_frame, min(frames, seg.end_frame + 1)
            # The phone search reports its scores without pocketsphinx's
            # SENSCR_SHIFT (10 bits) applied, unlike the word searches.
            log_score = float(np.log(seg.ascore)) * (1 << _SENSCR_SHIFT) if seg.ascore > 0 else -np.inf
            score[start:stop] = log_score / max(1, stop - start)
        return _PhoneLoop(score)


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
