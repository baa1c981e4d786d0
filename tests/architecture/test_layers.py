"""DESIGN §5: data flows one way (file → ingest → store → services → reports / ui / cli; domain, settings,
messages and errors below all) and no module imports itself back through others.

Every ``import`` under analytics/ is read with ``ast`` — module-level and function-level alike, since a
function-level import is the same arrow taken later. ``from analytics.x import y`` is an arrow to the module
``analytics.x.y`` when y is a module, else to ``analytics.x``. Importing ``a.b.c`` also runs ``a/__init__`` and
``a/b/__init__``; those implied arrows are not counted (a package's ``__init__`` re-exporting its own
submodules would otherwise be a circle with every submodule). Imports by name in a string
(``importlib.import_module``) are not seen.

Run ``python tests/architecture/test_layers.py`` to print every circle and back arrow without failing.
"""
from __future__ import annotations

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "analytics"

# lower number = lower layer; a module may import its own layer or any lower one (plus the rules below)
BASE, STORE, INGEST, SERVICES, TOP = range(5)
LAYERS = {  # longest prefix wins
    "analytics": BASE,  # the package itself (__init__: the version)
    "analytics.domain": BASE,
    "analytics.reference": BASE,
    "analytics.settings": BASE,
    "analytics.locations": BASE,
    "analytics.i18n": BASE,
    "analytics.errors": BASE,
    "analytics.privacy": BASE,
    "analytics.store": STORE,
    "analytics.auth": STORE,  # the users table and password hashing
    "analytics.ingest": INGEST,  # may import store, never the reverse
    "analytics.demo": INGEST,  # generates demo data and loads it, as an import does
    "analytics.services": SERVICES,
    "analytics.reports": TOP,
    "analytics.ui": TOP,
    "analytics.cli": TOP,
    "analytics.commands": TOP,
    "analytics.__main__": TOP,
}
# within the top layer: reports are figure builders and exporters (frame in, file out), ui and cli call
# services; reports import neither store, ingest, ui, cli nor commands
REPORTS_MAY_NOT = ("analytics.store", "analytics.ingest", "analytics.demo", "analytics.auth", "analytics.ui",
                   "analytics.cli", "analytics.commands", "analytics.__main__")
# the UI reads figures from the services; of the store it uses only the connection (engine) and the
# dataset_meta table (schema) for the sidebar
UI_MAY_NOT = ("analytics.commands", "analytics.cli", "analytics.store.queries_adoption",
              "analytics.store.queries_channels", "analytics.store.queries_savings", "analytics.store.queries_targets",
              "analytics.store.queries_forecast", "analytics.store.office_partners", "analytics.store.aggregates",
              "analytics.store.definitions")

# arrows against the order that are known and waiting for their fix; (importer, imported prefix)
KNOWN_EXCEPTIONS = {
}


def module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, pathlib.Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(target: str, names: list[str], modules: dict) -> list[str]:
    """The analytics modules an import statement reaches."""
    if not (target == "analytics" or target.startswith("analytics.")):
        return []
    if not names:  # import a.b.c
        while target not in modules and "." in target:
            target = target.rpartition(".")[0]
        return [target] if target in modules else []
    found = []
    for name in names:
        sub = f"{target}.{name}"
        if sub in modules:
            found.append(sub)
        else:
            t = target
            while t not in modules and "." in t:
                t = t.rpartition(".")[0]
            if t in modules:
                found.append(t)
    return found


def imports_of(name: str, path: pathlib.Path, modules: dict) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                out.update(_resolve(alias.name, [], modules))
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from . import x / from ..y import z
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            out.update(_resolve(target, [a.name for a in node.names if a.name != "*"], modules))
    out.discard(name)
    return out


def import_graph() -> dict[str, set[str]]:
    modules = all_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def layer_of(module: str) -> tuple[str, int]:
    prefix = max((p for p in LAYERS if module == p or module.startswith(p + ".")), key=len)
    return prefix, LAYERS[prefix]


def _under(module: str, prefixes) -> str | None:
    for p in prefixes:
        if module == p or module.startswith(p + "."):
            return p
    return None


def back_arrows(graph: dict[str, set[str]]) -> list[tuple[str, str, str]]:
    """(importer, imported, why) for every arrow against §5's order, known exceptions included."""
    found = []
    for src, targets in sorted(graph.items()):
        _, src_layer = layer_of(src)
        for dst in sorted(targets):
            dst_prefix, dst_layer = layer_of(dst)
            if dst_layer > src_layer:
                found.append((src, dst, f"layer {src_layer} imports layer {dst_layer} ({dst_prefix})"))
            elif _under(src, ["analytics.reports"]) and (p := _under(dst, REPORTS_MAY_NOT)):
                found.append((src, dst, f"reports import {p}"))
            elif _under(src, ["analytics.ui"]) and (p := _under(dst, UI_MAY_NOT)):
                found.append((src, dst, f"ui imports {p}"))
    return found


def is_known(src: str, dst: str) -> bool:
    return any(src == s and _under(dst, [d]) for s, d in KNOWN_EXCEPTIONS)


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:  # the package is small: recursion depth stays far below the limit
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(out)


# --- the checker checks what it should ----------------------------------------------------------------


def test_the_graph_sees_module_and_function_level_imports():
    graph = import_graph()
    assert len(graph) > 80  # every module under analytics/, not just a few
    assert "analytics.store.schema" in graph["analytics.ingest.load"]  # module level
    assert "analytics.domain.effects" in graph["analytics.domain.forecast"]  # function level
    assert "analytics.domain.effects.assumptions" in graph["analytics.domain.effects.model"]


def test_circles_and_back_arrows_are_found_on_a_made_up_graph():
    graph = {"analytics.store.a": {"analytics.store.b"}, "analytics.store.b": {"analytics.store.a"},
             "analytics.store.c": {"analytics.ui.views.x", "analytics.domain.codes"},
             "analytics.reports.r": {"analytics.store.a"}, "analytics.ui.views.x": {"analytics.commands.y"}}
    assert circles(graph) == [["analytics.store.a", "analytics.store.b"]]
    assert [(s, d) for s, d, _ in back_arrows(graph)] == [
        ("analytics.reports.r", "analytics.store.a"), ("analytics.store.c", "analytics.ui.views.x"),
        ("analytics.ui.views.x", "analytics.commands.y")]


# --- the rules --------------------------------------------------------------------------------------------


def test_no_import_circles():
    found = circles(import_graph())
    assert found == [], "import circles:\n" + "\n".join(" ↔ ".join(c) for c in found)


def test_no_arrow_against_the_layer_order():
    found = [a for a in back_arrows(import_graph()) if not is_known(a[0], a[1])]
    assert found == [], "arrows against DESIGN §5:\n" + "\n".join(f"{s} → {d}: {why}" for s, d, why in found)


def test_known_exceptions_are_still_needed():
    """An exception whose arrow is gone leaves the list, so that the arrow cannot come back unseen."""
    arrows = back_arrows(import_graph())
    unused = [(s, d) for s, d in KNOWN_EXCEPTIONS if not any(a == s and _under(b, [d]) for a, b, _ in arrows)]
    assert unused == []


if __name__ == "__main__":
    g = import_graph()
    cs = circles(g)
    arrows = back_arrows(g)
    print(f"{len(g)} modules, {sum(map(len, g.values()))} arrows")
    print(f"{len(cs)} circles")
    for c in cs:
        print("  circle:", " ↔ ".join(c))
    print(f"{len(arrows)} back arrows ({sum(is_known(s, d) for s, d, _ in arrows)} known exceptions)")
    for s, d, why in arrows:
        print(f"  {'known ' if is_known(s, d) else ''}{s} → {d}: {why}")
