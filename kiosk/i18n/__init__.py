"""The kiosk's words in every language it speaks: reports, live cues, framing checks, pages.

One TOML file per language in ``strings/`` (``en.toml`` and the same keys in
each of the others); :func:`load_strings` reads one once per process. This
package sits below every step (scoring, report, app all read words from it)
and imports only the vocabulary.

Placeholders in braces are filled in where the words are used: ``{time}``
m:ss into the take, ``{duration}`` seconds, ``{value}`` a measurement,
``{low}`` and ``{high}`` a target band, ``{words}`` words of the line.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from kiosk.errors import KioskError
from kiosk.vocabulary import Language

#: Languages with a strings file: all of them.
LANGUAGES: tuple[Language, ...] = tuple(Language)


class LanguageError(KioskError):
    """The kiosk has no words in the language asked for."""


def language(code: str) -> Language:
    """The :class:`Language` a code names.

    Raises:
        LanguageError: a code the kiosk has no words for, naming the ones it has.
    """
    try:
        return Language(code)
    except ValueError:
        raise LanguageError(f"No report language {code!r}; choose one of {', '.join(LANGUAGES)}.") from None


@cache
def load_strings(code: str) -> Mapping[str, Any]:
    """The kiosk's words in ``code``'s language (read once per process).

    Raises:
        LanguageError: a language without a strings file.
    """
    chosen = language(code)
    text = resources.files("kiosk.i18n").joinpath("strings", f"{chosen.value}.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


__all__ = ["LANGUAGES", "LanguageError", "language", "load_strings"]
