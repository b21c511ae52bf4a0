"""A line said by espeak-ng, with where each of its words starts: the reference the take is matched to.

espeak-ng (Debian's ``libespeak-ng1``; the ``espeak-ng`` package brings it)
is called through its C library, not its command line, because only the
library reports where in the audio each SSML ``<mark>`` falls: a mark before
every word of the line gives each word's start to the sample. The library
keeps one voice and one set of parameters for the whole process, so every
call goes through :class:`EspeakReference` under one lock; a reference is
cached per (words, voice, rate), since a kiosk says the same lines all day.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from xml.sax.saxutils import escape

import numpy as np
from scipy import signal

from kiosk.capture import AUDIO_SAMPLE_RATE_HZ
from kiosk.errors import ModelUnavailableError
from kiosk.timespan import TimeSpan

#: How many references are kept (a kiosk's whole set of lines in four languages fits).
REFERENCES_KEPT = 256

# espeak-ng's C interface (speak_lib.h): the constants this module uses.
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000
_EVENT_LIST_TERMINATED = 0
_EVENT_MARK = 3
_CHARS_UTF8 = 0x01
_SSML = 0x10
_POS_CHARACTER = 1
_PARAMETER_RATE = 1
_PARAMETER_PITCH = 3
_DEFAULT_PITCH = 50


class _Event(ctypes.Structure):
    # espeak_EVENT; ``id`` is a union whose ``name`` member (a C string) marks use.
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", ctypes.c_void_p),
    ]


_Callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


@dataclass(frozen=True)
class ReferenceSpeech:
    """A line said by espeak-ng.

    Attributes:
        samples: mono float32 samples in [-1, 1] at :data:`AUDIO_SAMPLE_RATE_HZ`.
        word_starts_s: where each word asked for starts, seconds from the first sample.
        voice: the espeak-ng voice that said it.
    """

    samples: np.ndarray
    word_starts_s: tuple[float, ...]
    voice: str

    @property
    def duration_s(self) -> float:
        return len(self.samples) / float(AUDIO_SAMPLE_RATE_HZ)

    def word_spans(self) -> tuple[TimeSpan, ...]:
        """Each word from its start to the next word's start (the last to the end)."""
        ends = (*self.word_starts_s[1:], self.duration_s)
        return tuple(TimeSpan(start, max(start, end)) for start, end in zip(self.word_starts_s, ends, strict=True))


class EspeakReference:
    """espeak-ng's library, loaded once per process; every synthesis holds :attr:`lock`."""

    lock = threading.Lock()
    _instance: EspeakReference | None = None

    def __init__(self) -> None:
        name = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
        try:
            self._lib = ctypes.CDLL(name)
        except OSError as err:
            raise ModelUnavailableError(
                "Lines in Danish, Lithuanian and Chinese are aligned to espeak-ng's reading of them, and "
                f"espeak-ng's library could not be loaded ({err}). Install it (sudo apt-get install espeak-ng) "
                "and start the kiosk again."
            ) from err
        self._lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self._lib.espeak_Synth.argtypes = [
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        self.sample_rate_hz = int(
            self._lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, None, _INITIALIZE_DONT_EXIT)
        )
        if self.sample_rate_hz <= 0:
            raise ModelUnavailableError(
                "espeak-ng did not start (its data folder may be missing): reinstall it "
                "(sudo apt-get install --reinstall espeak-ng-data) and start the kiosk again."
            )
        self._chunks: list[np.ndarray] = []
        self._marks: dict[str, int] = {}
        # Kept on the instance: the library holds the pointer for the life of the process.
        self._callback = _Callback(self._receive)
        self._lib.espeak_SetSynthCallback(self._callback)

    @classmethod
    def shared(cls) -> EspeakReference:
        """The process's one instance (created on first use, under the lock)."""
        with cls.lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def _receive(self, wav: ctypes.Array[ctypes.c_short], count: int, events: ctypes.Array[_Event]) -> int:
        if count > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        i = 0
        while events[i].type != _EVENT_LIST_TERMINATED:
            event = events[i]
            if event.type == _EVENT_MARK and event.id:
                name = ctypes.cast(event.id, ctypes.c_char_p).value
                if name is not None:
                    self._marks[name.decode()] = event.sample
            i += 1
        return 0

    def say(self, words: Sequence[str], *, voice: str, rate_wpm: int) -> ReferenceSpeech:
        """``words`` said in turn by ``voice`` at ``rate_wpm``, with each word's start.

        The words are given space-separated (Chinese as pinyin syllables, :func:`said_by_espeak`).

        Raises:
            ModelUnavailableError: espeak-ng has no voice ``voice``.
        """
        body = " ".join(f'<mark name="w{i}"/>{escape(word)}' for i, word in enumerate(words))
        ssml = f"<speak>{body}</speak>".encode()
        with self.lock:
            if self._lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise ModelUnavailableError(
                    f"espeak-ng has no voice {voice!r} (see espeak-ng --voices): set [voice.languages] "
                    "espeak_voice in the calibration profile to one it has."
                )
            self._lib.espeak_SetParameter(_PARAMETER_RATE, int(rate_wpm), 0)
            self._lib.espeak_SetParameter(_PARAMETER_PITCH, _DEFAULT_PITCH, 0)
            self._chunks, self._marks = [], {}
            # Set again each time: anything else in the process using the library may have replaced it.
            self._lib.espeak_SetSynthCallback(self._callback)
            self._lib.espeak_Synth(ssml, len(ssml) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8 | _SSML, None, None)
            self._lib.espeak_Synchronize()
            chunks, marks = self._chunks, self._marks
            self._chunks, self._marks = [], {}
        native = np.concatenate(chunks).astype(np.float32) / 32768.0 if chunks else np.zeros(0, np.float32)
        # espeak-ng speaks at 22.05 kHz; the take is at 16 kHz (320/441 exactly).
        samples = signal.resample_poly(native, AUDIO_SAMPLE_RATE_HZ, self.sample_rate_hz).astype(np.float32)
        starts: list[float] = []
        for i in range(len(words)):
            sample = marks.get(f"w{i}")
            # A word espeak-ng said nothing for starts where the one before it did.
            starts.append(sample / self.sample_rate_hz if sample is not None else (starts[-1] if starts else 0.0))
        return ReferenceSpeech(samples=samples, word_starts_s=tuple(starts), voice=voice)


#: Abbreviations espeak-ng would spell out, as said in full.
_SAID_IN_FULL: dict[str, dict[str, str]] = {"da": {"kl": "klokken"}}
#: A clock time (15.30, 15:30), said as hours and minutes.
_CLOCK = re.compile(r"^(\d{1,2})[.:](\d{2})$")


def said_by_espeak(words: Sequence[str], language: str) -> tuple[str, ...]:
    """What espeak-ng is given for each word of a line, so it reads the word as a speaker of ``language`` would.

    Chinese is given as numbered pinyin (``wan3 shang4 hao3``) for the
    ``cmn-latn-pinyin`` voice: espeak-ng 1.51's ``cmn`` voice reads many
    characters with their tone number said in English ("hao three"). The
    pinyin comes from pypinyin, over each run of characters at once so that
    a character with several readings gets the one its word needs; a number
    is left as digits, which the voice reads as a number (10: shi2). Other
    languages are given as written, but for a clock time (15.30: "15 30")
    and the abbreviations of :data:`_SAID_IN_FULL` (Danish "kl.": klokken).
    """
    if language != "zh":
        full = _SAID_IN_FULL.get(language, {})
        out_words = []
        for word in words:
            clock = _CLOCK.match(word)
            out_words.append(f"{clock[1]} {clock[2]}" if clock else full.get(word.lower(), word))
        return tuple(out_words)
    from pypinyin import Style, lazy_pinyin

    def pinyin(text: str) -> list[str]:
        return [p for p in lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True) if p.strip()]

    out: list[str] = []
    run: list[str] = []

    def close_run() -> None:
        if run:
            syllables = pinyin("".join(run))
            # One syllable per character; anything else (a rare character pypinyin lacks) as written.
            out.extend(syllables if len(syllables) == len(run) else run)
            run.clear()

    for word in words:
        if len(word) == 1 and not word.isascii() and not word.isdigit():
            run.append(word)
            continue
        close_run()
        out.append(word)
    close_run()
    return tuple(out)


@lru_cache(maxsize=REFERENCES_KEPT)
def reference_speech(words: tuple[str, ...], *, voice: str, rate_wpm: int) -> ReferenceSpeech:
    """:meth:`EspeakReference.say` on the shared instance, cached (see the module docstring)."""
    return EspeakReference.shared().say(words, voice=voice, rate_wpm=rate_wpm)
