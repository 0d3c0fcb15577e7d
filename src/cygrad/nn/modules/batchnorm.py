"""``cygrad.nn.modules.batchnorm``: the batch normalisation layers, where PyTorch's
``torch.nn.modules.batchnorm`` has them (defined in :mod:`cygrad.nn.modules.normalization`)."""
from .normalization import BatchNorm1d, BatchNorm2d

__all__ = ["BatchNorm1d", "BatchNorm2d"]
