"""Autograd overhead: recording ops and running backward, beside PyTorch when installed.

These are the per-op and per-backward fixed costs that dominate small models; NumPy has no
equivalent, so PyTorch is the reference. ``GraphBackward`` adds sizes where the arithmetic
of the backward pass (and the allocation of its gradient buffers) counts too.
"""
import numpy as np

import cygrad

from .common import FLOAT_DTYPES, THREADS, random_array, rng, set_threads, torch, torch_only


def _chain(x, n):
    for _ in range(n):
        x = x * 1.0001
    return x.sum()


def _leaf_pair(arr):
    """``(cygrad, torch-or-None)`` leaves that require grad, copies of ``arr``."""
    t = cygrad.from_numpy(arr.copy()).requires_grad_()
    return t, (torch.from_numpy(arr.copy()).requires_grad_() if torch is not None else None)


class TinyGraph:
    """10-element tensors: one recorded add, the forward of ((a*b)+a).sum() and its backward."""

    params = [THREADS]
    param_names = ["threads"]

    def setup(self, threads):
        set_threads(threads)
        g = rng()
        self.a, self.ta = _leaf_pair(random_array((10,), "float32", g))
        self.b, self.tb = _leaf_pair(random_array((10,), "float32", g))

    def time_add_requires_grad_cygrad(self, threads):
        self.a + self.b

    @torch_only
    def time_add_requires_grad_torch(self, threads):
        self.ta + self.tb

    def time_forward_cygrad(self, threads):
        ((self.a * self.b) + self.a).sum()

    @torch_only
    def time_forward_torch(self, threads):
        ((self.ta * self.tb) + self.ta).sum()

    def time_forward_backward_cygrad(self, threads):
        ((self.a * self.b) + self.a).sum().backward()

    @torch_only
    def time_forward_backward_torch(self, threads):
        ((self.ta * self.tb) + self.ta).sum().backward()


class Chain:
    """Forward + backward through a chain of 1000 multiplications of 10-element tensors."""

    params = [THREADS]
    param_names = ["threads"]

    def setup(self, threads):
        set_threads(threads)
        self.a, self.ta = _leaf_pair(random_array((10,), "float32"))

    def time_chain_cygrad(self, threads):
        _chain(self.a, 1000).backward()

    @torch_only
    def time_chain_torch(self, threads):
        _chain(self.ta, 1000).backward()


class GraphBackward:
    """Forward + backward of ``(a * b + a.exp()).sum()`` over ``n`` elements: four recorded
    ops whose backward allocates and accumulates full-size gradients into ``a`` and ``b``."""

    params = [[10_000, 1_000_000], FLOAT_DTYPES, THREADS]
    param_names = ["n", "dtype", "threads"]

    def setup(self, n, dtype, threads):
        set_threads(threads)
        g = rng()
        self.a, self.ta = _leaf_pair(random_array((n,), dtype, g))
        self.b, self.tb = _leaf_pair(random_array((n,), dtype, g))

    def time_forward_backward_cygrad(self, n, dtype, threads):
        (self.a * self.b + self.a.exp()).sum().backward()

    @torch_only
    def time_forward_backward_torch(self, n, dtype, threads):
        (self.ta * self.tb + self.ta.exp()).sum().backward()


class MLPStep:
    """Forward + backward of a 64-128-10 MLP on a batch of 64 (matmul, relu, square, mean),
    written with tensor ops rather than ``nn`` modules (those are in ``bench_nn``)."""

    params = [FLOAT_DTYPES, THREADS]
    param_names = ["dtype", "threads"]

    def setup(self, dtype, threads):
        set_threads(threads)
        g = np.random.default_rng(0)
        arrays = [g.standard_normal(s).astype(dtype) * 0.1
                  for s in ((64, 64), (64, 128), (128,), (128, 10), (10,))]
        self.x = cygrad.from_numpy(arrays[0].copy())
        self.params = [_leaf_pair(a)[0] for a in arrays[1:]]
        if torch is not None:
            self.tx = torch.from_numpy(arrays[0].copy())
            self.tparams = [_leaf_pair(a)[1] for a in arrays[1:]]

    @staticmethod
    def _step(x, w1, b1, w2, b2):
        loss = ((x @ w1 + b1).relu() @ w2 + b2).square().mean()
        loss.backward()

    def time_step_cygrad(self, dtype, threads):
        self._step(self.x, *self.params)

    @torch_only
    def time_step_torch(self, dtype, threads):
        self._step(self.tx, *self.tparams)
