"""The English pronunciation dictionary, read once per process, and each language's fillers.

pocketsphinx ships the CMU dictionary (``cmudict-en-us.dict``) with its US
English acoustic model. The line is normalised against its words
(``script``) and aligned with its pronunciations (``alignment``).

:data:`FILLER_WORDS` lists, per language, the filled pauses a speaker of it
says while hesitating. The English ones are placed by the aligner between
the line's words (their phones are cmudict's entries); Danish, Lithuanian
and Chinese have no aligner yet, so their lists are data kept for when they do.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
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


@cache
def english_pronunciations() -> Mapping[str, tuple[str, ...]]:
    """Each dictionary word -> its pronunciations (phone strings, the first
    the most common). Read once per process.

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
    return {word: tuple(phones) for word, phones in table.items()}


def english_filler_pronunciations() -> Mapping[str, str]:
    """Each English filler of :data:`FILLER_WORDS` -> its first cmudict pronunciation."""
    table = english_pronunciations()
    return {word: table[word][0] for word in FILLER_WORDS["en"] if word in table}
