"""Data loading and serialization beside PyTorch (when installed).

``DataLoader`` epochs over a ``TensorDataset`` (batch gathers and collation, no model), and
``save``/``load`` round trips of an MLP ``state_dict``: cygrad writes a pickle-free ``.npz``
archive, PyTorch its zip/pickle format (read back with ``weights_only=True``).
"""
import io
import os
import shutil
import tempfile

import numpy as np

import cygrad

from .common import THREADS, mlp, rng, set_threads, torch, torch_only

N_DIGITS, N_PIXELS, N_CLASSES = 1797, 64, 10


def _iterate(loader):
    for _ in loader:
        pass


class DataLoaderEpoch:
    """One pass over ``DataLoader(TensorDataset(x, y), batch_size=64, shuffle=...)`` with
    digits-sized data (x 1797x64 float32, y int64 labels): 29 batches, the last of 5 rows."""

    params = [[True, False], THREADS]
    param_names = ["shuffle", "threads"]

    def setup(self, shuffle, threads):
        set_threads(threads)
        g = rng()
        x = g.random((N_DIGITS, N_PIXELS), dtype=np.float32)
        y = g.integers(0, N_CLASSES, N_DIGITS).astype(np.int64)
        cygrad.manual_seed(0)
        data = cygrad.utils.data
        self.loader = data.DataLoader(
            data.TensorDataset(cygrad.from_numpy(x), cygrad.from_numpy(y)),
            batch_size=64, shuffle=shuffle)
        if torch is not None:
            torch.manual_seed(0)
            tdata = torch.utils.data
            self.tloader = tdata.DataLoader(
                tdata.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)),
                batch_size=64, shuffle=shuffle)
        _iterate(self.loader)  # untimed warm-up epochs
        if torch is not None:
            _iterate(self.tloader)

    def time_epoch_cygrad(self, shuffle, threads):
        _iterate(self.loader)

    @torch_only
    def time_epoch_torch(self, shuffle, threads):
        _iterate(self.tloader)


# "in-hidden-...-out" of the MLP whose state_dict is saved
MLP_SIZES = {
    "64-128-64-10": (64, 128, 64, 10),      # the digits MLP, 17k parameters (70 kB)
    "784-256-10": (784, 256, 10),           # 204k parameters (0.8 MB)
}


class SaveLoad:
    """``save(model.state_dict(), f)`` then ``load(f)``, to an in-memory ``BytesIO`` or to a
    file in a temporary directory."""

    params = [list(MLP_SIZES), ["bytesio", "file"]]
    param_names = ["model", "target"]

    def setup(self, model, target):
        sizes = MLP_SIZES[model]
        cygrad.manual_seed(0)
        self.state = mlp(cygrad, sizes).state_dict()
        if torch is not None:
            self.tstate = {k: torch.from_numpy(v.detach().numpy().copy())
                           for k, v in self.state.items()}
        self.tmpdir = tempfile.mkdtemp(prefix="cygrad-bench-") if target == "file" else None
        self.time_roundtrip_cygrad(model, target)  # untimed warm-up round trips
        if torch is not None:
            self.time_roundtrip_torch(model, target)

    def teardown(self, model, target):
        if self.tmpdir is not None:
            shutil.rmtree(self.tmpdir, ignore_errors=True)

    def _target(self, name):
        return io.BytesIO() if self.tmpdir is None else os.path.join(self.tmpdir, name)

    def time_roundtrip_cygrad(self, model, target):
        f = self._target("state.npz")
        cygrad.save(self.state, f)
        if self.tmpdir is None:
            f.seek(0)
        cygrad.load(f)

    @torch_only
    def time_roundtrip_torch(self, model, target):
        f = self._target("state.pt")
        torch.save(self.tstate, f)
        if self.tmpdir is None:
            f.seek(0)
        torch.load(f, weights_only=True)
