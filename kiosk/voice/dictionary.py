"""The English pronunciation dictionary, read once per process, and each language's fillers.

pocketsphinx ships the CMU dictionary (``cmudict-en-us.dict``) with its US
English acoustic model. The line is normalised against its words
(``script``) and aligned with its pronunciations (``alignment``). A word the
dictionary lacks but that is a regular derivation of a word it has
(``aligner`` from ``align``, ``upgrading`` from ``upgrade``) is pronounced as
that word plus the ending's sounds (:class:`EnglishLexicon`), so it is
checked like any other instead of being left out.

:data:`FILLER_WORDS` lists, per language, the filled pauses a speaker of it
says while hesitating. The English ones are placed by the aligner between
the line's words (their phones are cmudict's entries); Danish, Lithuanian
and Chinese have no aligner yet, so their lists are data kept for when they do.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path

from kiosk.errors import ScriptError

_VARIANT = re.compile(r"\(\d+\)$")

FILLER_WORDS: Mapping[str, tuple[str, ...]] = {
    # um, uh, er, ah, hm (Shriberg 1994; Clark & Fox Tree 2002): cmudict has each.
    "en": ("um", "uh", "er", "ah", "hm"),
    # "øh", "øhm" (Danish hesitation sounds; Fox Tree 2001 compares them with English uh/um).
    "da": ("øh", "øhm"),
    # "ee", "mmm" (Lithuanian hesitation sounds, as listed in issue 13).
    "lt": ("ee", "mmm"),
    # 呃 (e), 嗯 (en) and the demonstrative 那个 (nage) used as a filler (Zhao & Jurafsky 2005).
    "zh": ("呃", "嗯", "那个"),
}
"""Filled pauses per language (primary subtag). Only ``en`` is aligned today."""


#: Phones after which a plural "-s" is "IH Z", or a past "-ed" is "IH D"; after
#: a voiceless one they are "S" and "T", after anything else "Z" and "D".
_SIBILANTS = frozenset({"S", "Z", "SH", "ZH", "CH", "JH"})
_VOICELESS = frozenset({"P", "T", "K", "F", "TH", "S", "SH", "CH", "HH"})
_ALVEOLAR_STOPS = frozenset({"T", "D"})
#: Endings whose sound does not depend on the word before them.
_PLAIN_ENDINGS: tuple[tuple[str, str], ...] = (
    ("ers", "ER Z"),
    ("er", "ER"),
    ("ings", "IH NG Z"),
    ("ing", "IH NG"),
    ("ly", "L IY"),
    ("ness", "N AH S"),
    ("ments", "M AH N T S"),
    ("ment", "M AH N T"),
    ("ful", "F AH L"),
    ("less", "L AH S"),
    ("able", "AH B AH L"),
)
#: The shortest dictionary word a derivation may start from (shorter ones
#: make false stems: "be" + "ing").
_MIN_STEM_LETTERS = 3
#: Marks a word not looked up yet (``None`` is a word with no derivation).
_UNKNOWN = object()
#: Derivations remembered (looked-up words, found or not) before starting afresh.
_MAX_REMEMBERED = 10_000


def _stems(word: str, ending: str) -> Iterator[str]:
    """The words ``word`` may be ``ending`` added to: as is, with a final "e"
    dropped (upgrade -> upgrading) or a final consonant doubled (plan -> planner),
    "y" turned "i" (happy -> happiness)."""
    stem = word[: -len(ending)]
    yield stem
    yield stem + "e"
    if len(stem) >= 2 and stem[-1] == stem[-2] and stem[-1] not in "aeiou":
        yield stem[:-1]
    if stem.endswith("i"):
        yield stem[:-1] + "y"


def _ending_after(phones: str, ending: str) -> str:
    """The sound of a regular "-s" or "-ed" after a stem ending in ``phones``."""
    last = phones.split()[-1]
    if ending == "s":
        return "IH Z" if last in _SIBILANTS else "S" if last in _VOICELESS else "Z"
    return "IH D" if last in _ALVEOLAR_STOPS else "T" if last in _VOICELESS else "D"


class EnglishLexicon(Mapping[str, tuple[str, ...]]):
    """cmudict's words and pronunciations, and the regular derivations of its words.

    Iterating and ``len`` give cmudict's own words (so ``set(lexicon)`` has
    no derived word); a lookup (``in``, ``[]``, ``get``) of a word cmudict
    lacks also finds it as a dictionary word of at least three letters plus
    a regular ending: "-er(s)", "-ing(s)", "-ly", "-ness", "-ment(s)",
    "-ful", "-less", "-able" (sounds fixed), "-s"/"-es" and "-ed" (sounds
    after the stem's last phone), with the spelling changes of
    :func:`_stems`. Of several derivations the one from the longest stem
    wins; only the stem's first pronunciation is used.
    """

    def __init__(self, table: Mapping[str, tuple[str, ...]]) -> None:
        self._table = table
        self._derivations: dict[str, tuple[str, ...] | None] = {}

    def __getitem__(self, word: str) -> tuple[str, ...]:
        found = self._table.get(word)
        if found is not None:
            return found
        derived = self._derived(word)
        if derived is None:
            raise KeyError(word)
        return derived

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and (word in self._table or self._derived(word) is not None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)

    def _derived(self, word: str) -> tuple[str, ...] | None:
        known = self._derivations.get(word, _UNKNOWN)
        if known is _UNKNOWN:
            if len(self._derivations) > _MAX_REMEMBERED:
                self._derivations.clear()
            known = self._derivations[word] = self._derive(word)
        return known  # type: ignore[return-value]

    def _derive(self, word: str) -> tuple[str, ...] | None:
        """The derivation from the longest stem: "coders" is "coder" + s, not "cod" + ers;
        "doted" is "dote" + d, not "dot" + ed."""
        if not word.isalpha() or not word.isascii():
            return None
        candidates: list[tuple[int, str]] = []
        for ending, sound in _PLAIN_ENDINGS:
            if word.endswith(ending):
                candidates += [(len(stem), f"{phones} {sound}") for stem, phones in self._stem_phones(word, ending)]
        for ending, regular in (("es", "s"), ("s", "s"), ("ed", "ed")):
            if word.endswith(ending) and not word.endswith("ss"):
                candidates += [
                    (len(stem), f"{phones} {_ending_after(phones, regular)}")
                    for stem, phones in self._stem_phones(word, ending)
                ]
        if not candidates:
            return None
        return (max(candidates, key=lambda c: c[0])[1],)

    def _stem_phones(self, word: str, ending: str) -> list[tuple[str, str]]:
        """(stem, its first pronunciation) for each dictionary stem ``word`` may be ``ending`` added to."""
        return [
            (stem, self._table[stem][0])
            for stem in _stems(word, ending)
            if len(stem) >= _MIN_STEM_LETTERS and stem in self._table
        ]


@cache
def english_pronunciations() -> EnglishLexicon:
    """Each dictionary word -> its pronunciations (phone strings, the first
    the most common), and regular derivations of them (:class:`EnglishLexicon`).
    Read once per process.

    Raises:
        ScriptError: pocketsphinx or its dictionary file is not installed.
    """
    try:
        import pocketsphinx
    except ImportError as err:
        raise ScriptError(
            f"The English dictionary needs pocketsphinx, which is not installed ({err}); install it."
        ) from err
    path = Path(pocketsphinx.get_model_path("en-us/cmudict-en-us.dict"))
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise ScriptError(f"The English dictionary {path} cannot be read ({err}); reinstall pocketsphinx.") from err
    table: dict[str, list[str]] = {}
    for line in lines:
        parts = line.split(maxsplit=1)
        if len(parts) == 2:
            table.setdefault(_VARIANT.sub("", parts[0]), []).append(parts[1].strip())
    return EnglishLexicon({word: tuple(phones) for word, phones in table.items()})


def english_filler_pronunciations() -> Mapping[str, str]:
    """Each English filler of :data:`FILLER_WORDS` -> its first cmudict pronunciation."""
    table = english_pronunciations()
    return {word: table[word][0] for word in FILLER_WORDS["en"] if word in table}
