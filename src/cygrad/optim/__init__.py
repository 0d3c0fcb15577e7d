"""``cygrad.optim``: optimizers and learning-rate schedules, as ``torch.optim``.

Every optimizer updates its parameters in place under :class:`cygrad.no_grad`, with the
operation order of PyTorch's single-tensor (``foreach=False``) CPU implementation, so a
training loop gives the same numbers as with ``torch.optim`` up to the last bits of float
rounding.

Examples
--------
>>> from cygrad import optim
>>> w = cygrad.zeros(3, requires_grad=True)
>>> opt = optim.Adam([w], lr=0.1)
>>> sched = optim.lr_scheduler.StepLR(opt, step_size=50, gamma=0.5)
>>> target = cygrad.tensor([1.0, -2.0, 0.5])
>>> for epoch in range(200):
...     opt.zero_grad()
...     loss = ((w - target) ** 2).sum()
...     loss.backward()
...     opt.step()
...     sched.step()
>>> (w - target).abs().max().item() < 1e-3
True
"""
from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam
from .adamw import AdamW
from .lbfgs import LBFGS
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "LBFGS", "lr_scheduler"]
