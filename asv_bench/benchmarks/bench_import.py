"""Cold import time: each ``timeraw_`` benchmark runs its code in a fresh interpreter."""
from .common import torch_only


class Import:
    """``import cygrad`` beside ``import numpy`` and ``import torch``."""

    # Unparameterised: an import has no size, dtype or thread count.

    def timeraw_import_cygrad(self):
        return "import cygrad"

    def timeraw_import_numpy(self):
        return "import numpy"

    @torch_only
    def timeraw_import_torch(self):
        return "import torch"
