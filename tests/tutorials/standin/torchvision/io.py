"""``read_image`` is not provided: decoding files needs a uint8 tensor type."""

__all__ = ["read_image"]


def read_image(path, mode=None):
    raise NotImplementedError("the stand-in torchvision does not decode image files")
