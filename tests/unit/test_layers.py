"""The layers of the house hold: import-linter's contracts in pyproject.toml ([tool.importlinter]).

`make lint` runs `lint-imports` too; here the suite runs it itself, once on the real tree (every contract
kept) and once per rule on a copy with one forbidden import added (the contract that rule belongs to is
broken), so the contracts cannot pass by accident.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
LAYERS, DB, NOTIFY = (contract["name"] for contract in CONFIG["contracts"])


def lint_imports(where: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` run in `where`, which it puts first on the import path."""
    return subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache", "--no-logo"],
        cwd=where,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_tree_keeps_every_contract() -> None:
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Contracts: {len(CONFIG['contracts'])} kept, 0 broken." in done.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("statute/__init__.py", "import workflows", LAYERS),  # statute imports nothing of the project
        ("workflows/__init__.py", "import core", LAYERS),  # workflows import only statute
        ("core/__init__.py", "import db", LAYERS),  # core, db and notify never import each other
        ("api/__init__.py", "import activities", LAYERS),  # api and activities never import each other
        ("activities/__init__.py", "import worker", LAYERS),  # worker is imported only by cli
        ("worker/__init__.py", "import cli", LAYERS),  # cli is imported by nothing
        ("db/__init__.py", "import workflows", DB),
        ("notify/__init__.py", "import statute", NOTIFY),
    ],
)
def test_a_forbidden_import_breaks_its_contract(tmp_path: Path, module: str, line: str, broken: str) -> None:
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    for package in CONFIG["root_packages"]:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    with (tmp_path / module).open("a", encoding="utf-8") as source:
        source.write(f"\n{line}\n")
    done = lint_imports(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Contracts: 2 kept, 1 broken." in done.stdout
    assert f"{broken} BROKEN" in " ".join(done.stdout.split()), done.stdout
