"""The take report as the HTML page reads it: leniently, in the report's number format.

The page lays out the JSON form of the report (what the database stores and
``--json`` writes), so a stored report renders as a fresh one does. Reading
is lenient: a part missing, null or of the wrong kind reads as empty, and a
missing page string shows its key, so a damaged or partial document still
gives a page rather than an error. Nothing here escapes: the templates do.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from kiosk.vocabulary import Language

# Languages written with a decimal comma (numbers the page formats itself).
_DECIMAL_COMMA = frozenset(language.value for language in Language if language.decimal_comma)


def num(value: Any) -> float | None:
    """A finite number, or ``None`` for anything else (null, text, NaN, bools)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def spans(value: Any) -> Iterator[tuple[float, float]]:
    """The well-formed ``[start_s, end_s]`` pairs of ``value`` (with ``end_s`` after ``start_s``)."""
    for span in value or []:
        if isinstance(span, (list, tuple)) and len(span) >= 2:
            a, b = num(span[0]), num(span[1])
            if a is not None and b is not None and b > a:
                yield a, b


def text(value: Any) -> str:
    """Any document value as text (``None`` reads as nothing)."""
    return "" if value is None else str(value)


def objects(value: Any) -> list[Mapping[str, Any]]:
    """The JSON objects of a list (anything else in it is skipped)."""
    return [item for item in value or [] if isinstance(item, Mapping)]


def clock(seconds: float) -> str:
    """A moment of the take as m:ss (what tips and the Watch links show)."""
    whole = max(0, int(round(seconds)))
    return f"{whole // 60}:{whole % 60:02d}"


def is_wide(ch: str) -> bool:
    """Whether ``ch`` takes a full em (CJK ideographs, full-width forms)."""
    return unicodedata.east_asian_width(ch) in ("W", "F")


def word_gap(before: str, after: str) -> str:
    """What goes between two words of a line: a space, none next to a CJK character (Chinese has no spaces)."""
    return "" if (before and is_wide(before[-1])) or (after and is_wide(after[0])) else " "


def joined_words(words: Iterable[str]) -> str:
    """Words of a line written out as the line is: spaced, but Chinese characters run on."""
    out = ""
    for word in words:
        out += (word_gap(out, word) if out else "") + word
    return out


class DocumentView:
    """Lenient access to the report's JSON form: missing parts read as empty.

    Raises:
        TypeError: ``document`` is not a JSON object at all.
    """

    def __init__(self, document: Mapping[str, Any]):
        if not isinstance(document, Mapping):
            raise TypeError(f"the take report must be a dict (JSON object), not {type(document).__name__}")
        self.d = document
        self.lang = str(document.get("language") or "en")
        strings = document.get("strings")
        self.strings: Mapping[str, Any] = strings if isinstance(strings, Mapping) else {}

    def part(self, key: str) -> Mapping[str, Any]:
        """A part of the document that is a JSON object (empty when missing or of another kind)."""
        value = self.d.get(key)
        return value if isinstance(value, Mapping) else {}

    def s(self, key: str) -> str:
        """A page string; a missing one shows its key (a visible gap, not a crash)."""
        value = self.strings.get(key)
        return key if value is None else str(value)

    def has(self, key: str) -> bool:
        return bool(self.strings.get(key))

    def number(self, x: float, digits: int = 1) -> str:
        text = f"{x:.{digits}f}"
        return text.replace(".", ",") if self.lang.split("-")[0] in _DECIMAL_COMMA else text

    def seconds(self, x: float, digits: int = 1) -> str:
        unit = str(self.strings.get("seconds") or "s")
        gap = "" if unit and is_wide(unit[0]) else "\u00a0"
        return f"{self.number(x, digits)}{gap}{unit}"


def calibration_line(doc: DocumentView) -> str:
    """'Calibrated to you on DATE' or 'Not calibrated to you...'; empty for a report stored before baselines."""
    if not doc.has("calibrated_on"):
        return ""
    baseline = doc.part("baseline")
    taken_at = str(baseline.get("taken_at", ""))
    if not taken_at:
        return doc.s("not_calibrated")
    return doc.s("calibrated_on").format(date=taken_at[:10])
