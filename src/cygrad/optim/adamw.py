"""AdamW, Adam with decoupled weight decay: ``torch.optim.AdamW``."""
from .adam import Adam

__all__ = ["AdamW"]


class AdamW(Adam):
    r"""AdamW (``torch.optim.AdamW``): Adam with decoupled weight decay.

    The weight decay shrinks the parameters directly, :math:`\theta \leftarrow (1 - \gamma
    \lambda)\theta`, before the Adam update, instead of being added to the gradient (where
    it would also go through the running averages). Otherwise the update is
    :class:`Adam`'s. It is ``Adam(..., decoupled_weight_decay=True)`` with a default weight
    decay of 1e-2.

    Parameters
    ----------
    params : iterable of Tensor or iterable of dict
        The tensors to optimize, or parameter groups (dicts, see :class:`Optimizer`).
    lr : float, optional
        Learning rate (default: 1e-3).
    betas : tuple of 2 floats, optional
        Decay rates of the running averages of the gradient and of its square
        (default: ``(0.9, 0.999)``).
    eps : float, optional
        Added to the denominator (default: 1e-8).
    weight_decay : float, optional
        Decoupled weight decay coefficient (default: 1e-2).
    amsgrad : bool, optional
        Use the running maximum of the second moment (default: False).
    maximize : bool, optional
        Maximize the objective instead of minimizing it (default: False).
    foreach, fused : bool, optional
        Accepted for compatibility with PyTorch and ignored.
    capturable, differentiable : bool, optional
        Must be False.

    Examples
    --------
    With a zero gradient only the weight decay acts: :math:`w (1 - 0.1 \cdot 0.5)`.

    >>> from cygrad import optim
    >>> w = cygrad.tensor([1.0, 2.0], requires_grad=True)
    >>> opt = optim.AdamW([w], lr=0.1, weight_decay=0.5)
    >>> w.grad = cygrad.zeros(2)
    >>> opt.step()
    >>> w
    tensor([0.9500, 1.9000], requires_grad=True)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
