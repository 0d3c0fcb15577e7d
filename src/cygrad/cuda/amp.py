"""``cygrad.cuda.amp``: PyTorch's older spelling of :mod:`cygrad.amp` for CUDA.

``GradScaler(...)`` here is ``cygrad.amp.GradScaler("cuda", ...)``: enabled, it warns that
there is no CUDA and disables itself; ``enabled=False`` (what float32 scripts pass) makes it
the identity. ``autocast`` is ``cygrad.amp.autocast("cuda", ...)``.
"""
from .. import amp as _amp

__all__ = ["GradScaler", "autocast"]


class GradScaler(_amp.GradScaler):
    """``torch.cuda.amp.GradScaler``: :class:`cygrad.amp.GradScaler` for ``"cuda"``.

    Examples
    --------
    >>> scaler = cygrad.cuda.amp.GradScaler(enabled=False)
    >>> scaler.scale(cygrad.tensor(2.0))
    tensor(2.)
    """

    def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5,
                 growth_interval=2000, enabled=True):
        super().__init__("cuda", init_scale, growth_factor, backoff_factor,
                         growth_interval, enabled)


class autocast(_amp.autocast):
    """``torch.cuda.amp.autocast``: :class:`cygrad.amp.autocast` for ``"cuda"``."""

    def __init__(self, enabled=True, dtype=None, cache_enabled=True):
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)
