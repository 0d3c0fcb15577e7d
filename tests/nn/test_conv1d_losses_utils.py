"""Conv1d, SmoothL1Loss/HuberLoss, nn.utils (clipping, parameter vectors) and the
``nn.modules.*`` paths: values against NumPy/PyTorch, gradients by finite differences."""
import math

import numpy as np
import pytest

import cygrad
import cygrad.nn as nn
import cygrad.nn.functional as F
from cygrad.autograd import gradcheck
from conftest import check, from_np, to_numpy


def _leaf(a):
    return from_np(np.asarray(a, np.float64)).requires_grad_()


def _np_conv1d(x, w, b, stride, pad, dil):
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad)))
    N, C, L = x.shape
    O, _, K = w.shape
    lo = (L - dil * (K - 1) - 1) // stride + 1
    out = np.zeros((N, O, lo))
    for i in range(lo):
        win = x[:, :, i * stride: i * stride + dil * (K - 1) + 1: dil]
        out[:, :, i] = np.einsum("nck,ock->no", win, w)
    return out + (b[None, :, None] if b is not None else 0)


@pytest.mark.parametrize("stride,pad,dil", [(1, 0, 1), (2, 1, 1), (1, 2, 2), (3, 0, 2)])
def test_conv1d_matches_numpy_and_gradcheck(stride, pad, dil):
    rng = np.random.default_rng(stride * 10 + pad)
    x, w, b = rng.standard_normal((2, 3, 11)), rng.standard_normal((4, 3, 3)), \
        rng.standard_normal(4)
    got = F.conv1d(from_np(x), from_np(w), from_np(b), stride, pad, dil)
    check(got, _np_conv1d(x, w, b, stride, pad, dil), rtol=1e-10)
    check(F.conv1d(from_np(x[0]), from_np(w), None, stride, pad, dil),
          _np_conv1d(x[:1], w, None, stride, pad, dil)[0], rtol=1e-10)
    xs, ws, bs = _leaf(x[:, :, :8]), _leaf(w), _leaf(b)
    assert gradcheck(lambda a, k, c: F.conv1d(a, k, c, stride, pad, dil), (xs, ws, bs))


def test_conv1d_module_groups_same_padding_and_errors():
    m = nn.Conv1d(4, 6, 3, padding="same", groups=2, bias=False)
    assert m.weight.shape == (6, 2, 3) and m.bias is None
    assert m(cygrad.randn(5, 4, 9)).shape == (5, 6, 9)
    assert repr(nn.Conv1d(16, 33, 3, stride=2)) == "Conv1d(16, 33, kernel_size=(3,), stride=(2,))"
    assert list(dict(nn.Conv1d(2, 3, 2).state_dict())) == ["weight", "bias"]
    with pytest.raises(RuntimeError, match="Expected 3-dimensional weight for conv1d"):
        F.conv1d(cygrad.randn(1, 2, 5), cygrad.randn(3, 2))
    with pytest.raises(RuntimeError, match="Expected 2D \\(unbatched\\) or 3D"):
        F.conv1d(cygrad.randn(5), cygrad.randn(3, 1, 2))
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv1d(3, 4, 2, groups=2)
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        nn.Conv1d(3, 3, 2, stride=2, padding="same")


def test_conv1d_against_torch():
    torch = pytest.importorskip("torch")
    tm = torch.nn.Conv1d(3, 5, 4, stride=2, padding=1, dilation=2).double()
    m = nn.Conv1d(3, 5, 4, stride=2, padding=1, dilation=2, dtype=cygrad.float64)
    m.load_state_dict({k: from_np(v.detach().numpy()) for k, v in tm.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 3, 20))
    cx, tx = _leaf(x), torch.from_numpy(x.copy()).requires_grad_()
    out, tout = m(cx), tm(tx)
    np.testing.assert_allclose(to_numpy(out), tout.detach().numpy(), rtol=1e-10)
    out.pow(2).sum().backward()
    tout.pow(2).sum().backward()
    np.testing.assert_allclose(to_numpy(cx.grad), tx.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(to_numpy(m.weight.grad), tm.weight.grad.numpy(), rtol=1e-10)


# ---------------------------------------------------------------------------- losses
def _np_smooth_l1(d, beta):
    a = np.abs(d)
    return np.where(a < beta, 0.5 * d * d / beta, a - 0.5 * beta) if beta else a


def _np_huber(d, delta):
    a = np.abs(d)
    return np.where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("beta", [0.0, 0.5, 1.0, 3.0])
def test_smooth_l1_and_huber(reduction, beta):
    rng = np.random.default_rng(int(beta * 10))
    x, y = rng.standard_normal((4, 5)) * 2, rng.standard_normal((4, 5))
    red = {"mean": np.mean, "sum": np.sum, "none": lambda v: v}[reduction]
    check(F.smooth_l1_loss(from_np(x), from_np(y), reduction=reduction, beta=beta),
          red(_np_smooth_l1(x - y, beta)), rtol=1e-12)
    check(nn.SmoothL1Loss(reduction=reduction, beta=beta)(from_np(x), from_np(y)),
          red(_np_smooth_l1(x - y, beta)), rtol=1e-12)
    if beta > 0:
        check(F.huber_loss(from_np(x), from_np(y), reduction=reduction, delta=beta),
              red(_np_huber(x - y, beta)), rtol=1e-12)
        check(nn.HuberLoss(reduction=reduction, delta=beta)(from_np(x), from_np(y)),
              red(_np_huber(x - y, beta)), rtol=1e-12)
        a = _leaf(x)
        assert gradcheck(lambda v: F.smooth_l1_loss(v, from_np(y), beta=beta), (a,))
        assert gradcheck(lambda v: F.huber_loss(v, from_np(y), delta=beta,
                                                reduction="sum"), (a,))


def test_loss_errors_and_torch():
    with pytest.raises(RuntimeError, match="does not support negative values for beta"):
        F.smooth_l1_loss(cygrad.ones(2), cygrad.ones(2), beta=-1)
    with pytest.raises(RuntimeError, match="does not support non-positive values for delta"):
        F.huber_loss(cygrad.ones(2), cygrad.ones(2), delta=0)
    with pytest.raises(ValueError, match="is not a valid value for reduction"):
        F.huber_loss(cygrad.ones(2), cygrad.ones(2), reduction="avg")
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal((3, 4)) * 2
    y = np.zeros((3, 4))
    for beta in (0.3, 1.0):
        cx, tx = _leaf(x), torch.from_numpy(x.copy()).requires_grad_()
        loss = F.smooth_l1_loss(cx, from_np(y), beta=beta) + F.huber_loss(cx, from_np(y),
                                                                          delta=beta)
        tloss = torch.nn.functional.smooth_l1_loss(tx, torch.from_numpy(y), beta=beta) + \
            torch.nn.functional.huber_loss(tx, torch.from_numpy(y), delta=beta)
        assert abs(loss.item() - tloss.item()) < 1e-12
        loss.backward()
        tloss.backward()
        np.testing.assert_allclose(to_numpy(cx.grad), tx.grad.numpy(), rtol=1e-12)


# ---------------------------------------------------------------------------- nn.utils
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.1, 100.0])
def test_clip_grad_norm(norm_type, max_norm):
    rng = np.random.default_rng(2)
    gs = [rng.standard_normal((3, 4)), rng.standard_normal(5)]
    ps = [cygrad.zeros(g.shape, dtype=cygrad.float64, requires_grad=True) for g in gs]
    ps.append(cygrad.zeros(2, requires_grad=True))            # no grad: skipped
    for p, g in zip(ps, gs):
        p.grad = from_np(g)
    flat = np.concatenate([g.ravel() for g in gs])
    total = np.abs(flat).max() if norm_type == math.inf else \
        (np.abs(flat) ** norm_type).sum() ** (1 / norm_type)
    got = nn.utils.clip_grad_norm_(ps, max_norm, norm_type)
    check(got, np.float64(total), rtol=1e-12)
    coef = min(max_norm / (total + 1e-6), 1.0)
    for p, g in zip(ps, gs):
        check(p.grad, g * coef, rtol=1e-12)
    assert ps[2].grad is None


def test_clip_grad_edge_cases_and_torch():
    assert nn.utils.clip_grad_norm_([cygrad.zeros(2, requires_grad=True)], 1.0).item() == 0
    p = cygrad.zeros(2, requires_grad=True)
    p.grad = cygrad.tensor([float("inf"), 1.0])
    with pytest.raises(RuntimeError, match="is non-finite, so it cannot be clipped"):
        nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    q = cygrad.zeros(3, requires_grad=True)
    q.grad = cygrad.tensor([-3.0, 0.5, 2.0])
    nn.utils.clip_grad_value_(q, 1.0)
    check(q.grad, np.array([-1.0, 0.5, 1.0], np.float32))
    torch = pytest.importorskip("torch")
    cygrad.manual_seed(0)
    model = nn.Linear(4, 3)
    tmodel = torch.nn.Linear(4, 3)
    tmodel.load_state_dict({k: torch.from_numpy(to_numpy(v)) for k, v in
                            model.state_dict().items()})
    x = np.random.default_rng(3).standard_normal((5, 4)).astype(np.float32)
    (model(from_np(x)) ** 2).sum().backward()
    (tmodel(torch.from_numpy(x)) ** 2).sum().backward()
    n = nn.utils.clip_grad_norm_(model.parameters(), 0.5)
    tn = torch.nn.utils.clip_grad_norm_(tmodel.parameters(), 0.5)
    assert abs(n.item() - tn.item()) < 1e-4 * tn.item()
    # float32 sums in another order: compare at the scale of the gradient
    np.testing.assert_allclose(to_numpy(model.weight.grad), tmodel.weight.grad.numpy(),
                               rtol=1e-5, atol=1e-6)


def test_parameters_to_vector_and_back():
    m = nn.Linear(3, 2)
    v = nn.utils.parameters_to_vector(m.parameters())
    assert v.shape == (8,)
    check(v[:6], to_numpy(m.weight).ravel())
    nn.utils.vector_to_parameters(cygrad.arange(8.0), m.parameters())
    check(m.bias, np.array([6.0, 7.0], np.float32))
    with pytest.raises(TypeError, match="expected torch.Tensor"):
        nn.utils.vector_to_parameters([1.0], m.parameters())


def test_module_paths_mirror_torch():
    import importlib

    for mod, names in {"batchnorm": ["BatchNorm1d", "BatchNorm2d"], "dropout": ["Dropout"],
                       "sparse": ["Embedding"], "flatten": ["Flatten", "Unflatten"],
                       "pooling": ["MaxPool2d", "AvgPool2d"], "conv": ["Conv1d", "Conv2d"],
                       "linear": ["Linear", "Identity"], "loss": ["HuberLoss", "MSELoss"],
                       "activation": ["ReLU"], "container": ["Sequential"],
                       "module": ["Module"], "normalization": ["LayerNorm"]}.items():
        m = importlib.import_module(f"cygrad.nn.modules.{mod}")
        for n in names:
            assert getattr(m, n) is getattr(nn, n)
    from cygrad.nn.utils.clip_grad import clip_grad_norm_
    assert clip_grad_norm_ is nn.utils.clip_grad_norm_
