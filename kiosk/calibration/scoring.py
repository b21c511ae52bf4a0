"""The ``[scoring]`` tables: score labels, a few scoring settings, and every cue's target in every setting."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType

from kiosk.calibration.schema import POSITIVE, SHARE, Range, TablesBy, band, number, profile_table, tables_by
from kiosk.vocabulary import Cue, Language, Sense, Setting

#: Settings a line can be practised in.
SETTINGS: tuple[Setting, ...] = tuple(Setting)
#: Cues scored in every setting (heard), and those scored only on camera (seen).
VOICE_CUES: tuple[Cue, ...] = tuple(cue for cue in Cue if cue.sense is Sense.HEARD)
BODY_CUES_SCORED: tuple[Cue, ...] = tuple(cue for cue in Cue if cue.sense is Sense.SEEN)
#: Which cues each setting scores, in report order: the phone is voice only.
CUES_BY_SETTING: Mapping[str, tuple[Cue, ...]] = MappingProxyType(
    {setting: Cue.scored_in_setting(setting) for setting in Setting}
)

#: A score on the 0-100 scale of every cue and of the overall score.
SCORE = Range(0, 100, noun="a score")
#: A cue's band and tolerance are in the cue's own unit.
CUE_UNIT = "the cue's unit: a share 0-1, words per minute, semitones, dBFS, dB, seconds..."


@profile_table
class CueTarget:
    """One cue's target in one setting (a ``[scoring.<setting>.<cue>]`` table)."""

    band: tuple[float, float] = band(doc="Inside this band the cue scores 100", unit=CUE_UNIT)
    tolerance: float = number(
        doc="How far outside the band the score falls to 0, linearly", unit=CUE_UNIT, check=POSITIVE
    )
    weight: float = number(doc="The cue's weight in the overall score", unit="relative weight", check=POSITIVE)


@profile_table
class LanguagePace:
    """How a language's pace compares with English (a ``[scoring.languages.<language>]`` table)."""

    words_per_english_word: float = number(
        doc="Words (Chinese: characters) of the kiosk's lines in this language per English word of the same lines",
        unit="words per English word",
        check=POSITIVE,
    )


def _cues_of(setting: str) -> tuple[Cue, ...]:
    return Cue.scored_in_setting(Setting(setting))


@profile_table
class ScoringProfile:
    """The ``[scoring]`` part of a calibration profile."""

    excellent: float = number(doc="An overall score from this up is excellent", unit="score 0-100", check=SCORE)
    good: float = number(doc="An overall score from this up is good", unit="score 0-100", check=SCORE)
    fair: float = number(
        doc="An overall score from this up is fair; below, keep practising", unit="score 0-100", check=SCORE
    )
    no_smile_max_share: float = number(
        doc="A line where smiling is out of place scores full marks smiling at most this share of the take",
        unit="share of the take",
        check=SHARE,
    )
    falling_ends_min_share: float = number(
        doc="A line that asks for falling phrase ends wants at least this share of them to fall",
        unit="share of the phrase ends",
        check=SHARE,
    )
    start_window_s: float = number(
        doc='Eye contact "at the start" is judged over this long', unit="seconds", check=POSITIVE
    )
    syllables_per_word: float = number(
        doc="Without a scripted line, words are estimated from syllable nuclei at this many per word",
        unit="syllables per word",
        check=POSITIVE,
    )
    pace_stretch_min_s: float = number(
        doc="The transcript shades a stretch of speech fast or slow only if it lasts at least this long",
        unit="seconds",
        check=POSITIVE,
    )
    pace_stretch_min_words: float = number(
        doc="...and holds at least this many words of the line (a pace needs a few words)",
        unit="words",
        check=POSITIVE,
    )
    slightly_off_min_score: float = number(
        doc='A cue outside its band scoring at least this is "a little" low or high in the report; below, "too"',
        unit="score 0-100",
        check=SCORE,
    )
    unchanged_within: float = number(
        doc='Against the last try, a score that moved at most this many points reads as "the same"',
        unit="score points",
        check=SCORE,
    )
    languages: Mapping[Language, LanguagePace] = tables_by(
        doc="Each language's pace against English: the [scoring.languages.<language>] tables",
        keys=lambda _: tuple(Language),
        value=LanguagePace,
        noun="languages",
    )
    targets: Mapping[Setting, Mapping[Cue, CueTarget]] = tables_by(
        doc="Every scored cue's target in every setting: the [scoring.<setting>.<cue>] tables",
        keys=lambda _: SETTINGS,
        inline=True,
        value=TablesBy(
            doc="The targets of the cues one setting scores",
            keys=_cues_of,
            value=CueTarget,
            noun="cues",
            known="known for this setting",
        ),
    )

    def target(self, setting: Setting | str, cue: Cue | str) -> CueTarget:
        return self.targets[Setting(setting)][Cue(cue)]

    def checks(self) -> Iterator[str]:
        labels = {"excellent": self.excellent, "good": self.good, "fair": self.fair}
        if not self.excellent >= self.good >= self.fair:
            yield f"needs excellent >= good >= fair, got {labels}."
