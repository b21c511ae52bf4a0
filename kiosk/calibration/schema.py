"""How a profile's tables are declared, documented and checked: one mechanism for all of them.

A table of the profile is a frozen dataclass decorated with :func:`profile_table`.
Each field is declared with a helper that holds both its documentation and its
check, so the two cannot drift apart::

    @profile_table
    class EpisodeThresholds:
        \"\"\"How per-frame cues become episodes (the ``[vision.episodes]`` table).\"\"\"

        merge_gap_s: float = number(doc="Runs of a cue closer than this are one episode", unit="seconds",
                                    check=NOT_NEGATIVE)

- :func:`number`: a number, its unit and its allowed :class:`Range`;
- :func:`band`: two numbers ``[low, high]``;
- :func:`text`: a string;
- :func:`choice`: one word of a closed vocabulary (an enum);
- :func:`table`: a nested TOML table, read into the field's own dataclass
  (``inline``: its keys sit in the enclosing table itself);
- :func:`tables_by`: one table per member of a closed vocabulary (settings, cues);
- :func:`derived`: a value taken from other tables rather than read.

:func:`profile_table` makes the class a frozen dataclass and appends an
``Attributes`` section, generated from the fields, to its docstring.
:func:`read_tables` walks the classes (nested fields are nested tables),
refuses missing and unknown keys, checks every value against its field and
then runs each class's ``checks()`` (the rules between its fields), and
raises one :class:`~kiosk.errors.CalibrationError` that names the file, the
table, the key and what the value must be, for every problem at once.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import MISSING, Field, dataclass, field, fields
from difflib import get_close_matches
from enum import StrEnum
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar, dataclass_transform, get_type_hints

from kiosk.errors import CalibrationError

#: The key of a field's metadata that holds its :class:`Spec`.
SPEC = "kiosk.calibration"
#: Where a message sends the reader for an example of a complete profile.
EXAMPLE = "see default.toml"


@dataclass(frozen=True)
class Range:
    """The numbers a field allows, and the words for them in a message.

    ``low``/``high`` are inclusive unless ``low_open``/``high_open``; ``None`` is
    unbounded. ``whole`` asks for a whole number (a count), ``noun`` replaces
    "a number" in the words ("a score", "degrees").
    """

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    whole: bool = False
    noun: str | None = None

    def allows(self, value: float) -> bool:
        if not math.isfinite(value) or (self.whole and not float(value).is_integer()):
            return False
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        return self.high is None or (value < self.high if self.high_open else value <= self.high)

    def words(self) -> str:
        """What the value must be: "a positive number", "a number from 0 to 1"..."""
        noun = self.noun or ("a whole number" if self.whole else "a number")
        low, high = self.low, self.high
        if low is not None and high is not None:
            if self.low_open and self.high_open:
                return f"{noun} between {low:g} and {high:g}"
            if self.low_open:
                return f"{noun} above {low:g} and at most {high:g}"
            if self.high_open:
                return f"{noun} from {low:g} to below {high:g}"
            return f"{noun} from {low:g} to {high:g}"
        if low is not None:
            if low == 0 and self.low_open:
                return f"a positive {noun.removeprefix('a ')}"
            return f"{noun} above {low:g}" if self.low_open else f"{noun} of {low:g} or more"
        if high is not None:
            if high == 0 and self.high_open:
                return f"a negative {noun.removeprefix('a ')}"
            return f"{noun} below {high:g}" if self.high_open else f"{noun} of {high:g} or less"
        return noun


POSITIVE = Range(low=0, low_open=True)
NOT_NEGATIVE = Range(low=0)
NEGATIVE = Range(high=0, high_open=True)
NOT_POSITIVE = Range(high=0)
#: A share or a 0-1 score (MediaPipe's visibilities and blendshapes, quantiles).
SHARE = Range(0, 1)
#: Strictly inside 0-1 (a confidence, a probability ratio).
BETWEEN_0_AND_1 = Range(0, 1, low_open=True, high_open=True)
#: An angle short of a right angle.
DEGREES = Range(0, 90, low_open=True, high_open=True, noun="degrees")


# The kinds of field. Each knows what its value must be ("must"), in the words of a message.


@dataclass(frozen=True)
class Spec:
    """What every field declares: what it is."""

    doc: str


@dataclass(frozen=True)
class Number(Spec):
    unit: str
    check: Range

    @property
    def must(self) -> str:
        return self.check.words()


@dataclass(frozen=True)
class Band(Spec):
    unit: str
    must = "two numbers [low, high]"


@dataclass(frozen=True)
class Text(Spec):
    must = "text in quotes"


@dataclass(frozen=True)
class Choice(Spec):
    """One word of a closed vocabulary (a :class:`~enum.StrEnum`)."""

    vocabulary: type[StrEnum]

    @property
    def must(self) -> str:
        return "one of " + ", ".join(repr(member.value) for member in self.vocabulary)


@dataclass(frozen=True)
class Table(Spec):
    inline: bool = False  # its keys sit in the enclosing table, not a [sub-table]


@dataclass(frozen=True)
class TablesBy(Spec):
    """One table for each key of a closed vocabulary.

    ``keys(name)`` gives the keys a table named ``name`` must have (the last part
    of its dotted name: ``keys("phone")`` for ``[scoring.phone]``); ``value`` is each
    key's table: a :func:`profile_table` class, or another :class:`TablesBy`.
    """

    keys: Callable[[str], Sequence[StrEnum]]
    value: type | TablesBy
    inline: bool = False  # its tables sit in the enclosing table ([scoring.phone], not [scoring.targets.phone])
    noun: str = "keys"  # what an unknown key is called in a message ("cues")
    known: str = "known keys"  # what the list of allowed keys is called ("known for this setting")


@dataclass(frozen=True)
class Derived(Spec):
    """A value taken from other top-level tables (``needs``) rather than read: never in the file."""

    unit: str
    source: str  # where it comes from, for the documentation
    needs: tuple[str, ...]
    compute: Callable[[Mapping[str, Any]], Any]


def number(*, doc: str, unit: str, check: Range) -> Any:
    """A number: what it is (``doc``), its ``unit`` and the values it allows (``check``)."""
    return field(metadata={SPEC: Number(doc, unit, check)})


def band(*, doc: str, unit: str) -> Any:
    """Two numbers ``[low, high]``, low first."""
    return field(metadata={SPEC: Band(doc, unit)})


def text(*, doc: str, default: str) -> Any:
    """A string; ``default`` when the key is left out."""
    return field(default=default, metadata={SPEC: Text(doc)})


def choice(*, doc: str, vocabulary: type[StrEnum]) -> Any:
    """One word of ``vocabulary`` (read into its member)."""
    return field(metadata={SPEC: Choice(doc, vocabulary)})


def table(*, doc: str, inline: bool = False, default_factory: Callable[[], Any] | None = None) -> Any:
    """A nested table read into the field's own dataclass (from its annotation).

    ``inline``: its keys sit in the enclosing table. ``default_factory``: the
    table may be left out.
    """
    spec = {SPEC: Table(doc, inline)}
    if default_factory is None:
        return field(metadata=spec)
    return field(default_factory=default_factory, metadata=spec)


def tables_by(
    *,
    doc: str,
    keys: Callable[[str], Sequence[StrEnum]],
    value: type | TablesBy,
    inline: bool = False,
    noun: str = "keys",
    known: str = "known keys",
) -> Any:
    """A read-only mapping from each of ``keys`` to its table (see :class:`TablesBy`)."""
    return field(metadata={SPEC: TablesBy(doc, keys, value, inline, noun, known)})


def derived(*, doc: str, unit: str, source: str, needs: tuple[str, ...], compute: Callable[..., Any]) -> Any:
    """A value computed from the top-level tables ``needs`` (by ``compute(tables)``), not read."""
    return field(metadata={SPEC: Derived(doc, unit, source, needs, compute)})


_T = TypeVar("_T")


@dataclass_transform(frozen_default=True, field_specifiers=(number, band, text, choice, table, tables_by, derived))
def profile_table(cls: type[_T]) -> type[_T]:
    """A frozen dataclass whose docstring gains an ``Attributes`` section made from its fields.

    A class may define ``checks(self) -> Iterator[str]``: the rules between its
    fields, each broken one as a message (the table's name is put in front).
    """
    summary = inspect.cleandoc(cls.__doc__ or "")  # before dataclass() writes a signature there
    made = dataclass(frozen=True)(cls)
    lines = [f"    {f.name}: {describe(spec_of(f))}" for f in fields(made)]  # type: ignore[arg-type]
    made.__doc__ = f"{summary}\n\nAttributes:\n" + "\n".join(lines) + "\n"
    return made


def spec_of(f: Field[Any]) -> Spec:
    spec = f.metadata.get(SPEC)
    if not isinstance(spec, Spec):
        raise TypeError(f"{f.name} is declared without number(), band(), text(), table(), tables_by() or derived()")
    return spec


def describe(spec: Spec) -> str:
    """One line of documentation for a field: what it is, its unit and what it must be."""
    doc = spec.doc.rstrip(".")
    if isinstance(spec, Number | Band):
        return f"{doc} ({spec.unit}; {spec.must})."
    if isinstance(spec, Derived):
        return f"{doc} ({spec.unit}; from {spec.source}, not read from the table)."
    if isinstance(spec, Choice):
        return f"{doc} ({spec.must})."
    if isinstance(spec, Table) and spec.inline:
        return f"{doc} (its keys sit in this table itself)."
    return f"{doc}."


@cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


@dataclass(frozen=True)
class Key:
    """One key a profile may hold: the table it sits in (dotted), its name and its field's spec."""

    table: str
    name: str
    spec: Spec


def keys_of(cls: type, where: str = "") -> Iterator[Key]:
    """Every key (a number, a band or text) that ``cls`` reads, in its tables, in declaration order."""
    for f in fields(cls):
        spec = spec_of(f)
        if isinstance(spec, Table):
            yield from keys_of(_hints(cls)[f.name], where if spec.inline else _child(where, f.name))
        elif isinstance(spec, TablesBy):
            yield from _keys_of_tables(spec, where if spec.inline else _child(where, f.name))
        elif not isinstance(spec, Derived):
            yield Key(where, f.name, spec)


def _keys_of_tables(spec: TablesBy, where: str) -> Iterator[Key]:
    for key in spec.keys(_last(where)):
        if isinstance(spec.value, TablesBy):
            yield from _keys_of_tables(spec.value, _child(where, key))
        else:
            yield from keys_of(spec.value, _child(where, key))


def tables_of(cls: type) -> Iterator[type]:
    """``cls`` and every profile table class below it, each once."""
    seen: list[type] = []

    def visit(c: type) -> None:
        if c in seen:
            return
        seen.append(c)
        for f in fields(c):
            spec = spec_of(f)
            if isinstance(spec, Table):
                visit(_hints(c)[f.name])
            elif isinstance(spec, TablesBy):
                value: type | TablesBy = spec.value
                while isinstance(value, TablesBy):
                    value = value.value
                visit(value)

    visit(cls)
    return iter(seen)


def _child(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _last(where: str) -> str:
    return where.rsplit(".", 1)[-1]


def read_tables(cls: type[_T], data: Mapping[str, Any], path: Path) -> _T:
    """``cls`` read from a parsed profile, every value checked against its field.

    Raises:
        CalibrationError: naming ``path``, and for each problem the table, the key
            and what the value must be.
    """
    reader = _Reader(cls)
    made = reader.table(cls, data, "")
    if reader.problems:
        if len(reader.problems) == 1:
            raise CalibrationError(f"Calibration profile {path}: {reader.problems[0]}")
        listed = "\n".join(f"- {problem}" for problem in reader.problems)
        raise CalibrationError(f"Calibration profile {path} has {len(reader.problems)} problems; fix each:\n{listed}")
    assert made is not _BAD  # a table fails only with a problem noted
    return made


_BAD: Any = object()  # a value that could not be read; its problem is noted


class _Reader:
    """Walks the dataclasses and the parsed tables side by side, noting every problem."""

    def __init__(self, top_cls: type) -> None:
        self.problems: list[str] = []
        self.top_cls = top_cls
        self.top: dict[str, Any] = {}  # the top-level tables read so far, for derived values

    def note(self, where: str, problem: str) -> None:
        self.problems.append(f"[{where}] {problem}" if where else problem)

    def table(self, cls: type, raw: Mapping[str, Any], where: str) -> Any:
        made, known = self.build(cls, raw, where)
        self.refuse_unknown(raw, known, where, "keys", "known keys")
        return made

    def build(self, cls: type, raw: Mapping[str, Any], where: str) -> tuple[Any, list[str]]:
        """``cls`` from ``raw`` (or _BAD), and the keys of ``raw`` it reads."""
        values: dict[str, Any] = {}
        if cls is self.top_cls:
            self.top = values  # filled as it is read: a derived value below reads the tables before it
        known: list[str] = []
        derived_fields: list[tuple[str, Derived]] = []
        for f in fields(cls):
            spec = spec_of(f)
            if isinstance(spec, Derived):
                derived_fields.append((f.name, spec))
                continue
            if isinstance(spec, Table) and spec.inline:
                value, inline_keys = self.build(_hints(cls)[f.name], raw, where)
                known += inline_keys
            elif isinstance(spec, TablesBy) and spec.inline:
                value = self.tables(spec, raw, where)
                known += spec.keys(_last(where))
            else:
                known.append(f.name)
                value = self.value(f, spec, _hints(cls)[f.name], raw, where)
            values[f.name] = value
        for name, spec in derived_fields:
            ready = all(self.top.get(n, _BAD) is not _BAD for n in spec.needs)
            values[name] = spec.compute(self.top) if ready else _BAD  # else its source's problem is noted
        if any(v is _BAD for v in values.values()):
            return _BAD, known
        made = cls(**values)
        broken = list(getattr(made, "checks", lambda: ())())
        for problem in broken:
            self.note(where, problem)
        return (_BAD if broken else made), known

    def value(self, f: Field[Any], spec: Spec, hint: Any, raw: Mapping[str, Any], where: str) -> Any:
        key = f.name
        if key not in raw and f.default is not MISSING:
            return f.default
        if key not in raw and callable(f.default_factory):
            return f.default_factory()
        if isinstance(spec, Table | TablesBy):
            sub = self.subtable(raw, key, where)
            if sub is _BAD:
                return _BAD
            if isinstance(spec, Table):
                return self.table(hint, sub, _child(where, key))
            return self.tables(spec, sub, _child(where, key))
        if key not in raw:
            must = spec.must if isinstance(spec, Number | Band | Text | Choice) else "set"
            self.note(where, f"{key} must be {must}, got None ([{where}] has no {key}; add it, {EXAMPLE}).")
            return _BAD
        got = raw[key]
        if isinstance(spec, Number):
            return self.number(spec, key, got, where)
        if isinstance(spec, Band):
            return self.band(key, got, where)
        if isinstance(spec, Text):
            if isinstance(got, str):
                return got
            self.note(where, f"{key} must be {spec.must}, got {got!r}.")
            return _BAD
        if isinstance(spec, Choice):
            if isinstance(got, str) and got in {member.value for member in spec.vocabulary}:
                return spec.vocabulary(got)
            self.note(where, f"{key} must be {spec.must}, got {got!r}.")
            return _BAD
        raise TypeError(f"unknown field kind {spec!r}")

    def number(self, spec: Number, key: str, got: Any, where: str) -> Any:
        if not _is_number(got):
            self.note(where, f"{key} = {got!r} is not a number; it must be {spec.must}.")
            return _BAD
        if not spec.check.allows(got):
            self.note(where, f"{key} must be {spec.must}, got {got!r}.")
            return _BAD
        return float(got)

    def band(self, key: str, got: Any, where: str) -> Any:
        if not isinstance(got, list) or len(got) != 2 or not all(_is_number(v) and math.isfinite(v) for v in got):
            self.note(where, f"{key} must be {Band.must}, got {got!r}.")
            return _BAD
        if got[0] > got[1]:
            self.note(where, f"{key} {got!r} is upside down; write it as [low, high].")
            return _BAD
        return (float(got[0]), float(got[1]))

    def tables(self, spec: TablesBy, raw: Mapping[str, Any], where: str) -> Any:
        """One table per key of ``spec`` from ``raw`` (the table named ``where``), as a read-only mapping."""
        keys = spec.keys(_last(where))
        out: dict[StrEnum, Any] = {}
        for key in keys:
            sub = self.subtable(raw, key, where)
            if sub is _BAD:
                out[key] = _BAD
            elif isinstance(spec.value, TablesBy):
                out[key] = self.tables(spec.value, sub, _child(where, key))
            else:
                out[key] = self.table(spec.value, sub, _child(where, key))
        if not spec.inline:
            self.refuse_unknown(raw, list(keys), where, spec.noun, spec.known)
        if any(v is _BAD for v in out.values()):
            return _BAD
        return MappingProxyType(out)

    def subtable(self, raw: Mapping[str, Any], key: str, where: str) -> Any:
        name = _child(where, key)
        if key not in raw:
            if where:
                self.note("", f"[{name}] is missing; add it ({EXAMPLE}).")
            else:
                self.note("", f"the file has no [{name}] table; add it ({EXAMPLE}).")
            return _BAD
        if not isinstance(raw[key], dict):
            self.note("", f"[{name}] must be a table, got {raw[key]!r}; write it as in default.toml.")
            return _BAD
        return raw[key]

    def refuse_unknown(self, raw: Mapping[str, Any], known: list[str], where: str, noun: str, label: str) -> None:
        # A misspelt key would otherwise be ignored while its table went on with the
        # right key missing, or worse, not missing because a default stood in.
        unknown = sorted(key for key in raw if key not in known)
        if unknown:
            whose = f"[{where}]" if where else "the file"
            guesses = [f"{key} -> {close[0]}" for key in unknown if (close := get_close_matches(key, known, n=1))]
            guess = f" (a typo? {', '.join(guesses)})" if guesses else ""
            self.note("", f"{whose} has unknown {noun} {unknown}{guess}; {label}: {', '.join(known)}.")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
