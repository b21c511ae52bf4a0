"""Takes of a kiosk line in Danish, Lithuanian and Chinese, said by espeak-ng at test time.

Each take is the upload page's first line (the front desk's evening
greeting) said by a voice variant unlike the kiosk's reference (another
variant, rate and pitch) with one SSML break of 700 ms after the middle word.
Chinese is said from numbered pinyin with espeak-ng's ``cmn-latn-pinyin``
voice (its ``cmn`` voice reads many characters' tone digits in English).
The truth is the take's own: its words, the word the break follows, and the
first to last voiced sample (espeak-ng's silence is digital zeros), never
the kiosk's answer.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "voice"))
from speech_synth import read_wav, say_as, voiced_span_s  # noqa: E402

from kiosk.scenarios import find_scenario  # noqa: E402
from kiosk.voice import prepare_line  # noqa: E402

LINE_ID = "front-desk-greeting-01"  # the upload page's first line
BREAK_MS = 700
#: (espeak-ng voice, rate in its words per minute, pitch 0-99): unlike the reference's default voice and rate.
VOICES = {"da": ("da+f3", 190, 70), "lt": ("lt+m5", 140, 35), "zh": ("cmn-latn-pinyin+f2", 160, 60)}
#: 晚上好，欢迎光临本酒店！请问您今晚是要办理入住吗？ in numbered pinyin, one syllable a character.
CHINESE_PINYIN = (
    "wan3 shang4 hao3 huan1 ying2 guang1 lin2 ben3 jiu3 dian4 qing3 wen4 nin2 jin1 wan3 shi4 yao4 ban4 li3 ru4 zhu4 ma5"
)


@dataclass(frozen=True)
class LanguageTake:
    """A take of the line in one language, and what is known of it without the kiosk.

    Attributes:
        language: the line's and the page's language.
        wav: the take (16-bit mono WAV).
        words: the line's words as the kiosk splits them (characters for Chinese).
        pause_after: index in ``words`` of the word the break follows.
        speech_s: first to last voiced sample of the take, in seconds.
    """

    language: str
    wav: Path
    words: tuple[str, ...]
    pause_after: int
    speech_s: float

    @property
    def words_per_minute(self) -> float:
        """The take's pace in the line's words (characters for Chinese) per minute, pause included."""
        return 60.0 * len(self.words) / self.speech_s


@cache
def language_take(language: str) -> LanguageTake:
    """The line said in ``language`` ("da", "lt" or "zh") with a break after its middle word."""
    text = find_scenario(LINE_ID).text_in(language)
    words = tuple(w.written for w in prepare_line(text, language=language).words)
    spoken = CHINESE_PINYIN.split() if language == "zh" else [escape(w) for w in words]
    assert len(spoken) == len(words), (spoken, words)
    after = len(words) // 2
    spoken[after] += f'<break time="{BREAK_MS}ms"/>'
    voice, rate_wpm, pitch = VOICES[language]
    wav = say_as("<speak>" + " ".join(spoken) + "</speak>", voice=voice, rate_wpm=rate_wpm, pitch=pitch)
    samples, rate_hz = read_wav(wav)
    first, last = voiced_span_s(samples, rate_hz)
    return LanguageTake(language, wav, words, after, last - first)
