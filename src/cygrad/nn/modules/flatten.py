"""``cygrad.nn.modules.flatten``: the flattening layers, where PyTorch's
``torch.nn.modules.flatten`` has them (defined in :mod:`cygrad.nn.modules.misc`)."""
from .misc import Flatten, Unflatten

__all__ = ["Flatten", "Unflatten"]
