"""``ToTensor``, ``Normalize``, ``Compose`` and ``Lambda`` as torchvision has them."""
import numpy as np
import torch

__all__ = ["Compose", "Lambda", "Normalize", "ToTensor"]


class Compose:
    def __init__(self, transforms):
        self.transforms = transforms

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img


class Lambda:
    def __init__(self, lambd):
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)


class ToTensor:
    """A PIL image or ``(H, W, C)`` uint8 array to a ``(C, H, W)`` float tensor in [0, 1]."""

    def __call__(self, pic):
        a = np.asarray(pic)
        if a.ndim == 2:
            a = a[:, :, None]
        a = np.ascontiguousarray(a.transpose(2, 0, 1), dtype=np.float32)
        return torch.from_numpy(a / np.float32(255))


class Normalize:
    """``(x - mean) / std`` per channel."""

    def __init__(self, mean, std, inplace=False):
        self.mean, self.std = mean, std

    def __call__(self, tensor):
        mean = torch.tensor(self.mean, dtype=tensor.dtype).view(-1, 1, 1)
        std = torch.tensor(self.std, dtype=tensor.dtype).view(-1, 1, 1)
        return (tensor - mean) / std
