"""cygrad: a Cython-accelerated tensor library with PyTorch's API and autograd design.

``import cygrad as torch`` runs PyTorch scripts within its scope.
"""
from ._core._iter import get_num_threads, set_num_threads
from ._core._tensor import Size
from ._core._storage import OutOfMemoryError
from ._version import __version__
from ._dtype import (bfloat16, bool, dtype, float16, float32, float64, get_default_dtype,
                     half, int8, int16, int32, int64, promote_types, set_default_dtype, uint8)
from ._device import device
from .tensor import Tensor
from .creation import (Generator, arange, as_tensor, empty, empty_like, eye, from_numpy, full,
                       full_like, initial_seed, linspace, manual_seed, ones, ones_like, rand,
                       rand_like, randint, randint_like, randn, randn_like, randperm, seed,
                       tensor, zeros, zeros_like)
from . import autograd, backends, functional, linalg
from ._legacy import (BoolTensor, DoubleTensor, FloatTensor, IntTensor, LongTensor,
                      get_default_device, set_default_device)
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .functional import *  # noqa: F401,F403  (the PyTorch-named functions)
from ._torch_alias import install_torch_alias, installed as _torch_alias_installed, \
    uninstall_torch_alias

float = float32  # noqa: A001  (PyTorch's aliases)
double = float64
long = int64
int = int32  # noqa: A001

_LAZY = ("nn", "optim", "utils", "cuda", "amp", "onnx", "save", "load")


def __getattr__(name):
    # the training stack and file I/O are imported on first use, so ``import cygrad`` stays
    # fast (and does not import NumPy)
    if name in ("save", "load"):
        from . import serialization

        return getattr(serialization, name)
    if name == "autocast":
        from .amp import autocast

        return autocast
    if name in _LAZY:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    if _torch_alias_installed():        # running as torch: name the torch attribute
        raise AttributeError(f"module 'cygrad' has no attribute '{name}': cygrad, standing "
                             f"in for torch, does not provide torch.{name}")
    raise AttributeError(f"module 'cygrad' has no attribute '{name}'")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))

__all__ = (["Tensor", "Size", "dtype", "device", "bool", "float32", "float64", "int32", "int64",
            "float16", "bfloat16", "half", "uint8", "int8", "int16",
            "float", "double", "long", "int", "get_default_dtype", "set_default_dtype",
            "promote_types", "get_num_threads", "set_num_threads", "OutOfMemoryError",
            "Generator", "arange", "as_tensor", "empty", "empty_like", "eye", "from_numpy",
            "full", "full_like", "initial_seed", "linspace", "manual_seed", "ones", "ones_like",
            "rand", "rand_like", "randint", "randint_like", "randn", "randn_like", "randperm",
            "seed",
            "tensor", "zeros", "zeros_like", "linalg", "autograd", "no_grad",
            "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode", "save",
            "load", "install_torch_alias", "uninstall_torch_alias", "backends", "FloatTensor",
            "DoubleTensor", "LongTensor", "IntTensor", "BoolTensor", "set_default_device",
            "get_default_device"]
           + functional.__all__)
