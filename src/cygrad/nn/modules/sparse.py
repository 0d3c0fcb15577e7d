"""``cygrad.nn.modules.sparse``: the embedding layer, where PyTorch's
``torch.nn.modules.sparse`` has them (defined in :mod:`cygrad.nn.modules.misc`)."""
from .misc import Embedding

__all__ = ["Embedding"]
