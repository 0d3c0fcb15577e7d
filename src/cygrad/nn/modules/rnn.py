"""Recurrent layers (PyTorch's ``torch.nn.modules.rnn``): ``RNN``, ``LSTM`` and ``GRU`` over
whole sequences, and the one-step cells ``RNNCell``, ``LSTMCell`` and ``GRUCell``, with
PyTorch's constructor arguments, parameter names, initialisation, checks and ``repr``.

The layers here do the plumbing: the input projection of a whole sequence (one matrix
product per layer and direction), stacking layers and directions, dropout between layers,
``batch_first``, unbatched and packed inputs, and the layout of the hidden states. The time
loop itself, with every gate, is :func:`cygrad.nn._recurrent.recurrence`; the cells call it
too, for one step.
"""
import math
import numbers
import warnings

from ... import creation
from ...functional import cat as _cat, stack as _stack
from .. import functional as F
from .. import init
from .._recurrent import GATES, recurrence
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]


def _no_proj_size(cls, kwargs):
    if "proj_size" in kwargs:
        raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
    if kwargs:
        raise TypeError(f"{cls}.__init__() got an unexpected keyword argument "
                        f"'{next(iter(kwargs))}'")


class RNNBase(Module):
    """The machinery shared by :class:`RNN`, :class:`LSTM` and :class:`GRU`: parameters,
    checks, and the forward pass over layers and directions.

    Every parameter starts as ``U(-1/sqrt(H), 1/sqrt(H))``.

    Parameters
    ----------
    mode : {'RNN_TANH', 'RNN_RELU', 'LSTM', 'GRU'}
        The cell of every layer.
    input_size : int
        Features of the input, ``H_in``.
    hidden_size : int
        Features of the hidden state, ``H``.
    num_layers : int
        Stacked layers; layer ``k > 0`` reads the output of layer ``k - 1``.
    bias : bool
        Learn ``bias_ih_l*`` and ``bias_hh_l*``.
    batch_first : bool
        Inputs and outputs are ``(N, L, *)`` instead of ``(L, N, *)`` (hidden states keep
        their layout).
    dropout : float
        Dropout on the outputs of every layer but the last, while training.
    bidirectional : bool
        Each layer also runs from the last step to the first; the two outputs are joined
        along the feature dim.
    proj_size : int
        LSTM only: project the hidden state to this size (0, the default, for none).
    device, dtype : optional
        Of the parameters.

    Attributes
    ----------
    weight_ih_l0, weight_hh_l0 : Parameter
        ``(G*H, H_in)`` and ``(G*H, H_out)`` with ``G`` the gates of the mode (1, 4 for the
        LSTM, 3 for the GRU); ``_l1``, ``_l2``, ... for the further layers (whose input width
        is ``D * H_out``) and ``_reverse`` for the second direction.
    bias_ih_l0, bias_hh_l0 : Parameter
        ``(G*H,)``, with ``bias``.
    weight_hr_l0 : Parameter
        ``(proj_size, H)``, with ``proj_size``.

    Examples
    --------
    >>> base = nn.RNNBase("GRU", 3, 4)
    >>> [name for name, _ in base.named_parameters()]
    ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']
    """

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, proj_size=0,
                 device=None, dtype=None):
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout) if isinstance(dropout, numbers.Number) else dropout
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1

        if not isinstance(dropout, numbers.Number) or isinstance(dropout, bool) \
                or not 0 <= dropout <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, "
                          "so non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=2)
        if not isinstance(bias, bool):
            raise TypeError(f"bias should be of type bool, got: {type(bias).__name__}")
        if not isinstance(batch_first, bool):
            raise TypeError(f"batch_first should be of type bool, got: "
                            f"{type(batch_first).__name__}")
        if not isinstance(input_size, int):
            raise TypeError(f"input_size should be of type int, got: "
                            f"{type(input_size).__name__}")
        if input_size <= 0:
            raise ValueError("input_size must be greater than zero")
        if not isinstance(hidden_size, int):
            raise TypeError(f"hidden_size should be of type int, got: "
                            f"{type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)

        gate_size = GATES[mode] * hidden_size
        real_hidden_size = proj_size if proj_size > 0 else hidden_size
        kw = {"device": device, "dtype": dtype}
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            layer_input_size = input_size if layer == 0 else real_hidden_size * num_directions
            for direction in range(num_directions):
                suffix = "_reverse" if direction == 1 else ""
                shapes = [("weight_ih", (gate_size, layer_input_size)),
                          ("weight_hh", (gate_size, real_hidden_size))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes += [("weight_hr", (proj_size, hidden_size))]
                names = []
                for stem, shape in shapes:
                    name = f"{stem}_l{layer}{suffix}"
                    setattr(self, name, Parameter(creation.empty(shape, **kw)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def _flat_weights(self):
        """The parameters in PyTorch's flat order (layer, direction, then ``weight_ih``,
        ``weight_hh``, ``bias_ih``, ``bias_hh``, ``weight_hr``), looked up by name, so a
        parameter assigned or loaded later is the one listed."""
        return [getattr(self, n, None) for n in self._flat_weights_names]

    @property
    def all_weights(self):
        """The parameters, one list per layer and direction."""
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def flatten_parameters(self):
        """Does nothing: PyTorch packs the weights into one buffer for cuDNN here, and
        cygrad has no cuDNN."""

    def reset_parameters(self):
        """Re-draw every parameter from ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self):
        s = "{input_size}, {hidden_size}"
        if self.proj_size != 0:
            s += ", proj_size={proj_size}"
        if self.num_layers != 1:
            s += ", num_layers={num_layers}"
        if self.bias is not True:
            s += ", bias={bias}"
        if self.batch_first is not False:
            s += ", batch_first={batch_first}"
        if self.dropout != 0:
            s += ", dropout={dropout}"
        if self.bidirectional is not False:
            s += ", bidirectional={bidirectional}"
        return s.format(**self.__dict__)

    # ------------------------------------------------------------------ checks
    def check_input(self, input, batch_sizes):
        """Raise PyTorch's error for an input of the wrong dtype, rank or width."""
        wdtype = self._flat_weights[0].dtype
        if input.dtype != wdtype:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype "
                             f"({wdtype}). Convert input: input.to({wdtype}), or convert "
                             f"model: model.to({input.dtype})")
        expected_input_dim = 2 if batch_sizes is not None else 3
        if input.dim() != expected_input_dim:
            raise RuntimeError(f"input must have {expected_input_dim} dimensions, got "
                               f"{input.dim()}")
        if self.input_size != input.size(-1):
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.size(-1)}")

    def get_expected_hidden_size(self, input, batch_sizes):
        """``(num_layers * num_directions, batch, H_out)``."""
        if batch_sizes is not None:
            mini_batch = int(batch_sizes[0])
        else:
            mini_batch = input.size(0) if self.batch_first else input.size(1)
        num_directions = 2 if self.bidirectional else 1
        return (self.num_layers * num_directions, mini_batch,
                self.proj_size if self.proj_size > 0 else self.hidden_size)

    def check_hidden_size(self, hx, expected_hidden_size,
                          msg="Expected hidden size {}, got {}"):
        """Raise ``RuntimeError(msg)`` unless ``hx`` has ``expected_hidden_size``."""
        if tuple(hx.size()) != tuple(expected_hidden_size):
            raise RuntimeError(msg.format(expected_hidden_size, list(hx.size())))

    def check_forward_args(self, input, hidden, batch_sizes):
        """The input checks, then the hidden state's shape."""
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden, self.get_expected_hidden_size(input, batch_sizes))

    def permute_hidden(self, hx, permutation):
        """``hx`` with its batch dim (1) reordered by ``permutation`` (None: unchanged)."""
        if permutation is None:
            return hx
        return hx.index_select(1, permutation)

    # ------------------------------------------------------------------ forward
    def _zeros_hidden(self, input, batch):
        """The default initial state: zeros, ``(h, c)`` for the LSTM."""
        num_directions = 2 if self.bidirectional else 1
        lstm = self.mode == "LSTM"
        real = self.proj_size if (lstm and self.proj_size > 0) else self.hidden_size
        h = creation.zeros(self.num_layers * num_directions, batch, real, dtype=input.dtype)
        if not lstm:
            return h
        c = creation.zeros(self.num_layers * num_directions, batch, self.hidden_size,
                           dtype=input.dtype)
        return (h, c)

    def _check_hx_dims(self, hx, ndim):
        """PyTorch's error for an ``hx`` whose rank does not match the input's."""
        kind = "batched 3-D" if ndim == 3 else "unbatched 2-D"
        if self.mode == "LSTM":
            if hx[0].dim() != ndim or hx[1].dim() != ndim:
                raise RuntimeError(f"For {kind} input, hx and cx should also be {ndim}-D but "
                                   f"got ({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
        elif hx.dim() != ndim:
            raise RuntimeError(f"For {kind} input, hx should also be {ndim}-D but got "
                               f"{hx.dim()}-D tensor")

    def forward(self, input, hx=None):
        """Run the layers over ``input`` (a tensor or a ``PackedSequence``) from ``hx``.

        Returns ``(output, h_n)``, ``(output, (h_n, c_n))`` for the LSTM; see the class's
        Notes for the shapes.
        """
        lstm = self.mode == "LSTM"
        name = {"LSTM": "LSTM", "GRU": "GRU"}.get(self.mode, "RNN")
        packed = isinstance(input, PackedSequence)
        is_batched = True
        batch_dim = 0 if self.batch_first else 1
        if packed:
            data, batch_sizes_t, sorted_indices, unsorted_indices = input
            batch_sizes = [int(b) for b in batch_sizes_t.tolist()]
            if hx is None:
                hx = self._zeros_hidden(data, batch_sizes[0])
            else:
                hx = self._permute(hx, sorted_indices)
            self._check_forward(data, hx, batch_sizes_t)
        else:
            if input.dim() not in (2, 3):
                raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D"
                                 + (" tensor instead" if name == "RNN" else " instead"))
            is_batched = input.dim() == 3
            if not is_batched:
                input = input.unsqueeze(batch_dim)
            if hx is not None:
                self._check_hx_dims(hx, 3 if is_batched else 2)
                if not is_batched:
                    hx = (hx[0].unsqueeze(1), hx[1].unsqueeze(1)) if lstm else hx.unsqueeze(1)
            else:
                hx = self._zeros_hidden(input, input.size(0 if self.batch_first else 1))
            self._check_forward(input, hx, None)
            if input.size(1 if self.batch_first else 0) == 0:
                raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
            seq = input.transpose(0, 1) if self.batch_first else input
            T, B = seq.shape[0], seq.shape[1]
            data = seq.reshape(T * B, seq.shape[2])
            batch_sizes = [B] * T

        h0, c0 = hx if lstm else (hx, None)
        out, h_n, c_n = self._layers(data, batch_sizes, h0, c0)

        if packed:
            output = PackedSequence(out, batch_sizes_t, sorted_indices, unsorted_indices)
            hidden = (h_n, c_n) if lstm else h_n
            return output, self._permute(hidden, unsorted_indices)
        output = out.reshape(T, B, out.shape[1])
        if self.batch_first:
            output = output.transpose(0, 1)
        if not is_batched:
            output = output.squeeze(batch_dim)
            h_n = h_n.squeeze(1)
            c_n = c_n.squeeze(1) if lstm else None
        return output, ((h_n, c_n) if lstm else h_n)

    def _check_forward(self, input, hx, batch_sizes):
        if self.mode == "LSTM":
            self.check_input(input, batch_sizes)
            self.check_hidden_size(hx[0], self.get_expected_hidden_size(input, batch_sizes),
                                   "Expected hidden[0] size {}, got {}")
            self.check_hidden_size(hx[1], self._expected_cell_size(input, batch_sizes),
                                   "Expected hidden[1] size {}, got {}")
        else:
            self.check_forward_args(input, hx, batch_sizes)

    def _expected_cell_size(self, input, batch_sizes):
        expected = self.get_expected_hidden_size(input, batch_sizes)
        return expected[:2] + (self.hidden_size,)

    def _permute(self, hx, permutation):
        if self.mode == "LSTM":
            if permutation is None:
                return hx
            return (hx[0].index_select(1, permutation), hx[1].index_select(1, permutation))
        return self.permute_hidden(hx, permutation)

    def _layers(self, x, batch_sizes, h0, c0):
        """Every layer and direction over the packed rows ``x`` ``(N, H_in)``: returns the
        last layer's output ``(N, D*H_out)`` and the stacked final states."""
        gru = self.mode == "GRU"
        num_directions = 2 if self.bidirectional else 1
        dropout = self.dropout if self.training else 0.0
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            outs = []
            for direction in range(num_directions):
                k = layer * num_directions + direction
                params = self.all_weights[k]
                w_ih, w_hh = params[0], params[1]
                b_ih, b_hh = (params[2], params[3]) if self.bias else (None, None)
                w_hr = params[-1] if self.proj_size > 0 else None
                if b_ih is not None and not gru:
                    b_ih = b_ih + b_hh              # one bias for the projection
                xg = F.linear(x, w_ih, b_ih)
                out, h, c = recurrence(self.mode, xg, batch_sizes, h0[k],
                                       c0[k] if c0 is not None else None, w_hh,
                                       b_hh if gru else None, w_hr, direction == 1)
                outs.append(out)
                h_n.append(h)
                c_n.append(c)
            x = _cat(outs, 1) if num_directions == 2 else outs[0]
            if dropout > 0 and layer < self.num_layers - 1:
                x = F.dropout(x, dropout, True)
        return x, _stack(h_n, 0), (_stack(c_n, 0) if c0 is not None else None)


class RNN(RNNBase):
    r"""An Elman RNN: ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)`` at every step
    (``relu`` instead of ``tanh`` with ``nonlinearity='relu'``), in ``num_layers`` stacked
    layers.

    Every parameter starts as ``U(-1/sqrt(H_out), 1/sqrt(H_out))``.

    Parameters
    ----------
    input_size : int
        Features of the input, ``H_in``.
    hidden_size : int
        Features of the hidden state, ``H_out``.
    num_layers : int
        Stacked layers.
    nonlinearity : {'tanh', 'relu'}
    bias : bool
        Learn ``b_ih`` and ``b_hh``.
    batch_first : bool
        Input and output are ``(N, L, *)``.
    dropout : float
        Dropout on every layer's output but the last's, while training.
    bidirectional : bool
        Also run each layer from the last step to the first.
    device, dtype : optional
        Of the parameters.

    Attributes
    ----------
    weight_ih_l0 : Parameter
        ``(H_out, H_in)``; ``weight_ih_l1``, ... ``(H_out, D * H_out)`` for further layers,
        and ``weight_ih_l0_reverse``, ... for the reverse direction (likewise below).
    weight_hh_l0 : Parameter
        ``(H_out, H_out)``.
    bias_ih_l0, bias_hh_l0 : Parameter
        ``(H_out,)``, with ``bias``.

    Notes
    -----
    Inputs ``input, h_0``:

    - input: ``(L, N, H_in)`` (``(N, L, H_in)`` with ``batch_first``), ``(L, H_in)``
      unbatched, or a ``PackedSequence`` of variable-length sequences
      (:func:`cygrad.nn.utils.rnn.pack_padded_sequence`).
    - h_0: ``(D * num_layers, N, H_out)`` (``(D * num_layers, H_out)`` unbatched),
      zeros when omitted.

    Outputs ``output, h_n``:

    - output: ``(L, N, D * H_out)`` (``(N, L, D * H_out)`` with ``batch_first``): the last
      layer's hidden state at every step, the two directions' side by side (forwards
      first); for a packed input, a ``PackedSequence`` with the input's ``batch_sizes`` and
      indices.
    - h_n: shaped as ``h_0``, every layer's final hidden state.

    ``D`` is 2 when ``bidirectional``, else 1. Layer ``k``'s states are rows ``D * k``
    (forwards) and ``D * k + 1`` (reverse) of the first dim; the reverse direction's final
    state is the one after the first step. For a packed input each sequence's final state is
    taken at its own last step, and with ``sorted_indices`` the states are given and
    returned in the caller's batch order.

    Examples
    --------
    >>> rnn = nn.RNN(10, 20, num_layers=2)
    >>> output, h_n = rnn(cygrad.randn(5, 3, 10), cygrad.zeros(2, 3, 20))
    >>> output.shape, h_n.shape
    (cygrad.Size([5, 3, 20]), cygrad.Size([2, 3, 20]))
    """

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None,
                 dtype=None, **kwargs):
        _no_proj_size("RNN", kwargs)
        self.nonlinearity = nonlinearity
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                             "'relu'.")
        super().__init__(mode, input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        """``(output, h_n)`` for ``input`` from ``hx`` (zeros if omitted)."""
        return super().forward(input, hx)



class LSTM(RNNBase):
    r"""A long short-term memory network, in ``num_layers`` stacked layers. At each step::

        i = sigmoid(x W_ii^T + b_ii + h W_hi^T + b_hi)      (input gate)
        f = sigmoid(x W_if^T + b_if + h W_hf^T + b_hf)      (forget gate)
        g = tanh(x W_ig^T + b_ig + h W_hg^T + b_hg)         (cell candidate)
        o = sigmoid(x W_io^T + b_io + h W_ho^T + b_ho)      (output gate)
        c' = f * c + i * g
        h' = o * tanh(c')                       (then h' W_hr^T with proj_size)

    Every parameter starts as ``U(-1/sqrt(H_cell), 1/sqrt(H_cell))``.

    Parameters
    ----------
    input_size : int
        Features of the input, ``H_in``.
    hidden_size : int
        Features of the cell state, ``H_cell``.
    num_layers : int
        Stacked layers.
    bias : bool
        Learn ``b_ih`` and ``b_hh``.
    batch_first : bool
        Input and output are ``(N, L, *)``.
    dropout : float
        Dropout on every layer's output but the last's, while training.
    bidirectional : bool
        Also run each layer from the last step to the first.
    proj_size : int
        If positive, the hidden state is projected to this size (``H_out = proj_size``,
        else ``H_out = H_cell``).
    device, dtype : optional
        Of the parameters.

    Attributes
    ----------
    weight_ih_l0 : Parameter
        ``(4 * H_cell, H_in)``, the gates' rows in the order i, f, g, o;
        ``weight_ih_l1``, ... ``(4 * H_cell, D * H_out)`` for further layers, and
        ``weight_ih_l0_reverse``, ... for the reverse direction (likewise below).
    weight_hh_l0 : Parameter
        ``(4 * H_cell, H_out)``.
    bias_ih_l0, bias_hh_l0 : Parameter
        ``(4 * H_cell,)``, with ``bias``.
    weight_hr_l0 : Parameter
        ``(proj_size, H_cell)``, with ``proj_size``.

    Notes
    -----
    Inputs ``input, (h_0, c_0)``:

    - input: ``(L, N, H_in)`` (``(N, L, H_in)`` with ``batch_first``), ``(L, H_in)``
      unbatched, or a ``PackedSequence`` of variable-length sequences
      (:func:`cygrad.nn.utils.rnn.pack_padded_sequence`).
    - h_0: ``(D * num_layers, N, H_out)``; c_0: ``(D * num_layers, N, H_cell)``
      (without the ``N`` dim unbatched); zeros when omitted.

    Outputs ``output, (h_n, c_n)``:

    - output: ``(L, N, D * H_out)`` (``(N, L, D * H_out)`` with ``batch_first``): the last
      layer's hidden state at every step, the two directions' side by side (forwards
      first); for a packed input, a ``PackedSequence`` with the input's ``batch_sizes`` and
      indices.
    - h_n, c_n: shaped as ``h_0`` and ``c_0``, every layer's final hidden and
      cell states.

    ``D`` is 2 when ``bidirectional``, else 1. Layer ``k``'s states are rows ``D * k``
    (forwards) and ``D * k + 1`` (reverse) of the first dim; the reverse direction's final
    state is the one after the first step. For a packed input each sequence's final state is
    taken at its own last step, and with ``sorted_indices`` the states are given and
    returned in the caller's batch order.

    Examples
    --------
    >>> lstm = nn.LSTM(10, 20, batch_first=True, bidirectional=True)
    >>> output, (h_n, c_n) = lstm(cygrad.randn(3, 5, 10))
    >>> output.shape, h_n.shape, c_n.shape
    (cygrad.Size([3, 5, 40]), cygrad.Size([2, 3, 20]), cygrad.Size([2, 3, 20]))
    >>> nn.LSTM(10, 20, proj_size=4)(cygrad.randn(5, 10))[0].shape
    cygrad.Size([5, 4])
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, proj_size, device=device, dtype=dtype)

    def get_expected_cell_size(self, input, batch_sizes):
        """``(num_layers * num_directions, batch, hidden_size)``."""
        return self._expected_cell_size(input, batch_sizes)

    def check_forward_args(self, input, hidden, batch_sizes):
        """The input checks, then the shapes of ``hidden = (h_0, c_0)``."""
        self._check_forward(input, hidden, batch_sizes)

    def permute_hidden(self, hx, permutation):
        """``(h, c)`` with their batch dim reordered by ``permutation``."""
        return self._permute(hx, permutation)

    def forward(self, input, hx=None):
        """``(output, (h_n, c_n))`` for ``input`` from ``hx = (h_0, c_0)`` (zeros if
        omitted)."""
        return super().forward(input, hx)



class GRU(RNNBase):
    r"""A gated recurrent unit network, in ``num_layers`` stacked layers. At each step::

        r = sigmoid(x W_ir^T + b_ir + h W_hr^T + b_hr)      (reset gate)
        z = sigmoid(x W_iz^T + b_iz + h W_hz^T + b_hz)      (update gate)
        n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn))   (new state)
        h' = (1 - z) * n + z * h

    Every parameter starts as ``U(-1/sqrt(H_out), 1/sqrt(H_out))``.

    Parameters
    ----------
    input_size : int
        Features of the input, ``H_in``.
    hidden_size : int
        Features of the hidden state, ``H_out``.
    num_layers : int
        Stacked layers.
    bias : bool
        Learn ``b_ih`` and ``b_hh``.
    batch_first : bool
        Input and output are ``(N, L, *)``.
    dropout : float
        Dropout on every layer's output but the last's, while training.
    bidirectional : bool
        Also run each layer from the last step to the first.
    device, dtype : optional
        Of the parameters.

    Attributes
    ----------
    weight_ih_l0 : Parameter
        ``(3 * H_out, H_in)``, the gates' rows in the order r, z, n; ``weight_ih_l1``, ...
        ``(3 * H_out, D * H_out)`` for further layers, and ``weight_ih_l0_reverse``, ... for
        the reverse direction (likewise below).
    weight_hh_l0 : Parameter
        ``(3 * H_out, H_out)``.
    bias_ih_l0, bias_hh_l0 : Parameter
        ``(3 * H_out,)``, with ``bias``.

    Notes
    -----
    Inputs ``input, h_0``:

    - input: ``(L, N, H_in)`` (``(N, L, H_in)`` with ``batch_first``), ``(L, H_in)``
      unbatched, or a ``PackedSequence`` of variable-length sequences
      (:func:`cygrad.nn.utils.rnn.pack_padded_sequence`).
    - h_0: ``(D * num_layers, N, H_out)`` (``(D * num_layers, H_out)`` unbatched),
      zeros when omitted.

    Outputs ``output, h_n``:

    - output: ``(L, N, D * H_out)`` (``(N, L, D * H_out)`` with ``batch_first``): the last
      layer's hidden state at every step, the two directions' side by side (forwards
      first); for a packed input, a ``PackedSequence`` with the input's ``batch_sizes`` and
      indices.
    - h_n: shaped as ``h_0``, every layer's final hidden state.

    ``D`` is 2 when ``bidirectional``, else 1. Layer ``k``'s states are rows ``D * k``
    (forwards) and ``D * k + 1`` (reverse) of the first dim; the reverse direction's final
    state is the one after the first step. For a packed input each sequence's final state is
    taken at its own last step, and with ``sorted_indices`` the states are given and
    returned in the caller's batch order.

    Examples
    --------
    >>> gru = nn.GRU(10, 20, num_layers=2, dropout=0.1)
    >>> output, h_n = gru(cygrad.randn(5, 3, 10))
    >>> output.shape, h_n.shape
    (cygrad.Size([5, 3, 20]), cygrad.Size([2, 3, 20]))
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None, **kwargs):
        _no_proj_size("GRU", kwargs)
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        """``(output, h_n)`` for ``input`` from ``hx`` (zeros if omitted)."""
        return super().forward(input, hx)



# ====================================================================== cells
class RNNCellBase(Module):
    """What the cells share: ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh`` and
    their initialisation.

    Parameters
    ----------
    input_size, hidden_size : int
    bias : bool
    num_chunks : int
        Gate blocks: 1 (RNN), 4 (LSTM), 3 (GRU).
    device, dtype : optional

    Attributes
    ----------
    weight_ih : Parameter
        ``(num_chunks * hidden_size, input_size)``.
    weight_hh : Parameter
        ``(num_chunks * hidden_size, hidden_size)``.
    bias_ih, bias_hh : Parameter
        ``(num_chunks * hidden_size,)``, or None without ``bias``.

    Examples
    --------
    >>> nn.RNNCellBase(3, 2, bias=True, num_chunks=4).weight_hh.shape
    cygrad.Size([8, 2])
    """

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(creation.empty((num_chunks * hidden_size, input_size),
                                                  **kw))
        self.weight_hh = Parameter(creation.empty((num_chunks * hidden_size, hidden_size),
                                                  **kw))
        if bias:
            self.bias_ih = Parameter(creation.empty((num_chunks * hidden_size,), **kw))
            self.bias_hh = Parameter(creation.empty((num_chunks * hidden_size,), **kw))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self):
        s = "{input_size}, {hidden_size}"
        if "bias" in self.__dict__ and self.bias is not True:
            s += ", bias={bias}"
        if "nonlinearity" in self.__dict__ and self.nonlinearity != "tanh":
            s += ", nonlinearity={nonlinearity}"
        return s.format(**self.__dict__)

    def reset_parameters(self):
        """Re-draw every parameter from ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _step(self, mode, input, states):
        """One step of ``mode`` through :func:`~cygrad.nn._recurrent.recurrence`: ``input``
        ``(B, input_size)`` and ``states`` a list of ``(B, hidden_size)`` tensors (``[h]``
        or ``[h, c]``), checked as PyTorch checks them; returns ``(h', c')``."""
        if input.size(1) != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.size(1)} "
                               f"expected {self.input_size}")
        for i, s in enumerate(states):
            if input.size(0) != s.size(0):
                raise RuntimeError(f"Input batch size {input.size(0)} doesn't match "
                                   f"hidden{i} batch size {s.size(0)}")
            if s.size(1) != self.hidden_size:
                raise RuntimeError(f"hidden{i} has inconsistent hidden_size: got "
                                   f"{s.size(1)}, expected {self.hidden_size}")
        b_ih = self.bias_ih
        if b_ih is not None and mode != "GRU":
            b_ih = b_ih + self.bias_hh
        xg = F.linear(input, self.weight_ih, b_ih)
        _, h, c = recurrence(mode, xg, [input.size(0)], states[0],
                             states[1] if mode == "LSTM" else None, self.weight_hh,
                             self.bias_hh if mode == "GRU" else None, None, False)
        return h, c


def _cell_input(name, input):
    """Check ranks as PyTorch's cells do; returns the batched input and whether the caller's
    input was batched."""
    if input.dim() not in (1, 2):
        raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
    is_batched = input.dim() == 2
    if not is_batched:
        input = input.unsqueeze(0)
    return input, is_batched


class RNNCell(RNNCellBase):
    r"""One step of an Elman RNN: ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)``
    (``relu`` with ``nonlinearity='relu'``).

    Every parameter starts as ``U(-1/sqrt(H_out), 1/sqrt(H_out))``.

    Parameters
    ----------
    input_size : int
        Features of the input, ``H_in``.
    hidden_size : int
        Features of the hidden state, ``H_out``.
    bias : bool
        Learn ``bias_ih`` and ``bias_hh``.
    nonlinearity : {'tanh', 'relu'}
    device, dtype : optional
        Of the parameters.

    Attributes
    ----------
    weight_ih : Parameter
        ``(H_out, H_in)``.
    weight_hh : Parameter
        ``(H_out, H_out)``.
    bias_ih, bias_hh : Parameter
        ``(H_out,)``, or None without ``bias``.

    Notes
    -----
    Inputs ``input, hx``: ``(N, H_in)`` or unbatched ``(H_in)``; ``hx`` ``(N, H_out)`` or
    ``(H_out)``, zeros when omitted. Output: the next hidden state, ``(N, H_out)`` or
    ``(H_out)``.

    Examples
    --------
    >>> cell = nn.RNNCell(10, 20)
    >>> h = cygrad.zeros(3, 20)
    >>> for x in cygrad.randn(6, 3, 10):
    ...     h = cell(x, h)
    >>> h.shape
    cygrad.Size([3, 20])
    """

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device,
                         dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        """The next hidden state ``h'`` for ``input`` from ``hx``."""
        input, is_batched = _cell_input("RNNCell", input)
        if hx is not None and hx.dim() not in (1, 2):
            raise ValueError(f"RNNCell: Expected hidden to be 1D or 2D, got {hx.dim()}D "
                             "instead")
        if hx is None:
            hx = creation.zeros(input.size(0), self.hidden_size, dtype=input.dtype)
        elif not is_batched:
            hx = hx.unsqueeze(0)
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        h, _ = self._step(mode, input, [hx])
        return h if is_batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    r"""One step of an LSTM (the gates of :class:`LSTM`): ``(h', c')`` from ``x`` and
    ``(h, c)``.

    Every parameter starts as ``U(-1/sqrt(H), 1/sqrt(H))``.

    Parameters
    ----------
    input_size : int
        Features of the input, ``H_in``.
    hidden_size : int
        Features of the hidden and cell states, ``H``.
    bias : bool
        Learn ``bias_ih`` and ``bias_hh``.
    device, dtype : optional
        Of the parameters.

    Attributes
    ----------
    weight_ih : Parameter
        ``(4 * H, H_in)``, the gates' rows in the order i, f, g, o.
    weight_hh : Parameter
        ``(4 * H, H)``.
    bias_ih, bias_hh : Parameter
        ``(4 * H,)``, or None without ``bias``.

    Notes
    -----
    Inputs ``input, (h_0, c_0)``: ``(N, H_in)`` or unbatched ``(H_in)``; the states
    ``(N, H)`` or ``(H)``, zeros when omitted. Output ``(h_1, c_1)``, shaped as the
    states.

    Examples
    --------
    >>> cell = nn.LSTMCell(10, 20)
    >>> h, c = cell(cygrad.randn(3, 10))
    >>> h, c = cell(cygrad.randn(3, 10), (h, c))
    >>> h.shape, c.shape
    (cygrad.Size([3, 20]), cygrad.Size([3, 20]))
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device,
                         dtype=dtype)

    def forward(self, input, hx=None):
        """The next ``(h', c')`` for ``input`` from ``hx = (h, c)``."""
        input, is_batched = _cell_input("LSTMCell", input)
        if hx is not None:
            if not isinstance(hx, (tuple, list)):
                raise TypeError("lstm_cell(): argument 'hx' (position 2) must be tuple of "
                                f"Tensors, not {type(hx).__name__}")
            for idx, value in enumerate(hx):
                if value.dim() not in (1, 2):
                    raise ValueError(f"LSTMCell: Expected hx[{idx}] to be 1D or 2D, got "
                                     f"{value.dim()}D instead")
        if hx is None:
            zeros = creation.zeros(input.size(0), self.hidden_size, dtype=input.dtype)
            hx = (zeros, zeros)
        elif not is_batched:
            hx = (hx[0].unsqueeze(0), hx[1].unsqueeze(0))
        h, c = self._step("LSTM", input, list(hx))
        if not is_batched:
            return h.squeeze(0), c.squeeze(0)
        return h, c


class GRUCell(RNNCellBase):
    r"""One step of a GRU (the gates of :class:`GRU`): ``h'`` from ``x`` and ``h``.

    Every parameter starts as ``U(-1/sqrt(H_out), 1/sqrt(H_out))``.

    Parameters
    ----------
    input_size : int
        Features of the input, ``H_in``.
    hidden_size : int
        Features of the hidden state, ``H_out``.
    bias : bool
        Learn ``bias_ih`` and ``bias_hh``.
    device, dtype : optional
        Of the parameters.

    Attributes
    ----------
    weight_ih : Parameter
        ``(3 * H_out, H_in)``, the gates' rows in the order r, z, n.
    weight_hh : Parameter
        ``(3 * H_out, H_out)``.
    bias_ih, bias_hh : Parameter
        ``(3 * H_out,)``, or None without ``bias``.

    Notes
    -----
    Inputs ``input, hx``: ``(N, H_in)`` or unbatched ``(H_in)``; ``hx`` ``(N, H_out)`` or
    ``(H_out)``, zeros when omitted. Output: the next hidden state, ``(N, H_out)`` or
    ``(H_out)``.

    Examples
    --------
    >>> cell = nn.GRUCell(10, 20)
    >>> cell(cygrad.randn(10)).shape
    cygrad.Size([20])
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device,
                         dtype=dtype)

    def forward(self, input, hx=None):
        """The next hidden state ``h'`` for ``input`` from ``hx``."""
        input, is_batched = _cell_input("GRUCell", input)
        if hx is not None and hx.dim() not in (1, 2):
            raise ValueError(f"GRUCell: Expected hidden to be 1D or 2D, got {hx.dim()}D "
                             "instead")
        if hx is None:
            hx = creation.zeros(input.size(0), self.hidden_size, dtype=input.dtype)
        elif not is_batched:
            hx = hx.unsqueeze(0)
        h, _ = self._step("GRU", input, [hx])
        return h if is_batched else h.squeeze(0)
