"""``Conv1d``/``Conv2d`` (im2col + the GEMM) and the pooling layers."""
import math

from ... import creation
from ..._device import check_cpu as _check_cpu
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["Conv1d", "Conv2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool1d",
           "AdaptiveAvgPool2d"]


class _ConvNd(Module):
    """What ``Conv1d`` and ``Conv2d`` share: arguments, parameters, PyTorch's init and repr
    (sizes are ``_n``-tuples)."""

    _n = 2
    _name = "Conv2d"

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros", device=None,
                 dtype=None):
        super().__init__()
        tup = F._single if self._n == 1 else F._pair
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups:
            raise ValueError("out_channels must be divisible by groups")
        if padding_mode != "zeros":
            raise NotImplementedError(f"{self._name}: only padding_mode='zeros' is supported")
        if isinstance(padding, str) and padding not in ("same", "valid"):
            raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                             "{'valid', 'same'}")
        if device is not None:
            _check_cpu(device)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = tup(kernel_size, "kernel_size")
        self.stride = tup(stride, "stride")
        self.padding = padding if isinstance(padding, str) else tup(padding, "padding")
        self.dilation = tup(dilation, "dilation")
        self.groups = groups
        self.padding_mode = padding_mode
        if padding == "same" and self.stride != (1,) * self._n:
            raise ValueError("padding='same' is not supported for strided convolutions")
        self.weight = Parameter(creation.empty(
            (out_channels, in_channels // groups) + self.kernel_size, dtype=dtype))
        if bias:
            self.bias = Parameter(creation.empty((out_channels,), dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Re-draw weight and bias with PyTorch's default scheme."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self):
        n = self._n
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * n:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s


class Conv1d(_ConvNd):
    """1-d convolution over ``(N, C_in, L)`` (or unbatched ``(C_in, L)``) input.

    The weight is ``(out_channels, in_channels // groups, kL)``, initialised as PyTorch's
    (kaiming-uniform with ``a=sqrt(5)``; bias ``U(-1/sqrt(fan_in), ...)``).

    The input is ``(N, C_in, L_in)`` or ``(C_in, L_in)``; the output ``(N, C_out, L_out)``
    with ``L_out = (L_in + 2 padding - dilation (kL - 1) - 1) // stride + 1``.

    Examples
    --------
    >>> conv = nn.Conv1d(4, 8, kernel_size=3, padding=1)
    >>> conv(cygrad.randn(2, 4, 10)).shape
    cygrad.Size([2, 8, 10])
    """

    _n = 1
    _name = "Conv1d"

    def forward(self, input):
        return F.conv1d(input, self.weight, self.bias, self.stride, self.padding,
                        self.dilation, self.groups)


class Conv2d(_ConvNd):
    """2-d convolution over ``(N, C_in, H, W)`` input.

    The weight is ``(out_channels, in_channels // groups, kH, kW)``, initialised as
    PyTorch's (kaiming-uniform with ``a=sqrt(5)``; bias ``U(-1/sqrt(fan_in), ...)``).

    Examples
    --------
    >>> conv = nn.Conv2d(1, 8, kernel_size=3, padding=1)
    >>> conv(cygrad.randn(4, 1, 8, 8)).shape
    cygrad.Size([4, 8, 8, 8])
    """

    def forward(self, input):
        return F.conv2d(input, self.weight, self.bias, self.stride, self.padding,
                        self.dilation, self.groups)


class MaxPool2d(Module):
    """Maximum over sliding windows.

    Examples
    --------
    >>> nn.MaxPool2d(2)(cygrad.randn(1, 3, 8, 8)).shape
    cygrad.Size([1, 3, 4, 4])
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input):
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding}, dilation={self.dilation}, "
                f"ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    """Mean over sliding windows."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input):
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding,
                            self.ceil_mode, self.count_include_pad, self.divisor_override)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _AdaptiveAvgPoolNd(Module):
    """The adaptive average pooling layers' common part: the output size, as PyTorch's
    base class of the same name keeps it."""

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """Average pooling to a fixed output length, whatever the input's (see
    :func:`~cygrad.nn.functional.adaptive_avg_pool1d`).

    Parameters
    ----------
    output_size : int
        The output length.

    Shape
    -----
    ``(N, C, L)`` or ``(C, L)`` to ``(N, C, output_size)`` or ``(C, output_size)``.

    Examples
    --------
    >>> nn.AdaptiveAvgPool1d(2)(cygrad.arange(5.).reshape(1, 1, 5))
    tensor([[[1., 3.]]])
    """

    def forward(self, input):
        return F.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """Average pooling to a fixed ``(H_out, W_out)``, whatever the input's size (see
    :func:`~cygrad.nn.functional.adaptive_avg_pool2d`); ``AdaptiveAvgPool2d(1)`` is the
    global average pooling of ResNets, ``(7, 7)`` VGG's.

    Parameters
    ----------
    output_size : int or tuple of (int or None)
        One int for a square output; ``None`` keeps that dim's size.

    Shape
    -----
    ``(N, C, H, W)`` or ``(C, H, W)`` to ``(N, C, H_out, W_out)`` or ``(C, H_out, W_out)``.

    Examples
    --------
    >>> nn.AdaptiveAvgPool2d((1, None))(cygrad.ones(2, 3, 4, 5)).shape
    cygrad.Size([2, 3, 1, 5])
    """

    def forward(self, input):
        return F.adaptive_avg_pool2d(input, self.output_size)
