"""``cygrad.amp``: PyTorch's automatic mixed precision API, for programs that use it.

cygrad computes in float32 and float64 only, so there is no mixed precision to switch on:
:class:`autocast` refuses a half-precision target with a clear error (and, as PyTorch does
on a machine without the device, disables itself for ``device_type='cuda'``), while
:class:`GradScaler` works as PyTorch's does on the CPU: it scales the loss, unscales the
gradients, skips steps whose gradients overflowed and adapts the scale. Disabled
(``enabled=False``, as training scripts pass for float32), every method is the identity.
"""
import functools
import math
import warnings

from .. import _dtype

__all__ = ["GradScaler", "autocast"]


class autocast:
    """Context manager (and decorator) for regions run in lower precision.

    Parameters
    ----------
    device_type : str
        ``"cpu"`` or ``"cuda"`` (no CUDA here: autocast disables itself with a warning, as
        PyTorch does without a GPU).
    dtype : cygrad.dtype, optional
        The lower precision. PyTorch's default on the CPU is bfloat16, which cygrad lacks:
        an enabled autocast without a cygrad float dtype raises ``RuntimeError``; a float32
        or float64 target is no lower precision and disables autocast with a warning.
    enabled : bool
        ``False`` makes the region run unchanged.
    cache_enabled : bool, optional
        Accepted for compatibility.

    Examples
    --------
    >>> with cygrad.autocast("cpu", enabled=False):
    ...     y = cygrad.ones(2) * 2
    >>> y.dtype is cygrad.float32
    True
    """

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: "
                             f"`{type(device_type)}`")
        self.device = device_type
        self.fast_dtype = dtype
        self._enabled = bool(enabled)
        if not self._enabled:
            return
        if device_type == "cuda":
            warnings.warn("User provided device_type of 'cuda', but CUDA is not available. "
                          "Disabling", stacklevel=2)
            self._enabled = False
        elif device_type != "cpu":
            raise RuntimeError(f"User specified an unsupported autocast device_type "
                               f"'{device_type}'")
        elif isinstance(dtype, _dtype.dtype) and dtype.is_floating_point:
            warnings.warn("In CPU autocast, but the target dtype is not supported. "
                          "Disabling autocast.\nCPU Autocast only supports dtype of "
                          "bfloat16 and float16, which cygrad does not have.", stacklevel=2)
            self._enabled = False
        else:
            raise RuntimeError(
                "autocast: cygrad has no float16 or bfloat16 dtype, so it cannot run a "
                f"region in lower precision (dtype={dtype}). Compute in float32: pass "
                "enabled=False, or use contextlib.nullcontext() on the CPU.")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self:
                return func(*args, **kwargs)
        return wrapper


class GradScaler:
    """Loss scaling for mixed-precision training, as ``torch.amp.GradScaler``.

    Parameters
    ----------
    device : str
        ``"cpu"``, or ``"cuda"`` (no CUDA here: an enabled scaler warns and disables
        itself, as PyTorch's does without a GPU).
    init_scale : float
        The first scale factor.
    growth_factor, backoff_factor : float
        Multiply the scale after ``growth_interval`` steps without overflow, or after a
        step whose gradients were not finite.
    growth_interval : int
    enabled : bool
        ``False`` makes every method the identity (``scale`` returns its input, ``step``
        calls ``optimizer.step()``).

    Examples
    --------
    >>> model = cygrad.nn.Linear(2, 1)
    >>> opt = cygrad.optim.SGD(model.parameters(), lr=0.1)
    >>> scaler = cygrad.amp.GradScaler("cpu", init_scale=1024.0)
    >>> loss = model(cygrad.ones(4, 2)).pow(2).mean()
    >>> scaler.scale(loss).backward()
    >>> scaler.step(opt)
    >>> scaler.update()
    >>> scaler.get_scale()
    1024.0
    """

    def __init__(self, device="cuda", init_scale=2.0 ** 16, growth_factor=2.0,
                 backoff_factor=0.5, growth_interval=2000, enabled=True):
        self._device = device
        self._enabled = bool(enabled)
        if self._enabled and device == "cuda":
            warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available. "
                          "Disabling.", stacklevel=2)
            self._enabled = False
        if self._enabled:
            if growth_factor <= 1.0:
                raise AssertionError("The growth factor must be > 1.0.")
            if not 0.0 < backoff_factor < 1.0:
                raise AssertionError("The backoff factor must be < 1.0.")
        self._scale = float(init_scale)
        self._init_scale = float(init_scale)
        self._growth_factor = float(growth_factor)
        self._backoff_factor = float(backoff_factor)
        self._growth_interval = int(growth_interval)
        self._growth_tracker = 0
        self._per_optimizer = {}

    def is_enabled(self):
        """Whether the scaler scales (``False`` after ``enabled=False`` or on ``cuda``)."""
        return self._enabled

    def get_scale(self):
        """The current scale factor (1.0 when disabled)."""
        return self._scale if self._enabled else 1.0

    def scale(self, outputs):
        """``outputs`` (a tensor or nested lists/tuples of tensors) times the scale."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        return outputs * self._scale

    def _state(self, optimizer):
        return self._per_optimizer.setdefault(id(optimizer), {"unscaled": False,
                                                              "found_inf": False})

    def unscale_(self, optimizer):
        """Divide ``optimizer``'s gradients by the scale (in place), noting any inf/NaN."""
        if not self._enabled:
            return
        state = self._state(optimizer)
        if state["unscaled"]:
            raise RuntimeError("unscale_() has already been called on this optimizer since "
                               "the last update().")
        inv = 1.0 / self._scale
        found = False
        for group in optimizer.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                p.grad.mul_(inv)
                if not bool(p.grad.isfinite().all()):
                    found = True
        state["unscaled"] = True
        state["found_inf"] = found

    def step(self, optimizer, *args, **kwargs):
        """``optimizer.step()`` on unscaled gradients, skipped if any was inf or NaN."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        state = self._state(optimizer)
        if not state["unscaled"]:
            self.unscale_(optimizer)
        if state["found_inf"]:
            return None
        return optimizer.step(*args, **kwargs)

    def update(self, new_scale=None):
        """Back off after an overflow, grow after ``growth_interval`` clean steps (or set
        ``new_scale``)."""
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = float(new_scale)
        elif any(s["found_inf"] for s in self._per_optimizer.values()):
            self._scale *= self._backoff_factor
            self._growth_tracker = 0
        else:
            self._growth_tracker += 1
            if self._growth_tracker == self._growth_interval:
                grown = self._scale * self._growth_factor
                if math.isfinite(grown):
                    self._scale = grown
                self._growth_tracker = 0
        self._per_optimizer = {}

    def state_dict(self):
        """The scale and its schedule (empty when disabled), as PyTorch's keys."""
        if not self._enabled:
            return {}
        return {"scale": self._scale, "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor,
                "growth_interval": self._growth_interval,
                "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state_dict):
        """Restore what :meth:`state_dict` returned."""
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was "
                               "saved from a disabled instance of GradScaler.")
        self._scale = float(state_dict["scale"])
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._growth_tracker = int(state_dict["_growth_tracker"])
