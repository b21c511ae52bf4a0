"""The kiosk's settings: every KIOSK_* variable declared once, read in one place, and refused when wrong."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.settings import VARIABLES, Settings, SettingsError, describe_settings, read_settings

PACKAGE = Path(__file__).resolve().parents[1] / "kiosk"


def test_unset_variables_give_the_defaults() -> None:
    settings = read_settings({})
    assert settings == Settings()
    assert settings.countdown_s == 3 and settings.upload_limit_mb == 200 and settings.profile == "default"
    assert settings.data_dir is None and settings.ice_servers == () and settings.debug is False


def test_every_variable_fills_its_setting(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"x")
    settings = read_settings(
        {
            "KIOSK_DATA_DIR": str(tmp_path / "data"),
            "KIOSK_DB_URL": "postgresql+psycopg://kiosk@localhost/kiosk",
            "KIOSK_PROFILE": "hotel",
            "KIOSK_CAMERA": f"file:{clip}",
            "KIOSK_MICROPHONE": "2",
            "KIOSK_COUNTDOWN_S": "0",
            "KIOSK_UPLOAD_LIMIT_MB": "50",
            "KIOSK_ICE_SERVERS": '[{"urls": "stun:stun.example.org:3478"}]',
            "KIOSK_MODEL_DIR": str(tmp_path),
            "KIOSK_CACHE_DIR": str(tmp_path / "cache"),
            "KIOSK_DEBUG": "1",
        }
    )
    assert settings.data_dir == tmp_path / "data" and settings.cache_dir == tmp_path / "cache"
    assert settings.db_url.startswith("postgresql") and settings.profile == "hotel"
    assert settings.camera == f"file:{clip}" and settings.microphone == "2"
    assert settings.countdown_s == 0 and settings.upload_limit_mb == 50
    assert settings.ice_servers == ({"urls": "stun:stun.example.org:3478"},)
    assert settings.model_dir == tmp_path and settings.debug is True


@pytest.mark.parametrize(
    "name, value, says",
    [
        ("KIOSK_COUNTDOWN_S", "three", "not a whole number of 0 or more"),  # was silently 3
        ("KIOSK_COUNTDOWN_S", "-1", "not a whole number"),
        ("KIOSK_UPLOAD_LIMIT_MB", "0", "of 1 or more"),
        ("KIOSK_DEBUG", "maybe", "not 1 or 0"),
        ("KIOSK_CAMERA", "file:/nowhere/clip.mp4", "does not exist"),
        ("KIOSK_DB_URL", "kiosk.db", "not a database address"),
        ("KIOSK_MODEL_DIR", "/nowhere/models", "not a folder"),
        ("KIOSK_ICE_SERVERS", "stun:x", "not valid JSON"),
    ],
)
def test_a_wrong_value_is_refused_naming_the_variable_and_what_to_set(name: str, value: str, says: str) -> None:
    with pytest.raises(SettingsError) as refused:
        read_settings({name: value})
    message = str(refused.value)
    assert message.startswith(name) and says in message and "kiosk settings" in message


def test_every_wrong_value_is_named_at_once() -> None:
    with pytest.raises(SettingsError) as refused:
        read_settings({"KIOSK_COUNTDOWN_S": "x", "KIOSK_UPLOAD_LIMIT_MB": "y"})
    assert "KIOSK_COUNTDOWN_S" in str(refused.value) and "KIOSK_UPLOAD_LIMIT_MB" in str(refused.value)


def test_each_variable_is_declared_once_with_a_default_and_a_meaning() -> None:
    names = [v.name for v in VARIABLES]
    assert len(names) == len(set(names)) and all(n.startswith("KIOSK_") for n in names)
    assert {v.field for v in VARIABLES} == set(Settings.__dataclass_fields__)
    assert all(v.default and v.meaning.endswith(".") for v in VARIABLES)


def test_no_other_module_reads_the_environment() -> None:
    """Only kiosk/settings.py reads os.environ (landmarks.py sets MediaPipe's log switches, and reads nothing)."""
    readers = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "settings.py" and path.parent == PACKAGE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv"):
                if isinstance(node.value, ast.Name) and node.value.id == "os":
                    readers.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert readers and all(r.startswith("vision/landmarks.py") for r in readers), readers


def test_kiosk_settings_lists_every_variable_and_hides_a_password() -> None:
    listing = describe_settings({"KIOSK_DB_URL": "postgresql+psycopg://kiosk:s3cret@db/kiosk"})
    for variable in VARIABLES:
        assert variable.name in listing and variable.meaning in listing
    assert "s3cret" not in listing and "kiosk:***@db/kiosk" in listing


def test_the_command_line_refuses_a_wrong_value_before_any_work() -> None:
    import os

    run = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "scenarios"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "KIOSK_COUNTDOWN_S": "3s"},
    )
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "KIOSK_COUNTDOWN_S: '3s' is not a whole number" in run.stderr
