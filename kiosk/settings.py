"""The kiosk's settings from the environment: every ``KIOSK_*`` variable, read and checked in one place.

Each variable is declared once in :data:`VARIABLES` (its name, default and
meaning, and how its value is read); :func:`read_settings` reads them all
into one :class:`Settings` and refuses any value it cannot use, naming the
variable and what to set it to. ``kiosk settings`` lists them with their
values, and ``./kiosk.sh`` checks them before the kiosk starts.

No other module reads the environment (except MediaPipe's own log
switches). The environment is read afresh on every call: the values are few
and a test or a trainer may change them between two takes.
"""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.errors import KioskError
from kiosk.vocabulary import CalibrationWhen

#: The calibration profile used when none is picked.
DEFAULT_PROFILE_NAME = "default"


class SettingsError(KioskError):
    """A ``KIOSK_*`` variable holds a value the kiosk cannot use; ``str()`` says which and what to set."""


@dataclass(frozen=True)
class Variable:
    """One environment variable the kiosk reads.

    Attributes:
        name: the variable, ``KIOSK_...``.
        field: the :class:`Settings` attribute it fills.
        default: what applies when it is unset or empty, as a trainer reads it.
        meaning: what it does, in one sentence.
        read: turns the text into the setting's value; raises :class:`SettingsError`
            (without the variable's name, which is added) when it cannot.
    """

    name: str
    field: str
    default: str
    meaning: str
    read: Callable[[str], Any]


def _text(value: str) -> str:
    return value


def _folder(value: str) -> Path:
    path = Path(value).expanduser()
    if path.exists() and not path.is_dir():
        raise SettingsError(f"{value} is a file, not a folder; name a folder (it is made if missing)")
    return path


def _existing_folder(value: str) -> Path:
    path = Path(value).expanduser()
    if not path.is_dir():
        raise SettingsError(f"{value} is not a folder; name the folder that holds the .task files")
    return path


def _whole_number(minimum: int) -> Callable[[str], int]:
    def read(value: str) -> int:
        if not value.strip().isdigit() or int(value) < minimum:
            raise SettingsError(f"{value!r} is not a whole number of {minimum} or more")
        return int(value)

    return read


def _switch(value: str) -> bool:
    if value.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if value.strip().lower() in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{value!r} is not 1 or 0")


def _calibration(value: str) -> CalibrationWhen:
    try:
        return CalibrationWhen(value.strip().lower())
    except ValueError:
        raise SettingsError(f"{value!r} is neither of {', '.join(CalibrationWhen)}") from None


#: A kiosk's name is stored with every baseline taken there (a column of 120 characters).
KIOSK_NAME_MAX_CHARS = 120


def _kiosk_name(value: str) -> str:
    if len(value) > KIOSK_NAME_MAX_CHARS:
        raise SettingsError(f"{value[:20]!r}... is {len(value)} characters long; give at most {KIOSK_NAME_MAX_CHARS}")
    return value


def _device(value: str) -> str:
    if value.startswith("file:") and not Path(value[5:]).expanduser().is_file():
        raise SettingsError(f"the recording {value[5:]} does not exist; give file:PATH of a video or sound file")
    return value


def _database_url(value: str) -> str:
    if "://" not in value:
        raise SettingsError(
            f"{value!r} is not a database address; give an SQLAlchemy URL such as "
            "postgresql+psycopg://user:password@host/kiosk or sqlite:////path/kiosk.db"
        )
    return value


_ICE_KEYS = frozenset({"urls", "username", "credential", "credentialType"})
ICE_EXAMPLE = (
    '[{"urls": "stun:stun.example.org:3478"}, '
    '{"urls": ["turn:turn.example.org:3478"], "username": "u", "credential": "p"}]'
)


def ice_servers(value: str | None) -> list[dict[str, Any]]:
    """The ICE servers a ``KIOSK_ICE_SERVERS`` value names (empty or unset: none, host candidates only).

    Raises:
        SettingsError: not JSON, not a list of objects, an object without
            ``urls`` (a string or a list of strings), or with an unknown key.
    """
    name = "KIOSK_ICE_SERVERS"
    if value is None or not value.strip():
        return []
    try:
        servers = json.loads(value)
    except json.JSONDecodeError as err:
        raise SettingsError(
            f"{name} is not valid JSON ({err.msg} at character {err.pos}): set it to a list such as "
            f"{ICE_EXAMPLE}, or leave it unset on localhost and a LAN."
        ) from None
    if not isinstance(servers, list):
        raise SettingsError(f"{name} must be a JSON list of ICE servers, such as {ICE_EXAMPLE}.")
    for number, server in enumerate(servers, start=1):
        if not isinstance(server, dict):
            raise SettingsError(f'{name}: entry {number} is not an object with "urls", such as {ICE_EXAMPLE}.')
        urls = server.get("urls")
        if isinstance(urls, str):
            urls = [urls]
        if not urls or not isinstance(urls, list) or not all(isinstance(u, str) and u.strip() for u in urls):
            raise SettingsError(
                f'{name}: entry {number} needs "urls", a server address or a list of them '
                f"(stun:host:port or turn:host:port), such as {ICE_EXAMPLE}."
            )
        unknown = sorted(set(server) - _ICE_KEYS)
        if unknown:
            raise SettingsError(
                f"{name}: entry {number} has unknown keys {', '.join(unknown)}; "
                f"an ICE server has {', '.join(sorted(_ICE_KEYS))}."
            )
        for key in ("username", "credential"):
            if key in server and not isinstance(server[key], str):
                raise SettingsError(f'{name}: entry {number}: "{key}" must be a string.')
    return servers


VARIABLES: tuple[Variable, ...] = (
    Variable(
        "KIOSK_DATA_DIR",
        "data_dir",
        "the user data folder (platformdirs)",
        "Where the database, kept recordings, takes waiting to be saved and backups go.",
        _folder,
    ),
    Variable(
        "KIOSK_DB_URL",
        "db_url",
        "sqlite: kiosk.db in the data folder",
        "A SQLAlchemy URL of the database, e.g. a centre's shared PostgreSQL server.",
        _database_url,
    ),
    Variable(
        "KIOSK_PROFILE",
        "profile",
        DEFAULT_PROFILE_NAME,
        "The calibration profile picked by default: a name in the calibration/ folder or a path to a .toml file.",
        _text,
    ),
    Variable(
        "KIOSK_NAME",
        "kiosk_name",
        "this machine's name",
        "This kiosk's name: a trainee's baseline (their 10 s calibration) belongs to one kiosk and its camera. "
        "Set it: a machine renamed would otherwise lose every trainee's calibration.",
        _kiosk_name,
    ),
    Variable(
        "KIOSK_CALIBRATION",
        "calibration",
        "first",
        "first: a trainee's first take at this kiosk begins with their 10 s calibration; offered: only when they "
        "press Calibrate (a drop-in session).",
        _calibration,
    ),
    Variable(
        "KIOSK_CAMERA",
        "camera",
        "the first camera found",
        "The kiosk's camera: an index (0), a device path, or file:PATH to let a recording stand in for it.",
        _device,
    ),
    Variable(
        "KIOSK_MICROPHONE",
        "microphone",
        "the system's default microphone",
        "The kiosk's microphone: a PortAudio index or name, or file:PATH to let a recording stand in for it.",
        _device,
    ),
    Variable(
        "KIOSK_COUNTDOWN_S",
        "countdown_s",
        "3",
        "Seconds of 3-2-1 before a take records (0 starts at once).",
        _whole_number(0),
    ),
    Variable(
        "KIOSK_UPLOAD_LIMIT_MB",
        "upload_limit_mb",
        "200",
        "The largest recording the upload page accepts, in megabytes.",
        _whole_number(1),
    ),
    Variable(
        "KIOSK_ICE_SERVERS",
        "ice_servers",
        "none (host candidates: localhost and a LAN)",
        "Extra STUN/TURN servers for the video-call self-check, as a JSON list of RTCIceServer objects.",
        lambda value: tuple(ice_servers(value)),
    ),
    Variable(
        "KIOSK_MODEL_DIR",
        "model_dir",
        "unset",
        "A folder of hand-copied MediaPipe .task files, tried before the cache and the downloads.",
        _existing_folder,
    ),
    Variable(
        "KIOSK_CACHE_DIR",
        "cache_dir",
        "the user cache folder (platformdirs)",
        "Where verified models are cached (in its models/ folder).",
        _folder,
    ),
    Variable(
        "KIOSK_DEBUG",
        "debug",
        "0",
        "1 shows tracebacks on the command line and MediaPipe's own log lines.",
        _switch,
    ),
)
"""Every variable the kiosk reads, in the order ``kiosk settings`` lists them."""


@dataclass(frozen=True)
class Settings:
    """The kiosk's settings, as read from the environment (see :data:`VARIABLES`; ``None``: unset)."""

    data_dir: Path | None = None
    db_url: str | None = None
    profile: str = DEFAULT_PROFILE_NAME
    kiosk_name: str = field(default_factory=lambda: platform.node()[:KIOSK_NAME_MAX_CHARS])
    calibration: CalibrationWhen = CalibrationWhen.FIRST
    camera: str | None = None
    microphone: str | None = None
    countdown_s: int = 3
    upload_limit_mb: int = 200
    ice_servers: tuple[Mapping[str, Any], ...] = field(default=())
    model_dir: Path | None = None
    cache_dir: Path | None = None
    debug: bool = False


def read_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Every ``KIOSK_*`` variable, read and checked.

    Args:
        environ: the variables (default: this process's environment).

    Raises:
        SettingsError: one or more values cannot be used; the message names
            each variable and what to set it to.
    """
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    problems = []
    for variable in VARIABLES:
        text = environ.get(variable.name, "")
        if not text.strip():
            continue  # unset or empty: the default
        try:
            values[variable.field] = variable.read(text.strip())
        except SettingsError as err:
            reason = str(err)
            problems.append(reason if reason.startswith(variable.name) else f"{variable.name}: {reason}")
    if problems:
        raise SettingsError(
            " ".join(p if p.endswith(".") else p + "." for p in problems)
            + " Fix or unset it, then start the kiosk again (`kiosk settings` lists every variable)."
        )
    return Settings(**values)


def describe_settings(environ: Mapping[str, str] | None = None) -> str:
    """The variables, their values (or defaults) and meanings: what ``kiosk settings`` prints."""
    environ = os.environ if environ is None else environ
    out = []
    for variable in VARIABLES:
        value = environ.get(variable.name, "").strip()
        if variable.name == "KIOSK_DB_URL" and value:
            value = _without_password(value)
        shown = value if value else f"(default: {variable.default})"
        out.append(f"{variable.name} = {shown}\n    {variable.meaning}")
    return "\n".join(out)


def _without_password(url: str) -> str:
    """A database URL as it may be shown: the password replaced by ``***``."""
    scheme, _, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not at or ":" not in credentials:
        return url
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"


__all__ = [
    "DEFAULT_PROFILE_NAME",
    "ICE_EXAMPLE",
    "Settings",
    "SettingsError",
    "VARIABLES",
    "Variable",
    "describe_settings",
    "ice_servers",
    "read_settings",
]
