"""The layout, guarded (docs/architecture.md, "The layout"): the modules of kpi_engine and bot
import each other without a cycle — lazy imports inside functions count, as they only hide
one; kpi_engine knows nothing of Slack and keeps few top-level modules; every Slack surface is
a package of bot/listeners registered in `SURFACES` with `register(app, deps)`; every module
says what it is in a docstring, and bot's modules stay short.

The modules are read, never imported: their `import` statements are parsed with `ast`, so
nothing optional (LangChain, matplotlib, a database driver) has to load.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("kpi_engine", "bot")
SLACK_PACKAGES = ("bot", "slack_sdk", "slack_bolt")
MAX_ENGINE_TOP_LEVEL_MODULES = 10
MAX_BOT_MODULE_LINES = 400


@cache
def modules() -> dict[str, Path]:
    """Every module of kpi_engine and bot by its dotted name (a package by its __init__.py)."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


@cache
def tree(name: str) -> ast.Module:
    return ast.parse(modules()[name].read_text(encoding="utf-8"), filename=str(modules()[name]))


def imported_names(name: str) -> list[str]:
    """The dotted names `name` imports, wherever the import statement is (relative imports
    resolved): `from a.b import c` is `a.b.c` when that is a module, else `a.b`."""
    is_package = modules()[name].name == "__init__.py"
    names = []
    for node in ast.walk(tree(name)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = name.split(".") if is_package else name.split(".")[:-1]
                parts = parts[:len(parts) - (node.level - 1)]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                names.append(candidate if candidate in modules() else base)
    return names


def first_party(imported: str) -> str | None:
    """The module of kpi_engine or bot that `imported` names (its longest known prefix)."""
    parts = imported.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules():
            return candidate
    return None


@cache
def import_graph() -> dict[str, frozenset[str]]:
    graph = {}
    for name in modules():
        targets = {first_party(imported) for imported in imported_names(name)}
        graph[name] = frozenset(target for target in targets if target not in (None, name))
    return graph


def find_cycle(graph: dict[str, frozenset[str]]) -> list[str] | None:
    """One import cycle of `graph` as the modules along it (the first repeated at the end),
    or None."""
    state: dict[str, str] = {}  # "open" while on the path, "done" once fully explored
    for start in sorted(graph):
        if start in state:
            continue
        path, stack = [start], [iter(sorted(graph[start]))]
        state[start] = "open"
        while stack:
            following = next(stack[-1], None)
            if following is None:
                state[path.pop()] = "done"
                stack.pop()
            elif state.get(following) == "open":
                return [*path[path.index(following):], following]
            elif following not in state:
                state[following] = "open"
                path.append(following)
                stack.append(iter(sorted(graph[following])))
    return None


def test_the_layout_test_sees_both_packages_and_their_imports():
    assert {"kpi_engine", "kpi_engine.engine", "bot.app", "bot.deps",
            "bot.listeners.command"} <= set(modules())
    assert "bot.deps" in import_graph()["bot.app"]
    assert "bot.listeners.command.subcommand" in import_graph()["bot.listeners.digests"]
    assert find_cycle({"a": frozenset({"b"}), "b": frozenset({"c"}),
                       "c": frozenset({"a"})}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": frozenset({"b"}), "b": frozenset()}) is None


def test_no_import_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " → ".join(cycle or [])


def test_kpi_engine_knows_nothing_of_slack():
    offenders = sorted(
        f"{name} imports {imported}"
        for name in modules() if name.split(".")[0] == "kpi_engine"
        for imported in imported_names(name) if imported.split(".")[0] in SLACK_PACKAGES)
    assert offenders == []


def test_kpi_engine_has_few_top_level_modules():
    top_level = sorted(path.name for path in (ROOT / "kpi_engine").glob("*.py"))
    assert len(top_level) <= MAX_ENGINE_TOP_LEVEL_MODULES, top_level


def _surface_packages() -> list[str]:
    listeners = ROOT / "bot" / "listeners"
    return sorted(path.parent.name for path in listeners.glob("*/__init__.py"))


def _register_functions() -> dict[str, ast.FunctionDef]:
    """The top-level `register` of every module under bot/listeners, by module."""
    return {name: node for name in modules() if name.startswith("bot.listeners.")
            for node in tree(name).body
            if isinstance(node, ast.FunctionDef) and node.name == "register"}


def test_every_surface_is_a_package_with_register_listed_in_surfaces():
    surfaces = _surface_packages()
    assert set(surfaces) >= {"assistant", "command", "digests", "home", "mentions", "messages",
                             "support", "surveys"}
    registers = _register_functions()
    assert [s for s in surfaces if f"bot.listeners.{s}" not in registers] == []
    listed = next(node.value for node in tree("bot.listeners").body
                  if isinstance(node, ast.Assign)
                  and any(getattr(t, "id", None) == "SURFACES" for t in node.targets))
    assert sorted(element.id for element in listed.elts) == surfaces


@pytest.mark.parametrize("module", sorted(_register_functions()))
def test_every_register_takes_app_and_deps(module):
    arguments = _register_functions()[module].args
    assert [a.arg for a in arguments.posonlyargs + arguments.args] == ["app", "deps"]
    assert not (arguments.vararg or arguments.kwarg or arguments.kwonlyargs
                or arguments.defaults), f"{module}.register takes more than (app, deps)"


def test_listeners_reach_the_app_only_through_deps():
    offenders = sorted(f"{name} → {target}" for name, targets in import_graph().items()
                       if name.startswith("bot.listeners") for target in targets
                       if target in ("bot.app", "bot.server", "bot.cli"))
    assert offenders == []


def test_every_module_says_what_it_is():
    assert [name for name in modules() if not ast.get_docstring(tree(name))] == []


def test_bot_modules_stay_short():
    long = sorted(f"{name}: {lines} lines" for name, path in modules().items()
                  if name.split(".")[0] == "bot"
                  and (lines := len(path.read_text(encoding="utf-8").splitlines()))
                  > MAX_BOT_MODULE_LINES)
    assert long == []
