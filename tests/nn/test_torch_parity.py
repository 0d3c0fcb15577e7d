"""Parity of ``cygrad.nn`` with ``torch.nn``: every layer and loss built in both libraries with
the same parameters (copied from torch through ``load_state_dict``) gives the same outputs,
input and parameter gradients and buffers; state-dict keys, default initialisation, reprs,
``load_state_dict`` error messages and warnings are PyTorch's."""
import math
import re
import warnings

import numpy as np
import pytest

import cygrad
import cygrad.nn as cnn

from .nnutil import assert_close, load_from_torch, np_of

torch = pytest.importorskip("torch")
tnn = torch.nn

# torch notes that 'same' padding with an even kernel copies the input; nothing to check there
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")

# dtype name -> (rtol, atol)
TOL = {"float32": (1e-5, 1e-6), "float64": (1e-10, 1e-12)}
DTYPES = list(TOL)


def lib_of(nn):
    return cygrad if nn is cnn else torch


def both_tensors(a):
    """``a`` as a cygrad tensor and a torch tensor (same values and dtype)."""
    a = np.asarray(a)
    return cygrad.tensor(a), torch.from_numpy(np.array(a, copy=True))


def build(make, dtype="float32", seed=0):
    """``make(nn)`` in both libraries; the cygrad module gets the torch module's state."""
    torch.manual_seed(seed)
    tm = make(tnn).to(getattr(torch, dtype))
    cm = make(cnn).to(getattr(cygrad, dtype))
    load_from_torch(cm, tm)
    return cm, tm


def compare_state(cm, tm, rtol, atol, grads=True):
    """Same parameter names and values (and gradients), same buffers."""
    cp, tp = dict(cm.named_parameters()), dict(tm.named_parameters())
    assert list(cp) == list(tp)
    for k in tp:
        assert type(cp[k]) is cnn.Parameter
        assert_close(cp[k], tp[k], rtol, atol)
        if grads:
            if tp[k].grad is None:
                assert cp[k].grad is None, f"{k}: torch has no gradient"
            else:
                assert cp[k].grad is not None, f"{k}: no gradient, torch has one"
                assert_close(cp[k].grad, tp[k].grad, rtol, atol)
    cb, tb = dict(cm.named_buffers()), dict(tm.named_buffers())
    assert list(cb) == list(tb)
    for k in tb:
        assert_close(cb[k], tb[k], rtol, atol)


def run_step(cm, tm, x, targets=(), dtype="float32", input_grad=True, seed=0, tol=None):
    """One forward/backward through both modules with the same input, targets and upstream
    gradient; compares output, input gradient, parameters, their gradients and buffers."""
    rtol, atol = tol or TOL[dtype]
    cx, tx = both_tensors(x)
    if input_grad:
        cx.requires_grad_()
        tx.requires_grad_()
    ct = [both_tensors(t)[0] for t in targets]
    tt = [both_tensors(t)[1] for t in targets]
    to = tm(tx, *tt)
    co = cm(cx, *ct)
    assert_close(co, to, rtol, atol)
    if to.requires_grad:
        g = np.random.default_rng(seed).standard_normal(tuple(to.shape)).astype(dtype)
        to.backward(torch.from_numpy(g))
        co.backward(cygrad.tensor(g))
        if input_grad:
            assert_close(cx.grad, tx.grad, rtol, atol)
    compare_state(cm, tm, rtol, atol)
    return co, to


def zero_both(cm, tm):
    cm.zero_grad()
    tm.zero_grad()


def randn(shape, dtype="float32", seed=0, scale=1.0):
    return (scale * np.random.default_rng(seed).standard_normal(shape)).astype(dtype)


def check_layer(make, shapes, dtype, steps=1, input_grad=True, inputs=None, tol=None):
    cm, tm = build(make, dtype)
    for i, shape in enumerate(shapes):
        for step in range(steps):
            x = inputs(shape, i, step) if inputs else randn(shape, dtype, seed=10 * i + step)
            run_step(cm, tm, x, dtype=dtype, input_grad=input_grad, seed=i + step, tol=tol)
            zero_both(cm, tm)
    return cm, tm


# ---------------------------------------------------------------------------- layers
LAYERS = {  # name -> (make(nn), input shapes)
    "Linear": (lambda nn: nn.Linear(5, 3), [(4, 5), (2, 3, 5), (5,), (0, 5)]),
    "Linear_no_bias": (lambda nn: nn.Linear(5, 3, bias=False), [(4, 5), (2, 3, 5)]),
    "Linear_wide": (lambda nn: nn.Linear(64, 33), [(17, 64)]),
    "Conv2d": (lambda nn: nn.Conv2d(3, 4, 3), [(2, 3, 6, 6), (3, 5, 7)]),
    "Conv2d_stride_padding": (lambda nn: nn.Conv2d(2, 4, 3, stride=2, padding=1),
                              [(2, 2, 7, 6)]),
    "Conv2d_all_options": (lambda nn: nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 2),
                                                dilation=(1, 2), groups=2), [(2, 4, 7, 6)]),
    "Conv2d_same_even_kernel": (lambda nn: nn.Conv2d(2, 3, 4, padding="same", bias=False),
                                [(2, 2, 7, 6)]),
    "Conv2d_same_dilated": (lambda nn: nn.Conv2d(2, 3, (3, 4), padding="same", dilation=2),
                            [(1, 2, 9, 8)]),
    "Conv2d_valid": (lambda nn: nn.Conv2d(2, 3, 2, padding="valid"), [(1, 2, 4, 4)]),
    "Conv2d_depthwise": (lambda nn: nn.Conv2d(3, 6, 3, groups=3, padding=1), [(2, 3, 5, 5)]),
    "MaxPool2d": (lambda nn: nn.MaxPool2d(2), [(2, 3, 6, 6), (3, 5, 7)]),
    "MaxPool2d_overlap_padding_ceil": (lambda nn: nn.MaxPool2d(3, 2, 1, ceil_mode=True),
                                       [(2, 3, 6, 6), (1, 2, 7, 5)]),
    "MaxPool2d_ceil": (lambda nn: nn.MaxPool2d(2, ceil_mode=True), [(1, 2, 5, 5)]),
    "MaxPool2d_dilation": (lambda nn: nn.MaxPool2d(2, 1, 0, dilation=2), [(2, 3, 6, 6)]),
    "MaxPool2d_rect": (lambda nn: nn.MaxPool2d((2, 3), stride=(1, 2), padding=(1, 1)),
                       [(1, 2, 5, 7)]),
    "AvgPool2d": (lambda nn: nn.AvgPool2d(2), [(2, 3, 6, 6), (3, 5, 7)]),
    "AvgPool2d_stride_padding": (lambda nn: nn.AvgPool2d(3, 2, 1), [(2, 3, 6, 6)]),
    "AvgPool2d_divisor": (lambda nn: nn.AvgPool2d(2, divisor_override=3), [(1, 2, 4, 4)]),
    "AdaptiveAvgPool2d_overlapping": (lambda nn: nn.AdaptiveAvgPool2d((3, 4)),
                                      [(2, 3, 7, 10), (3, 5, 6), (1, 2, 3, 4), (1, 1, 2, 2)]),
    "AdaptiveAvgPool2d_global": (lambda nn: nn.AdaptiveAvgPool2d(1), [(2, 3, 5, 6), (3, 4, 4)]),
    "AdaptiveAvgPool2d_none": (lambda nn: nn.AdaptiveAvgPool2d((None, 2)), [(2, 3, 5, 7)]),
    "AdaptiveAvgPool2d_empty_batch": (lambda nn: nn.AdaptiveAvgPool2d(2), [(0, 3, 5, 5)]),
    "AdaptiveAvgPool1d": (lambda nn: nn.AdaptiveAvgPool1d(3), [(2, 3, 8), (4, 5), (2, 2, 1)]),
    "LayerNorm": (lambda nn: nn.LayerNorm(5), [(4, 5), (2, 3, 5), (5,)]),
    "LayerNorm_2d_no_affine": (lambda nn: nn.LayerNorm((3, 5), elementwise_affine=False),
                               [(2, 3, 5)]),
    "LayerNorm_no_bias": (lambda nn: nn.LayerNorm(5, bias=False), [(4, 5)]),
    "LayerNorm_eps": (lambda nn: nn.LayerNorm(4, eps=1e-2), [(3, 4)]),
    "Identity": (lambda nn: nn.Identity(), [(3, 4)]),
    "Flatten": (lambda nn: nn.Flatten(), [(2, 3, 4), (2, 3)]),
    "Flatten_0_1": (lambda nn: nn.Flatten(0, 1), [(2, 3, 4)]),
    "Unflatten": (lambda nn: nn.Unflatten(1, (2, 3)), [(4, 6)]),
    "Dropout_eval": (lambda nn: nn.Dropout(0.5).eval(), [(4, 5)]),
    "Dropout_p0": (lambda nn: nn.Dropout(0.0), [(4, 5)]),
    "ReLU": (lambda nn: nn.ReLU(), [(4, 5), (2, 3, 4)]),
    "LeakyReLU": (lambda nn: nn.LeakyReLU(), [(4, 5)]),
    "LeakyReLU_0.2": (lambda nn: nn.LeakyReLU(0.2), [(4, 5)]),
    "Sigmoid": (lambda nn: nn.Sigmoid(), [(4, 5)]),
    "Tanh": (lambda nn: nn.Tanh(), [(4, 5)]),
    "GELU": (lambda nn: nn.GELU(), [(4, 5), (3,)]),
    "GELU_tanh": (lambda nn: nn.GELU("tanh"), [(4, 5)]),
    "SiLU": (lambda nn: nn.SiLU(), [(4, 5)]),
    "Softplus": (lambda nn: nn.Softplus(), [(4, 5)]),
    "Softplus_beta_threshold": (lambda nn: nn.Softplus(2.0, 1.0), [(4, 5)]),
    "ELU": (lambda nn: nn.ELU(), [(4, 5)]),
    "ELU_alpha": (lambda nn: nn.ELU(0.5), [(4, 5)]),
    "Softmax": (lambda nn: nn.Softmax(dim=1), [(4, 5), (2, 3, 4)]),
    "Softmax_dim0": (lambda nn: nn.Softmax(dim=0), [(4, 5), (6,)]),
    "LogSoftmax": (lambda nn: nn.LogSoftmax(dim=-1), [(4, 5), (2, 3, 4)]),
    "Sequential_mlp": (lambda nn: nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8),
                                                nn.Tanh(), nn.Linear(8, 2)), [(5, 4)]),
    "Sequential_cnn": (lambda nn: nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4),
                                                nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                                                nn.Linear(16, 2)), [(5, 1, 6, 6)]),
    "Sequential_norms": (lambda nn: nn.Sequential(nn.Linear(6, 6), nn.LayerNorm(6),
                                                  nn.GELU(), nn.BatchNorm1d(6),
                                                  nn.Linear(6, 3), nn.LogSoftmax(1)),
                         [(7, 6)]),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(LAYERS))
def test_layer_parity(name, dtype):
    make, shapes = LAYERS[name]
    # BatchNorm sums over the batch: float32 gradients carry a few ulp of the sums
    tol = (1e-5, 1e-5) if dtype == "float32" and "Sequential" in name else None
    check_layer(make, shapes, dtype, steps=2, tol=tol)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("padding_idx", [None, 3, -1], ids=["no_pad", "pad3", "pad-1"])
def test_embedding_parity(padding_idx, dtype):
    cm, tm = build(lambda nn: nn.Embedding(10, 4, padding_idx=padding_idx), dtype)
    # repeated rows, the padding row (3 or 9) among them, 2-d / 1-d / 0-d index tensors
    for i, idx in enumerate([[[1, 3, 3, 9], [0, 3, 1, 1]], [2, 2, 9], 5]):
        run_step(cm, tm, np.array(idx), dtype=dtype, input_grad=False, seed=i)
        zero_both(cm, tm)
    if padding_idx is not None:
        assert cm.padding_idx == tm.padding_idx == padding_idx % 10


def test_embedding_from_pretrained_parity():
    w = np.arange(12.0, dtype=np.float32).reshape(4, 3)
    cm = cnn.Embedding.from_pretrained(cygrad.tensor(w), freeze=False, padding_idx=1)
    tm = tnn.Embedding.from_pretrained(torch.tensor(w), freeze=False, padding_idx=1)
    run_step(cm, tm, np.array([[0, 1, 3], [1, 1, 2]]), input_grad=False)


# ---------------------------------------------------------------------------- batch norm
BATCHNORMS = {  # name -> (make, batch shape)
    "BatchNorm1d": (lambda nn: nn.BatchNorm1d(3), (8, 3)),
    "BatchNorm1d_3d": (lambda nn: nn.BatchNorm1d(3), (4, 3, 5)),
    "BatchNorm2d": (lambda nn: nn.BatchNorm2d(3), (4, 3, 3, 3)),
    "momentum_0.5": (lambda nn: nn.BatchNorm2d(3, momentum=0.5), (4, 3, 2, 2)),
    "momentum_None": (lambda nn: nn.BatchNorm2d(3, momentum=None), (4, 3, 2, 2)),
    "eps": (lambda nn: nn.BatchNorm1d(3, eps=1e-1), (6, 3)),
    "no_affine": (lambda nn: nn.BatchNorm1d(3, affine=False), (6, 3)),
    "no_running_stats": (lambda nn: nn.BatchNorm1d(3, track_running_stats=False), (6, 3)),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(BATCHNORMS))
def test_batchnorm_running_stats_then_eval(name, dtype):
    make, shape = BATCHNORMS[name]
    cm, tm = build(make, dtype)
    for step in range(3):   # batches with different means and spreads
        x = randn(shape, dtype, seed=step, scale=1.0 + step) + 0.5 * step
        run_step(cm, tm, x, dtype=dtype, seed=step, tol=(2e-5, 2e-5) if dtype == "float32"
                 else None)
        zero_both(cm, tm)
    if tm.track_running_stats:
        assert int(cm.num_batches_tracked.item()) == int(tm.num_batches_tracked.item()) == 3
        assert cm.num_batches_tracked.dtype is cygrad.int64
    cm.eval()
    tm.eval()
    run_step(cm, tm, randn(shape, dtype, seed=7, scale=2.0), dtype=dtype, seed=9)
    # eval mode leaves the running statistics alone
    compare_state(cm, tm, *TOL[dtype], grads=False)


def test_batchnorm_eval_only_uses_running_stats():
    # a freshly loaded, never trained model in eval mode: (x - 0) / sqrt(1 + eps)
    cm, tm = build(lambda nn: nn.BatchNorm2d(2).eval())
    run_step(cm, tm, randn((3, 2, 2, 2)))


# ---------------------------------------------------------------------------- losses
def targets_indices(shape, seed=0, ignore=None):
    """int64 class indices for an input of ``shape`` ((N, C, d...) or (C,))."""
    rng = np.random.default_rng(seed)
    if len(shape) == 1:
        return rng.integers(0, shape[0], ())
    t = rng.integers(0, shape[1], (shape[0],) + tuple(shape[2:]))
    if ignore is not None:
        t.reshape(-1)[::3] = ignore
    return t


def targets_probs(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.05, 1.0, shape)
    axis = 1 if len(shape) > 1 else 0
    return (p / p.sum(axis=axis, keepdims=True)).astype(dtype)


def class_weight(nn, dtype, C=4):
    w = np.linspace(0.5, 2.0, C).astype(dtype)
    return cygrad.tensor(w) if nn is cnn else torch.tensor(w)


LOSS_SHAPES = [(5, 4), (2, 4, 3, 2), (4,)]
REDUCTIONS = ["mean", "sum", "none"]

CLASS_LOSSES = {  # name -> (make(nn, dtype, reduction), target(shape, dtype), log-prob input?)
    "CrossEntropy": (lambda nn, dt, r: nn.CrossEntropyLoss(reduction=r),
                     lambda s, dt: targets_indices(s), False),
    "CrossEntropy_weight": (lambda nn, dt, r: nn.CrossEntropyLoss(class_weight(nn, dt),
                                                                  reduction=r),
                            lambda s, dt: targets_indices(s, 1), False),
    "CrossEntropy_ignore": (lambda nn, dt, r: nn.CrossEntropyLoss(ignore_index=2, reduction=r),
                            lambda s, dt: targets_indices(s, 2, ignore=2), False),
    "CrossEntropy_smoothing": (lambda nn, dt, r: nn.CrossEntropyLoss(reduction=r,
                                                                     label_smoothing=0.2),
                               lambda s, dt: targets_indices(s, 3), False),
    "CrossEntropy_all": (lambda nn, dt, r: nn.CrossEntropyLoss(
        class_weight(nn, dt), ignore_index=-100, reduction=r, label_smoothing=0.3),
        lambda s, dt: targets_indices(s, 4, ignore=-100), False),
    "CrossEntropy_probs": (lambda nn, dt, r: nn.CrossEntropyLoss(reduction=r),
                           lambda s, dt: targets_probs(s, dt, 5), False),
    "CrossEntropy_probs_weight_smoothing": (
        lambda nn, dt, r: nn.CrossEntropyLoss(class_weight(nn, dt), reduction=r,
                                              label_smoothing=0.1),
        lambda s, dt: targets_probs(s, dt, 6), False),
    "NLL": (lambda nn, dt, r: nn.NLLLoss(reduction=r), lambda s, dt: targets_indices(s, 7),
            True),
    "NLL_weight_ignore": (lambda nn, dt, r: nn.NLLLoss(class_weight(nn, dt), ignore_index=0,
                                                       reduction=r),
                          lambda s, dt: targets_indices(s, 8, ignore=0), True),
}


# (name, input shape): every loss on 2-d and 4-d input, and 1-d input (a single 0-d target)
# except where ignore_index would make that single target ignored
CLASS_LOSS_CASES = [pytest.param(name, shape, id=f"{name}-{len(shape)}d")
                    for name in CLASS_LOSSES for shape in LOSS_SHAPES
                    if not ("ignore" in name and len(shape) == 1)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name, shape", CLASS_LOSS_CASES)
def test_classification_loss_parity(name, shape, reduction, dtype):
    make, target, log_input = CLASS_LOSSES[name]
    cm, tm = build(lambda nn: make(nn, dtype, reduction), dtype)
    x = randn(shape, dtype, seed=11, scale=2.0)
    if log_input:   # log-probabilities, as NLLLoss expects
        x = (x - np.log(np.exp(x).sum(axis=1 if len(shape) > 1 else 0, keepdims=True)))
        x = x.astype(dtype)
    run_step(cm, tm, x, [target(shape, dtype)], dtype=dtype)


REGRESSION_LOSSES = {
    "MSE": lambda nn, r: nn.MSELoss(reduction=r),
    "L1": lambda nn, r: nn.L1Loss(reduction=r),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(4, 5), (3,), (), (2, 3, 4)])
@pytest.mark.parametrize("name", list(REGRESSION_LOSSES))
def test_regression_loss_parity(name, shape, reduction, dtype):
    cm, tm = build(lambda nn: REGRESSION_LOSSES[name](nn, reduction), dtype)
    run_step(cm, tm, randn(shape, dtype, 1), [randn(shape, dtype, 2)], dtype=dtype)


def _bce_weight(nn, dtype, shape):
    w = np.linspace(0.25, 2.0, int(np.prod(shape))).reshape(shape).astype(dtype)
    return cygrad.tensor(w) if nn is cnn else torch.tensor(w)


BINARY_LOSSES = {  # name -> (make(nn, dtype, reduction), input maker)
    "BCE": (lambda nn, dt, r: nn.BCELoss(reduction=r), "probs"),
    "BCE_weight": (lambda nn, dt, r: nn.BCELoss(_bce_weight(nn, dt, (5,)), reduction=r),
                   "probs"),
    "BCEWithLogits": (lambda nn, dt, r: nn.BCEWithLogitsLoss(reduction=r), "logits"),
    "BCEWithLogits_pos_weight": (
        lambda nn, dt, r: nn.BCEWithLogitsLoss(reduction=r,
                                               pos_weight=_bce_weight(nn, dt, (5,))),
        "logits"),
    "BCEWithLogits_both_weights": (
        lambda nn, dt, r: nn.BCEWithLogitsLoss(_bce_weight(nn, dt, (4, 5)), reduction=r,
                                               pos_weight=_bce_weight(nn, dt, (5,))),
        "logits"),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", list(BINARY_LOSSES))
def test_binary_loss_parity(name, reduction, dtype):
    make, kind = BINARY_LOSSES[name]
    cm, tm = build(lambda nn: make(nn, dtype, reduction), dtype)
    rng = np.random.default_rng(3)
    if kind == "probs":
        x = rng.uniform(0.02, 0.98, (4, 5)).astype(dtype)
    else:
        x = randn((4, 5), dtype, 4, scale=3.0)
    t = rng.uniform(0.0, 1.0, (4, 5)).astype(dtype)
    t[0] = np.round(t[0])                     # hard 0/1 labels too
    run_step(cm, tm, x, [t], dtype=dtype)


def test_loss_extremes_parity():
    # saturated probabilities (BCE clamps its logs at -100) and huge logits
    for lib_x, kind in [([0.0, 1.0, 1e-30, 0.5], "BCE"), ([1e4, -1e4, 30.0, -30.0], "BCEL")]:
        x = np.array(lib_x, dtype=np.float32)
        t = np.array([1.0, 0.0, 1.0, 0.0], dtype=np.float32)
        if kind == "BCE":
            cm, tm = cnn.BCELoss(reduction="none"), tnn.BCELoss(reduction="none")
        else:
            cm, tm = cnn.BCEWithLogitsLoss(), tnn.BCEWithLogitsLoss()
        run_step(cm, tm, x, [t], tol=(1e-5, 1e-5))
    x = np.array([[1e4, -1e4, 0.0], [0.0, 0.0, 1e4]], dtype=np.float32)
    for cm, tm in [(cnn.CrossEntropyLoss(), tnn.CrossEntropyLoss()),
                   (cnn.CrossEntropyLoss(label_smoothing=0.1),
                    tnn.CrossEntropyLoss(label_smoothing=0.1))]:
        run_step(cm, tm, x, [np.array([1, 2])])


def test_empty_batch_losses_parity():
    for mk in [lambda nn: nn.CrossEntropyLoss(), lambda nn: nn.CrossEntropyLoss(reduction="sum"),
               lambda nn: nn.CrossEntropyLoss(reduction="none"), lambda nn: nn.NLLLoss()]:
        cm, tm = mk(cnn), mk(tnn)
        run_step(cm, tm, np.zeros((0, 4), np.float32), [np.zeros((0,), np.int64)])
    for mk in [lambda nn: nn.MSELoss(), lambda nn: nn.L1Loss(reduction="sum")]:
        run_step(mk(cnn), mk(tnn), np.zeros((0, 3), np.float32), [np.zeros((0, 3), np.float32)])


def test_all_targets_ignored_gradient():
    x = np.ones((3, 4), np.float32)
    run_step(cnn.CrossEntropyLoss(), tnn.CrossEntropyLoss(), x,
             [np.array([-100, -100, -100])])


@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_class_weight_requiring_grad_is_refused(smoothing):
    x = torch.randn(3, 4)
    w = torch.rand(4, requires_grad=True)
    with pytest.raises(RuntimeError, match="not differentiable with respect to argument 'weight'"):
        torch.nn.functional.cross_entropy(x, torch.tensor([0, 2, 1]), weight=w,
                                          label_smoothing=smoothing)
    cx = cygrad.tensor(x.numpy())
    cw = cygrad.tensor(w.detach().numpy(), requires_grad=True)
    with pytest.raises(RuntimeError, match="(?i)not differentiable.*weight"):
        cnn.functional.cross_entropy(cx, cygrad.tensor([0, 2, 1]), weight=cw,
                                     label_smoothing=smoothing)


# ---------------------------------------------------------------------------- functional extras
def test_functional_misc_parity():
    rng = np.random.default_rng(5)
    a = rng.standard_normal((3, 4)).astype(np.float32)
    cx, tx = both_tensors(a)
    cf, tf = cnn.functional, tnn.functional
    assert_close(cf.normalize(cx), tf.normalize(tx), 1e-6, 1e-7)
    assert_close(cf.normalize(cx, p=1.0, dim=0), tf.normalize(tx, p=1.0, dim=0), 1e-6, 1e-7)
    for amounts in [(1, 2), (-1, 1, 2, 0), (0, 0, -1, -1)]:
        assert_close(cf.pad(cx, amounts, value=1.5), tf.pad(tx, amounts, value=1.5))
    idx = np.array([[0, 3], [2, 2]])
    assert_close(cf.one_hot(cygrad.tensor(idx)), tf.one_hot(torch.tensor(idx)))
    assert_close(cf.one_hot(cygrad.tensor(idx), 6), tf.one_hot(torch.tensor(idx), 6))
    v, i = cf.max_pool2d(cygrad.tensor(a[None, None]), 2, 1, 1, return_indices=True)
    tv, ti = tf.max_pool2d(torch.tensor(a[None, None]), 2, 1, 1, return_indices=True)
    assert_close(v, tv)
    assert_close(i, ti)


def test_max_pool_ties_gradient_goes_where_torch_sends_it():
    a = np.array([[[[1.0, 3, 3, 1], [3, 1, 1, 3], [2, 2, 0, 0], [0, 5, 5, 0]]]], np.float32)
    for kw in [dict(kernel_size=2, stride=1), dict(kernel_size=2), dict(kernel_size=3,
                                                                         padding=1, stride=1)]:
        run_step(cnn.MaxPool2d(**kw), tnn.MaxPool2d(**kw), a)
        run_step(cnn.MaxPool2d(**kw), tnn.MaxPool2d(**kw), np.ones((1, 2, 4, 4), np.float32))


def test_activations_at_zero_and_kinks():
    x = np.array([-1.0, 0.0, 1.0, 20.0, 21.0, -30.0], np.float32)
    for name in ["ReLU", "LeakyReLU", "ELU", "SiLU", "GELU", "Softplus", "Sigmoid", "Tanh"]:
        run_step(getattr(cnn, name)(), getattr(tnn, name)(), x)


ADAPTIVE_ERRORS = [
    (lambda F, lib: F.adaptive_avg_pool2d(lib.zeros(2, 3), 2), RuntimeError),
    (lambda F, lib: F.adaptive_avg_pool2d(lib.zeros(2, 3, 4, dtype=lib.long), 2),
     NotImplementedError),
    (lambda F, lib: F.adaptive_avg_pool2d(lib.zeros(1, 2, 3, 4), (2, 3, 4)), RuntimeError),
    (lambda F, lib: F.adaptive_avg_pool2d(lib.zeros(1, 2, 0, 4), 2), RuntimeError),
    (lambda F, lib: F.adaptive_avg_pool2d(lib.zeros(1, 2, 3, 4), -1), RuntimeError),
    (lambda F, lib: F.adaptive_avg_pool1d(lib.zeros(2), 2), RuntimeError),
]


@pytest.mark.parametrize("case", range(len(ADAPTIVE_ERRORS)))
def test_adaptive_avg_pool_errors_as_torch(case):
    fn, exc = ADAPTIVE_ERRORS[case]
    with pytest.raises(exc) as theirs:
        fn(tnn.functional, torch)
    with pytest.raises(exc) as ours:
        fn(cnn.functional, cygrad)
    assert str(ours.value) == str(theirs.value)


def test_adaptive_avg_pool_zero_output_size():
    x = np.ones((1, 2, 3, 4), np.float32)
    assert_close(cnn.functional.adaptive_avg_pool2d(cygrad.tensor(x), (0, 2)),
                 tnn.functional.adaptive_avg_pool2d(torch.tensor(x), (0, 2)))


def test_avg_pool2d_integer_input():
    a = np.arange(16).reshape(1, 1, 4, 4)
    assert_close(cnn.functional.avg_pool2d(cygrad.tensor(a), 2),
                 tnn.functional.avg_pool2d(torch.tensor(a), 2))


# ---------------------------------------------------------------------------- state dict keys
class _Net:
    """The same custom architecture in either library."""

    @staticmethod
    def make(nn):
        class Block(nn.Module):
            def __init__(self, k):
                super().__init__()
                self.conv = nn.Conv2d(2, 2, k, padding=k // 2, bias=False)
                self.bn = nn.BatchNorm2d(2)
                self.register_buffer("scale", lib_of(nn).ones(1))
                self.register_buffer("cache", lib_of(nn).zeros(1), persistent=False)

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = nn.Embedding(5, 2)
                self.blocks = nn.ModuleList([Block(3), Block(1)])
                self.heads = nn.ModuleDict({"b": nn.Linear(2, 1), "a": nn.Linear(2, 3)})
                self.norm = nn.LayerNorm(2, elementwise_affine=False)
                self.bn1 = nn.BatchNorm1d(2, affine=False)
                self.free = nn.Parameter(lib_of(nn).zeros(2))
                self.plist = nn.ParameterList([nn.Parameter(lib_of(nn).ones(1))])
                self.nobias = nn.Linear(2, 2, bias=False)
                self.crit = nn.CrossEntropyLoss(weight=lib_of(nn).ones(3))
                self.bcel = nn.BCEWithLogitsLoss(pos_weight=lib_of(nn).ones(1))
        return Net()


ARCHITECTURES = {
    "conv_bn_relu_pool_flatten_linear": lambda nn: nn.Sequential(
        nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(16, 2)),
    "nested_sequential": lambda nn: nn.Sequential(
        nn.Sequential(nn.Linear(2, 3), nn.LayerNorm(3)), nn.Dropout(),
        nn.Sequential(nn.BatchNorm1d(3, track_running_stats=False), nn.Linear(3, 1))),
    "custom": _Net.make,
}


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_state_dict_keys(name):
    cm, tm = ARCHITECTURES[name](cnn), ARCHITECTURES[name](tnn)
    csd, tsd = cm.state_dict(), tm.state_dict()
    assert list(csd) == list(tsd)
    for k in tsd:
        assert tuple(csd[k].shape) == tuple(tsd[k].shape), k
        assert str(csd[k].dtype).split(".")[1] == str(tsd[k].dtype).split(".")[1], k
    assert [n for n, _ in cm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert [n for n, _ in cm.named_buffers()] == [n for n, _ in tm.named_buffers()]
    assert [n for n, _ in cm.named_modules()] == [n for n, _ in tm.named_modules()]
    assert [n for n, _ in cm.named_children()] == [n for n, _ in tm.named_children()]
    # and torch's state loads into the cygrad model
    load_from_torch(cm, tm)
    for k, v in tm.state_dict().items():
        assert_close(cm.state_dict()[k], v)


def test_sequential_cnn_state_dict_keys_exact():
    cm = ARCHITECTURES["conv_bn_relu_pool_flatten_linear"](cnn)
    assert list(cm.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias",
                                     "1.running_mean", "1.running_var",
                                     "1.num_batches_tracked", "5.weight", "5.bias"]


def test_trained_cygrad_state_loads_into_torch():
    # the other direction: cygrad's state dict (as NumPy) loads into torch and agrees
    make = ARCHITECTURES["conv_bn_relu_pool_flatten_linear"]
    cm, tm = build(make)
    x = randn((4, 1, 6, 6), seed=3)
    cm(cygrad.tensor(x))                       # one training step of the BatchNorm stats
    tm.load_state_dict({k: torch.from_numpy(np.array(np_of(v), copy=True))
                        for k, v in cm.state_dict().items()})
    cm.eval()
    tm.eval()
    run_step(cm, tm, x)


# ---------------------------------------------------------------------------- default init
def _bound_stats(t):
    a = np.asarray(np_of(t), dtype=np.float64).ravel()
    return a.min(), a.max(), a.std(), a.mean()


def test_linear_default_init_distribution():
    cygrad.manual_seed(0)
    torch.manual_seed(0)
    fan_in = 400
    cm, tm = cnn.Linear(fan_in, 500), tnn.Linear(fan_in, 500)
    bound = 1 / math.sqrt(fan_in)
    for cp, tp in [(cm.weight, tm.weight), (cm.bias, tm.bias)]:
        cmin, cmax, cstd, cmean = _bound_stats(cp)
        tmin, tmax, tstd, tmean = _bound_stats(tp)
        assert -bound <= cmin and cmax <= bound
        n = cp.numel()
        # U(-b, b): std b / sqrt(3), the extremes within a few b / n of the bounds
        assert abs(cstd - bound / math.sqrt(3)) < 0.05 * bound / math.sqrt(3) + 3 / math.sqrt(n)
        assert abs(cstd - tstd) < 0.05 * tstd + 3 * bound / math.sqrt(n)
        assert abs(cmean) < 4 * bound / math.sqrt(3 * n)
        assert cmax > bound * (1 - 20 / n) and cmin < -bound * (1 - 20 / n)
    assert cm.weight.dtype is cygrad.float32 and cm.weight.requires_grad


def test_conv2d_default_init_distribution():
    cygrad.manual_seed(1)
    cm = cnn.Conv2d(16, 64, 3)
    fan_in = 16 * 9
    bound = 1 / math.sqrt(fan_in)
    for p in (cm.weight, cm.bias):
        lo, hi, std, _ = _bound_stats(p)
        assert -bound <= lo and hi <= bound
    assert abs(_bound_stats(cm.weight)[2] - bound / math.sqrt(3)) < 0.03 * bound


def test_deterministic_init_values_equal_torch():
    # the non-random defaults: ones / zeros and the embedding padding row
    for make in [lambda nn: nn.LayerNorm(4), lambda nn: nn.BatchNorm2d(3),
                 lambda nn: nn.BatchNorm1d(2, affine=False)]:
        cm, tm = make(cnn), make(tnn)
        compare_state(cm, tm, 0, 0, grads=False)
    cygrad.manual_seed(2)
    emb = cnn.Embedding(2000, 50, padding_idx=3)
    assert np_of(emb.weight)[3].tolist() == [0.0] * 50
    _, _, std, mean = _bound_stats(emb.weight)
    assert abs(std - 1.0) < 0.02 and abs(mean) < 0.01


# ---------------------------------------------------------------------------- repr
def norm_repr(s):
    return s.replace("cygrad.", "torch.")


REPRS = {
    "Linear": lambda nn: nn.Linear(3, 4),
    "Linear_no_bias": lambda nn: nn.Linear(3, 4, bias=False),
    "Sequential": lambda nn: nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)),
    "Sequential_nested": lambda nn: nn.Sequential(nn.Sequential(nn.Linear(1, 1)),
                                                  nn.ModuleList([nn.ReLU(), nn.Tanh()]),
                                                  nn.ModuleDict({"x": nn.Identity()})),
    "Sequential_empty": lambda nn: nn.Sequential(),
    "Conv2d": lambda nn: nn.Conv2d(3, 8, 3),
    "Conv2d_options": lambda nn: nn.Conv2d(4, 8, (3, 2), stride=2, padding=1, dilation=2,
                                           groups=2, bias=False),
    "Conv2d_padding_pair": lambda nn: nn.Conv2d(4, 8, 3, padding=(1, 0)),
    "MaxPool2d": lambda nn: nn.MaxPool2d(2),
    "MaxPool2d_options": lambda nn: nn.MaxPool2d((2, 3), stride=1, padding=1, dilation=2,
                                                 ceil_mode=True),
    "AvgPool2d": lambda nn: nn.AvgPool2d(3, 2, 1),
    "AdaptiveAvgPool2d": lambda nn: nn.AdaptiveAvgPool2d((7, None)),
    "AdaptiveAvgPool1d": lambda nn: nn.AdaptiveAvgPool1d(3),
    "Dropout": lambda nn: nn.Dropout(),
    "Dropout_options": lambda nn: nn.Dropout(0.2, inplace=True),
    "ReLU": lambda nn: nn.ReLU(),
    "ReLU_inplace": lambda nn: nn.ReLU(inplace=True),
    "Embedding": lambda nn: nn.Embedding(10, 3),
    "Embedding_padding": lambda nn: nn.Embedding(10, 3, padding_idx=-1),
    "CrossEntropyLoss": lambda nn: nn.CrossEntropyLoss(),
    "CrossEntropyLoss_options": lambda nn: nn.CrossEntropyLoss(label_smoothing=0.1,
                                                               reduction="sum"),
    "MSELoss": lambda nn: nn.MSELoss(),
    "BCEWithLogitsLoss": lambda nn: nn.BCEWithLogitsLoss(),
    "LeakyReLU": lambda nn: nn.LeakyReLU(0.2),
    "GELU_tanh": lambda nn: nn.GELU("tanh"),
    "Softplus": lambda nn: nn.Softplus(),
    "ELU": lambda nn: nn.ELU(),
    "Softmax": lambda nn: nn.Softmax(dim=1),
    "LogSoftmax": lambda nn: nn.LogSoftmax(),
    "Sigmoid": lambda nn: nn.Sigmoid(),
    "Identity": lambda nn: nn.Identity(),
    "Flatten": lambda nn: nn.Flatten(),
    "Unflatten": lambda nn: nn.Unflatten(1, (2, 3)),
    "ModuleList": lambda nn: nn.ModuleList([nn.Linear(1, 2), nn.ReLU()]),
    "ModuleDict": lambda nn: nn.ModuleDict({"a": nn.Linear(1, 2)}),
    "BatchNorm1d": pytest.param(lambda nn: nn.BatchNorm1d(5)),
    "BatchNorm2d_options": pytest.param(
        lambda nn: nn.BatchNorm2d(5, eps=1e-3, momentum=None, affine=False,
                                  track_running_stats=False)),
    "LayerNorm": pytest.param(lambda nn: nn.LayerNorm(5)),
    "LayerNorm_options": pytest.param(lambda nn: nn.LayerNorm((2, 3), eps=1e-6,
                                                              elementwise_affine=False)),
    "Conv2d_padding_same": lambda nn: nn.Conv2d(4, 8, 3, padding="same"),
}


@pytest.mark.parametrize("make", list(REPRS.values()), ids=list(REPRS))
def test_repr(make):
    assert norm_repr(repr(make(cnn))) == repr(make(tnn))


def test_norm_layer_reprs_up_to_the_bias_field():
    # the part of the BatchNorm/LayerNorm reprs that older torch versions also print
    strip = _strip_norm_bias
    for make in [lambda nn: nn.BatchNorm1d(5), lambda nn: nn.BatchNorm2d(3, momentum=None),
                 lambda nn: nn.LayerNorm(5), lambda nn: nn.LayerNorm((2, 3),
                                                                     elementwise_affine=False),
                 ARCHITECTURES["conv_bn_relu_pool_flatten_linear"]]:
        assert strip(norm_repr(repr(make(cnn)))) == strip(repr(make(tnn)))


def _strip_norm_bias(s):
    """Drop the ``bias=`` field newer torch versions print in BatchNorm/LayerNorm reprs."""
    return re.sub(r"(affine=(?:True|False)), bias=(?:True|False)", r"\1", s)


def test_custom_module_repr():
    crepr = _strip_norm_bias(norm_repr(repr(_Net.make(cnn))))
    trepr = _strip_norm_bias(repr(_Net.make(tnn)))
    assert crepr == trepr


def test_module_list_repr_groups_repeated_modules():
    make = lambda nn: nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU()])  # noqa
    assert norm_repr(repr(make(cnn))) == repr(make(tnn))


def test_parameter_list_repr():
    make = lambda nn: nn.ParameterList([nn.Parameter(lib_of(nn).zeros(2)),  # noqa: E731
                                        nn.Parameter(lib_of(nn).zeros(2, 3))])
    assert norm_repr(repr(make(cnn))) == repr(make(tnn))


# ---------------------------------------------------------------------------- load_state_dict errors
def load_error(module, state, **kw):
    with pytest.raises(RuntimeError) as info:
        module.load_state_dict(state, **kw)
    return str(info.value)


def _cnn_pair():
    make = ARCHITECTURES["conv_bn_relu_pool_flatten_linear"]
    return make(cnn), make(tnn)


def _edit(state, lib, missing=(), unexpected=(), resize=()):
    state = dict(state)
    for k in missing:
        del state[k]
    for k in unexpected:
        state[k] = lib.zeros(1)
    for k, shape in resize:
        state[k] = lib.zeros(*shape)
    return state


LOAD_CASES = {
    "missing": dict(missing=["0.weight", "1.running_var"]),
    "unexpected": dict(unexpected=["foo", "5.extra", "2.weight"]),
    "size_mismatch": dict(resize=[("5.weight", (3, 16)), ("1.num_batches_tracked", (2,))]),
    "missing_and_unexpected": dict(missing=["5.bias"], unexpected=["9.weight"]),
    "everything": dict(missing=["0.bias"], unexpected=["bar"],
                       resize=[("0.weight", (4, 1, 2, 2))]),
}


# strict=False still raises for size mismatches (the other cases: see the next test)
@pytest.mark.parametrize("case, strict", [(c, True) for c in LOAD_CASES] +
                         [(c, False) for c in LOAD_CASES if "resize" in LOAD_CASES[c]])
def test_load_state_dict_error_messages(case, strict):
    cm, tm = _cnn_pair()
    cs = _edit(cm.state_dict(), cygrad, **LOAD_CASES[case])
    ts = _edit(tm.state_dict(), torch, **LOAD_CASES[case])
    cmsg = load_error(cm, cs, strict=strict).replace("cygrad.Size", "torch.Size")
    tmsg = load_error(tm, ts, strict=strict)
    assert cmsg == tmsg



@pytest.mark.parametrize("case", [
    "missing",
    "unexpected",
    "missing_and_unexpected",
    "none",
])
def test_load_state_dict_non_strict_result(case):
    cm, tm = _cnn_pair()
    edits = LOAD_CASES.get(case, {})
    cres = cm.load_state_dict(_edit(cm.state_dict(), cygrad, **edits), strict=False)
    tres = tm.load_state_dict(_edit(tm.state_dict(), torch, **edits), strict=False)
    assert cres.missing_keys == tres.missing_keys
    assert cres.unexpected_keys == tres.unexpected_keys
    assert repr(cres) == repr(tres)


def test_load_state_dict_error_for_a_non_tensor_value():
    cm, tm = cnn.Linear(2, 2), tnn.Linear(2, 2)
    cmsg = load_error(cm, {"weight": [[1.0, 2.0], [3.0, 4.0]], "bias": cygrad.zeros(2)})
    tmsg = load_error(tm, {"weight": [[1.0, 2.0], [3.0, 4.0]], "bias": torch.zeros(2)})
    assert cmsg.replace("cygrad.Tensor", "torch.Tensor") == tmsg


def test_load_state_dict_error_names_the_top_module_class():
    class Wrapper:
        @staticmethod
        def make(nn):
            class MyNet(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(2, 2)
            return MyNet()
    cm, tm = Wrapper.make(cnn), Wrapper.make(tnn)
    assert load_error(cm, {}) == load_error(tm, {})
    assert load_error(cm, {}).startswith("Error(s) in loading state_dict for MyNet:")


def test_incompatible_keys_repr_when_all_match():
    cm, tm = _cnn_pair()
    assert repr(cm.load_state_dict(cm.state_dict())) == \
        repr(tm.load_state_dict(tm.state_dict())) == "<All keys matched successfully>"


# ---------------------------------------------------------------------------- warnings
def _warnings(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    return caught


@pytest.mark.parametrize("fn_name", ["mse_loss", "l1_loss"])
def test_broadcast_target_warning(fn_name):
    cw = _warnings(lambda: getattr(cnn.functional, fn_name)(cygrad.zeros(4, 1), cygrad.zeros(4)))
    tw = _warnings(lambda: getattr(tnn.functional, fn_name)(torch.zeros(4, 1), torch.zeros(4)))
    assert len(cw) == len(tw) == 1
    assert cw[0].category is tw[0].category is UserWarning
    assert norm_repr(str(cw[0].message)) == str(tw[0].message)
    assert cw[0].filename == tw[0].filename == __file__     # attributed to the caller


def test_broadcast_target_warning_from_the_module():
    cw = _warnings(lambda: cnn.MSELoss()(cygrad.zeros(4, 1), cygrad.zeros(4)))
    tw = _warnings(lambda: tnn.MSELoss()(torch.zeros(4, 1), torch.zeros(4)))
    assert [norm_repr(str(w.message)) for w in cw] == [str(w.message) for w in tw]
    # same shapes: no warning in either
    assert not _warnings(lambda: cnn.MSELoss()(cygrad.zeros(4, 1), cygrad.zeros(4, 1)))


def test_implicit_softmax_dim_warning():
    for name in ["softmax", "log_softmax"]:
        cw = _warnings(lambda: getattr(cnn.functional, name)(cygrad.zeros(2, 3)))
        tw = _warnings(lambda: getattr(tnn.functional, name)(torch.zeros(2, 3)))
        assert [str(w.message) for w in cw] == [str(w.message) for w in tw]
        assert cw[0].filename == __file__
    # the implicit dim is PyTorch's legacy choice: 0 for 0-d, 1-d and 3-d inputs, else 1
    for shape in [(3,), (2, 3), (2, 3, 4), (2, 3, 4, 5)]:
        x = randn(shape, seed=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert_close(cnn.Softmax()(cygrad.tensor(x)), tnn.Softmax()(torch.tensor(x)))


LEGACY = [dict(size_average=False), dict(reduce=False), dict(size_average=True, reduce=True),
          dict(size_average=False, reduce=True)]


def test_legacy_reduction_arguments():
    for kw in LEGACY:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert cnn.MSELoss(**kw).reduction == tnn.MSELoss(**kw).reduction
            assert cnn.CrossEntropyLoss(**kw).reduction == tnn.CrossEntropyLoss(**kw).reduction
        assert len(_warnings(lambda: cnn.L1Loss(**kw))) == 1


def test_legacy_reduction_warning_text():
    for kw in LEGACY:
        cw = _warnings(lambda: cnn.L1Loss(**kw))
        tw = _warnings(lambda: tnn.L1Loss(**kw))
        assert [str(w.message) for w in cw] == [str(w.message) for w in tw]
