"""The web modules import each other one way only: no module imports, at its top, a module that
imports it back (web/pages.py used to import the page modules at its end, web/api.py the
api_machines/api_tokens modules). web/app.py imports the blueprints inside `create_app`, which is
not a cycle. And one blueprint per module: a blueprint's views all live in one module."""

from __future__ import annotations

import ast
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "web"


def _top_level_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.parse(path.read_text()).body:  # module level only: function bodies import late on purpose
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "web":
                found |= {f"web.{a.name}" for a in node.names}
            elif node.module.startswith("web."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("web.")}
    return found


def test_no_import_cycle_between_web_modules() -> None:
    graph = {f"web.{p.stem}": _top_level_imports(p) for p in WEB.glob("*.py") if p.stem != "__init__"}
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        for nxt in sorted(graph.get(node, ())):
            if nxt in path:
                cycles.append(" -> ".join([*path[path.index(nxt):], nxt]))
            elif nxt not in done:
                visit(nxt, [*path, nxt])
        done.add(node)

    done: set[str] = set()
    for start in sorted(graph):
        if start not in done:
            visit(start, [start])
    assert not cycles, cycles
    assert "web.pages_jobs" not in graph["web.pages"]  # each page module has its blueprint; pages.py imports none
    assert not {m for m in graph["web.api"] if m.startswith("web.api_") and m != "web.api_messages"}


def test_one_blueprint_per_module(app) -> None:  # noqa: ANN001 - flask.Flask
    modules: dict[str, set[str]] = {}
    for endpoint, view in app.view_functions.items():
        if "." in endpoint:
            modules.setdefault(endpoint.split(".")[0], set()).add(view.__module__)
    shared = {bp: mods for bp, mods in modules.items() if len(mods) > 1}
    assert not shared, shared
    assert {"pages", "jobs", "queue", "machines", "machday", "api", "api_machines", "api_tokens"} <= set(modules)
