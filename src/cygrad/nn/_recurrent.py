"""The time loop of the recurrent layers: one function, :func:`recurrence`, that every layer
of :mod:`cygrad.nn.modules.rnn` (``RNN``, ``LSTM``, ``GRU`` and their cells) calls once per
layer and direction.

The split of work follows where the cost is. The input projection ``x @ w_ih.T + b_ih`` of a
whole sequence does not depend on the hidden state, so the module computes it before the
loop, in one matrix product per layer and direction; what is left for the loop is the part
that must run step by step: ``h @ w_hh.T``, the gate nonlinearities and the state update.
All of that arithmetic lives here and nowhere else, so that a fused kernel can replace the
body of :func:`recurrence` without the modules changing.

Sequences are laid out as PyTorch's ``PackedSequence`` lays them out: time-major rows, step
``t`` holding the first ``batch_sizes[t]`` sequences of the batch (the longest first). A
padded ``(T, B, *)`` input is the special case ``batch_sizes = [B] * T``.

Float32 and float64 sequences run in the core's fused time loop (``cygrad._core._rnn``:
per step one product with the recurrent weight, packed once per call, and one pointwise
pass over the gates), recorded as one :class:`RecurrenceBackward0` node whose backward is
the core's reverse time loop plus one product per weight. The node has one output, a flat
tensor holding ``out``, ``h_n`` and ``c_n`` one after the other; the three are views of it,
so gradients reaching any of them meet in that node. :func:`_recurrence_composite` is the
same recurrence written with recorded cygrad operations (a Python loop over the steps): the
node's backward replays it when ``create_graph`` asks for a differentiable backward.
"""
import builtins

from .._core import _rnn as _rnn_core
from ..autograd import grad_mode
from ..autograd._functions import _differentiable, record
from ..autograd.grad_mode import needs_grad
from ..autograd.graph import Node
from ..functional import cat as _cat

__all__ = ["recurrence", "GATES"]

#: Gate blocks per mode, in PyTorch's order along the rows of ``w_ih``/``w_hh``:
#: ``RNN_*``: one; ``LSTM``: input, forget, cell, output (i, f, g, o); ``GRU``: reset,
#: update, new (r, z, n).
GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def recurrence(mode, xg, batch_sizes, h0, c0, w_hh, b_hh, w_hr, reverse):
    """Run one layer in one direction over a (packed) sequence.

    Parameters
    ----------
    mode : {'RNN_TANH', 'RNN_RELU', 'LSTM', 'GRU'}
        The cell.
    xg : Tensor
        ``(N, G*H)``: the input already projected, ``x @ w_ih.T + b_ih``, with ``b_hh``
        added as well for every mode except ``'GRU'`` (whose new gate multiplies
        ``h @ w_hh.T + b_hh`` by the reset gate, so ``b_hh`` is needed on its own). ``G`` is
        ``GATES[mode]``, ``H`` the hidden size and ``N = sum(batch_sizes)``; step ``t``
        reads rows ``[off_t, off_t + batch_sizes[t])`` with ``off_t = sum(batch_sizes[:t])``.
    batch_sizes : list of int
        Sequences alive at each step, non-increasing, at least one step.
    h0 : Tensor
        ``(B, Hout)`` initial hidden state, ``B = batch_sizes[0]``; ``Hout`` is the
        projection size when ``w_hr`` is given, else ``H``.
    c0 : Tensor or None
        ``(B, H)`` initial cell state for ``'LSTM'``, else None.
    w_hh : Tensor
        ``(G*H, Hout)`` hidden-to-hidden weights.
    b_hh : Tensor or None
        ``(G*H,)`` hidden-to-hidden bias for ``'GRU'`` with bias, else None.
    w_hr : Tensor or None
        ``(Hout, H)`` LSTM projection: ``h = (o * tanh(c)) @ w_hr.T``; None without one.
    reverse : bool
        Process the steps from last to first (the second direction of a bidirectional
        layer). A sequence then starts at its own last step, from its row of ``h0``.

    Returns
    -------
    out : Tensor
        ``(N, Hout)``: the hidden state after every step, in the rows of ``xg``.
    h_n : Tensor
        ``(B, Hout)``: each sequence's hidden state after its last processed step (its own
        last step forwards, its first step in reverse).
    c_n : Tensor or None
        ``(B, H)``: the same for the LSTM cell state; None for the other modes.
    """
    if mode not in GATES:
        raise ValueError(f"Unknown recurrent mode: {mode!r}")
    inputs = (xg, h0, c0, w_hh, b_hh, w_hr)
    batch_sizes = [int(b) for b in batch_sizes]
    code = _rnn_core.MODES[mode]
    out, h_n, c_n, saved = _rnn_core.forward(
        code, _plain(xg), batch_sizes, _plain(h0), _plain(c0), _plain(w_hh), _plain(b_hh),
        _plain(w_hr), reverse)
    if not builtins.any(t is not None and needs_grad(t) for t in inputs):
        return out, h_n, c_n
    parts = [out.reshape(-1), h_n.reshape(-1)] + ([c_n.reshape(-1)] if c_n is not None else [])
    with grad_mode.no_grad():
        flat = _cat(parts, 0)
    node = record(RecurrenceBackward0, inputs, flat)
    node.mode = mode
    node.batch_sizes = batch_sizes
    node.reverse = reverse
    node.save(xg, h0, c0, w_hh, b_hh, w_hr, out, *saved)
    n_out, n_h = out.numel(), h_n.numel()
    out_v = flat[:n_out].view(out.shape)
    h_v = flat[n_out:n_out + n_h].view(h_n.shape)
    c_v = flat[n_out + n_h:].view(c_n.shape) if c_n is not None else None
    return out_v, h_v, c_v


def _plain(t):
    """A contiguous tensor without history for the core loop (None stays None)."""
    if t is None:
        return None
    if t._requires_grad:
        t = t.detach()
    return t if t.is_contiguous() else t.contiguous()


class RecurrenceBackward0(Node):
    """One layer and direction of a recurrent layer over a whole sequence: inputs
    ``(xg, h0, c0, w_hh, b_hh, w_hr)``, output the flat ``(out, h_n, c_n)``.

    Saved: the inputs, the output rows and the core loop's per-step workspace (the state
    before each step, the activated gates, the LSTM's cell states). Backward: the core's
    reverse time loop gives the gradients of ``xg``, ``h0`` and ``c0``; the recurrent
    weight's is one product of the step gradients with the saved states, the projection's
    another, the GRU hidden bias's a column sum. Under ``create_graph`` the recurrence is
    replayed from the saved inputs with recorded operations and differentiated by them.
    """

    __slots__ = ("mode", "batch_sizes", "reverse")

    def apply(self, g):
        xg, h0, c0, w_hh, b_hh, w_hr, out, *saved = self.saved
        if _differentiable(g, *(t for t in (xg, h0, c0, w_hh, b_hh, w_hr) if t is not None)):
            return self._replay(g, xg, h0, c0, w_hh, b_hh, w_hr)
        n_out, n_h = out.numel(), h0.numel()
        g = g if g.is_contiguous() else g.contiguous()
        dout = g[:n_out].view(out.shape)
        dhn = g[n_out:n_out + n_h].view(h0.shape)
        dcn = g[n_out + n_h:].view(c0.shape) if c0 is not None else None
        dxg, dh0, dc0, dhg, dhout = _rnn_core.backward(
            _rnn_core.MODES[self.mode], self.batch_sizes, _plain(w_hh), _plain(w_hr),
            self.reverse, out, tuple(saved), dout, dhn, dcn)
        hprev, hraw = saved[0], saved[4]
        gw_hh = dhg.t() @ hprev if self.needs(3) else None
        gb_hh = dhg.sum(0) if self.needs(4) else None
        gw_hr = dhout.t() @ hraw if self.needs(5) else None
        return ((dxg if self.needs(0) else None), (dh0 if self.needs(1) else None),
                (dc0 if self.needs(2) else None), gw_hh, gb_hh, gw_hr)

    def _replay(self, g, xg, h0, c0, w_hh, b_hh, w_hr):
        from ..autograd import grad as _grad       # the same layer: autograd's public API
        inputs = (xg, h0, c0, w_hh, b_hh, w_hr)
        want = [i for i, t in enumerate(inputs) if t is not None and self.needs(i)]
        with grad_mode.enable_grad():
            out, h_n, c_n = _recurrence_composite(self.mode, xg, self.batch_sizes, h0, c0,
                                                  w_hh, b_hh, w_hr, self.reverse)
            parts = [out.reshape(-1), h_n.reshape(-1)]
            if c_n is not None:
                parts.append(c_n.reshape(-1))
            grads = _grad(_cat(parts, 0), [inputs[i] for i in want], g, create_graph=True,
                          allow_unused=True)
        result = [None] * 6
        for i, gi in zip(want, grads):
            result[i] = gi
        return tuple(result)


def _step(mode, x, h, c, w_hh_t, b_hh, w_hr_t):
    """One time step on the live rows: ``x`` ``(b, G*H)`` projected input, ``h`` ``(b, Hout)``
    and ``c`` ``(b, H)`` (LSTM) the states; returns the new ``(h, c)``."""
    hg = h @ w_hh_t
    if mode == "RNN_TANH":
        return (x + hg).tanh(), None
    if mode == "RNN_RELU":
        return (x + hg).relu(), None
    if mode == "LSTM":
        i, f, g, o = (x + hg).chunk(4, 1)
        c = f.sigmoid() * c + i.sigmoid() * g.tanh()
        h = o.sigmoid() * c.tanh()
        if w_hr_t is not None:
            h = h @ w_hr_t
        return h, c
    # GRU: n = tanh(x_n + r * (h @ w_hn.T + b_hn)), h' = (1 - z) * n + z * h
    if b_hh is not None:
        hg = hg + b_hh
    xr, xz, xn = x.chunk(3, 1)
    hr, hz, hn = hg.chunk(3, 1)
    r = (xr + hr).sigmoid()
    z = (xz + hz).sigmoid()
    n = (xn + r * hn).tanh()
    return n + z * (h - n), None


def _recurrence_composite(mode, xg, batch_sizes, h0, c0, w_hh, b_hh, w_hr, reverse):
    """:func:`recurrence` from recorded cygrad operations (a Python loop over the steps).

    Forwards, the live rows only shrink: when ``batch_sizes`` drops, the rows that leave are
    final and are set aside (their state is ``h_n``'s); in reverse the live rows only grow,
    and a sequence that joins starts from its row of ``h0``. Either way each step works on
    the first ``batch_sizes[t]`` rows and nothing is copied for the rows that wait. The
    per-step outputs are joined with one ``cat`` at the end.
    """
    if mode not in GATES:
        raise ValueError(f"Unknown recurrent mode: {mode!r}")
    lstm = mode == "LSTM"
    T = len(batch_sizes)
    offsets = [0] * T
    for t in range(1, T):
        offsets[t] = offsets[t - 1] + batch_sizes[t - 1]
    w_hh_t = w_hh.t()
    w_hr_t = w_hr.t() if w_hr is not None else None
    outs = [None] * T
    if not reverse:
        h, c = h0, c0
        done_h, done_c = [], []         # finished rows, highest rows first
        for t in range(T):
            bs, off = batch_sizes[t], offsets[t]
            if bs < h.shape[0]:
                done_h.append(h[bs:])
                h = h[:bs]
                if lstm:
                    done_c.append(c[bs:])
                    c = c[:bs]
            h, c = _step(mode, xg[off:off + bs], h, c, w_hh_t, b_hh, w_hr_t)
            outs[t] = h
        h_n = _cat([h] + done_h[::-1], 0) if done_h else h
        c_n = (_cat([c] + done_c[::-1], 0) if done_c else c) if lstm else None
    else:
        bs = batch_sizes[T - 1]
        h = h0[:bs]
        c = c0[:bs] if lstm else None
        for t in range(T - 1, -1, -1):
            bs, off = batch_sizes[t], offsets[t]
            if bs > h.shape[0]:
                h = _cat([h, h0[h.shape[0]:bs]], 0)
                if lstm:
                    c = _cat([c, c0[c.shape[0]:bs]], 0)
            h, c = _step(mode, xg[off:off + bs], h, c, w_hh_t, b_hh, w_hr_t)
            outs[t] = h
        h_n, c_n = h, c
    out = _cat(outs, 0) if T > 1 else outs[0]
    return out, h_n, c_n
