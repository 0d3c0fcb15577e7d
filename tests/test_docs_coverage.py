"""Every public name has a page in the API reference (docs/reference/*.rst).

A name is public when it is in a module's ``__all__``. It is documented when an
``autosummary`` list or an ``auto*`` / ``py:*`` directive in the reference names it, or names
the same object under another name (``cygrad.autograd.Node`` is documented as
``cygrad.autograd.graph.Node``). Only the reference sources are read: no Sphinx build.
"""
import importlib
import pathlib
import re

import pytest

import cygrad

REFERENCE = pathlib.Path(__file__).resolve().parents[1] / "docs" / "reference"

MODULES = ["cygrad", "cygrad.nn", "cygrad.nn.functional", "cygrad.nn.init", "cygrad.optim",
           "cygrad.optim.lr_scheduler", "cygrad.utils.data", "cygrad.autograd",
           "cygrad.autograd.functional", "cygrad.autograd.graph", "cygrad.linalg",
           "cygrad.cuda", "cygrad.amp", "cygrad.cuda.amp", "cygrad.nn.utils.rnn"]

# The dtype aliases (float, double, long, int) are rows of the dtype table, not pages.
ALIASES = {"cygrad.float", "cygrad.double", "cygrad.long", "cygrad.int"}

_MODULE = re.compile(r"\.\. (?:py:)?(?:current)?module:: (\S+)")
_DIRECTIVE = re.compile(r"\.\. (?:py:)?(?:auto)?(?:function|class|data|attribute|method|"
                        r"exception)::\s+([\w.]+)")


def documented_names():
    """Fully qualified names listed in the reference sources."""
    names = set()
    for page in sorted(REFERENCE.glob("*.rst")):
        module, in_list = "cygrad", False
        for line in page.read_text(encoding="utf-8").splitlines():
            stripped = line.strip()
            m = _MODULE.match(stripped)
            if m:
                module = m.group(1)
                continue
            if stripped.startswith(".. autosummary::"):
                in_list = True
                continue
            if in_list:
                if not stripped or stripped.startswith(":"):
                    continue
                if not line.startswith("   "):
                    in_list = False
                else:
                    names.add(f"{module}.{stripped.lstrip('~')}")
                    continue
            m = _DIRECTIVE.match(stripped)
            if m:
                name = m.group(1)
                names.add(name if name.startswith("cygrad.") else f"{module}.{name}")
    return names


def resolve(name):
    """The object a dotted name refers to, or None."""
    parts = name.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        try:
            for attr in parts[split:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj
    return None


def test_reference_pages_exist():
    assert len(list(REFERENCE.glob("*.rst"))) >= 10


def test_documented_names_exist():
    # a stale entry (a renamed or removed function) would be an empty page
    stale = sorted(n for n in documented_names() if resolve(n) is None)
    assert stale == []


@pytest.mark.parametrize("module_name", MODULES)
def test_every_public_name_is_documented(module_name):
    names = documented_names()
    objects = {id(resolve(n)) for n in names}
    module = importlib.import_module(module_name)
    missing = []
    for attr in module.__all__:
        full = f"{module_name}.{attr}"
        obj = getattr(module, attr)
        if full in ALIASES or type(obj) is type(cygrad):   # submodules have their own pages
            continue
        if full not in names and id(obj) not in objects:
            missing.append(full)
    assert missing == []
