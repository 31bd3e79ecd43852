"""The shape of the package: every module imports on its own, and no feature's logic imports its views."""

import ast
import json
import subprocess
import sys
from pathlib import Path

from bootcamp import models
from bootcamp.extensions import db

PACKAGE = Path(__file__).resolve().parent.parent / "bootcamp"

# Run by a fresh interpreter: list the package's modules, then import each one in its own process. The third-party
# libraries the package uses are loaded first (they cannot import the package), and `import bootcamp.x.y` always
# runs the package's __init__ to its end before anything else: so each process is forked from one that did just
# that, which is the state any fresh interpreter reaches first, and the package itself is imported alone too. The
# order in which the package's own modules load, where cycles show, is the one of a fresh interpreter; the whole
# check takes seconds, not a minute.
CHECKER = r"""
import importlib, json, os, pkgutil, sys, traceback

ROOT = "bootcamp"


def ours(name):
    return name == ROOT or name.startswith(ROOT + ".")


def in_child(work):
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            result = work()
        except BaseException:
            result = {"error": traceback.format_exc(limit=-8)}
        with os.fdopen(write, "w") as out:
            json.dump(result, out)
        os._exit(0)
    os.close(write)
    return pid, read


def collect(pid, read):
    with os.fdopen(read) as pipe:
        text = pipe.read()
    os.waitpid(pid, 0)
    return json.loads(text)


def survey():
    package = importlib.import_module(ROOT)
    names = [ROOT] + [info.name for info in pkgutil.walk_packages(package.__path__, ROOT + ".")]
    for name in names:
        importlib.import_module(name)
    return {"modules": names, "libraries": [name for name in list(sys.modules) if not ours(name)]}


found = collect(*in_child(survey))
if "error" in found:
    print(json.dumps({"survey": found["error"]}))
    sys.exit(0)
for library in found["libraries"]:
    try:
        importlib.import_module(library)
    except Exception:
        pass
assert not any(ours(name) for name in sys.modules)


def load(name):
    def work():
        importlib.import_module(name)
        return {"views": sorted(other for other in sys.modules if ours(other) and other.endswith(".views"))}
    return work


results = {ROOT: collect(*in_child(load(ROOT)))}
if "error" not in results[ROOT]:
    importlib.import_module(ROOT)
running, pending = [], [name for name in found["modules"] if name != ROOT]
while pending or running:
    while pending and len(running) < max(2, os.cpu_count() or 1):
        name = pending.pop()
        running.append((name, *in_child(load(name))))
    name, pid, read = running.pop(0)
    results[name] = collect(pid, read)
print(json.dumps(results))
"""


def _import_each_module_alone() -> dict[str, dict]:
    finished = subprocess.run(
        [sys.executable, "-c", CHECKER], capture_output=True, text=True, timeout=120, cwd=PACKAGE.parent, check=True
    )
    results = json.loads(finished.stdout.splitlines()[-1])
    assert "survey" not in results, results.get("survey")
    return results


def test_every_module_imports_on_its_own_and_only_views_load_views() -> None:
    """Importing any module first (a test, the CLI, a migration, a worker) works, and a feature's services,
    queries and forms never load a blueprint's views: the package has no hidden import cycle."""
    results = _import_each_module_alone()
    assert len(results) > 50 and "bootcamp.outcomes.services" in results and "bootcamp.cli" in results
    failed = {name: result["error"] for name, result in results.items() if "error" in result}
    assert not failed, "\n\n".join(f"{name}:\n{error}" for name, error in failed.items())
    stray = {
        name: [views for views in result["views"] if views != name]
        for name, result in results.items()
        if any(views != name for views in result["views"])
    }
    assert not stray, f"these modules load views: {stray}"


def _imports_inside_functions(path: Path) -> list[tuple[str, int]]:
    found = []
    for function in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(function):
                if isinstance(node, ast.ImportFrom):
                    names = [node.module or ""] if not node.level else ["bootcamp"]
                elif isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                else:
                    continue
                if any(name == "bootcamp" or name.startswith("bootcamp.") for name in names):
                    found.append((function.name, node.lineno))
    return found


def test_the_package_imports_its_own_modules_at_the_top() -> None:
    """An import moved into a function hides a cycle; only the factory (and its blueprints' list) imports them late."""
    late = {
        f"{path.relative_to(PACKAGE.parent)}:{line} ({function})"
        for path in PACKAGE.rglob("*.py")
        for function, line in _imports_inside_functions(path)
        if not (path == PACKAGE / "__init__.py" and function in {"create_app", "blueprints"})
    }
    assert not late, sorted(late)


def test_blueprints_live_in_views_and_feature_packages_are_empty() -> None:
    """Each feature's blueprint is defined in its views.py; its __init__.py holds its docstring only."""
    for init in PACKAGE.glob("*/__init__.py"):
        views = init.parent / "views.py"
        if views.exists():
            body = ast.parse(init.read_text(encoding="utf-8")).body
            assert len(body) == 1 and isinstance(body[0], ast.Expr), f"{init}: only a docstring"
            assert "= Blueprint(" in views.read_text(encoding="utf-8"), views


def test_the_models_are_split_by_area_and_all_exported() -> None:
    """`bootcamp/models/` holds one module per area, none of them long, and exports every model and table."""
    modules = sorted((PACKAGE / "models").glob("*.py"))
    assert len(modules) > 5, "bootcamp/models/ is a package, one module per area"
    lengths = {path.name: len(path.read_text(encoding="utf-8").splitlines()) for path in modules}
    long = {name: length for name, length in lengths.items() if length > 250}
    assert not long, long
    mapped = {mapper.class_.__name__ for mapper in db.Model.registry.mappers}
    assert mapped <= set(models.__all__) and all(hasattr(models, name) for name in models.__all__)
    assert {table.name for table in db.metadata.sorted_tables} == {
        *(getattr(models, name).__tablename__ for name in mapped),
        models.cohort_trainers.name,
        models.exam_session_blocks.name,
    }
