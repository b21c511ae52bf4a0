"""The package's layers: every step imports only the steps below it, so no cycle can form.

The layout follows the data flow (capture -> vision and voice -> scoring ->
store and report -> the app), with the shared vocabulary at the bottom. A
module may import its own package and the layers below its own, never one
beside it or above it. Every import counts, including those inside functions
and under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "kiosk"

#: Lowest first. Packages on one line may not import each other.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("kiosk", "kiosk.errors", "kiosk.vocabulary", "kiosk.timespan"),
    ("kiosk.settings",),
    ("kiosk.datafolder", "kiosk.i18n"),
    ("kiosk.calibration", "kiosk.models", "kiosk.scenarios"),
    ("kiosk.capture",),
    ("kiosk.vision", "kiosk.voice"),
    ("kiosk.scoring",),
    ("kiosk.store",),
    ("kiosk.report",),
    ("kiosk.analysis", "kiosk.live"),
    ("kiosk.bench", "kiosk.evaluation"),
    ("kiosk.app", "kiosk.cli"),
)
LAYER_OF = {name: level for level, names in enumerate(LAYERS) for name in names}


def unit_of(module: str) -> str:
    """The layer unit a module belongs to: ``kiosk.vision.signals`` -> ``kiosk.vision``."""
    parts = module.split(".")
    return ".".join(parts[:2])


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def kiosk_imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import of the kiosk package in a file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "kiosk"]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "kiosk":  # from kiosk import datafolder: the module kiosk.datafolder
                found += [(node.lineno, f"kiosk.{a.name}" if _is_module(a.name) else "kiosk") for a in node.names]
            elif node.module.split(".")[0] == "kiosk":
                found.append((node.lineno, node.module))
    return found


def _is_module(name: str) -> bool:
    return (PACKAGE / f"{name}.py").exists() or (PACKAGE / name / "__init__.py").exists()


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_package_has_a_layer() -> None:
    units = {unit_of(module_name(path)) for path in MODULES}
    assert units <= set(LAYER_OF), f"give these a layer in LAYERS: {sorted(units - set(LAYER_OF))}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_a_module_imports_only_its_own_package_and_the_layers_below(path: Path) -> None:
    here = unit_of(module_name(path))
    wrong = []
    for line, target in kiosk_imports(path):
        there = unit_of(target)
        if there != here and LAYER_OF[there] >= LAYER_OF[here]:
            wrong.append(f"line {line}: {target} (layer {LAYER_OF[there]}, this is {LAYER_OF[here]})")
    assert not wrong, f"{module_name(path)} reaches up or sideways: " + "; ".join(wrong)


def test_the_checker_sees_a_reach_upwards(tmp_path: Path) -> None:
    """The rule can fail: scoring importing the report is caught."""
    bad = tmp_path / "bad.py"
    bad.write_text("from kiosk.report.take_report import take_report\nfrom kiosk import store\n")
    targets = [unit_of(t) for _, t in kiosk_imports(bad)]
    assert targets == ["kiosk.report", "kiosk.store"]
    assert all(LAYER_OF[t] > LAYER_OF["kiosk.scoring"] for t in targets)
