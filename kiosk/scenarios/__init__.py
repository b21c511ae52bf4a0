"""Scenarios: the scripted lines a trainee practises, as data in the package.

Each scenario is one ``[[line]]`` table in a TOML file under ``lines/``
(``front_desk.toml``, ``phone.toml``, ``video_call.toml``)::

    [[line]]
    id = "front-desk-greeting-02"
    setting = "front_desk"
    kind = "greeting"
    situation.en = "A returning guest you recognise comes to the desk to collect their key."
    situation.zh = "..."
    situation.lt = "..."
    situation.da = "..."
    text.en = "Welcome back, it's lovely to see you again! Room 214 is ready for you."
    text.zh = "..."
    text.lt = "..."
    text.da = "..."
    targets = { smile_onset_max_s = 2.0, eye_contact_at_start = true }

``situation`` and ``text`` may equally be written as inline tables
(``text = { en = "...", zh = "...", lt = "...", da = "..." }``); TOML reads
both the same. ``targets`` is optional: the delivery targets of this line that
differ from the calibration profile, by the cue names in :data:`TARGETS`.

Every file is checked when it is read. A file that is not valid TOML, a
missing or unknown field, a wrong type, an unknown setting, kind, language or
target, a missing translation, an upside-down band, a target the setting
cannot observe (no smile or arms on the phone) or an id used twice is refused
with a :class:`ScenarioError` naming the file, the line number, the scenario
and the field, and saying what to change.
"""

from __future__ import annotations

import difflib
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import TypeGuard

from kiosk.errors import KioskError
from kiosk.vocabulary import Language, LineKind, Setting

__all__ = [
    "FIELDS",
    "KINDS",
    "KIND_LABELS",
    "LANGUAGES",
    "LINES_DIR",
    "LIST_FOOTER",
    "OBSERVABLE_TARGETS",
    "SETTINGS",
    "SETTING_LABELS",
    "TARGETS",
    "Scenario",
    "ScenarioError",
    "TargetSpec",
    "find_scenario",
    "format_scenario_list",
    "load_scenarios",
]

LINES_DIR = Path(__file__).resolve().parent / "lines"
"""The folder of the shipped scenario files (``*.toml``)."""

SETTINGS: tuple[Setting, ...] = tuple(Setting)
"""Where the trainee works: in person at a desk, on the phone, on a video call."""

KINDS: tuple[LineKind, ...] = tuple(LineKind)
"""What the line is for: welcoming a customer, or calming an upset one."""

LANGUAGES: tuple[Language, ...] = tuple(Language)
"""Languages every situation and line is given in: English, Simplified Chinese, Lithuanian, Danish."""

FIELDS: tuple[str, ...] = ("id", "setting", "kind", "situation", "text", "targets")
"""The fields of a ``[[line]]`` table; all but ``targets`` are required."""


class ScenarioError(KioskError):
    """A scenario file is unreadable or malformed, or a scenario id is unknown."""


@dataclass(frozen=True)
class TargetSpec:
    """One delivery target a scenario line may set.

    Attributes:
        name: The cue name, as written in the file and read by the scoring step.
        form: ``"seconds"`` or ``"decibels"`` (a positive number), ``"flag"``
            (``true``/``false``) or ``"band"`` (``[lo, hi]`` words per
            minute, ``0 < lo < hi``).
        body: Whether the cue is seen on camera (``False``: heard).
        meaning: What the target asks of the trainee, with its unit.
    """

    name: str
    form: str
    body: bool
    meaning: str


TARGETS: Mapping[str, TargetSpec] = MappingProxyType(
    {
        spec.name: spec
        for spec in (
            TargetSpec("smile_onset_max_s", "seconds", True, "smile within this many seconds (s) of starting to speak"),
            TargetSpec("eye_contact_at_start", "flag", True, "look at the customer (the camera) as the line starts"),
            TargetSpec("pace_wpm_band", "band", False, "speaking pace, words per minute, [slowest, fastest]"),
            TargetSpec(
                "loudness_spread_max_db",
                "decibels",
                False,
                "even loudness: spread (standard deviation) of the level of voiced speech at most this many dB",
            ),
            TargetSpec("falling_phrase_ends", "flag", False, "the voice falls, not rises, at the end of each phrase"),
            TargetSpec("arms_open", "flag", True, "arms open, not folded, for the whole line"),
            TargetSpec("smile_allowed", "flag", True, "whether a smile suits the line (false: the customer is upset)"),
        )
    }
)
"""The targets a scenario may set, by cue name."""

OBSERVABLE_TARGETS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "front_desk": frozenset(TARGETS),
        "phone": frozenset(name for name, spec in TARGETS.items() if not spec.body),
        "video_call": frozenset(TARGETS) - {"arms_open"},
    }
)
"""For each setting, the targets the kiosk can observe there: voice only on
the phone; head and shoulders (no arms) on a video call."""

SETTING_LABELS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "front_desk": MappingProxyType(
            {
                "en": "Front desk (in person, standing)",
                "zh": "前台（面对面，站立）",
                "lt": "Registratūra (gyvai, stovint)",
                "da": "Reception (ansigt til ansigt, stående)",
            }
        ),
        "phone": MappingProxyType(
            {
                "en": "Phone / contact centre (voice only)",
                "zh": "电话 / 客服中心（仅语音）",
                "lt": "Telefonu / kontaktų centras (tik balsas)",
                "da": "Telefon / kundecenter (kun stemme)",
            }
        ),
        "video_call": MappingProxyType(
            {
                "en": "Video call (seated, head and shoulders)",
                "zh": "视频通话（坐姿，头部和肩部）",
                "lt": "Vaizdo skambutis (sėdint, galva ir pečiai)",
                "da": "Videoopkald (siddende, hoved og skuldre)",
            }
        ),
    }
)
"""The heading of each setting in ``kiosk scenarios``, per language."""

KIND_LABELS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "greeting": MappingProxyType({"en": "greeting", "zh": "问候", "lt": "pasisveikinimas", "da": "hilsen"}),
        "de_escalation": MappingProxyType(
            {"en": "de-escalation", "zh": "缓和情绪", "lt": "įtampos mažinimas", "da": "deeskalering"}
        ),
    }
)
"""The name of each kind of line in ``kiosk scenarios``, per language."""

LIST_FOOTER: Mapping[str, str] = MappingProxyType(
    {
        "en": "{count} lines. Practise one with: kiosk analyze VIDEO --scenario ID",
        "zh": "共 {count} 条台词。练习其中一条：kiosk analyze VIDEO --scenario ID",
        "lt": "Iš viso frazių: {count}. Praktikuokitės: kiosk analyze VIDEO --scenario ID",
        "da": "{count} replikker. Øv en af dem med: kiosk analyze VIDEO --scenario ID",
    }
)
"""The last line of ``kiosk scenarios``, per language; ``{count}`` is the number of lines listed."""

_ID_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_TOML_AT_RE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TABLE_HEADER_RE = re.compile(r"^\s*\[\[\s*line\s*\]\]")
_ANY_HEADER_RE = re.compile(r"^\s*\[")
_SUBTABLE_RE = re.compile(r"^\s*\[\s*line\s*\.")


@dataclass(frozen=True)
class Scenario:
    """One scripted line and what good delivery of it looks like.

    Attributes:
        id: Unique name, lowercase words joined by hyphens (``"phone-greeting-01"``).
        setting: One of :data:`SETTINGS`.
        kind: One of :data:`KINDS`.
        situation: The customer situation shown before the trainee speaks, by
            language (every one of :data:`LANGUAGES`).
        text: The line the trainee reads, by language.
        targets: Delivery targets that override the profile for this line, by
            cue name (:data:`TARGETS`): seconds and decibels as ``float``,
            flags as ``bool``, bands as ``(lo, hi)`` words per minute.
        source: The file it was read from.
        line_number: The 1-based line of its ``[[line]]`` header in ``source``
            (0 when not known).
    """

    id: str
    setting: Setting
    kind: LineKind
    situation: Mapping[str, str]
    text: Mapping[str, str]
    targets: Mapping[str, object]
    source: Path
    line_number: int = 0

    def __hash__(self) -> int:
        return hash((self.id, self.source))

    def text_in(self, language: str) -> str:
        """The line in ``language`` (``"da"``, or with a region: ``"da-DK"``).

        Raises:
            ScenarioError: the language is not one of :data:`LANGUAGES`.
        """
        return self.text[_language(language)]

    def situation_in(self, language: str) -> str:
        """The customer situation in ``language``.

        Raises:
            ScenarioError: the language is not one of :data:`LANGUAGES`.
        """
        return self.situation[_language(language)]

    @property
    def voice_only(self) -> bool:
        """Whether body cues are off for this line (the phone)."""
        return not any(TARGETS[name].body for name in OBSERVABLE_TARGETS[self.setting])


def _language(language: str) -> str:
    """The primary subtag of ``language`` if it is one of :data:`LANGUAGES`."""
    primary = language.strip().lower().replace("_", "-").split("-")[0] if isinstance(language, str) else ""
    if primary not in LANGUAGES:
        raise ScenarioError(
            f"Language {language!r} is not available for scenarios; choose one of {', '.join(LANGUAGES)}."
        )
    return primary


def _suggest(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or nothing."""
    close = difflib.get_close_matches(word, [str(choice) for choice in choices], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


class _Locator:
    """Line numbers in a scenario file's text, which ``tomllib`` does not keep."""

    def __init__(self, text: str, entries: int) -> None:
        self.lines = text.splitlines()
        self.headers = [i for i, line in enumerate(self.lines) if _TABLE_HEADER_RE.match(line)]
        self.by_position = len(self.headers) == entries

    def table_start(self, position: int, scenario_id: object) -> int | None:
        """0-based index of the line where entry ``position`` (0-based) starts.

        When the file has one ``[[line]]`` header per entry, entry ``position``
        starts at header ``position``; otherwise (inline tables) the id is
        looked for in the text, and the entry starts at the ``[[line]]`` header
        above its ``id = ...`` line, or at that line itself.
        """
        if self.by_position:
            return self.headers[position]
        if not isinstance(scenario_id, str) or not scenario_id:
            return None
        own_line = re.compile(rf"""^\s*id\s*=\s*["']{re.escape(scenario_id)}["']""")
        in_inline_table = re.compile(rf"""[{{,]\s*id\s*=\s*["']{re.escape(scenario_id)}["']""")
        for i, line in enumerate(self.lines):
            if own_line.match(line):
                above = [h for h in self.headers if h <= i]
                return above[-1] if above else i
            if in_inline_table.search(line):
                return i
        return None

    def field_line(self, start: int | None, field: str) -> int | None:
        """1-based line of ``field`` (``"text.da"``, ``"targets"``) in the table from ``start``.

        Looks for the longest written prefix of the dotted field: a key line
        (``text.da = ...`` or ``text = {...}``), or a ``[line.targets]``
        sub-table and the key under it; else the table's own first line.
        """
        if start is None:
            return None
        end = next(
            (i for i in range(start + 1, len(self.lines)) if _ANY_HEADER_RE.match(self.lines[i])
             and not _SUBTABLE_RE.match(self.lines[i])),
            len(self.lines),
        )  # fmt: skip
        parts = field.split(".")
        for n in range(len(parts), 0, -1):
            dotted = r"\s*\.\s*".join(re.escape(p) for p in parts[:n])
            key = re.compile(rf"^\s*{dotted}\s*[=.]")
            subtable = re.compile(rf"^\s*\[\s*line\s*\.\s*{dotted}\s*\]")
            for i in range(start, end):
                if key.match(self.lines[i]):
                    return i + 1
                if subtable.match(self.lines[i]):
                    if n < len(parts):
                        rest = r"\s*\.\s*".join(re.escape(p) for p in parts[n:])
                        below = re.compile(rf"^\s*{rest}\s*[=.]")
                        for j in range(i + 1, end):
                            if _ANY_HEADER_RE.match(self.lines[j]):
                                break
                            if below.match(self.lines[j]):
                                return j + 1
                    return i + 1
        if len(parts) > 1:  # a key inside an inline table: ``text = { en = "...", da = "..." }``
            inner = re.compile(rf"[{{,]\s*{re.escape(parts[-1])}\s*=")
            for i in range(start, end):
                if inner.search(self.lines[i]):
                    return i + 1
        return start + 1


class _Checker:
    """Turns one parsed ``[[line]]`` table into a :class:`Scenario`, or says what is wrong."""

    def __init__(self, path: Path, locator: _Locator, position: int, table: object) -> None:
        self.path = path
        self.locator = locator
        self.position = position
        self.table = table
        raw_id = table.get("id") if isinstance(table, dict) else None
        self.id = raw_id if isinstance(raw_id, str) and _ID_RE.fullmatch(raw_id) else None
        self.start = locator.table_start(position, raw_id)

    def fail(self, field: str | None, problem: str) -> ScenarioError:
        if field:
            line = self.locator.field_line(self.start, field)
        else:
            line = self.start + 1 if self.start is not None else None
        where = f"{self.path}, line {line}" if line else str(self.path)
        who = f"scenario {self.id!r}" if self.id else f"the {_ordinal(self.position + 1)} [[line]] table"
        what = f", field '{field}'" if field else ""
        return ScenarioError(f"{where} ({who}{what}): {problem}")

    def check(self) -> Scenario:
        table = self.table
        if not isinstance(table, dict):
            raise self.fail(
                None, "each scenario must be a [[line]] table; write it as [[line]] followed by its fields."
            )
        for key in table:
            if key not in FIELDS:
                raise self.fail(
                    key,
                    f"unknown field{_suggest(key, FIELDS)}; a scenario has only {', '.join(FIELDS)}. "
                    "Rename or remove it.",
                )
        for key in FIELDS[:-1]:
            if key not in table:
                raise self.fail(key, f"missing; add {key} = ... to this [[line]] table.")
        scenario_id = table["id"]
        if not isinstance(scenario_id, str) or not _ID_RE.fullmatch(scenario_id):
            raise self.fail(
                "id",
                f"{scenario_id!r} is not a valid id; use lowercase letters and digits joined by hyphens, "
                'like "front-desk-greeting-01".',
            )
        setting = Setting(self._choice(table, "setting", SETTINGS))
        kind = LineKind(self._choice(table, "kind", KINDS))
        situation = self._translations(table, "situation")
        text = self._translations(table, "text")
        targets = self._targets(table, setting)
        return Scenario(
            id=scenario_id,
            setting=setting,
            kind=kind,
            situation=situation,
            text=text,
            targets=targets,
            source=self.path,
            line_number=(self.start + 1) if self.start is not None else 0,
        )

    def _choice(self, table: Mapping[str, object], field: str, choices: Sequence[str]) -> str:
        value = table[field]
        if not isinstance(value, str):
            raise self.fail(field, f"must be text, one of {', '.join(choices)}; got {value!r}.")
        if value not in choices:
            raise self.fail(
                field, f"unknown {field} {value!r}{_suggest(value, choices)}; use one of {', '.join(choices)}."
            )
        return value

    def _translations(self, table: Mapping[str, object], field: str) -> Mapping[str, str]:
        value = table[field]
        if not isinstance(value, dict):
            raise self.fail(
                field,
                f'must be a table of translations, like {field}.en = "..." ... {field}.da = "..."; got {value!r}.',
            )
        for language in value:
            if language not in LANGUAGES:
                raise self.fail(
                    f"{field}.{language}",
                    f"unknown language {language!r}{_suggest(language, LANGUAGES)}; "
                    f"the languages are {', '.join(LANGUAGES)}; rename or remove it.",
                )
        for language in map(str, LANGUAGES):
            if language not in value:
                raise self.fail(
                    f"{field}.{language}",
                    f'the {language!r} translation is missing; add {field}.{language} = "..." '
                    f"(every {field} is given in {', '.join(LANGUAGES)}).",
                )
            words = value[language]
            if not isinstance(words, str):
                raise self.fail(f"{field}.{language}", f"must be text in quotes; got {words!r}.")
            if not words.strip():
                raise self.fail(f"{field}.{language}", "is empty; write the translation.")
        english = " ".join(value["en"].split()).casefold()
        for language in map(str, LANGUAGES[1:]):
            if " ".join(value[language].split()).casefold() == english:
                raise self.fail(
                    f"{field}.{language}", f"is the English text, not a translation; translate it into {language!r}."
                )
        if not _HAN_RE.search(value["zh"]):
            raise self.fail(f"{field}.zh", "has no Chinese characters; write it in Simplified Chinese.")
        return MappingProxyType({str(language): value[language].strip() for language in LANGUAGES})

    def _targets(self, table: Mapping[str, object], setting: str) -> Mapping[str, object]:
        value = table.get("targets", {})
        if not isinstance(value, dict):
            raise self.fail(
                "targets",
                f"must be a table of cue = value, like targets = {{ arms_open = true }}; got {value!r}.",
            )
        checked: dict[str, object] = {}
        for name, target in value.items():
            field = f"targets.{name}"
            spec = TARGETS.get(name)
            if spec is None:
                raise self.fail(
                    field,
                    f"unknown target {name!r}{_suggest(name, TARGETS)}; the targets are {', '.join(TARGETS)}.",
                )
            if name not in OBSERVABLE_TARGETS[setting]:
                seen = "voice only" if setting == "phone" else "head and shoulders only"
                raise self.fail(
                    field,
                    f"a {setting} line is {seen}, so {name!r} cannot be observed; remove it "
                    f"(this setting allows {', '.join(sorted(OBSERVABLE_TARGETS[setting]))}).",
                )
            checked[name] = self._target_value(field, spec, target)
        return MappingProxyType(checked)

    def _target_value(self, field: str, spec: TargetSpec, value: object) -> object:
        if spec.form == "flag":
            if not isinstance(value, bool):
                raise self.fail(field, f"must be true or false; got {value!r}.")
            return value
        if spec.form == "band":
            if not isinstance(value, list) or len(value) != 2 or not all(_is_number(v) for v in value):
                raise self.fail(field, f"must be a band [lo, hi] of two numbers ({spec.meaning}); got {value!r}.")
            lo, hi = (float(v) for v in value)
            if lo <= 0:
                raise self.fail(field, f"the low end {value[0]!r} must be above 0.")
            if not lo < hi:
                raise self.fail(
                    field, f"the band {value!r} is upside down or empty; write it as [lo, hi] with lo < hi."
                )
            return (lo, hi)
        if not _is_number(value) or float(value) <= 0:
            unit = "seconds" if spec.form == "seconds" else "decibels"
            raise self.fail(field, f"must be a positive number of {unit} ({spec.meaning}); got {value!r}.")
        return float(value)


def _is_number(value: object) -> TypeGuard[int | float]:
    """A TOML integer or float (``true`` and ``false`` are not numbers here)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _read_file(path: Path) -> tuple[Scenario, ...]:
    """The scenarios of one TOML file, checked."""
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise ScenarioError(f"Scenario file {path} cannot be read ({err.strerror or err}); check the path.") from err
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise ScenarioError(f"{path}, line {line}: the file is not UTF-8 text; save it as UTF-8.") from err
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        message = str(err)
        at = _TOML_AT_RE.search(message)
        if at:
            problem = message[: at.start()]
            where = f"{path}, line {at.group(1)}, column {at.group(2)}"
        else:
            problem = message.replace("(at end of document)", "").strip()
            where = f"{path}, line {len(text.splitlines()) or 1} (end of file)"
        raise ScenarioError(
            f"{where}: not valid TOML ({problem}); fix the syntax there, e.g. a missing quote or '='."
        ) from err
    lines = document.get("line")
    locator = _Locator(text, len(lines) if isinstance(lines, list) else 0)
    for key in document:
        if key != "line":
            row = next(
                (i + 1 for i, line in enumerate(locator.lines) if re.match(rf"^\s*\[?\s*{re.escape(key)}\b", line)),
                None,
            )
            where = f"{path}, line {row}" if row else str(path)
            raise ScenarioError(
                f"{where} (field '{key}'): unknown top-level entry{_suggest(key, ['line'])}; "
                "a scenario file holds only [[line]] tables. Move it into a [[line]] table or remove it."
            )
    if lines is None:
        raise ScenarioError(f"{path}, line 1 (field 'line'): no [[line]] tables; add at least one scenario.")
    if not isinstance(lines, list):
        raise ScenarioError(
            f"{path}, line {locator.field_line(0, 'line')} (field 'line'): scenarios must be written as "
            "[[line]] tables, not a single value or [line]."
        )
    return tuple(_Checker(path, locator, i, table).check() for i, table in enumerate(lines))


def _expand(paths: Path | str | Iterable[Path | str]) -> list[Path]:
    """Files to read: a directory stands for its ``*.toml`` files, sorted by name."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    files: list[Path] = []
    for entry in paths:
        path = Path(entry)
        if path.is_dir():
            found = sorted(path.glob("*.toml"))
            if not found:
                raise ScenarioError(f"Scenario folder {path} has no .toml files; add one or pick another folder.")
            files.extend(found)
        else:
            files.append(path)
    return files


def _check_unique(scenarios: Sequence[Scenario]) -> None:
    first: dict[str, Scenario] = {}
    for scenario in scenarios:
        earlier = first.setdefault(scenario.id, scenario)
        if earlier is not scenario:
            raise ScenarioError(
                f"{scenario.source}, line {scenario.line_number} (scenario {scenario.id!r}, field 'id'): "
                f"the id is already used at {earlier.source}, line {earlier.line_number}; "
                "give one of them a new id."
            )


def load_scenarios(paths: Path | str | Iterable[Path | str] | None = None) -> tuple[Scenario, ...]:
    """Read and check scenario files.

    Args:
        paths: Files or folders (a folder means its ``*.toml`` files). ``None``
            reads the shipped files in :data:`LINES_DIR`, once per process.

    Returns:
        The scenarios, file by file (sorted by name within a folder) in the
        order they are written.

    Raises:
        ScenarioError: a file is missing, unreadable, not TOML or malformed,
            or two scenarios share an id; the message names the file, the
            line, the scenario and the field.
    """
    if paths is None:
        return _shipped()
    scenarios = tuple(scenario for path in _expand(paths) for scenario in _read_file(path))
    _check_unique(scenarios)
    return scenarios


@cache
def _shipped() -> tuple[Scenario, ...]:
    return load_scenarios([LINES_DIR])


def find_scenario(scenario_id: str, scenarios: Iterable[Scenario] | None = None) -> Scenario:
    """The scenario with id ``scenario_id``.

    Args:
        scenario_id: Its id, e.g. ``"phone-greeting-01"``.
        scenarios: Where to look; the shipped scenarios by default.

    Raises:
        ScenarioError: no scenario has that id.
    """
    pool = load_scenarios() if scenarios is None else tuple(scenarios)
    for scenario in pool:
        if scenario.id == scenario_id:
            return scenario
    hint = _suggest(str(scenario_id), (s.id for s in pool))
    raise ScenarioError(f"No scenario {scenario_id!r}{hint}; run `kiosk scenarios` to list them.")


def _display_width(text: str) -> int:
    """Terminal columns ``text`` takes: wide (CJK) characters count twice."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, columns: int) -> str:
    return text + " " * max(0, columns - _display_width(text))


def format_scenario_list(scenarios: Iterable[Scenario], language: str = "en", *, situations: bool = False) -> str:
    """The text of ``kiosk scenarios``: every line by setting, in ``language``.

    Each setting gets a heading; under it one row per scenario: its id, its
    kind and its text in ``language`` (with ``situations``, the customer's
    situation on the row below).

    Raises:
        ScenarioError: the language is not one of :data:`LANGUAGES`.
    """
    lang = _language(language)
    scenarios = tuple(scenarios)
    width = max((len(s.id) for s in scenarios), default=0)
    kind_width = max(_display_width(KIND_LABELS[k][lang]) for k in KINDS)
    out: list[str] = []
    for setting in SETTINGS:
        group = [s for s in scenarios if s.setting == setting]
        if not group:
            continue
        if out:
            out.append("")
        out.append(f"{SETTING_LABELS[setting][lang]} [{setting}]")
        for scenario in sorted(group, key=lambda s: (KINDS.index(s.kind), s.id)):
            kind = KIND_LABELS[scenario.kind][lang]
            out.append(f"  {scenario.id:<{width}}  {_pad(kind, kind_width)}  {scenario.text_in(lang)}")
            if situations:
                out.append(f"  {'':<{width}}  {_pad('', kind_width)}  ({scenario.situation_in(lang)})")
    if out:
        out.append("")
    out.append(LIST_FOOTER[lang].format(count=len(scenarios)))
    return "\n".join(out)
