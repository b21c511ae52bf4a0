"""Aligning a line in any language to espeak-ng's reading of it (dynamic time warping).

The method of aeneas, without a per-language acoustic model: the line said
by espeak-ng (:mod:`kiosk.voice.reference`, a mark before every word) is
matched frame by frame to the take. Both are cut to their speech first (the
take where the voice activity step found speech, the reference within
``reference_silence_below_peak_db`` of its peak), so the take's pauses and
the silence around it cannot drag the path: a pause falls between two
frames, and the word before it is the one whose frames end there. Frames are
mel-frequency cepstral coefficients (librosa) without the first (overall
level), each normalised to mean 0 and variance 1 over the recording's speech
so that the speaker's voice and the microphone's colour largely cancel;
distances are cosine distances; the path is librosa's dynamic time warping
over the whole of both.

Three judgements come from the path:

* **Is it the line?** The mean distance along the path, divided by that of
  the path to the reference played backwards (the same sounds in the wrong
  order, so the voice's own distance cancels): 0.3-0.5 for the line read by
  espeak-ng's other voices, near 1 for another line (``max_line_cost_ratio``).
  A real person reading the right line scores 0.8-0.9, too near another
  line's, so where Whisper can judge (:mod:`kiosk.voice.line_check`) it does.
* **Words left out.** A word that was not said is forced onto its
  neighbours' sounds. The words matching worst are each removed from the
  reference in turn (``skip_candidates``) and the path found again; the one
  whose removal brings the path closest goes if by at least
  ``min_skip_gain``, and the search repeats (``max_skipped_words``).
* **Unclear words**: a word matching more than ``max_relative_word_cost``
  times the line's median word.

Whether the speech is the line at all is better judged by Whisper when a
real person speaks (:mod:`kiosk.voice.line_check`); the caller passes that
verdict in, and may veto a word's being left out. Each word also reports
how much longer it took than the reference's word against the rest of the
line (``stretch``): a filled pause sounds like a vowel and is run into the
word next to it, which then takes several times longer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import librosa
import numpy as np
from scipy.spatial.distance import cdist

from kiosk.calibration import SynthesisAlignmentSettings
from kiosk.capture import AUDIO_SAMPLE_RATE_HZ, AudioTrack
from kiosk.timespan import TimeSpan
from kiosk.voice.reference import ReferenceSpeech

#: Feature frames every 10 ms over 25 ms windows (the usual speech front end).
FRAME_S = 0.01
_HOP = int(AUDIO_SAMPLE_RATE_HZ * FRAME_S)
_WINDOW = int(AUDIO_SAMPLE_RATE_HZ * 0.025)


@dataclass(frozen=True)
class MatchedWord:
    """A word of the line found in the take.

    Attributes:
        span: where it was said, seconds from the start of the take.
        relative_cost: its mean distance along the path over the line's
            median word's (1.0: a typical word of this take; higher: a worse match).
        stretch: how much longer it took than the reference's word, over the
            line's median word's (1.0: as the rest of the line; 3: held three
            times as long, as a word with an "øh" run into it is).
    """

    span: TimeSpan
    relative_cost: float
    stretch: float = 1.0


@dataclass(frozen=True)
class SynthesisAlignment:
    """The line matched to the take.

    Attributes:
        words: one entry per word asked for: where it was said, or ``None``
            for a word left out or one the reference has no sound for.
        left_out: indices of the words found left out.
        silent: indices of the words espeak-ng said nothing for (not judged).
        line_cost_ratio: the path's mean distance over the backwards path's
            (see the module docstring); above ``max_line_cost_ratio`` the
            speech is not this line.
    """

    words: tuple[MatchedWord | None, ...]
    left_out: tuple[int, ...]
    silent: tuple[int, ...]
    line_cost_ratio: float


def _features(samples: np.ndarray, settings: SynthesisAlignmentSettings) -> np.ndarray:
    """Cepstral frames (coefficients x frames) every :data:`FRAME_S`, centred on ``i * FRAME_S``."""
    mfcc = librosa.feature.mfcc(
        y=samples.astype(np.float32, copy=False),
        sr=AUDIO_SAMPLE_RATE_HZ,
        n_mfcc=int(settings.mfcc_count) + 1,
        n_fft=_WINDOW,
        hop_length=_HOP,
        n_mels=int(settings.mel_bands),
    )
    return np.asarray(mfcc[1:], dtype=np.float64)


def _normalised(frames: np.ndarray) -> np.ndarray:
    return (frames - frames.mean(axis=1, keepdims=True)) / (frames.std(axis=1, keepdims=True) + 1e-9)


def _path_cost(cost: np.ndarray, outside_line: float) -> tuple[np.ndarray, float]:
    """The warping path (reference row, take column pairs, in order) and its mean distance per step.

    Speech before or after the line ("okay, um..."): the reference gets a row before its first
    and after its last frame that every take frame matches at ``outside_line``, so such speech
    is matched there, not stretched over the line's first or last word. The path returned keeps
    only the line's own rows.
    """
    edge = np.full((1, cost.shape[1]), outside_line)
    padded = np.vstack([edge, cost, edge])
    _, path = librosa.sequence.dtw(C=padded)
    path = path[::-1]
    mean = float(padded[path[:, 0], path[:, 1]].sum() / (padded.shape[0] + padded.shape[1]))
    inside = (path[:, 0] >= 1) & (path[:, 0] <= cost.shape[0])
    return path[inside] - np.array([1, 0]), mean


def align_to_reference(
    audio: AudioTrack,
    speech: Sequence[TimeSpan],
    reference: ReferenceSpeech,
    settings: SynthesisAlignmentSettings,
    *,
    is_the_line: bool | None = None,
    may_be_left_out: Callable[[int], bool] | None = None,
) -> SynthesisAlignment | None:
    """Match the reference's words to the take; ``None`` if either has no speech to match.

    Words left out are searched for when the speech is the line: as
    ``is_the_line`` says when another check knows (:mod:`kiosk.voice.line_check`),
    else when the match itself is within ``max_line_cost_ratio``. A word is
    found left out only if ``may_be_left_out(index)`` agrees (another check
    that heard it said vetoes the match's guess).

    Args:
        audio: the take's sound (the voice front end's output), 16 kHz.
        speech: the take's stretches of speech (voice activity), seconds from the start of the take.
        reference: the line said by espeak-ng, with its words' starts.
        settings: the profile's ``[voice.synthesis_alignment]``.
    """
    n_words = len(reference.word_starts_s)
    take = _features(audio.samples, settings)
    take_times = audio.start_s + np.arange(take.shape[1]) * FRAME_S
    in_speech = np.zeros(take.shape[1], dtype=bool)
    for stretch in speech:
        in_speech |= (take_times >= stretch.start_s) & (take_times < stretch.end_s)
    take_frames = np.flatnonzero(in_speech)

    ref = _features(reference.samples, settings)
    level = librosa.feature.rms(y=reference.samples, frame_length=_WINDOW, hop_length=_HOP)[0][: ref.shape[1]]
    loud = level > (level.max() if len(level) else 0.0) * 10 ** (-settings.reference_silence_below_peak_db / 20)
    ref_frames = np.flatnonzero(loud)
    if len(take_frames) < 2 or len(ref_frames) < 2:
        return None
    ref_times = ref_frames * FRAME_S
    spans = reference.word_spans()
    rows_of = [np.flatnonzero((ref_times >= s.start_s) & (ref_times < s.end_s)) for s in spans]
    silent = tuple(i for i, rows in enumerate(rows_of) if len(rows) == 0)

    cost = cdist(_normalised(ref[:, ref_frames]).T, _normalised(take[:, take_frames]).T, metric="cosine")
    cost = np.nan_to_num(cost, nan=1.0)
    outside_line = float(np.quantile(cost, settings.outside_line_cost_quantile))
    path, path_cost = _path_cost(cost, outside_line)
    _, backwards_cost = _path_cost(cost[::-1], outside_line)
    ratio = path_cost / backwards_cost if backwards_cost > 0 else 1.0

    left_out: list[int] = []
    if is_the_line if is_the_line is not None else ratio <= settings.max_line_cost_ratio:
        left_out = _left_out_words(cost, rows_of, path, path_cost, silent, settings, may_be_left_out, outside_line)
    keep = np.ones(cost.shape[0], dtype=bool)
    for i in left_out:
        keep[rows_of[i]] = False
    kept_rows = np.flatnonzero(keep)
    if len(kept_rows) < 2:
        return SynthesisAlignment((None,) * n_words, tuple(left_out), silent, ratio)
    final_path, _ = _path_cost(cost[kept_rows], outside_line) if left_out else (path, path_cost)
    # Back to the full reference's row numbers.
    final_rows = kept_rows[final_path[:, 0]]
    final_cols = final_path[:, 1]

    costs: list[float | None] = []
    cols_of: list[np.ndarray | None] = []
    for i, rows in enumerate(rows_of):
        if i in left_out or len(rows) == 0:
            costs.append(None)
            cols_of.append(None)
            continue
        on = (final_rows >= rows[0]) & (final_rows <= rows[-1])
        costs.append(float(cost[final_rows[on], final_cols[on]].mean()))
        cols_of.append(final_cols[on])
    known = [c for c in costs if c is not None]
    median = float(np.median(known)) if known else 1.0
    # Take frames per reference frame, each word against the line's median word.
    rates = [len(np.unique(cols)) / len(rows_of[i]) if cols is not None else None for i, cols in enumerate(cols_of)]
    known_rates = [r for r in rates if r is not None]
    usual_rate = float(np.median(known_rates)) if known_rates else 1.0
    words: list[MatchedWord | None] = []
    for word_cost, cols, rate in zip(costs, cols_of, rates, strict=True):
        if word_cost is None or cols is None or rate is None:
            words.append(None)
            continue
        frames = take_frames[cols]
        words.append(
            MatchedWord(
                _word_span(frames, audio.start_s),
                word_cost / median if median > 0 else 1.0,
                rate / usual_rate if usual_rate > 0 else 1.0,
            )
        )
    return SynthesisAlignment(tuple(words), tuple(sorted(left_out)), silent, ratio)


def compile_ahead() -> None:
    """Run the cepstra and the warping once on a second of noise, so that librosa's numba code is
    compiled and cached on disk now (about 14 s on 2 cores) rather than in a trainee's first take.
    ``./kiosk.sh`` calls it after installing."""
    noise = np.random.default_rng(0).standard_normal(AUDIO_SAMPLE_RATE_HZ).astype(np.float32) * 0.1
    frames = librosa.feature.mfcc(y=noise, sr=AUDIO_SAMPLE_RATE_HZ, n_fft=_WINDOW, hop_length=_HOP)
    librosa.feature.rms(y=noise, frame_length=_WINDOW, hop_length=_HOP)
    librosa.sequence.dtw(C=cdist(frames.T, frames.T, metric="cosine"))


def _word_span(frames: np.ndarray, start_s: float) -> TimeSpan:
    """Seconds covered by a word's take frames, within one stretch of speech.

    The take's frames are its speech only, so the path may carry a word's
    first or last reference frame across a pause onto the other side; a word
    lies in the stretch where most of its frames are.
    """
    unique = np.unique(frames)
    groups = np.split(unique, np.flatnonzero(np.diff(unique) > 1) + 1)
    main = max(groups, key=len)
    return TimeSpan(start_s + int(main[0]) * FRAME_S, start_s + (int(main[-1]) + 1) * FRAME_S)


def _left_out_words(
    cost: np.ndarray,
    rows_of: Sequence[np.ndarray],
    path: np.ndarray,
    path_cost: float,
    silent: tuple[int, ...],
    settings: SynthesisAlignmentSettings,
    may_be_left_out: Callable[[int], bool] | None,
    outside_line: float,
) -> list[int]:
    """The words left out, found by leaving the worst-matching ones out in turn (module docstring)."""
    left_out: list[int] = []
    keep = np.ones(cost.shape[0], dtype=bool)
    base = path_cost
    current_rows = np.arange(cost.shape[0])
    current_path = path
    while len(left_out) < int(settings.max_skipped_words):
        rows_on_path = current_rows[current_path[:, 0]]
        cols = current_path[:, 1]
        word_cost = {}
        for i, rows in enumerate(rows_of):
            if i in left_out or i in silent or len(rows) == 0:
                continue
            on = (rows_on_path >= rows[0]) & (rows_on_path <= rows[-1])
            if on.any():
                word_cost[i] = float(cost[rows_on_path[on], cols[on]].mean())
        if len(word_cost) < 2:
            break
        candidates = [
            i
            for i in sorted(word_cost, key=lambda i: -word_cost[i])[: int(settings.skip_candidates)]
            if may_be_left_out is None or may_be_left_out(i)
        ]
        best, best_gain, best_path = None, 0.0, None
        for i in candidates:
            trial = keep.copy()
            trial[rows_of[i]] = False
            trial_path, trial_cost = _path_cost(cost[trial], outside_line)
            gain = (base - trial_cost) / base if base > 0 else 0.0
            if gain > best_gain:
                best, best_gain, best_path = i, gain, trial_path
        if best is None or best_path is None or best_gain < settings.min_skip_gain:
            break
        left_out.append(best)
        keep[rows_of[best]] = False
        current_rows = np.flatnonzero(keep)
        current_path = best_path
        base = base * (1 - best_gain)
    return left_out
