"""``cygrad.nn.modules.dropout``: the dropout layer, where PyTorch's
``torch.nn.modules.dropout`` has them (defined in :mod:`cygrad.nn.modules.misc`)."""
from .misc import Dropout

__all__ = ["Dropout"]
