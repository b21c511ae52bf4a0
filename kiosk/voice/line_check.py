"""Was this line said? Whisper's probability of the known line, given the take (forced scoring).

The aligner against espeak-ng (:mod:`kiosk.voice.synthesis_alignment`)
times a line's words well, but its match to a synthetic voice cannot tell
the right line from another when a real person reads it (two AISHELL-1
sentences: 0.83-0.86 against their own line, 0.99 against the other's,
where espeak-ng's own variants score 0.3-0.5). A speech recogniser that
knows the language can: OpenAI's Whisper base (MIT weights; CTranslate2's
conversion, run by faster-whisper, resolved by :mod:`kiosk.models`) is
given the line as the text it must have heard, and reports each token's
probability. Over the same two recordings the mean log-probability per token
was -0.16 and -0.35 for the right line and -4.8 and -5.6 for the other.

The model is loaded once per process (about 0.5-1 s) and used under a lock.
One take costs one encoder pass over a 30 s window (0.5-0.9 s on two cores,
8-bit weights) and one scoring pass (about 0.05 s).

The shipped ``tokenizer.json`` lacks GPT-2's first merge rule (``"Ġ t"``):
without it text such as " to", " the", " tak", " til" is split into tokens
the model never produces, and those words score near 0 however clearly
they are said. The rule is put back when the tokenizer is loaded.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from kiosk.capture import AUDIO_SAMPLE_RATE_HZ, AudioTrack
from kiosk.timespan import TimeSpan

#: Whisper hears at most this much at once.
WINDOW_S = 30.0
#: The clip Whisper hears starts this long before the first speech (a soft onset is not cut).
LEAD_S = 0.2
#: The smoothing of the alignment heads' attention (faster-whisper's own value).
MEDIAN_FILTER_WIDTH = 7
_MISSING_MERGE = ("Ġ", "t")


@dataclass(frozen=True)
class LineEvidence:
    """How probable the known line is, given the take.

    Attributes:
        mean_log_probability: the mean natural-log probability of the line's
            tokens (punctuation left out): near 0 for the line said as
            written, far below for other speech.
        word_min_probability: per word of the line, the lowest probability
            of its tokens (``None`` for a word with no token of its own).
    """

    mean_log_probability: float
    word_min_probability: tuple[float | None, ...]


def _tokenizer_with_first_merge(path: Path) -> object:
    import tokenizers

    data = json.loads(path.read_text(encoding="utf-8"))
    merges = data["model"]["merges"]
    as_text = " ".join(_MISSING_MERGE)
    if as_text not in merges and list(_MISSING_MERGE) not in merges:
        merges.insert(0, as_text if merges and isinstance(merges[0], str) else list(_MISSING_MERGE))
    return tokenizers.Tokenizer.from_str(json.dumps(data))


class WhisperLineChecker:
    """Whisper base, loaded from ``model_dir``; :meth:`check` scores a line against a take under :attr:`lock`."""

    def __init__(self, model_dir: Path, *, threads: int, compute_type: str) -> None:
        from faster_whisper import WhisperModel

        self.lock = threading.Lock()
        self._model = WhisperModel(
            str(model_dir), device="cpu", compute_type=compute_type, cpu_threads=threads, num_workers=1
        )
        self._model.hf_tokenizer = _tokenizer_with_first_merge(model_dir / "tokenizer.json")

    def check(
        self,
        audio: AudioTrack,
        text: str,
        words: Sequence[str],
        language: str,
        speech: TimeSpan,
    ) -> LineEvidence:
        """Score the line ``text`` (as written: capitals and punctuation help Whisper) against the take's speech.

        ``words`` are the line's words as written, in order, each found in
        ``text``; a word's probability is that of the tokens overlapping it.
        The take is cut to :data:`WINDOW_S` from the start of its speech.
        """
        from faster_whisper.audio import pad_or_trim
        from faster_whisper.tokenizer import Tokenizer

        start = max(0, int((speech.start_s - audio.start_s - LEAD_S) * AUDIO_SAMPLE_RATE_HZ))
        clip = audio.samples[start : start + int(WINDOW_S * AUDIO_SAMPLE_RATE_HZ)].astype(np.float32)
        # Whisper writes a space before each word of a language written with spaces. Chinese is given
        # without its punctuation: with it, right lines of espeak-ng takes scored lower (-3.9 at the
        # lowest, against -2.8), while Danish and Lithuanian lines score higher with theirs.
        lead = "" if language == "zh" else " "
        line = "".join(words) if language == "zh" else " ".join(text.split())
        spans: list[tuple[int, int]] = []
        at = 0
        for word in words:
            found = line.find(word, at)
            if found < 0:  # not as written (should not happen): no tokens of its own
                spans.append((0, 0))
                continue
            spans.append((len(lead) + found, len(lead) + found + len(word)))
            at = found + len(word)
        text = lead + line
        model = self._model
        with self.lock:
            features = model.feature_extractor(clip)
            frames = features.shape[-1] - 1
            encoded = model.encode(pad_or_trim(features[:, :frames]))
            encoding = model.hf_tokenizer.encode(text, add_special_tokens=False)
            tokenizer = Tokenizer(model.hf_tokenizer, True, task="transcribe", language=language)
            prompt = [*tokenizer.sot_sequence, tokenizer.no_timestamps]
            result = model.model.align(
                encoded, prompt, [encoding.ids], frames, median_filter_width=MEDIAN_FILTER_WIDTH
            )[0]
        probabilities = np.asarray(result.text_token_probs[: len(encoding.ids)], dtype=np.float64)
        content = [i for i, token in enumerate(encoding.tokens) if any(ch.isalnum() for ch in token)]
        chosen = probabilities[content] if content else probabilities
        mean_log = float(np.mean(np.log(np.maximum(chosen, 1e-12)))) if len(chosen) else float("-inf")
        per_word: list[float | None] = []
        for low, high in spans:
            mine = [i for i in content if encoding.offsets[i][0] < high and encoding.offsets[i][1] > low and high > low]
            per_word.append(float(probabilities[mine].min()) if mine else None)
        return LineEvidence(mean_log, tuple(per_word))


@lru_cache(maxsize=1)
def _shared(model_dir: Path, threads: int, compute_type: str) -> WhisperLineChecker:
    return WhisperLineChecker(model_dir, threads=threads, compute_type=compute_type)


_SHARED_LOCK = threading.Lock()


def line_checker(*, threads: int, compute_type: str) -> WhisperLineChecker:
    """The process's checker (the model resolved by :func:`kiosk.models.whisper_model_dir`, loaded once).

    Raises:
        ModelUnavailableError: the model could not be found or verified.
    """
    from kiosk.models import whisper_model_dir

    with _SHARED_LOCK:
        return _shared(whisper_model_dir(), threads, compute_type)
