"""Fixtures of the ``cygrad.nn`` tests: every test starts with grad mode on (the autograd
tests' autouse fixture, applied to this directory too)."""
from .nnutil import _grad_mode_enabled  # noqa: F401
