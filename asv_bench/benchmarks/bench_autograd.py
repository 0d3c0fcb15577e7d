"""Autograd overhead: recording ops and running backward, beside PyTorch when installed.

These are the per-op and per-backward fixed costs that dominate small models; NumPy has no
equivalent, so PyTorch is the reference.
"""
from .common import torch, torch_only

import cygrad


def _chain(x, n):
    for _ in range(n):
        x = x * 1.0001
    return x.sum()


class TinyGraph:
    """10-element tensors: one recorded add, the forward of ((a*b)+a).sum() and its backward."""

    def setup(self):
        self.a = cygrad.rand(10, requires_grad=True)
        self.b = cygrad.rand(10, requires_grad=True)
        if torch is not None:
            self.ta = torch.rand(10, requires_grad=True)
            self.tb = torch.rand(10, requires_grad=True)

    def time_add_requires_grad_cygrad(self):
        self.a + self.b

    @torch_only
    def time_add_requires_grad_torch(self):
        self.ta + self.tb

    def time_forward_cygrad(self):
        ((self.a * self.b) + self.a).sum()

    @torch_only
    def time_forward_torch(self):
        ((self.ta * self.tb) + self.ta).sum()

    def time_forward_backward_cygrad(self):
        ((self.a * self.b) + self.a).sum().backward()

    @torch_only
    def time_forward_backward_torch(self):
        ((self.ta * self.tb) + self.ta).sum().backward()


class Chain:
    """Forward + backward through a chain of 1000 multiplications."""

    def setup(self):
        self.a = cygrad.rand(10, requires_grad=True)
        if torch is not None:
            self.ta = torch.rand(10, requires_grad=True)

    def time_chain_cygrad(self):
        _chain(self.a, 1000).backward()

    @torch_only
    def time_chain_torch(self):
        _chain(self.ta, 1000).backward()


class MLPStep:
    """Forward + backward of a 64-128-10 MLP on a batch of 64 (matmul, relu, sum)."""

    def setup(self):
        import numpy as np

        rng = np.random.default_rng(0)
        arrays = [rng.standard_normal(s).astype(np.float32) * 0.1
                  for s in ((64, 64), (64, 128), (128,), (128, 10), (10,))]
        self.x, w1, b1, w2, b2 = [cygrad.from_numpy(a.copy()) for a in arrays]
        self.params = [t.requires_grad_() for t in (w1, b1, w2, b2)]
        if torch is not None:
            self.tx, *tp = [torch.from_numpy(a.copy()) for a in arrays]
            self.tparams = [t.requires_grad_() for t in tp]

    @staticmethod
    def _step(x, w1, b1, w2, b2):
        loss = ((x @ w1 + b1).relu() @ w2 + b2).square().mean()
        loss.backward()

    def time_step_cygrad(self):
        self._step(self.x, *self.params)

    @torch_only
    def time_step_torch(self):
        self._step(self.tx, *self.tparams)
