"""p3lib's shape: role packages that import only downwards, short modules, short functions.

The packages stand in one order, bottom to top; a module may import its own package and the
ones below it, never one above (``p3lib.evaluation`` measuring a model must not reach into
``p3lib.training``, the book's sentences must not be needed to train). Read from the source with
``ast``, so a lazy import inside a function counts as much as one at the top.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import p3lib

PACKAGE = Path(p3lib.__file__).parent
ORDER = ("store", "data", "evaluation", "training", "run", "book", "cli")
"""Bottom to top: each may import those before it."""
MAX_MODULE_LINES = 700
MAX_FUNCTION_LINES = 120


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _role(module: str) -> str | None:
    """``p3lib.evaluation.metrics`` -> ``evaluation``; ``p3lib`` itself has none."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ORDER else None


def _dotted(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return {name for name in found if name.startswith("p3lib.")}


def test_the_role_packages_and_few_top_level_modules() -> None:
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert packages == set(ORDER) - {"cli"}
    top = {p.name for p in PACKAGE.glob("*.py")}
    assert {"__init__.py", "cli.py"} <= top and len(top) <= 3, top


@pytest.mark.parametrize("path", _modules(), ids=lambda p: _dotted(p))
def test_no_module_imports_a_package_above_it(path: Path) -> None:
    own = _role(_dotted(path))
    if own is None:
        return
    above = {name for name in _imports(path) if ORDER.index(_role(name) or own) > ORDER.index(own)}
    assert not above, f"{_dotted(path)} ({own}) imports from above: {sorted(above)}"


def test_the_direction_check_sees_an_upward_import(tmp_path: Path) -> None:
    module = tmp_path / "probe.py"
    module.write_text("def f():\n    from p3lib.book.sentences import paired\n")
    assert _imports(module) == {"p3lib.book.sentences", "p3lib.book.sentences.paired"}
    assert ORDER.index(_role("p3lib.book.sentences")) > ORDER.index("training")


def test_modules_and_functions_stay_short() -> None:
    long_modules, long_functions = [], []
    for path in _modules():
        source = path.read_text(encoding="utf-8")
        if (lines := source.count("\n")) > MAX_MODULE_LINES:
            long_modules.append(f"{_dotted(path)}: {lines}")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long_functions.append(f"{_dotted(path)}.{node.name}: {length}")
    assert not long_modules and not long_functions, (long_modules, long_functions)


def test_every_package_says_what_it_is_for_and_what_it_may_import() -> None:
    for name in ORDER[:-1]:
        doc = ast.get_docstring(ast.parse((PACKAGE / name / "__init__.py").read_text()))
        assert doc and "import" in doc, name
