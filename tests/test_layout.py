"""The house rules of DESIGN section 10 that a machine can check (issue 12): no product module over
300 lines, and every folder says what it holds and what it may import (a package docstring or a
README.md; a folder of templates or data may lean on its parent's README)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("controller", "hardware", "web")
MAX_LINES = 300


def _folders() -> list[Path]:
    found = []
    for top in PRODUCT:
        for folder in sorted([ROOT / top, *(ROOT / top).rglob("*")]):
            if folder.is_dir() and folder.name != "__pycache__" and not folder.name.startswith("."):
                found.append(folder)
    return found


def _modules() -> list[Path]:
    return sorted(p for top in PRODUCT for p in (ROOT / top).rglob("*.py") if "__pycache__" not in p.parts)


def _says_what_it_holds(folder: Path) -> bool:
    if (folder / "README.md").is_file():
        return True
    init = folder / "__init__.py"
    return init.is_file() and bool(ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))))


def test_the_product_tree_is_where_this_test_looks():
    assert len(_modules()) > 100 and len(_folders()) > 20  # a moved tree must not pass by looking at nothing


def test_no_module_is_over_300_lines():
    long = {}
    for path in _modules():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            long[str(path.relative_to(ROOT))] = lines
    assert not long, f"split by job, each under {MAX_LINES} lines: {long}"


@pytest.mark.parametrize("folder", _folders(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_folder_says_what_it_holds(folder):
    if any(folder.glob("*.py")):  # a package: its docstring or a README
        assert _says_what_it_holds(folder), (
            f"{folder.relative_to(ROOT)}: add a package docstring or README.md"
        )
        return
    # templates, static files, models: a README here or in a parent folder of the product tree
    chain = [folder, *folder.parents]
    top = chain.index(ROOT)
    assert any((p / "README.md").is_file() for p in chain[:top]), (
        f"{folder.relative_to(ROOT)}: add a README.md"
    )


ASSEMBLY = ("controller/system.py", "controller/lane/assemble.py", "controller/office/assemble.py")


@pytest.mark.parametrize("module", ASSEMBLY)
def test_the_assembly_wires_nothing_in_after_construction(module):
    # every part gets what it needs in its constructor: no ``part.x = y`` nor ``part.hooks.append(f)``
    # in the functions that build them (a System's own start/stop may keep their state)
    tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
    wiring = []
    for function in (node for node in tree.body if isinstance(node, ast.FunctionDef)):
        for node in ast.walk(function):
            targets = node.targets if isinstance(node, ast.Assign) else []
            if isinstance(node, ast.AugAssign | ast.AnnAssign):
                targets = [node.target]
            wiring += [f"{function.name}:{t.lineno}" for t in targets if isinstance(t, ast.Attribute)]
            call = node.func if isinstance(node, ast.Call) else None
            if isinstance(call, ast.Attribute) and call.attr in ("append", "extend", "update"):
                if isinstance(call.value, ast.Attribute):  # part.hooks.append(...)
                    wiring.append(f"{function.name}:{node.lineno}")
    assert not wiring, f"{module} wires parts after building them at {wiring}"
