"""The seam between the two packages, read from the source: ``rl_envs`` never imports
``baselines``, neither package has an import cycle (imports made by name, from a string naming
a module, count), project imports sit at module top (a
function-level import is only for a heavy optional library), and no module but
``baselines/rundir.py`` spells a run-directory file name."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from baselines import rundir

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("rl_envs", "baselines")
# Heavy or optional libraries that may be imported inside a function, so that importing the
# module (or registering the envs) does not pay for them or need their extra.
LAZY_OK = {"torch", "sb3_contrib", "pygame", "nes_py", "gym_super_mario_bros", "cv2", "ray", "stable_baselines3", "matplotlib",
           "rich", "tensorboard", "moviepy", "yaml", "tqdm"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(package: str) -> dict[str, Path]:
    return {module_name(p): p for p in sorted((ROOT / package).rglob("*.py"))}


ALL = {name: path for package in PACKAGES for name, path in modules(package).items()}


def imports(path: Path) -> list[tuple[str, bool, int]]:
    """(imported module, at module top?, line) for every import statement in the file, nested ones too.

    ``from a.b import c`` counts as importing ``a.b.c`` when that is a module, else ``a.b``.
    """
    tree = ast.parse(path.read_text(), filename=str(path))
    top_level = {id(node) for node in tree.body}
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, id(node) in top_level, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.append((full if full in ALL else base, id(node) in top_level, node.lineno))
    return found


def imports_by_name(path: Path) -> list[tuple[str, int]]:
    """(module, line) for every string in the file that names a project module, alone or as a
    ``"module:attribute"`` entry point: what ``importlib.import_module``, Gymnasium's entry points
    or a table of subcommands load at run time."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            name = node.value.partition(":")[0]
            if name in ALL:
                found.append((name, node.lineno))
    return found


def test_imports_by_name_are_seen():
    by_name = {target for target, _ in imports_by_name(ALL["baselines.cli"])}
    assert {"baselines.train", "baselines.evaluate", "baselines.watch", "baselines.compare.cli"} <= by_name
    assert "rl_envs.mario.env" in {target for target, _ in imports_by_name(ALL["rl_envs.registry"])}


def test_rl_envs_never_imports_baselines():
    offenders = [f"{name}:{line} imports {target}" for name, path in modules("rl_envs").items()
                 for target, line in [(t, n) for t, _, n in imports(path)] + imports_by_name(path)
                 if target.split(".")[0] == "baselines"]
    assert not offenders, offenders


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_cycles(package):
    graph = {name: sorted({t for t, _, _ in imports(path) if t in ALL and t != name}
                          | {t for t, _ in imports_by_name(path) if t != name})
             for name, path in modules(package).items()}
    cycles, state = [], {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = "open"
        for nxt in graph.get(node, []):
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"

    for name in graph:
        if name not in state:
            visit(name, [name])
    assert not cycles, cycles


@pytest.mark.parametrize("package", PACKAGES)
def test_project_imports_at_module_top(package):
    late = [f"{name}:{line} imports {target} inside a function" for name, path in modules(package).items()
            for target, top, line in imports(path)
            if not top and target.split(".")[0] not in LAZY_OK and not _type_checking_only(path, line)]
    assert not late, late


def _type_checking_only(path: Path, line: int) -> bool:
    tree = ast.parse(path.read_text())
    return any(isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING")
               and node.lineno <= line <= node.end_lineno for node in tree.body)


RUN_FILE_NAMES = {value.rsplit("/", 1)[-1] for name, value in vars(rundir).items()
                  if name.isupper() and isinstance(value, str) and "." in value and not value.startswith(".")}


def test_run_file_names_are_spelt_only_in_rundir():
    assert {"config.json", "latest.json", "model.zip", "episodes.jsonl"} <= RUN_FILE_NAMES
    spelt = []
    for path in sorted([*(ROOT / "baselines").rglob("*.py"), *(ROOT / "scripts").rglob("*.py"),
                        *(ROOT / "rl_envs").rglob("*.py")]):
        if path == ROOT / "baselines" / "rundir.py":
            continue
        tree = ast.parse(path.read_text())
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
                      and node.body and isinstance(node.body[0], ast.Expr)
                      and isinstance(node.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                spelt += [f"{path.relative_to(ROOT)}:{node.lineno} {name}" for name in RUN_FILE_NAMES
                          if name in node.value]
    assert not spelt, spelt
