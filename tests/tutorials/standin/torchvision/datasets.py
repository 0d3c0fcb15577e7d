"""``FashionMNIST`` and ``CIFAR10`` with locally made images (see the package docstring)."""
import os

import numpy as np
from PIL import Image

__all__ = ["FashionMNIST", "CIFAR10", "VisionDataset"]


def _make_images(n, shape, n_classes, seed):
    """``n`` uint8 images of ``shape`` and their labels: a smooth random pattern per class,
    blended with per-image noise."""
    rng = np.random.default_rng(seed)
    protos = rng.random((n_classes,) + shape)
    for axis in range(2):                   # smooth the patterns along height and width
        protos = (protos + np.roll(protos, 1, axis + 1) + np.roll(protos, -1, axis + 1)) / 3
    labels = rng.integers(0, n_classes, n)
    noise = rng.random((n,) + shape)
    images = 0.6 * protos[labels] + 0.4 * noise
    return (images * 255).astype(np.uint8), labels.astype(np.int64)


class VisionDataset:
    """The common part: ``root``, the transforms, ``len`` and indexing to
    ``(transform(PIL image), target_transform(label))``."""

    _shape = None
    _sizes = (0, 0)
    _mode = "L"
    classes = []

    def __init__(self, root, train=True, transform=None, target_transform=None,
                 download=False):
        self.root = os.path.expanduser(str(root))
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        folder = os.path.join(self.root, type(self).__name__)
        if download:
            os.makedirs(folder, exist_ok=True)
        elif not os.path.isdir(folder):
            raise RuntimeError("Dataset not found. You can use download=True to download it")
        n = self._sizes[0] if train else self._sizes[1]
        self.data, self.targets = _make_images(n, self._shape, len(self.classes),
                                               seed=1 if train else 2)
        self.targets = [int(t) for t in self.targets]

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        img = Image.fromarray(self.data[index], mode=self._mode)
        target = self.targets[index]
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target


class FashionMNIST(VisionDataset):
    """28x28 grey images of ten clothing classes (1,200 to train on, 200 to test)."""

    _shape = (28, 28)
    _sizes = (1200, 200)
    _mode = "L"
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]


class CIFAR10(VisionDataset):
    """32x32 colour images of ten classes (2,000 to train on, 400 to test)."""

    _shape = (32, 32, 3)
    _sizes = (2000, 400)
    _mode = "RGB"
    classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
               "ship", "truck"]
