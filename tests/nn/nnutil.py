"""Helpers shared by the ``cygrad.nn`` tests.

Re-exports the autograd tests' helpers (``tests/autograd/agutil.py``: deterministic leaves,
torch twins, ``assert_close``) and adds module-level ones: copying a torch module's state
into a cygrad module, reading tensors back as NumPy, comparing parameter gradients.
"""
import os
import sys

import numpy as np
import pytest

import cygrad

_AUTOGRAD_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                             "autograd")
if _AUTOGRAD_DIR not in sys.path:
    sys.path.append(_AUTOGRAD_DIR)

from agutil import (_grad_mode_enabled, as_leaf, assert_close, leaf, np_of,  # noqa: E402,F401
                    to_torch, values)
from conftest import from_np, to_numpy  # noqa: E402,F401

__all__ = ["_grad_mode_enabled", "as_leaf", "assert_close", "leaf", "np_of", "to_torch",
           "values", "from_np", "to_numpy", "cy_state_from_torch", "load_from_torch",
           "distinct_values", "cy_dtype_of", "torch_dtype_of"]


def cy_state_from_torch(tmodule):
    """A cygrad state dict with the values (and dtypes) of torch module ``tmodule``'s."""
    return {k: cygrad.tensor(v.detach().numpy()) for k, v in tmodule.state_dict().items()}


def load_from_torch(cmodule, tmodule):
    """Copy ``tmodule``'s parameters and buffers into ``cmodule`` (strict) and return it."""
    result = cmodule.load_state_dict(cy_state_from_torch(tmodule))
    assert not result.missing_keys and not result.unexpected_keys
    return cmodule


def distinct_values(shape, seed=0, low=-2.0, high=2.0):
    """float64 values of ``shape``, pairwise at least ``(high - low) / n`` apart (a random
    permutation of an even grid): max-pooling windows have no ties or near-ties."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape)) if len(shape) else 1
    grid = low + (high - low) * (np.arange(n) + 0.5) / n
    return rng.permutation(grid).reshape(shape)


def cy_dtype_of(name):
    return {"float32": cygrad.float32, "float64": cygrad.float64}[name]


def torch_dtype_of(name):
    torch = pytest.importorskip("torch")
    return {"float32": torch.float32, "float64": torch.float64}[name]
