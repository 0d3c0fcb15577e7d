"""Build the Cython core of cygrad.

* Templates ``src/cygrad/_core/*.pyx.tp`` are rendered to ``.pyx`` (build outputs, never
  committed) with Cython's Tempita, then everything is cythonized with global directives.
* Threads are POSIX threads (``_core/_pool.h``, built with ``-pthread``); the build needs no
  OpenMP. Windows builds run every kernel serially.
* ``CYGRAD_DEBUG=1`` turns bounds checks and wrap-around back on and compiles with ``-O0 -g``.
* ``CYGRAD_NATIVE=1`` is an explicit opt-in to ``-march=native`` (never the default, so a
  wheel runs on any x86-64).
"""
import os
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
CORE = os.path.join("src", "cygrad", "_core")
DEBUG = os.environ.get("CYGRAD_DEBUG", "0") not in ("", "0")
NATIVE = os.environ.get("CYGRAD_NATIVE", "0") not in ("", "0")

# (name, C type, is_float, is_int): the one table every template is rendered with.
DTYPES = [
    ("bool", "uint8_t", False, False),
    ("int32", "int32_t", False, True),
    ("int64", "int64_t", False, True),
    ("float32", "float", True, False),
    ("float64", "double", True, False),
]


def render_templates():
    from Cython import Tempita

    for name in sorted(os.listdir(os.path.join(HERE, CORE))):
        if not name.endswith(".pyx.tp"):
            continue
        src = os.path.join(HERE, CORE, name)
        dst = src[: -len(".tp")]
        with open(src) as f:
            tmpl = Tempita.Template(f.read(), name=src)
        text = tmpl.substitute(DTYPES=DTYPES)
        header = f"# GENERATED FILE: rendered from {name} by setup.py; edit the template.\n"
        text = header + text
        old = None
        if os.path.exists(dst):
            with open(dst) as f:
                old = f.read()
        if old != text:  # keep mtimes stable so unchanged modules are not rebuilt
            with open(dst, "w") as f:
                f.write(text)


class BuildExt(build_ext):
    def build_extensions(self):
        posix = sys.platform != "win32"
        for ext in self.extensions:
            args = ["-O0", "-g"] if DEBUG else ["-O3"]
            args += ["-fwrapv", "-fno-math-errno", "-fno-trapping-math"]
            args += ["-Wno-unused-function", "-Wno-unreachable-code"]
            if NATIVE:
                args.append("-march=native")
            if posix:
                args.append("-pthread")
                ext.extra_link_args = list(ext.extra_link_args) + ["-pthread"]
            ext.extra_compile_args = list(ext.extra_compile_args) + args
        super().build_extensions()


def extensions():
    from Cython.Build import cythonize

    render_templates()
    directives = {
        "language_level": 3,
        "boundscheck": DEBUG,
        "wraparound": DEBUG,
        "initializedcheck": DEBUG,
        "cdivision": True,
        "embedsignature": True,
    }
    modules = ["_storage", "_tensor", "_iter", "_elementwise", "_reduce", "_index", "_create",
               "_sort", "_softmax", "_norm", "_matmul", "_rnn", "_linalg", "_conv"]
    exts = [
        Extension(
            f"cygrad._core.{m}",
            [os.path.join(CORE, f"{m}.pyx")],
            include_dirs=[CORE],
            define_macros=[("NPY_NO_DEPRECATED_API", "0")],
        )
        for m in modules
    ]
    return cythonize(exts, compiler_directives=directives, nthreads=0, quiet=True)


setup(ext_modules=extensions(), cmdclass={"build_ext": BuildExt})
