"""The notebooks as files: committed without outputs, parameterised, checked, logic in the package.

Running them is nbval's job (``pytest --nbval-lax notebooks/``); this only reads the JSON.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
EXPECTED = {"our_progress.ipynb", "therapist_review.ipynb", "cohort_comparison.ipynb"}


def _read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _code(book: dict) -> list[str]:
    return ["".join(c["source"]) for c in book["cells"] if c["cell_type"] == "code"]


def test_the_three_notebooks_are_there():
    assert EXPECTED <= {p.name for p in NOTEBOOKS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    for cell in _read(path)["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs", []) == [], f"{path.name}: a cell has outputs"
            assert cell.get("execution_count") is None, f"{path.name}: a cell was run"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_cell_holds_the_parameters(path):
    first = _read(path)["cells"][0]
    assert first["cell_type"] == "code"
    assert "parameters" in first.get("metadata", {}).get("tags", [])
    tree = ast.parse("".join(first["source"]))
    assert all(isinstance(node, ast.Assign) for node in tree.body), "parameters only"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_has_checks_that_can_fail(path):
    asserts = sum(
        isinstance(node, ast.Assert)
        for src in _code(_read(path))
        for node in ast.walk(ast.parse(src))
    )
    assert asserts >= 3, f"{path.name}: only {asserts} assert statements"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_defines_no_analysis_of_its_own(path):
    for src in _code(_read(path)):
        for node in ast.walk(ast.parse(src)):
            assert not isinstance(node, ast.FunctionDef | ast.ClassDef | ast.Lambda), (
                f"{path.name}: defines {getattr(node, 'name', 'a lambda')}; put it in the package"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_kernel_is_python3(path):
    assert _read(path)["metadata"]["kernelspec"]["name"] == "python3"
