"""Finite-difference checks (``cygrad.autograd.gradcheck``, float64) of every differentiable
op of ``cygrad.nn.functional``, and second derivatives (``gradgradcheck``) of the ops whose
backward is written with differentiable tensor ops."""
import numpy as np
import pytest

import cygrad
import cygrad.nn.functional as F
from cygrad.autograd import gradcheck, gradgradcheck

from .nnutil import as_leaf, distinct_values, leaf, values

F64 = cygrad.float64


def run_gradcheck(fn, *inputs):
    assert gradcheck(fn, tuple(inputs))


def run_gradgradcheck(fn, *inputs):
    assert gradgradcheck(fn, tuple(inputs))


def const(a, dtype=F64):
    """A constant (no grad) cygrad tensor holding ``a``."""
    return as_leaf(a, dtype, requires_grad=False)


def index(a):
    return cygrad.tensor(np.asarray(a, dtype=np.int64))


def probs(shape, seed=0, class_dim=1):
    """Rows of class probabilities (positive, summing to 1 along ``class_dim``)."""
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.1, 1.0, shape)
    return p / p.sum(axis=class_dim, keepdims=True)


SHAPES = {"0d": (), "1d": (5,), "2d": (2, 3), "3d": (2, 3, 2)}


# ---------------------------------------------------------------------------- linear
def test_linear_2d_with_bias():
    run_gradcheck(F.linear, leaf((3, 4), seed=1), leaf((5, 4), seed=2), leaf((5,), seed=3))


def test_linear_3d_input():
    run_gradcheck(F.linear, leaf((2, 3, 4), seed=1), leaf((5, 4), seed=2), leaf((5,), seed=3))


def test_linear_batched_input_folds_to_one_product():
    # 4-d input whose batch does not fold into a view (a transpose), and a 0-d bias
    run_gradcheck(lambda x, w, b: F.linear(x.transpose(0, 2), w, b), leaf((3, 2, 2, 4), seed=4),
                  leaf((5, 4), seed=5), leaf((5,), seed=6))
    run_gradcheck(F.linear, leaf((2, 2, 4), seed=7), leaf((1, 4), seed=8), leaf((), seed=9))
    x, w, b = leaf((2, 3, 4), seed=1), leaf((5, 4), seed=2), leaf((5,), seed=3)
    want = (x.detach().numpy() @ w.detach().numpy().T + b.detach().numpy())
    np.testing.assert_allclose(F.linear(x, w, b).detach().numpy(), want, rtol=1e-12)


def test_linear_no_bias():
    run_gradcheck(lambda x, w: F.linear(x, w), leaf((3, 4), seed=1), leaf((5, 4), seed=2))
    run_gradcheck(lambda x, w: F.linear(x, w, None), leaf((2, 3, 4), seed=1),
                  leaf((2, 4), seed=2))


def test_linear_1d_input_and_1d_weight():
    run_gradcheck(F.linear, leaf((4,), seed=1), leaf((5, 4), seed=2), leaf((5,), seed=3))
    run_gradcheck(F.linear, leaf((3, 4), seed=1), leaf((4,), seed=2), leaf((), seed=3))


def test_linear_transposed_input():
    x = leaf((4, 3), seed=1)
    run_gradcheck(lambda a, w, b: F.linear(a.t(), w, b), x, leaf((5, 4), seed=2),
                  leaf((5,), seed=3))


def test_linear_only_some_inputs_require_grad():
    x, w, b = leaf((3, 4), seed=1), leaf((5, 4), seed=2), leaf((5,), seed=3)
    run_gradcheck(F.linear, x, w.detach(), b.detach())
    run_gradcheck(F.linear, x.detach(), w, b.detach())
    run_gradcheck(F.linear, x.detach(), w.detach(), b)


# ---------------------------------------------------------------------------- activations
ACTIVATIONS = {
    "relu": F.relu,
    "leaky_relu": F.leaky_relu,
    "leaky_relu_0.2": lambda x: F.leaky_relu(x, 0.2),
    "gelu": F.gelu,
    "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "silu": F.silu,
    "softplus": F.softplus,
    # beta * x crosses the threshold for |x| > 1 (values are at least 0.1 from the kink)
    "softplus_beta2_thr2": lambda x: F.softplus(x, beta=2.0, threshold=2.0),
    "elu": F.elu,
    "elu_alpha0.5": lambda x: F.elu(x, alpha=0.5),
    "sigmoid": F.sigmoid,
    "tanh": F.tanh,
}


@pytest.mark.parametrize("shape", list(SHAPES.values()), ids=list(SHAPES))
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation(name, shape):
    run_gradcheck(ACTIVATIONS[name], leaf(shape, "any", seed=4))


def _away_from(a, point, gap=0.1):
    """``a`` with the entries within ``gap`` of ``point`` moved ``2 * gap`` away."""
    a = np.array(a)
    close = np.abs(a - point) < gap
    a[close] += 2 * gap
    return a


def test_softplus_threshold_region():
    # values on both sides of beta * x = threshold, away from the (C0) switch point
    a = _away_from(np.linspace(-3.0, 3.0, 13), 1.5)
    run_gradcheck(lambda x: F.softplus(x, beta=2.0, threshold=3.0), as_leaf(a))


@pytest.mark.parametrize("name", ["gelu", "gelu_tanh", "silu", "softplus", "elu", "sigmoid",
                                  "tanh"])
def test_activation_large_magnitudes(name):
    run_gradcheck(ACTIVATIONS[name], as_leaf([-12.0, -5.0, -0.3, 0.3, 5.0, 12.0]))


@pytest.mark.parametrize("name", ["relu", "gelu", "silu", "tanh"])
def test_activation_sliced_layout(name):
    x = leaf((4, 6), seed=5)
    run_gradcheck(lambda a: ACTIVATIONS[name](a[1::2, ::3]), x)


# ---------------------------------------------------------------------------- softmax
SOFTMAX_CASES = [((), 0), ((), -1), ((5,), 0), ((5,), -1), ((3, 4), 0), ((3, 4), 1),
                 ((3, 4), -1), ((3, 4), -2), ((2, 3, 4), 0), ((2, 3, 4), 1), ((2, 3, 4), 2),
                 ((2, 3, 4), -1)]
SOFTMAX_IDS = [f"{len(s)}d-dim{d}" for s, d in SOFTMAX_CASES]


@pytest.mark.parametrize("fn", [F.softmax, F.log_softmax], ids=["softmax", "log_softmax"])
@pytest.mark.parametrize("shape, dim", SOFTMAX_CASES, ids=SOFTMAX_IDS)
def test_softmax(fn, shape, dim):
    run_gradcheck(lambda x: fn(x, dim), leaf(shape, seed=6))


@pytest.mark.parametrize("fn", [F.softmax, F.log_softmax], ids=["softmax", "log_softmax"])
def test_softmax_transposed_and_large_logits(fn):
    run_gradcheck(lambda x: fn(x.t(), 1), leaf((4, 3), seed=7))
    big = as_leaf([[30.0, -20.0, 29.5], [-40.0, 41.0, 40.2]])
    run_gradcheck(lambda x: fn(x, 1), big)


@pytest.mark.parametrize("fn", [F.softmax, F.log_softmax], ids=["softmax", "log_softmax"])
@pytest.mark.parametrize("shape, dim", [((), 0), ((5,), 0), ((3, 4), 0), ((3, 4), -1),
                                        ((2, 3, 4), 1)],
                         ids=["0d", "1d", "2d-dim0", "2d-dim-1", "3d-dim1"])
def test_softmax_gradgrad(fn, shape, dim):
    run_gradgradcheck(lambda x: fn(x, dim), leaf(shape, seed=8))


# ---------------------------------------------------------------------------- normalisation
def test_layer_norm_no_affine():
    run_gradcheck(lambda x: F.layer_norm(x, (4,)), leaf((3, 4), seed=9))
    run_gradcheck(lambda x: F.layer_norm(x, (2, 3)), leaf((2, 2, 3), seed=9))
    run_gradcheck(lambda x: F.layer_norm(x, 5), leaf((5,), seed=9))


def test_layer_norm_affine():
    run_gradcheck(lambda x, w, b: F.layer_norm(x, (4,), w, b), leaf((3, 4), seed=10),
                  leaf((4,), seed=11), leaf((4,), seed=12))
    run_gradcheck(lambda x, w, b: F.layer_norm(x, (3, 2), w, b, eps=1e-3),
                  leaf((2, 3, 2), seed=10), leaf((3, 2), seed=11), leaf((3, 2), seed=12))
    run_gradcheck(lambda x, w: F.layer_norm(x, (4,), w), leaf((3, 4), seed=10),
                  leaf((4,), seed=11))


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 2), (2, 3, 2, 2)], ids=["2d", "3d", "4d"])
def test_batch_norm_training(shape):
    run_gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                  leaf(shape, seed=13), leaf((3,), seed=14), leaf((3,), seed=15))
    run_gradcheck(lambda x: F.batch_norm(x, None, None, training=True, eps=1e-3),
                  leaf(shape, seed=13))


def test_batch_norm_training_with_running_stats():
    # the in-place running-stat updates stay out of the graph
    rm, rv = cygrad.zeros(3, dtype=F64), cygrad.ones(3, dtype=F64)
    run_gradcheck(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=True, momentum=0.3),
                  leaf((5, 3), seed=16), leaf((3,), seed=17), leaf((3,), seed=18))
    assert not rm.requires_grad and not rv.requires_grad


def test_batch_norm_eval():
    rm = const([0.1, -0.2, 0.3])
    rv = const([0.5, 1.5, 2.0])
    run_gradcheck(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=False),
                  leaf((4, 3, 2), seed=19), leaf((3,), seed=20), leaf((3,), seed=21))


def test_gradgrad_of_composites():
    # layer_norm and batch_norm are built from recorded primitives: twice differentiable
    run_gradgradcheck(lambda x, w, b: F.layer_norm(x, (4,), w, b), leaf((3, 4), seed=22),
                      leaf((4,), seed=23), leaf((4,), seed=24))
    run_gradgradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                      leaf((4, 3), seed=22), leaf((3,), seed=23), leaf((3,), seed=24))


# ---------------------------------------------------------------------------- conv2d
CONV_CASES = {  # name -> (input shape, weight shape, bias?, kwargs)
    "plain": ((2, 3, 5, 5), (4, 3, 3, 3), True, {}),
    "stride2": ((1, 2, 6, 5), (3, 2, 3, 2), True, {"stride": 2}),
    "stride_pair": ((1, 2, 6, 7), (2, 2, 2, 3), True, {"stride": (2, 3)}),
    "padding1": ((1, 2, 4, 4), (3, 2, 3, 3), True, {"padding": 1}),
    "padding_pair": ((1, 2, 4, 5), (2, 2, 3, 3), True, {"padding": (2, 0)}),
    "stride_padding": ((2, 2, 5, 6), (3, 2, 3, 2), True, {"stride": 2, "padding": 1}),
    "same_odd": ((1, 2, 5, 5), (2, 2, 3, 3), True, {"padding": "same"}),
    "same_even": ((1, 2, 5, 6), (2, 2, 4, 3), False, {"padding": "same"}),
    "same_dilated": ((1, 2, 6, 6), (2, 2, 3, 2), True, {"padding": "same", "dilation": 2}),
    "valid": ((1, 2, 5, 5), (2, 2, 3, 3), True, {"padding": "valid"}),
    "dilation2": ((1, 2, 6, 6), (3, 2, 2, 2), True, {"dilation": 2}),
    "dilation_pair": ((1, 2, 6, 6), (3, 2, 2, 3), True, {"dilation": (2, 1)}),
    "groups2": ((2, 4, 5, 5), (6, 2, 3, 3), True, {"groups": 2}),
    "depthwise": ((1, 3, 4, 4), (3, 1, 2, 2), True, {"groups": 3, "padding": 1}),
    "no_bias": ((2, 3, 4, 4), (2, 3, 3, 3), False, {}),
    "1x1": ((2, 3, 3, 3), (4, 3, 1, 1), True, {}),
    "all_options": ((2, 4, 7, 6), (4, 2, 3, 2), True,
                    {"stride": (2, 1), "padding": (1, 2), "dilation": (1, 2), "groups": 2}),
}


@pytest.mark.parametrize("name", list(CONV_CASES))
def test_conv2d(name):
    xs, ws, has_bias, kw = CONV_CASES[name]
    x, w = leaf(xs, seed=25), leaf(ws, seed=26)
    if has_bias:
        run_gradcheck(lambda a, b, c: F.conv2d(a, b, c, **kw), x, w, leaf((ws[0],), seed=27))
    else:
        run_gradcheck(lambda a, b: F.conv2d(a, b, **kw), x, w)


def test_conv2d_unbatched():
    run_gradcheck(lambda a, b, c: F.conv2d(a, b, c, padding=(1, 0)), leaf((2, 4, 4), seed=28),
                  leaf((3, 2, 3, 3), seed=29), leaf((3,), seed=30))
    run_gradcheck(lambda a, b: F.conv2d(a, b, stride=2, groups=2), leaf((4, 5, 5), seed=28),
                  leaf((2, 2, 2, 2), seed=29))


def test_conv2d_non_contiguous_input():
    x = leaf((1, 2, 5, 4), seed=31)
    run_gradcheck(lambda a, b: F.conv2d(a.transpose(2, 3), b, padding=1), x,
                  leaf((2, 2, 3, 3), seed=32))


def test_conv2d_only_weight_or_only_input():
    x, w, b = leaf((1, 2, 4, 4), seed=33), leaf((2, 2, 3, 3), seed=34), leaf((2,), seed=35)
    run_gradcheck(lambda a: F.conv2d(a, w.detach(), b.detach()), x)
    run_gradcheck(lambda c: F.conv2d(x.detach(), c, b.detach()), w)
    run_gradcheck(lambda c: F.conv2d(x.detach(), w.detach(), c), b)


# ---------------------------------------------------------------------------- pooling
def pool_leaf(shape, seed):
    return as_leaf(distinct_values(shape, seed))


MAXPOOL_CASES = {  # name -> (input shape, kwargs)
    "k2": ((2, 2, 4, 4), {"kernel_size": 2}),
    "k2_odd_size": ((1, 2, 5, 5), {"kernel_size": 2}),
    "overlap_k3_s1": ((1, 2, 5, 5), {"kernel_size": 3, "stride": 1}),
    "overlap_k3_s2": ((1, 1, 7, 6), {"kernel_size": 3, "stride": 2}),
    "rect": ((1, 2, 5, 6), {"kernel_size": (2, 3), "stride": (1, 2)}),
    "padding": ((1, 2, 5, 5), {"kernel_size": 3, "stride": 2, "padding": 1}),
    "padding_pair": ((1, 1, 5, 6), {"kernel_size": (3, 2), "stride": 1, "padding": (1, 1)}),
    "ceil_mode": ((1, 2, 5, 5), {"kernel_size": 2, "stride": 2, "ceil_mode": True}),
    "ceil_mode_padding": ((1, 1, 6, 7), {"kernel_size": 3, "stride": 2, "padding": 1,
                                          "ceil_mode": True}),
    "dilation": ((1, 2, 5, 5), {"kernel_size": 2, "stride": 1, "dilation": 2}),
    "dilation_padding": ((1, 1, 6, 6), {"kernel_size": 3, "stride": 2, "padding": 1,
                                         "dilation": 2}),
    "unbatched": ((2, 4, 4), {"kernel_size": 2}),
}


@pytest.mark.parametrize("name", list(MAXPOOL_CASES))
def test_max_pool2d(name):
    shape, kw = MAXPOOL_CASES[name]
    run_gradcheck(lambda x: F.max_pool2d(x, **kw), pool_leaf(shape, seed=36))


def test_max_pool2d_return_indices_values_differentiable():
    run_gradcheck(lambda x: F.max_pool2d(x, 3, 1, 1, return_indices=True)[0],
                  pool_leaf((1, 2, 4, 4), seed=37))


AVGPOOL_CASES = {
    "k2": ((2, 2, 4, 4), {"kernel_size": 2}),
    "k3_s1": ((1, 2, 4, 5), {"kernel_size": 3, "stride": 1}),
    "stride_padding": ((1, 2, 5, 5), {"kernel_size": 3, "stride": 2, "padding": 1}),
    "rect": ((1, 1, 4, 6), {"kernel_size": (2, 3), "stride": (2, 1)}),
    "divisor_override": ((1, 2, 4, 4), {"kernel_size": 2, "divisor_override": 3}),
    "unbatched": ((2, 4, 4), {"kernel_size": 2}),
}


@pytest.mark.parametrize("name", list(AVGPOOL_CASES))
def test_avg_pool2d(name):
    shape, kw = AVGPOOL_CASES[name]
    run_gradcheck(lambda x: F.avg_pool2d(x, **kw), leaf(shape, seed=38))


@pytest.mark.parametrize("fn,shape,size", [
    (F.adaptive_avg_pool2d, (2, 3, 7, 5), (3, 2)), (F.adaptive_avg_pool2d, (3, 5, 4), 1),
    (F.adaptive_avg_pool2d, (1, 2, 5, 6), (None, 4)), (F.adaptive_avg_pool1d, (2, 3, 7), 3)])
def test_adaptive_avg_pool(fn, shape, size):
    run_gradcheck(lambda x: fn(x, size), leaf(shape, seed=39))
    run_gradgradcheck(lambda x: fn(x, size), leaf(shape, seed=40))


# ---------------------------------------------------------------------------- pad
PAD_CASES = {
    "last_dim": ((2, 3), (1, 2)),
    "two_dims": ((2, 3), (1, 2, 0, 1)),
    "three_dims": ((2, 2, 3), (1, 0, 2, 1, 1, 1)),
    "negative": ((3, 4), (-1, -1)),
    "mixed": ((3, 4), (-1, 2, 1, -1)),
    "crop_all_but_one": ((3, 4), (-3, 0, 0, -2)),
    "zero": ((2, 3), (0, 0)),
    "1d": ((4,), (2, 1)),
}


@pytest.mark.parametrize("name", list(PAD_CASES))
def test_pad(name):
    shape, amounts = PAD_CASES[name]
    run_gradcheck(lambda x: F.pad(x, amounts), leaf(shape, seed=39))
    run_gradcheck(lambda x: F.pad(x, amounts, value=2.5), leaf(shape, seed=39))


def test_pad_gradgrad():
    run_gradgradcheck(lambda x: F.pad(x, (-1, 2, 1, -1)), leaf((3, 4), seed=40))


# ---------------------------------------------------------------------------- embedding
def test_embedding_repeated_indices():
    idx = index([[0, 2, 2], [1, 0, 2]])
    run_gradcheck(lambda w: F.embedding(idx, w), leaf((4, 3), seed=41))
    run_gradcheck(lambda w: F.embedding(index([3, 3, 3, 1]), w), leaf((4, 2), seed=42))
    run_gradcheck(lambda w: F.embedding(index(2), w), leaf((4, 2), seed=42))


def test_embedding_int32_indices():
    idx = cygrad.tensor([[0, 1], [1, 1]], dtype=cygrad.int32)
    run_gradcheck(lambda w: F.embedding(idx, w), leaf((3, 2), seed=43))


@pytest.mark.parametrize("padding_idx", [2, -2], ids=["pos", "neg"])
def test_embedding_padding_idx(padding_idx):
    # the padding row gets no gradient (as PyTorch), so the check runs over the other rows
    # with the padding row a constant
    idx = index([[0, 2, 2], [1, 3, 2]])
    top, pad_row, bottom = leaf((2, 3), seed=44), const([[0.5, -0.5, 1.0]]), leaf((1, 3), seed=45)
    run_gradcheck(lambda a, b: F.embedding(idx, cygrad.cat([a, pad_row, b]),
                                           padding_idx=padding_idx), top, bottom)
    w = leaf((4, 3), seed=46)
    F.embedding(idx, w, padding_idx=padding_idx).sum().backward()
    g = w.grad.tolist()
    assert g[2] == [0.0, 0.0, 0.0]
    assert g[0] == [1.0, 1.0, 1.0] and g[1] == [1.0, 1.0, 1.0] and g[3] == [1.0, 1.0, 1.0]


# ---------------------------------------------------------------------------- regression losses
REDUCTIONS = ["none", "sum", "mean"]


def loss_pair(shape, seed):
    """Input and target leaves at least 0.1 apart (``|x - t|`` is smooth there)."""
    rng = np.random.default_rng(seed)
    x = values(shape, "any", seed)
    t = x + rng.uniform(0.1, 1.0, shape) * rng.choice([-1.0, 1.0], shape)
    return as_leaf(x), as_leaf(t)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("fn", [F.mse_loss, F.l1_loss], ids=["mse", "l1"])
@pytest.mark.parametrize("shape", [(), (4,), (3, 4)], ids=["0d", "1d", "2d"])
def test_regression_loss(fn, reduction, shape):
    x, t = loss_pair(shape, seed=47)
    run_gradcheck(lambda a, b: fn(a, b, reduction=reduction), x, t)
    run_gradcheck(lambda a: fn(a, t.detach(), reduction=reduction), x)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_loss_gradgrad(reduction):
    x, t = loss_pair((3, 4), seed=48)
    run_gradgradcheck(lambda a, b: F.mse_loss(a, b, reduction=reduction), x, t)


# ---------------------------------------------------------------------------- nll / cross entropy
TARGETS_2D = [0, 2, 1, 3, 2]                      # for (5, 4) inputs: class 2 repeated
TARGETS_KD = [[[0, 1], [2, 3]], [[3, 2], [1, 1]]]  # for (2, 4, 2, 2) inputs
CLASS_WEIGHT = [0.5, 2.0, 1.0, 1.5]


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss(reduction):
    logp = leaf((5, 4), seed=49)
    run_gradcheck(lambda a: F.nll_loss(a, index(TARGETS_2D), reduction=reduction), logp)
    run_gradcheck(lambda a: F.nll_loss(a, index(TARGETS_2D), weight=const(CLASS_WEIGHT),
                                       reduction=reduction), logp)
    run_gradcheck(lambda a: F.nll_loss(a, index([0, 2, -100, 3, 2]), reduction=reduction),
                  logp)
    run_gradcheck(lambda a: F.nll_loss(a, index(TARGETS_2D), weight=const(CLASS_WEIGHT),
                                       ignore_index=2, reduction=reduction), logp)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_k_dim_and_1d(reduction):
    run_gradcheck(lambda a: F.nll_loss(a, index(TARGETS_KD), reduction=reduction,
                                       ignore_index=3), leaf((2, 4, 2, 2), seed=50))
    run_gradcheck(lambda a: F.nll_loss(a, index(TARGETS_KD[0]), reduction=reduction),
                  leaf((2, 4, 2), seed=51))
    run_gradcheck(lambda a: F.nll_loss(a, index(2), reduction=reduction), leaf((4,), seed=52))


CE_CASES = {  # name -> (input shape, target builder, kwargs)
    "indices": ((5, 4), lambda: index(TARGETS_2D), {}),
    "weight": ((5, 4), lambda: index(TARGETS_2D), {"weight": CLASS_WEIGHT}),
    "ignore_index": ((5, 4), lambda: index([0, -100, 1, 3, -100]), {}),
    "ignore_index_custom": ((5, 4), lambda: index(TARGETS_2D), {"ignore_index": 2}),
    "weight_ignore": ((5, 4), lambda: index(TARGETS_2D), {"weight": CLASS_WEIGHT,
                                                           "ignore_index": 3}),
    "smoothing": ((5, 4), lambda: index(TARGETS_2D), {"label_smoothing": 0.2}),
    "smoothing_weight_ignore": ((5, 4), lambda: index(TARGETS_2D),
                                {"weight": CLASS_WEIGHT, "ignore_index": 3,
                                 "label_smoothing": 0.15}),
    "k_dim": ((2, 4, 2, 2), lambda: index(TARGETS_KD), {}),
    "k_dim_weight_smoothing": ((2, 4, 2, 2), lambda: index(TARGETS_KD),
                               {"weight": CLASS_WEIGHT, "label_smoothing": 0.3,
                                "ignore_index": 1}),
    "k_dim_3d": ((2, 4, 3), lambda: index([[0, 1, 3], [2, 2, 0]]), {}),
    "1d_input": ((4,), lambda: index(2), {}),
    "1d_input_smoothing": ((4,), lambda: index(1), {"label_smoothing": 0.1,
                                                   "weight": CLASS_WEIGHT}),
    "probs": ((5, 4), lambda: const(probs((5, 4), seed=1)), {}),
    "probs_weight": ((5, 4), lambda: const(probs((5, 4), seed=2)), {"weight": CLASS_WEIGHT}),
    "probs_smoothing": ((5, 4), lambda: const(probs((5, 4), seed=3)),
                        {"label_smoothing": 0.25}),
    "probs_weight_smoothing": ((5, 4), lambda: const(probs((5, 4), seed=4)),
                               {"weight": CLASS_WEIGHT, "label_smoothing": 0.1}),
    "probs_k_dim": ((2, 4, 2, 2), lambda: const(probs((2, 4, 2, 2), seed=5)), {}),
    "probs_1d": ((4,), lambda: const(probs((4,), seed=6, class_dim=0)), {}),
}


def _ce_kwargs(kw):
    kw = dict(kw)
    if "weight" in kw:
        kw["weight"] = const(kw["weight"])
    return kw


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", list(CE_CASES))
def test_cross_entropy(name, reduction):
    shape, target, kw = CE_CASES[name]
    kw = _ce_kwargs(kw)
    t = target()
    run_gradcheck(lambda a: F.cross_entropy(a, t, reduction=reduction, **kw),
                  leaf(shape, seed=53))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_probability_target_gradient(reduction):
    # soft targets are differentiable too
    p = as_leaf(probs((3, 4), seed=7))
    run_gradcheck(lambda a, b: F.cross_entropy(a, b, reduction=reduction,
                                               label_smoothing=0.1), leaf((3, 4), seed=54), p)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["indices", "weight", "ignore_index", "smoothing",
                                  "smoothing_weight_ignore", "k_dim", "1d_input", "probs",
                                  "probs_weight_smoothing"])
def test_cross_entropy_gradgrad(name, reduction):
    shape, target, kw = CE_CASES[name]
    kw = _ce_kwargs(kw)
    t = target()
    run_gradgradcheck(lambda a: F.cross_entropy(a, t, reduction=reduction, **kw),
                      leaf(shape, seed=55))


# ---------------------------------------------------------------------------- binary losses
def bce_inputs(shape=(3, 4), seed=56):
    rng = np.random.default_rng(seed)
    x = as_leaf(rng.uniform(0.1, 0.9, shape))
    t = as_leaf(rng.uniform(0.0, 1.0, shape))
    return x, t


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy(reduction):
    x, t = bce_inputs()
    run_gradcheck(lambda a, b: F.binary_cross_entropy(a, b, reduction=reduction), x, t)
    run_gradcheck(lambda a: F.binary_cross_entropy(a, t.detach(), reduction=reduction), x)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_weight(reduction):
    x, t = bce_inputs(seed=57)
    w_full = const(np.random.default_rng(1).uniform(0.5, 2.0, (3, 4)))
    w_row = const([0.5, 1.0, 1.5, 2.0])
    run_gradcheck(lambda a, b: F.binary_cross_entropy(a, b, weight=w_full, reduction=reduction),
                  x, t)
    run_gradcheck(lambda a, b: F.binary_cross_entropy(a, b, weight=w_row, reduction=reduction),
                  x, t)


def test_binary_cross_entropy_0d_and_1d():
    x, t = bce_inputs((), seed=58)
    run_gradcheck(F.binary_cross_entropy, x, t)
    x, t = bce_inputs((5,), seed=59)
    run_gradcheck(F.binary_cross_entropy, x, t)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_with_logits(reduction):
    _, t = bce_inputs(seed=60)
    x = leaf((3, 4), seed=61)
    run_gradcheck(lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction=reduction),
                  x, t)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_with_logits_weights(reduction):
    # weight and pos_weight are constants (PyTorch refuses them requiring grad); the input
    # and the target are differentiated through them
    _, t = bce_inputs(seed=62)
    x = leaf((3, 4), seed=63)
    pw = leaf((4,), "pos", seed=64).detach()
    w = leaf((3, 4), "pos", seed=65).detach()
    run_gradcheck(lambda a, b: F.binary_cross_entropy_with_logits(
        a, b, pos_weight=pw, reduction=reduction), x, t)
    run_gradcheck(lambda a, b: F.binary_cross_entropy_with_logits(
        a, b, w, reduction=reduction), x, t)
    run_gradcheck(lambda a, b: F.binary_cross_entropy_with_logits(
        a, b, w, reduction=reduction, pos_weight=pw), x, t)


@pytest.mark.parametrize("name", ["weight", "pos_weight"])
def test_binary_cross_entropy_with_logits_refuses_weights_requiring_grad(name):
    x = leaf((3, 4), seed=63)
    _, t = bce_inputs(seed=62)
    wt = leaf((4,), "pos", seed=64)
    with pytest.raises(RuntimeError, match=f"not differentiable with respect to argument "
                                           f"'{name}'"):
        F.binary_cross_entropy_with_logits(x, t, **{name: wt})


def test_binary_cross_entropy_with_logits_large_logits():
    x = as_leaf([-40.0, -3.0, 0.5, 3.0, 40.0])
    t = as_leaf([0.2, 1.0, 0.0, 0.7, 0.9])
    run_gradcheck(F.binary_cross_entropy_with_logits, x, t)


def test_binary_cross_entropy_with_logits_gradgrad():
    _, t = bce_inputs(seed=66)
    pw = leaf((4,), "pos", seed=68).detach()
    run_gradgradcheck(lambda a, b: F.binary_cross_entropy_with_logits(a, b, pos_weight=pw),
                      leaf((3, 4), seed=67), t)


def test_binary_cross_entropy_gradgrad():
    x, t = bce_inputs(seed=69)
    run_gradgradcheck(lambda a, b: F.binary_cross_entropy(a, b), x, t)


# ---------------------------------------------------------------------------- second derivatives
def test_linear_gradgrad():
    run_gradgradcheck(F.linear, leaf((3, 4), seed=70), leaf((2, 4), seed=71),
                      leaf((2,), seed=72))
    run_gradgradcheck(F.linear, leaf((2, 3, 4), seed=70), leaf((2, 4), seed=71),
                      leaf((2,), seed=72))
    run_gradgradcheck(lambda a, b: F.linear(a, b), leaf((3, 4), seed=70), leaf((2, 4), seed=71))


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_gradgrad(approximate):
    run_gradgradcheck(lambda x: F.gelu(x, approximate=approximate), leaf((3, 4), seed=73))


@pytest.mark.parametrize("name", ["leaky_relu", "silu", "softplus", "elu", "sigmoid", "tanh"])
def test_activation_gradgrad(name):
    run_gradgradcheck(ACTIVATIONS[name], leaf((2, 3), seed=74))


def test_embedding_and_max_pool_gradgrad():
    # their backward is linear in the incoming gradient, recorded through index_put
    run_gradgradcheck(lambda w: F.embedding(index([0, 1, 1]), w), leaf((3, 2), seed=75))
    run_gradgradcheck(lambda x: F.max_pool2d(x, 2), pool_leaf((1, 1, 4, 4), seed=76))
    run_gradgradcheck(lambda x: F.nll_loss(x, index([0, 2, 1])), leaf((3, 4), seed=77))


def test_conv2d_double_backward_raises_clearly():
    # not supported: an explicit error rather than a silently wrong second derivative
    x, w = leaf((1, 1, 4, 4), seed=78), leaf((1, 1, 2, 2), seed=79)
    with pytest.raises(RuntimeError, match="double backward"):
        cygrad.autograd.grad(F.conv2d(x, w).square().sum(), x, create_graph=True)
