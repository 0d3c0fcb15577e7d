"""``cygrad.nn.modules.pooling``: the pooling layers, where PyTorch's
``torch.nn.modules.pooling`` has them (defined in :mod:`cygrad.nn.modules.conv`)."""
from .conv import AdaptiveAvgPool1d, AdaptiveAvgPool2d, AvgPool2d, MaxPool2d

__all__ = ["MaxPool2d", "AvgPool2d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d"]
