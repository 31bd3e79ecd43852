"""Function sizes: none over 50 lines in the package, and the views of versioned sheets short."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "bootcamp"
LONGEST = 50  # lines, from `def` to the last line
SHEET_VIEW = 25  # a versioned sheet's view: access, then sheets.respond


def _functions() -> dict[str, int]:
    """Every function and method of the package ("path:name") -> its length in lines."""
    sizes = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{path.relative_to(PACKAGE).as_posix()}:{node.name}"
                sizes[name] = max(sizes.get(name, 0), (node.end_lineno or node.lineno) - node.lineno + 1)
    return sizes


def test_no_function_is_over_50_lines() -> None:
    sizes = _functions()
    assert len(sizes) > 300  # the walk found the package
    assert not {name: lines for name, lines in sizes.items() if lines > LONGEST}, "split these functions"


def test_the_views_of_versioned_sheets_are_short() -> None:
    sizes = _functions()
    for view in ("competencies/views.py:grid_page", "projects/views.py:grades"):
        assert sizes[view] <= SHEET_VIEW, view
