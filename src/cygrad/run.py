"""Run a PyTorch program on cygrad: ``python -m cygrad.run script.py [args ...]``.

The script runs as ``__main__`` (as ``python script.py`` would run it) with ``torch`` and
every ``torch.X`` submodule resolving to cygrad's (:func:`cygrad.install_torch_alias`).
``python -m cygrad.run -m package.module [args ...]`` runs a module the same way.
"""
import os
import runpy
import sys

from ._torch_alias import install_torch_alias

USAGE = "usage: python -m cygrad.run script.py [args ...]\n" \
        "       python -m cygrad.run -m module [args ...]"


def main(argv=None):
    """Run the program that ``argv`` (default ``sys.argv[1:]``) names; returns an exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE, file=sys.stderr if not argv else sys.stdout)
        return 0 if argv else 2
    install_torch_alias()
    if argv[0] == "-m":
        if len(argv) < 2:
            print(USAGE, file=sys.stderr)
            return 2
        sys.argv = argv[1:]
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
        return 0
    path = argv[0]
    if not os.path.exists(path):
        print(f"cygrad.run: can't open file {path!r}: no such file", file=sys.stderr)
        return 2
    sys.argv = argv
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    runpy.run_path(path, run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
