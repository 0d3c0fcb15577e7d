"""``cygrad.nn.modules.pooling``: the pooling layers, where PyTorch's
``torch.nn.modules.pooling`` has them (defined in :mod:`cygrad.nn.modules.conv`)."""
from .conv import MaxPool2d, AvgPool2d

__all__ = ["MaxPool2d", "AvgPool2d"]
