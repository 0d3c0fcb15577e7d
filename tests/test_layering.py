"""The package's import graph has no circle and no import from a lower layer to a higher one.

The graph is built from the sources with ``ast``: every ``import`` statement counts, those
inside functions (lazy imports) included, so a circle cannot hide behind a late import. The
layers, bottom to top, are the design's (docs/dev/architecture.rst):

    _core < _device/_dtype/_version < creation < autograd < tensor.py < the cygrad.* functions
    < linalg/optim/utils/serialization/cuda/amp < nn < the ``cygrad`` package itself (with the
    ``torch`` alias and ``python -m cygrad.run``)

A module may import from its own layer or any layer below. The Cython core is checked too:
its sources may import only each other.
"""
import ast
import pathlib
import re

import pytest

SRC = pathlib.Path(__file__).resolve().parents[1] / "src" / "cygrad"

# (rank, module-name prefixes); a name belongs to the longest prefix that matches it
LAYERS = [
    (0, ["cygrad._core"]),
    (1, ["cygrad._device", "cygrad._dtype", "cygrad._version"]),
    (2, ["cygrad.creation"]),
    (3, ["cygrad.autograd"]),
    (4, ["cygrad.tensor", "cygrad._tensor_str"]),
    (5, ["cygrad.functional", "cygrad._legacy"]),
    (6, ["cygrad.linalg", "cygrad.optim", "cygrad.utils", "cygrad.serialization",
         "cygrad.cuda", "cygrad.amp", "cygrad.backends", "cygrad.onnx"]),
    (7, ["cygrad.nn"]),
    (8, ["cygrad", "cygrad.run", "cygrad._torch_alias"]),
]


def rank_of(name):
    best, rank = "", None
    for r, prefixes in LAYERS:
        for p in prefixes:
            if (name == p or name.startswith(p + ".")) and len(p) > len(best):
                best, rank = p, r
    return rank


def python_modules():
    """``{dotted name: (path, is_package)}`` for every ``.py`` file of the package."""
    mods = {}
    for path in sorted(SRC.rglob("*.py")):
        parts = ("cygrad",) + path.relative_to(SRC).with_suffix("").parts
        is_pkg = parts[-1] == "__init__"
        if is_pkg:
            parts = parts[:-1]
        mods[".".join(parts)] = (path, is_pkg)
    return mods


def imports_of(name, path, is_pkg, known):
    """The package modules that ``name`` imports, each with the line of the import."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = name if is_pkg else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "cygrad" or alias.name.startswith("cygrad."):
                    found.append((alias.name, node.lineno))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and (node.module == "cygrad" or node.module.startswith("cygrad.")):
                target = node.module
            else:
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                # ``from . import engine`` imports the submodule, not the package
                found.append((sub if sub in known else target, node.lineno))
    return found


def import_graph():
    mods = python_modules()
    graph = {}
    for name, (path, is_pkg) in mods.items():
        graph[name] = [(t, line) for t, line in imports_of(name, path, is_pkg, mods)
                       if t != name]
    return graph


def find_cycle(graph):
    """One import circle as a list of modules, or None (iterative depth-first search)."""
    state = {}          # 1 on the current path, 2 done
    for start in graph:
        if state.get(start):
            continue
        path, stack = [], [(start, iter(graph[start]))]
        state[start] = 1
        path.append(start)
        while stack:
            node, it = stack[-1]
            for target, _line in it:
                if target not in graph:
                    continue
                if state.get(target) == 1:
                    return path[path.index(target):] + [target]
                if not state.get(target):
                    state[target] = 1
                    path.append(target)
                    stack.append((target, iter(graph[target])))
                    break
            else:
                state[node] = 2
                path.pop()
                stack.pop()
    return None


def test_every_module_has_a_layer():
    missing = [m for m in python_modules() if rank_of(m) is None]
    assert not missing, f"place these modules in a layer of LAYERS: {missing}"


def test_imports_resolve_to_package_modules():
    graph = import_graph()
    unknown = [(m, t, line) for m, edges in graph.items() for t, line in edges
               if t not in graph and not t.startswith("cygrad._core")]
    assert not unknown, f"imports of modules that do not exist: {unknown}"


def test_no_import_runs_up_a_layer():
    graph = import_graph()
    upward = [f"{m} (line {line}) imports {t}" for m, edges in graph.items()
              for t, line in edges if rank_of(t) > rank_of(m)]
    assert not upward, "imports from a lower layer to a higher one:\n" + "\n".join(upward)


def test_no_import_circle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import circle: " + " -> ".join(cycle)


def test_core_imports_only_the_core():
    bad = []
    for path in sorted((SRC / "_core").iterdir()):
        if path.suffix not in (".pyx", ".pxd", ".pxi", ".tp"):
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.match(r"\s*(from\s+(\.\.|cygrad)|import\s+cygrad)", line):
                bad.append(f"{path.name}:{n}: {line.strip()}")
    assert not bad, "the core imports the layers above it:\n" + "\n".join(bad)


# the one module whose job is sys.modules: it enters and removes the 'torch' aliases
SYS_MODULES_ALLOWED = {"_torch_alias.py"}


def test_no_module_lookups_in_sys_modules():
    # a module found through sys.modules is an import the graph above cannot see
    bad = [str(p.relative_to(SRC)) for p in sorted(SRC.rglob("*.py"))
           if "sys.modules" in p.read_text(encoding="utf-8")
           and str(p.relative_to(SRC)) not in SYS_MODULES_ALLOWED]
    assert not bad, f"sys.modules look-ups in {bad}"


# the checker itself, on graphs whose answer is known
@pytest.mark.parametrize("graph, has_cycle", [
    ({"a": [("b", 1)], "b": [("c", 1)], "c": []}, False),
    ({"a": [("b", 1)], "b": [("c", 1)], "c": [("a", 1)]}, True),
    ({"a": [("a2", 1), ("b", 1)], "a2": [("b", 1)], "b": []}, False),
    ({"a": [("b", 1)], "b": [("b2", 1)], "b2": [("b", 1)]}, True),
])
def test_find_cycle(graph, has_cycle):
    assert (find_cycle(graph) is not None) == has_cycle


def test_relative_imports_resolve(tmp_path, monkeypatch):
    pkg = tmp_path / "cygrad"
    (pkg / "autograd").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "tensor.py").write_text("")
    (pkg / "autograd" / "__init__.py").write_text("from . import engine\n")
    (pkg / "autograd" / "engine.py").write_text(
        "def f():\n    from ..tensor import Tensor\n    from .. import tensor\n")
    monkeypatch.setitem(globals(), "SRC", pkg)
    graph = import_graph()
    assert graph["cygrad.autograd"] == [("cygrad.autograd.engine", 1)]
    assert sorted(graph["cygrad.autograd.engine"]) == [("cygrad.tensor", 2),
                                                       ("cygrad.tensor", 3)]
