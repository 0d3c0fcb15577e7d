"""A stand-in for the parts of torchvision that PyTorch's beginner tutorials use, written
against the torch API only (so it runs on PyTorch and, through ``python -m cygrad.run``, on
cygrad). Its data sets are made locally: the same shapes, dtypes and class names as the
real ones, with images drawn from a fixed pattern per class plus noise, so that a model can
learn them and nothing is downloaded. Model weights are random for the same reason."""
from . import datasets, io, models, transforms, utils

__version__ = "0.0+standin"
__all__ = ["datasets", "io", "models", "transforms", "utils"]
