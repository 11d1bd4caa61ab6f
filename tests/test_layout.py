"""The library's layout rules: each public name is defined once, no two modules import each
other (directly or round a longer circle), and each part imports only the parts below it."""

import ast
from collections import defaultdict
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "ganbook"
# every `python -m` module has its own entry point, by convention named main
ENTRY_POINTS = {"main"}


@cache  # parsed once for all the tests here, which only read the trees
def _modules() -> dict[str, ast.Module]:
    trees = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        trees[name] = ast.parse(path.read_text(), str(path))
    return trees


def test_each_public_name_is_defined_once():
    where = defaultdict(list)
    for module, tree in _modules().items():
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if not node.name.startswith("_") and node.name not in ENTRY_POINTS:
                    where[node.name].append(f"{module}:{node.lineno}")
    twice = {name: places for name, places in where.items() if len(places) > 1}
    assert not twice, f"defined more than once (one name, one meaning): {twice}"


def _imports(module: str, tree: ast.Module, known: set[str]) -> set[str]:
    """The package modules that ``module`` imports, at load time or inside a function."""
    package = module if module + ".__init__" in known or _is_package(module) else \
        module.rpartition(".")[0]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                for name in (f"{target}.{alias.name}", target):
                    if name in known:
                        out.add(name)
                        break
        elif isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names if alias.name in known}
    out.discard(module)
    return out


def _is_package(module: str) -> bool:
    return (PACKAGE.parent / module.replace(".", "/") / "__init__.py").exists()


def test_no_import_circles():
    trees = _modules()
    known = set(trees)
    graph = {m: _imports(m, t, known) for m, t in trees.items()}
    # a package imports its submodules in its __init__; a submodule importing its own package
    # (or a parent) is how relative imports reach siblings, not a circle
    for m in graph:
        graph[m] = {t for t in graph[m] if not (m.startswith(t + ".") or t.startswith(m + "."))}
    circles, state = [], {}

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                circles.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not circles, f"import circles: {circles}"


# What each part of the library may import (its __init__ docstring says the same). The core
# imports no part; the pages (figures, tables, glue) import only the core; every other part may
# import both. The top-level modules (``ganbook``'s re-exports, the command line over the
# recipes) are the package's public face and may import any part.
BASE = {"core", "pages"}
MAY_IMPORT = {
    "core": set(),
    "pages": {"core"},
    "foundations": BASE,
    "text": BASE,
    "image": BASE | {"text"},
    "music": BASE | {"text"},
    "video": BASE | {"foundations", "image"},
    "applications": BASE | {"image", "text"},
    "beyond": BASE | {"foundations", "image"},
    "exercises": BASE | {"applications", "foundations", "image", "music", "text"},
    "recipes": BASE | {"applications", "image", "music", "text", "video"},
}


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and (PACKAGE / parts[1]).is_dir() else "top"


def test_each_part_imports_only_what_its_docstring_allows():
    """The layering of DEVELOPING.md: e.g. ganbook.image is what the applications build on,
    never the other way round, and no chapter imports the recipes."""
    trees = _modules()
    known = set(trees)
    wrong = []
    for module, tree in trees.items():
        mine = _part(module)
        for target in _imports(module, tree, known):
            theirs = _part(target)
            if mine != "top" and theirs != mine and theirs not in MAY_IMPORT[mine]:
                wrong.append(f"{module} imports {target}")
    assert not wrong, wrong
    assert set(MAY_IMPORT) == {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}


def test_the_top_level_holds_only_the_public_face():
    """Everything else lives in a part: the core, the pages, or a part of the book."""
    top = {p.name for p in PACKAGE.glob("*.py")}
    assert top == {"__init__.py", "__main__.py", "cli.py"}, top


def test_config_is_always_a_method():
    """One convention for what rebuilds a network or a loop: ``config()``, a method returning a
    dict; never a property, nor a dict stored as ``self.config``."""
    wrong = []
    for module, tree in _modules().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name == "config" and any(
                    isinstance(d, ast.Name) and d.id == "property" for d in node.decorator_list):
                wrong.append(f"{module}:{node.lineno} config is a property")
            targets = node.targets if isinstance(node, ast.Assign) else \
                [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr == "config" and \
                        isinstance(target.value, ast.Name) and target.value.id == "self":
                    wrong.append(f"{module}:{node.lineno} self.config is assigned")
    assert not wrong, wrong


def test_every_shipped_network_saves_with_one_signature():
    """``save_X(model, name, **extra)``: the network first, then its name (or a path), then the
    entries stored beside it, as :func:`ganbook.core.checkpoint.save_model` takes them."""
    wrong = []
    for module, tree in _modules().items():
        for node in tree.body:
            if not (isinstance(node, ast.FunctionDef) and node.name.startswith("save_")):
                continue
            calls = {c.func.id for c in ast.walk(node) if isinstance(c, ast.Call)
                     and isinstance(c.func, ast.Name)}
            if "save_model" not in calls:
                continue  # not a shipped network (samples, corpora)
            names = [a.arg for a in node.args.args]
            if len(names) < 2 or names[1] not in ("name", "name_or_path"):
                wrong.append(f"{module}.{node.name}({', '.join(names)})")
            if names and names[0] in ("trainer", "path", "name", "arm"):
                wrong.append(f"{module}.{node.name}: first argument {names[0]!r}, not the network")
            for call in ast.walk(node):  # extra beside the config, never merged into it
                if (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
                        and call.func.id == "save_model" and len(call.args) > 2
                        and isinstance(call.args[2], ast.Dict)):
                    wrong.append(f"{module}.{node.name}: extra entries merged into the config")
    assert not wrong, wrong


def test_images_are_resampled_in_one_place():
    """Every interpolation of an image goes through ganbook.image.resample (one convention:
    align_corners=False, antialiased when shrinking); the DCGAN chapter's picture of a
    nearest-neighbour layer's checkerboard is the one exception. (Pooling inside a network,
    a U-Net's, or a blur is not resampling a picture, and is not looked for.)"""
    allowed = {"ganbook.image.resample", "ganbook.image.dcgan"}
    calls = [f"{module}:{node.lineno}" for module, tree in _modules().items()
             if module not in allowed for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
             and node.func.attr == "interpolate"]
    assert not calls, f"resample with ganbook.image.resample instead: {calls}"
