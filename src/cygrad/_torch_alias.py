"""``torch`` as another name for cygrad: ``import torch.nn.functional as F`` gives
``cygrad.nn.functional``.

Real programs import PyTorch's submodules by name (``import torch.nn as nn``,
``from torch.utils.data import DataLoader``), so binding one name (``import cygrad as
torch``) is not enough. :func:`install_torch_alias` puts a finder first on
``sys.meta_path`` that answers every ``torch`` and ``torch.X`` import with the cygrad module
of the same path. A module cygrad does not have raises :class:`ModuleNotFoundError` naming
the torch module, and a missing attribute raises :class:`AttributeError` naming it (see
``cygrad.__getattr__``).
"""
import importlib
import importlib.abc
import importlib.util
import sys

from ._core import _tensor as _core_tensor

__all__ = ["install_torch_alias", "uninstall_torch_alias"]

_PACKAGE = __name__.rpartition(".")[0]      # "cygrad"


class _AliasLoader(importlib.abc.Loader):
    """Hands the import system an already imported cygrad module."""

    def __init__(self, module):
        self.module = module

    def create_module(self, spec):
        return self.module

    def exec_module(self, module):
        pass                        # the cygrad module is already initialised


class _TorchAliasFinder(importlib.abc.MetaPathFinder):
    """Resolves ``torch`` and ``torch.X...`` to ``cygrad`` and ``cygrad.X...``."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "torch" and not fullname.startswith("torch."):
            return None
        target_name = _PACKAGE + fullname[len("torch"):]
        try:
            module = importlib.import_module(target_name)
        except ModuleNotFoundError as exc:
            if exc.name != target_name:
                raise               # something the cygrad module itself imports is missing
            raise ModuleNotFoundError(
                f"No module named '{fullname}': cygrad, which stands in for torch here, has "
                f"no module {target_name}", name=fullname) from None
        return importlib.util.spec_from_loader(fullname, _AliasLoader(module))


def _finder():
    for f in sys.meta_path:
        if isinstance(f, _TorchAliasFinder):
            return f
    return None


def installed():
    """True while :func:`install_torch_alias` is in effect."""
    return _finder() is not None


def install_torch_alias():
    """Make ``import torch`` (and every ``torch.X`` submodule) import cygrad from now on.

    For notebooks and scripts that cannot be started with ``python -m cygrad.run``. Call
    it before the first ``import torch``; calling it again does nothing. While it is in
    effect, reprs name the package ``torch`` (``torch.float32``, ``torch.Size([2, 3])``,
    ``x.type()`` giving ``'torch.FloatTensor'``), so the program prints what it prints on
    PyTorch, and what it prints evaluates in it.

    Raises
    ------
    RuntimeError
        If the real PyTorch is already imported in this process.

    Examples
    --------
    >>> cygrad.install_torch_alias()
    >>> import torch.nn.functional as F
    >>> F is cygrad.nn.functional
    True
    >>> cygrad.uninstall_torch_alias()
    """
    if _finder() is not None:
        return
    loaded = sys.modules.get("torch")
    if loaded is not None and not (getattr(loaded, "__name__", "") == _PACKAGE):
        raise RuntimeError("install_torch_alias: the real torch is already imported in this "
                           "process; call it before the first 'import torch'")
    sys.meta_path.insert(0, _TorchAliasFinder())
    _core_tensor.set_repr_namespace("torch")


def uninstall_torch_alias():
    """Undo :func:`install_torch_alias`: ``torch`` names stop resolving to cygrad.

    The ``torch`` entries it put in ``sys.modules`` are removed, so a later ``import
    torch`` finds the real PyTorch (if it is installed).
    """
    f = _finder()
    if f is not None:
        sys.meta_path.remove(f)
    _core_tensor.set_repr_namespace(_PACKAGE)
    for name in [n for n in sys.modules if n == "torch" or n.startswith("torch.")]:
        if getattr(sys.modules[name], "__name__", "").split(".")[0] == _PACKAGE:
            del sys.modules[name]
