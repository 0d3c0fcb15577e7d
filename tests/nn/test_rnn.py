"""``nn.RNN``, ``nn.LSTM``, ``nn.GRU`` and the cells against PyTorch on the same weights
(copied through ``state_dict``): outputs, final states and every gradient (parameters,
input, initial states) over layers, directions, ``batch_first``, bias, unbatched input,
initial states, projections, dropout and packed sequences; the engine
(``cygrad.nn._recurrent.recurrence``) on its own, gradcheck in float64, state_dict round
trips, parameter names, reprs and PyTorch's error messages."""
import warnings

import numpy as np
import pytest

import cygrad
import cygrad.nn as nn
import cygrad.nn.functional as F
from cygrad.autograd import gradcheck
from cygrad.nn._recurrent import recurrence
from cygrad.nn.utils.rnn import pack_padded_sequence
from .nnutil import assert_close, load_from_torch

torch = pytest.importorskip("torch")

# torch's CPU LSTM says once that its oneDNN path has no projections; not about cygrad
pytestmark = pytest.mark.filterwarnings(
    "ignore:LSTM with projections is not supported with oneDNN:UserWarning")

RTOL, ATOL = 1e-4, 1e-5
IN, HID, T, B = 5, 6, 4, 3

# (class name, constructor keywords, mode)
MODES = [("RNN", {}, "RNN_TANH"), ("RNN", {"nonlinearity": "relu"}, "RNN_RELU"),
         ("LSTM", {}, "LSTM"), ("GRU", {}, "GRU")]
MODE_IDS = [m[2] for m in MODES]


def _data(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _leaf(arr):
    """The same values as a cygrad leaf and a torch leaf, both requiring grad."""
    return (cygrad.tensor(arr, requires_grad=True),
            torch.tensor(arr, requires_grad=True))


def _pair(name, *args, seed=0, **kw):
    """A torch module and a cygrad module with the torch module's weights."""
    torch.manual_seed(seed)
    tm = getattr(torch.nn, name)(*args, **kw)
    return load_from_torch(getattr(nn, name)(*args, **kw), tm), tm


def _flatten(result):
    """The tensors of a result, in order: a tensor, ``(h, c)``, ``(output, h)`` or
    ``(output, (h, c))``; a packed output contributes its data."""
    if not isinstance(result, tuple) or hasattr(result, "batch_sizes"):
        result = (result,)
    flat = []
    for r in result:
        if hasattr(r, "batch_sizes"):
            flat.append(r.data)
        elif isinstance(r, tuple):
            flat.extend(r)
        else:
            flat.append(r)
    return flat


def _check_result(cout, tout, seed=100):
    """Compare every returned tensor, then backward a weighted sum of all of them."""
    cflat, tflat = _flatten(cout), _flatten(tout)
    assert len(cflat) == len(tflat)
    closs, tloss = 0.0, 0.0
    for k, (c, t) in enumerate(zip(cflat, tflat)):
        assert_close(c, t, rtol=RTOL, atol=ATOL)
        w = _data(tuple(t.shape), seed + k)
        closs = closs + (c * cygrad.tensor(w)).sum()
        tloss = tloss + (t * torch.tensor(w)).sum()
    closs.backward()
    tloss.backward()


def _check_grads(cm, tm, pairs=()):
    """Parameter gradients by name, and the gradients of the ``(cygrad, torch)`` leaves."""
    tp = dict(tm.named_parameters())
    assert [n for n, _ in cm.named_parameters()] == list(tp)
    for n, p in cm.named_parameters():
        assert_close(p.grad, tp[n].grad, rtol=RTOL, atol=ATOL)
    for c, t in pairs:
        assert_close(c.grad, t.grad, rtol=RTOL, atol=ATOL)


def _states(name, shape, hout, seed):
    """Initial states as ``(cygrad hx, torch hx, leaf pairs)``."""
    h, th = _leaf(_data(shape[:-1] + (hout,), seed))
    if name != "LSTM":
        return h, th, [(h, th)]
    c, tc = _leaf(_data(shape, seed + 1))
    return (h, c), (th, tc), [(h, th), (c, tc)]


# ====================================================================== layers
@pytest.mark.parametrize("init_state", [False, True], ids=["zeros", "h0"])
@pytest.mark.parametrize("unbatched", [False, True], ids=["batched", "unbatched"])
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "nobias"])
@pytest.mark.parametrize("batch_first", [False, True], ids=["seqfirst", "batchfirst"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("name,kw,mode", MODES, ids=MODE_IDS)
def test_layer_matches_torch(name, kw, mode, num_layers, bidirectional, batch_first, bias,
                             unbatched, init_state):
    cm, tm = _pair(name, IN, HID, num_layers=num_layers, bidirectional=bidirectional,
                   batch_first=batch_first, bias=bias, **kw)
    D = 2 if bidirectional else 1
    if unbatched:
        xshape, sshape = (T, IN), (D * num_layers, HID)
    else:
        xshape = (B, T, IN) if batch_first else (T, B, IN)
        sshape = (D * num_layers, B, HID)
    x, tx = _leaf(_data(xshape, 1))
    pairs = [(x, tx)]
    if init_state:
        hx, thx, leaves = _states(name, sshape, HID, 2)
        pairs += leaves
        cout, tout = cm(x, hx), tm(tx, thx)
    else:
        cout, tout = cm(x), tm(tx)
    _check_result(cout, tout)
    _check_grads(cm, tm, pairs)


@pytest.mark.parametrize("init_state", [False, True], ids=["zeros", "h0"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("num_layers", [1, 2])
def test_lstm_projection_matches_torch(num_layers, bidirectional, init_state):
    P = 3
    cm, tm = _pair("LSTM", IN, HID, num_layers=num_layers, bidirectional=bidirectional,
                   proj_size=P)
    D = 2 if bidirectional else 1
    x, tx = _leaf(_data((T, B, IN), 1))
    pairs = [(x, tx)]
    if init_state:
        h, th = _leaf(_data((D * num_layers, B, P), 2))
        c, tc = _leaf(_data((D * num_layers, B, HID), 3))
        pairs += [(h, th), (c, tc)]
        cout, tout = cm(x, (h, c)), tm(tx, (th, tc))
    else:
        cout, tout = cm(x), tm(tx)
    assert cout[0].shape == (T, B, D * P) and cout[1][0].shape == (D * num_layers, B, P)
    _check_result(cout, tout)
    _check_grads(cm, tm, pairs)


def test_unbatched_lstm_projection():
    cm, tm = _pair("LSTM", IN, HID, proj_size=2, bidirectional=True)
    x, tx = _leaf(_data((T, IN), 1))
    h, th = _leaf(_data((2, 2), 2))
    c, tc = _leaf(_data((2, HID), 3))
    _check_result(cm(x, (h, c)), tm(tx, (th, tc)))
    _check_grads(cm, tm, [(x, tx), (h, th), (c, tc)])


# ====================================================================== dropout
@pytest.mark.parametrize("name,kw,mode", MODES, ids=MODE_IDS)
def test_dropout_eval_is_identity_and_zero_p_matches_torch(name, kw, mode):
    cm, tm = _pair(name, IN, HID, num_layers=2, dropout=0.5, **kw)
    x, tx = _leaf(_data((T, B, IN), 1))
    cm.eval()
    tm.eval()
    _check_result(cm(x), tm(tx))
    _check_grads(cm, tm, [(x, tx)])
    # p = 0 in training: the same as torch in training
    cm0, tm0 = _pair(name, IN, HID, num_layers=2, dropout=0.0, **kw)
    x0, tx0 = _leaf(_data((T, B, IN), 1))
    _check_result(cm0(x0), tm0(tx0))
    _check_grads(cm0, tm0, [(x0, tx0)])


@pytest.mark.parametrize("name,kw,mode", MODES, ids=MODE_IDS)
def test_dropout_in_training(name, kw, mode):
    cygrad.manual_seed(0)
    m = getattr(nn, name)(IN, HID, num_layers=3, dropout=0.5, bidirectional=True, **kw)
    x = cygrad.tensor(_data((T, B, IN), 1))
    cygrad.manual_seed(7)
    a = m(x)[0]
    cygrad.manual_seed(7)
    b = m(x)[0]
    c = m(x)[0]                     # the generator has moved on: other masks
    m.eval()
    e = m(x)[0]
    assert np.array_equal(a.numpy(), b.numpy())
    assert not np.allclose(a.numpy(), c.numpy())
    assert not np.allclose(a.numpy(), e.numpy())
    # dropout is recorded: gradients flow through the masks
    cygrad.manual_seed(7)
    m.train()
    m(x)[0].sum().backward()
    assert m.weight_ih_l0.grad is not None and bool(m.weight_ih_l0.grad.abs().sum() > 0)


def test_dropout_with_one_layer_warns_and_is_not_applied():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than "
                                         r"1, but got dropout=0.5 and num_layers=1"):
        m = nn.GRU(IN, HID, dropout=0.5)
    with pytest.warns(UserWarning):
        torch.nn.GRU(IN, HID, dropout=0.5)
    x = cygrad.tensor(_data((T, B, IN), 1))
    train_out = m(x)[0]             # no dropout after the last (only) layer
    assert np.array_equal(train_out.numpy(), m.eval()(x)[0].numpy())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.GRU(IN, HID, num_layers=2, dropout=0.5)


# ====================================================================== packed sequences
def _packed_both(lengths, enforce_sorted, seed=1):
    """The same padded batch packed by cygrad and by torch, and the padded leaves."""
    x, tx = _leaf(_data((max(lengths), len(lengths), IN), seed))
    tp = torch.nn.utils.rnn.pack_padded_sequence(tx, lengths, enforce_sorted=enforce_sorted)
    cp = pack_padded_sequence(x, lengths, enforce_sorted=enforce_sorted)
    return cp, tp, (x, tx)


@pytest.mark.parametrize("init_state", [False, True], ids=["zeros", "h0"])
@pytest.mark.parametrize("enforce_sorted", [True, False], ids=["sorted", "unsorted"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("name,kw,mode", MODES + [("LSTM", {"proj_size": 2}, "LSTM-proj")],
                         ids=MODE_IDS + ["LSTM-proj"])
def test_packed_sequence_matches_torch(name, kw, mode, bidirectional, enforce_sorted,
                                       init_state):
    cm, tm = _pair(name, IN, HID, num_layers=2, bidirectional=bidirectional, **kw)
    lengths = [5, 3, 3, 1] if enforce_sorted else [3, 5, 1, 3]
    cp, tp, xs = _packed_both(lengths, enforce_sorted)
    D = 2 if bidirectional else 1
    pairs = [xs]
    if init_state:
        # distinct rows per sequence: a wrong permutation of h0 shows in the outputs
        hx, thx, leaves = _states(name, (2 * D, len(lengths), HID), kw.get("proj_size", HID),
                                  2)
        pairs += leaves
        cout, tout = cm(cp, hx), tm(tp, thx)
    else:
        cout, tout = cm(cp), tm(tp)
    out = cout[0]
    assert type(out) is type(cp)
    assert out.batch_sizes.tolist() == tp.batch_sizes.tolist()
    for a, b in ((out.sorted_indices, tp.sorted_indices),
                 (out.unsorted_indices, tp.unsorted_indices)):
        assert (a is None) == (b is None)
        if a is not None:
            assert a.tolist() == b.tolist()
    _check_result(cout, tout)
    _check_grads(cm, tm, pairs)


# ====================================================================== the engine alone
def _direction_weights(tm, suffix):
    g = lambda n: cygrad.tensor(getattr(tm, n + suffix).detach().numpy(), requires_grad=True)
    return g("weight_ih_l0"), g("weight_hh_l0"), g("bias_ih_l0"), g("bias_hh_l0")


@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
@pytest.mark.parametrize("name,kw,mode", MODES, ids=MODE_IDS)
def test_recurrence_on_packed_rows_matches_torch(name, kw, mode, reverse):
    """``recurrence`` with ragged ``batch_sizes`` against torch's packed layer, one direction
    at a time, without going through the module (the interface a fused kernel keeps)."""
    torch.manual_seed(0)
    tm = getattr(torch.nn, name)(IN, HID, bidirectional=True, **kw)
    lengths = [4, 4, 2, 1]
    padded = torch.tensor(_data((4, 4, IN), 1))
    tp = torch.nn.utils.rnn.pack_padded_sequence(padded, lengths)
    th0 = torch.tensor(_data((2, 4, HID), 2))
    tc0 = torch.tensor(_data((2, 4, HID), 3))
    tout, thn = tm(tp, (th0, tc0) if mode == "LSTM" else th0)
    thn, tcn = thn if mode == "LSTM" else (thn, None)
    d = int(reverse)
    w_ih, w_hh, b_ih, b_hh = _direction_weights(tm, "_reverse" if reverse else "")
    x = cygrad.tensor(tp.data.numpy())
    xg = F.linear(x, w_ih, b_ih if mode == "GRU" else b_ih + b_hh)
    h0 = cygrad.tensor(th0[d].numpy())
    c0 = cygrad.tensor(tc0[d].numpy()) if mode == "LSTM" else None
    out, hn, cn = recurrence(mode, xg, tp.batch_sizes.tolist(), h0, c0, w_hh,
                             b_hh if mode == "GRU" else None, None, reverse)
    assert_close(out, tout.data[:, d * HID:(d + 1) * HID], rtol=RTOL, atol=ATOL)
    assert_close(hn, thn[d], rtol=RTOL, atol=ATOL)
    if mode == "LSTM":
        assert_close(cn, tcn[d], rtol=RTOL, atol=ATOL)
    else:
        assert cn is None


@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
@pytest.mark.parametrize("mode,proj", [("RNN_TANH", 0), ("RNN_RELU", 0), ("LSTM", 0),
                                       ("LSTM", 1), ("GRU", 0)],
                         ids=["RNN_TANH", "RNN_RELU", "LSTM", "LSTM-proj", "GRU"])
def test_recurrence_gradcheck(mode, proj, reverse):
    """Every input of the engine, on ragged ``batch_sizes``, against finite differences."""
    rng = np.random.default_rng(0)
    H, G = 2, {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}[mode]
    Hout = proj or H
    batch_sizes = [3, 2, 2, 1]

    def leaf(*shape):
        return cygrad.tensor(rng.uniform(-1, 1, shape), dtype=cygrad.float64,
                             requires_grad=True)

    names = ["xg", "h0", "c0", "w_hh", "b_hh", "w_hr"]
    given = {"xg": leaf(sum(batch_sizes), G * H), "h0": leaf(3, Hout),
             "c0": leaf(3, H) if mode == "LSTM" else None, "w_hh": leaf(G * H, Hout),
             "b_hh": leaf(G * H) if mode == "GRU" else None,
             "w_hr": leaf(proj, H) if proj else None}
    present = [n for n in names if given[n] is not None]

    def f(*args):
        a = dict.fromkeys(names)
        a.update(zip(present, args))
        out, hn, cn = recurrence(mode, a["xg"], batch_sizes, a["h0"], a["c0"], a["w_hh"],
                                 a["b_hh"], a["w_hr"], reverse)
        return (out, hn) if cn is None else (out, hn, cn)

    assert gradcheck(f, tuple(given[n] for n in present))


@pytest.mark.parametrize("name,kw,mode", MODES + [("LSTM", {"proj_size": 1}, "LSTM-proj")],
                         ids=MODE_IDS + ["LSTM-proj"])
def test_layer_gradcheck(name, kw, mode):
    cygrad.manual_seed(0)
    m = getattr(nn, name)(2, 2, num_layers=2, bidirectional=True, dtype=cygrad.float64, **kw)
    x = cygrad.randn(3, 2, 2, dtype=cygrad.float64, requires_grad=True)
    h = cygrad.randn(4, 2, kw.get("proj_size", 2), dtype=cygrad.float64, requires_grad=True)
    if name == "LSTM":
        c = cygrad.randn(4, 2, 2, dtype=cygrad.float64, requires_grad=True)

        def f(x, h, c):
            out, (hn, cn) = m(x, (h, c))
            return out, hn, cn

        assert gradcheck(f, (x, h, c))
    else:
        assert gradcheck(lambda x, h: m(x, h), (x, h))


# ====================================================================== cells
CELLS = [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}), ("LSTMCell", {}),
         ("GRUCell", {})]
CELL_IDS = ["RNNCell-tanh", "RNNCell-relu", "LSTMCell", "GRUCell"]


@pytest.mark.parametrize("init_state", [False, True], ids=["zeros", "hx"])
@pytest.mark.parametrize("unbatched", [False, True], ids=["batched", "unbatched"])
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "nobias"])
@pytest.mark.parametrize("name,kw", CELLS, ids=CELL_IDS)
def test_cell_matches_torch(name, kw, bias, unbatched, init_state):
    cm, tm = _pair(name, IN, HID, bias=bias, **kw)
    x, tx = _leaf(_data((IN,) if unbatched else (B, IN), 1))
    pairs = [(x, tx)]
    if init_state:
        shape = (HID,) if unbatched else (B, HID)
        hx, thx, leaves = _states("LSTM" if name == "LSTMCell" else name, shape, HID, 2)
        pairs += leaves
        cout, tout = cm(x, hx), tm(tx, thx)
    else:
        cout, tout = cm(x), tm(tx)
    _check_result(cout, tout)
    _check_grads(cm, tm, pairs)


@pytest.mark.parametrize("name,kw", CELLS, ids=CELL_IDS)
def test_cell_over_a_sequence_equals_the_layer(name, kw):
    """A cell stepped by hand gives the one-layer module's output (same weights)."""
    layer_name = {"RNNCell": "RNN", "LSTMCell": "LSTM", "GRUCell": "GRU"}[name]
    cygrad.manual_seed(0)
    layer = getattr(nn, layer_name)(IN, HID, **kw)
    cell = getattr(nn, name)(IN, HID, **kw)
    for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        getattr(cell, p).data = getattr(layer, p + "_l0").detach().clone()
    x = cygrad.tensor(_data((T, B, IN), 1))
    out = layer(x)[0]
    state = None
    for t in range(T):
        state = cell(x[t], state)
        h = state[0] if name == "LSTMCell" else state
        np.testing.assert_allclose(h.numpy(), out[t].numpy(), rtol=1e-5, atol=1e-6)


def test_cell_gradcheck():
    cygrad.manual_seed(0)
    for cls in (nn.RNNCell, nn.LSTMCell, nn.GRUCell):
        m = cls(2, 3, dtype=cygrad.float64)
        x = cygrad.randn(2, 2, dtype=cygrad.float64, requires_grad=True)
        h = cygrad.randn(2, 3, dtype=cygrad.float64, requires_grad=True)
        if cls is nn.LSTMCell:
            c = cygrad.randn(2, 3, dtype=cygrad.float64, requires_grad=True)
            assert gradcheck(lambda x, h, c: m(x, (h, c)), (x, h, c))
        else:
            assert gradcheck(lambda x, h: m(x, h), (x, h))


# ====================================================================== structure
STRUCTURES = [
    ("RNN", (IN, HID), {}),
    ("RNN", (IN, HID, 3), {"nonlinearity": "relu", "bias": False, "bidirectional": True}),
    ("LSTM", (IN, HID), {"num_layers": 2, "proj_size": 2, "bidirectional": True}),
    ("LSTM", (IN, HID), {"bias": False, "proj_size": 3, "batch_first": True}),
    ("LSTM", (IN, HID), {"num_layers": 2, "dropout": 0.25}),
    ("GRU", (IN, HID), {"num_layers": 2, "bidirectional": True, "batch_first": True}),
    ("GRU", (IN, HID), {"bias": False}),
    ("RNNCell", (IN, HID), {"bias": False, "nonlinearity": "relu"}),
    ("RNNCell", (IN, HID), {}),
    ("LSTMCell", (IN, HID), {"bias": False}),
    ("GRUCell", (IN, HID), {}),
]
STRUCTURE_IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'default'}"
                 for n, _, kw in STRUCTURES]


@pytest.mark.parametrize("name,args,kw", STRUCTURES, ids=STRUCTURE_IDS)
def test_parameters_and_repr_match_torch(name, args, kw):
    cm = getattr(nn, name)(*args, **kw)
    tm = getattr(torch.nn, name)(*args, **kw)
    assert [(n, tuple(p.shape)) for n, p in cm.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in tm.named_parameters()]
    assert repr(cm) == repr(tm)
    bound = 1 / np.sqrt(HID)
    for p in cm.parameters():
        v = p.numpy()
        assert v.min() >= -bound and v.max() <= bound and v.std() > 0
    if hasattr(tm, "_flat_weights_names"):
        assert cm._flat_weights_names == tm._flat_weights_names
        assert [[tuple(p.shape) for p in ws] for ws in cm.all_weights] == \
            [[tuple(p.shape) for p in ws] for ws in tm.all_weights]
        assert all(a is b for a, b in zip(cm._flat_weights, cm.parameters()))
        assert cm.flatten_parameters() is None


@pytest.mark.parametrize("name,args,kw", [s for s in STRUCTURES if "Cell" not in s[0]],
                         ids=[i for i, s in zip(STRUCTURE_IDS, STRUCTURES)
                              if "Cell" not in s[0]])
def test_state_dict_round_trip_into_torch(name, args, kw):
    cygrad.manual_seed(3)
    cm = getattr(nn, name)(*args, **kw).eval()
    tm = getattr(torch.nn, name)(*args, **kw).eval()
    tm.load_state_dict({k: torch.tensor(v.numpy()) for k, v in cm.state_dict().items()},
                       strict=True)
    xa = _data((B, T, IN) if kw.get("batch_first") else (T, B, IN), 1)
    with cygrad.no_grad(), torch.no_grad():
        cout, tout = cm(cygrad.tensor(xa)), tm(torch.tensor(xa))
    for c, t in zip(_flatten(cout), _flatten(tout)):
        assert_close(c, t, rtol=RTOL, atol=ATOL)


def test_weights_assigned_or_converted_later_are_used():
    m = nn.GRU(IN, HID)
    m.weight_hh_l0 = nn.Parameter(cygrad.zeros(3 * HID, HID))
    assert m._flat_weights[1] is m.weight_hh_l0
    m.double()
    out, h = m(cygrad.randn(T, B, IN, dtype=cygrad.float64))
    assert out.dtype == cygrad.float64 and h.shape == (1, B, HID)


def test_torch_module_path():
    from cygrad.nn.modules.rnn import GRU, LSTM, RNN, LSTMCell, RNNBase, RNNCellBase
    assert LSTM is nn.LSTM and GRU is nn.GRU and RNN is nn.RNN and LSTMCell is nn.LSTMCell
    assert issubclass(LSTM, RNNBase) and issubclass(nn.GRUCell, RNNCellBase)
    assert isinstance(nn.RNNBase("LSTM", 3, 4), nn.Module)


# ====================================================================== errors
def _same_error(cfn, tfn):
    """Both calls raise: the same exception type and the same message."""
    with pytest.raises(Exception) as texc:
        tfn()
    with pytest.raises(type(texc.value)) as cexc:
        cfn()
    assert str(cexc.value).replace("cygrad.", "torch.") == str(texc.value)


def _z(*shape, dtype=np.float32):
    a = np.zeros(shape, dtype)
    return cygrad.tensor(a), torch.tensor(a)


@pytest.mark.parametrize("kw", [
    dict(name="RNN", proj_size=2), dict(name="GRU", proj_size=2),
    dict(name="LSTM", proj_size=HID), dict(name="LSTM", proj_size=-1),
    dict(name="LSTM", dropout=1.5), dict(name="GRU", dropout=True),
    dict(name="RNN", nonlinearity="sigmoid"), dict(name="LSTM", num_layers=0),
    dict(name="GRU", bias=1), dict(name="RNN", batch_first=0),
    dict(name="LSTM", input_size=0), dict(name="GRU", hidden_size=0),
    dict(name="RNN", input_size=2.0),
], ids=lambda kw: "-".join(f"{k}={v}" for k, v in kw.items()))
def test_constructor_errors_match_torch(kw):
    kw = dict(kw)
    name = kw.pop("name")
    args = (kw.pop("input_size", IN), kw.pop("hidden_size", HID))
    _same_error(lambda: getattr(nn, name)(*args, **kw),
                lambda: getattr(torch.nn, name)(*args, **kw))


@pytest.mark.parametrize("name", ["RNN", "GRU", "LSTM"])
def test_forward_errors_match_torch(name):
    cygrad.manual_seed(0)
    cm = getattr(nn, name)(IN, 20)
    tm = getattr(torch.nn, name)(IN, 20)
    lstm = name == "LSTM"

    def state(shape, cshape=None):
        h, th = _z(*shape)
        if not lstm:
            return h, th
        c, tc = _z(*(cshape or shape))
        return (h, c), (th, tc)

    def check(xshape, hx=None, xdtype=np.float32):
        x, tx = _z(*xshape, dtype=xdtype)
        if hx is None:
            _same_error(lambda: cm(x), lambda: tm(tx))
        else:
            _same_error(lambda: cm(x, hx[0]), lambda: tm(tx, hx[1]))

    check((4, 3, 3))                                        # input width
    check((4, 3, 3), state((1, 3, 20)))
    check((4, 3, 5, 1))                                     # rank of the input
    check((0, 3, 5))                                        # no steps
    check((4, 3, 5), state((2, 3, 20)))                     # hidden size
    check((4, 3, 5), state((1, 2, 20)))
    check((4, 3, 5), state((1, 3, 7)))
    check((4, 3, 5), state((3, 20)))                        # rank of hx
    check((4, 5), state((1, 3, 20)))
    check((4, 3, 5), None, xdtype=np.float64)               # dtype
    if lstm:
        check((4, 3, 5), state((1, 3, 20), (1, 3, 4)))      # cell size
        check((4, 3, 5), state((1, 3, 20), (3, 20)))
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(1, 3, 20\), got "
                                           r"\[2, 3, 20\]" if not lstm else
                                           r"Expected hidden\[0\] size \(1, 3, 20\), got "
                                           r"\[2, 3, 20\]"):
        cm(cygrad.zeros(4, 3, IN), state((2, 3, 20))[0])
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size. "
                                           "Expected 5, got 3"):
        cm(cygrad.zeros(4, 3, 3))


@pytest.mark.parametrize("name", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cell_errors_match_torch(name):
    cygrad.manual_seed(0)
    cm = getattr(nn, name)(IN, 4)
    tm = getattr(torch.nn, name)(IN, 4)
    lstm = name == "LSTMCell"

    def check(xshape, hshape=None, cshape=None):
        x, tx = _z(*xshape)
        if hshape is None:
            _same_error(lambda: cm(x), lambda: tm(tx))
            return
        h, th = _z(*hshape)
        if lstm:
            c, tc = _z(*(cshape or hshape))
            _same_error(lambda: cm(x, (h, c)), lambda: tm(tx, (th, tc)))
        else:
            _same_error(lambda: cm(x, h), lambda: tm(tx, th))

    check((3, 6))
    check((3, 5, 2))
    check((3, 5), (2, 4))
    check((3, 5), (3, 3))
    check((3, 5), (3, 4, 1))
    check((5,), (3, 4))
    if lstm:
        check((3, 5), (3, 4), (2, 4))
        check((3, 5), (3, 4), (3, 3))
        x, tx = _z(3, 5)
        h, th = _z(3, 4)
        _same_error(lambda: cm(x, h), lambda: tm(tx, th))
    if name == "RNNCell":
        cm.nonlinearity = tm.nonlinearity = "gelu"
        check((3, 5))


# ====================================================================== the fused engine
@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
@pytest.mark.parametrize("mode,proj", [("RNN_TANH", 0), ("RNN_RELU", 0), ("LSTM", 0),
                                       ("LSTM", 1), ("GRU", 0)],
                         ids=["RNN_TANH", "RNN_RELU", "LSTM", "LSTM-proj", "GRU"])
def test_recurrence_gradgradcheck(mode, proj, reverse):
    """Under create_graph the fused node replays the recurrence with recorded ops: its
    backward is differentiable, checked against finite differences of the gradient."""
    from cygrad.autograd import gradgradcheck
    rng = np.random.default_rng(1)
    H, G = 2, {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}[mode]
    Hout = proj or H
    batch_sizes = [2, 2, 1]

    def leaf(*shape):
        return cygrad.tensor(rng.uniform(-1, 1, shape), dtype=cygrad.float64,
                             requires_grad=True)

    xg, h0, w_hh = leaf(5, G * H), leaf(2, Hout), leaf(G * H, Hout)
    c0 = leaf(2, H) if mode == "LSTM" else None
    b_hh = leaf(G * H) if mode == "GRU" else None
    w_hr = leaf(proj, H) if proj else None
    extra = [t for t in (c0, b_hh, w_hr) if t is not None]

    def f(xg, h0, w_hh, *rest):
        it = iter(rest)
        c = next(it) if c0 is not None else None
        b = next(it) if b_hh is not None else None
        r = next(it) if w_hr is not None else None
        out, hn, cn = recurrence(mode, xg, batch_sizes, h0, c, w_hh, b, r, reverse)
        return (out, hn) if cn is None else (out, hn, cn)

    assert gradgradcheck(f, (xg, h0, w_hh, *extra))


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN_TANH"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fused_recurrence_matches_composite_on_blocked_sizes(mode, dtype):
    """Sizes past the GEMM's blocking (more rows than one MC block, more than one KC slice
    of the recurrent weight, a ragged last sliver) and ragged batches, both directions:
    the fused loop against the same recurrence in recorded ops, values and gradients."""
    from cygrad.nn._recurrent import _recurrence_composite
    rng = np.random.default_rng(2)
    G = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1}[mode]
    H, B = 301, 150
    batch_sizes = [150, 150, 149, 90, 3]
    dt = getattr(cygrad, dtype)

    def leaf(*shape, scale=1.0):
        return cygrad.tensor(rng.uniform(-scale, scale, shape), dtype=dt, requires_grad=True)

    xg = leaf(sum(batch_sizes), G * H)
    h0 = leaf(B, H)
    w_hh = leaf(G * H, H, scale=0.1)
    c0 = leaf(B, H) if mode == "LSTM" else None
    b_hh = leaf(G * H) if mode == "GRU" else None
    leaves = [t for t in (xg, h0, w_hh, c0, b_hh) if t is not None]
    tol = dict(rtol=2e-4, atol=2e-5) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    for reverse in (False, True):
        results = []
        for fn in (recurrence, _recurrence_composite):
            out, hn, cn = fn(mode, xg, batch_sizes, h0, c0, w_hh, b_hh, None, reverse)
            loss = (out * out).sum() + hn.sum() + (cn.sum() if cn is not None else 0)
            grads = cygrad.autograd.grad(loss, leaves)
            results.append([out, hn] + ([cn] if cn is not None else []) + list(grads))
        for a, b in zip(*results):
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), **tol)
    assert out.grad_fn is not None
