"""The layer rules and "no import cycles", so a new import that breaks them fails the run.

The contracts live in ``pyproject.toml`` (``[tool.importlinter]``): ``handlers`` (adapters) over
``concierge`` (the core) over ``catalog``; aiogram and telegram only in ``handlers``; no cycles between
the modules and subpackages of any package. import-linter checks them; grimp (which import-linter
builds on) finds cycles between single modules, such as a package and one of its own modules.
Both see every import, also those inside functions and under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("concierge", "catalog", "handlers")
LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))

LAYERS = "Adapters on top of the core, the core on top of the catalogue"
TELEGRAM = "Only the adapters know Telegram"
ACYCLIC = "No import cycles between the modules and subpackages of any package"


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` over the packages in ``root`` (not whichever copy happens to be installed)."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache", "--no-logo"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def module_cycles(graph: grimp.ImportGraph) -> list[tuple[str, ...]]:
    """Every direct import that a chain of imports leads back from, as the cycle it closes."""
    cycles = []
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back is not None:
                cycles.append((importer, *back))
    return cycles


def test_the_contracts_hold() -> None:
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    for contract in (LAYERS, TELEGRAM, ACYCLIC):
        assert f"{contract} KEPT" in result.stdout


def test_no_module_imports_itself_through_others() -> None:
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    assert module_cycles(graph) == []


def test_a_cycle_between_single_modules_is_found() -> None:
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    graph.add_import(importer="concierge.text", imported="concierge.search")  # search reads text
    closed_by = {cycle[:2] for cycle in module_cycles(graph)}
    assert ("concierge.text", "concierge.search") in closed_by


@pytest.fixture(scope="module")
def copy_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The packages' Python files and the contracts, copied so one test can break them."""
    root = tmp_path_factory.mktemp("layers")
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package,
            root / package,
            ignore=lambda folder, names: (
                [n for n in names if not n.endswith(".py") and not Path(folder, n).is_dir()] + ["__pycache__"]
            ),
        )
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


@pytest.mark.parametrize(
    ("module", "bad_import", "broken"),
    [
        ("concierge/app.py", "import handlers.web", LAYERS),
        ("catalog/models.py", "from concierge import text", LAYERS),
        ("concierge/ranking.py", "import aiogram", TELEGRAM),
        ("catalog/links.py", "from telegram import Bot", TELEGRAM),
        ("concierge/text.py", "from concierge import search", ACYCLIC),
        ("handlers/web/context.py", "from handlers.web import pages", ACYCLIC),
    ],
)
def test_a_bad_import_breaks_its_contract(copy_root: Path, module: str, bad_import: str, broken: str) -> None:
    path = copy_root / module
    original = path.read_text(encoding="utf-8")
    path.write_text(f"{original}\n\ndef _late():\n    {bad_import}\n", encoding="utf-8")
    try:
        result = lint(copy_root)
    finally:
        path.write_text(original, encoding="utf-8")
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{broken} BROKEN" in result.stdout
