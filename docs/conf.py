"""Sphinx configuration for the cygrad documentation.

Build with ``sphinx-build -W --keep-going -b html docs docs/_build/html`` and run the examples
with ``sphinx-build -W --keep-going -b doctest docs docs/_build/doctest``. The package must be
installed (``python -m pip install ".[docs]"``): autodoc imports it.
"""
import doctest
import importlib.util
import os
import sys

import cygrad
import cygrad.nn

# -- Project -------------------------------------------------------------------------------
project = "cygrad"
author = "cygrad developers"
copyright = "2026, cygrad developers"
release = cygrad.__version__
version = ".".join(release.split(".")[:2])

# -- General -------------------------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.doctest",
    "sphinx.ext.graphviz",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
    "numpydoc",
    "autograd_graph",   # docs/_ext: pictures of live backward graphs, rendered by Graphviz
]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "_ext"))

templates_path = ["_templates"]
exclude_patterns = ["_build", "_templates", "_intersphinx", "_ext", "Thumbs.db", ".DS_Store",
                    "**/*.inc.rst"]
default_role = "obj"
add_module_names = False

# -- autodoc / autosummary / numpydoc ------------------------------------------------------
autosummary_generate = True          # stubs go to reference/generated/ (gitignored)
numpydoc_show_class_members = False  # class pages list their members with autosummary
numpydoc_attributes_as_param_list = True
# The nn_class template lists only a layer's own methods: what every layer inherits is on
# Module's page, and Parameter and Buffer have the methods of Tensor.
autosummary_context = {
    "inherited_layer_members": sorted(set(dir(cygrad.nn.Module)) | set(dir(cygrad.Tensor))
                                      | {"training"}),
}

# -- doctest -------------------------------------------------------------------------------
# Every ``>>>`` block in the guide and in the API docstrings runs under this setup.
doctest_global_setup = """\
import cygrad
import cygrad as torch
import cygrad.nn as nn
import cygrad.nn.functional as F
import numpy as np
"""
# Sphinx's defaults minus IGNORE_EXCEPTION_DETAIL: error messages are part of the PyTorch
# compatibility promise, so the examples check them word for word.
doctest_default_flags = doctest.ELLIPSIS | doctest.DONT_ACCEPT_TRUE_FOR_1

# -- intersphinx ---------------------------------------------------------------------------
# Each project is tried online first. Offline (CI has no network) the small inventories in
# _intersphinx/ take over, so the links we use still resolve and the build stays warning-free.
intersphinx_mapping = {
    "python": ("https://docs.python.org/3", (None, "_intersphinx/python-subset.inv")),
    "numpy": ("https://numpy.org/doc/stable/", (None, "_intersphinx/numpy-subset.inv")),
}
intersphinx_timeout = 10

# -- graphviz (the graph pictures; needs Graphviz's ``dot``) --------------------------------
graphviz_output_format = "svg"
graphviz_dot_args = ["-Gbgcolor=transparent", "-Nfontsize=11", "-Efontsize=9",
                     "-Efontname=DejaVu Sans"]

# -- HTML ----------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"cygrad {release}"
html_static_path = ["_static"]
html_css_files = ["cygrad.css"]
# Formulas are typeset by MathJax. The docs extra installs an offline copy; its one-file SVG
# build is shipped with the pages, so they render without a network (read offline, or in
# a headless browser). Without that package Sphinx loads MathJax from its CDN.
_offline_mathjax = importlib.util.find_spec("sphinx-mathjax-offline")
if _offline_mathjax is not None:
    html_static_path.append(os.path.join(os.path.dirname(_offline_mathjax.origin), "static",
                                         "mathjax", "tex-svg.js"))
    mathjax_path = "tex-svg.js"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    # The section sidebar lists pages down to one class or function; a class's methods
    # are listed on its own page, not as hundreds of sidebar entries.
    "navigation_depth": 2,
    # The "On this page" column for the written pages only. A generated page documents one
    # name (reference/generated/*, matched by no pattern here): the text gets that width.
    "secondary_sidebar_items": {pattern: ["page-toc", "sourcelink"]
                                for pattern in ("index", "install", "guide/*", "dev/*",
                                                "reference/*")},
}
