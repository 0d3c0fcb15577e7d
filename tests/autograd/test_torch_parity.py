"""Parity with PyTorch: forward values and gradients of every unary/binary op and of composite
expressions, gradient dtypes, ``grad_fn`` names, ``next_functions`` structure and double
backward."""

import numpy as np
import pytest

import cygrad
from agutil import _grad_mode_enabled, as_leaf, assert_close, leaf, np_of, to_torch  # noqa: F401

torch = pytest.importorskip("torch")

DT = {"float32": (cygrad.float32, 2e-5, 1e-6), "float64": (cygrad.float64, 1e-10, 1e-12)}


def both(shape, kind="any", seed=0, dtype=cygrad.float64):
    """A cygrad leaf and its torch twin (same values and dtype)."""
    c = leaf(shape, kind, seed=seed, dtype=dtype)
    return c, to_torch(c)


def run_both(fn, cy_inputs, seed=1000):
    """fn(lib, *inputs) on both libraries; backward with the same random upstream gradient;
    compare outputs and every input's gradient."""
    return compare(fn, cy_inputs, seed=seed)


def compare(fn, cy_inputs, seed=1000, rtol=1e-9, atol=1e-11):
    t_inputs = [to_torch(c) if isinstance(c, cygrad.Tensor) else c for c in cy_inputs]
    cy_out = fn(cygrad, *cy_inputs)
    t_out = fn(torch, *t_inputs)
    cy_outs = cy_out if isinstance(cy_out, tuple) else (cy_out,)
    t_outs = t_out if isinstance(t_out, tuple) else (t_out,)
    assert len(cy_outs) == len(t_outs)
    for c, t in zip(cy_outs, t_outs):
        assert_close(c, t, rtol, atol)
    rng = np.random.default_rng(seed)
    gs = [rng.standard_normal(tuple(t.shape)) for t in t_outs]
    torch.autograd.backward(list(t_outs), [torch.from_numpy(g).to(t.dtype)
                                           for g, t in zip(gs, t_outs)])
    cygrad.autograd.backward(list(cy_outs), [as_leaf(g, c.dtype, False)
                                             for g, c in zip(gs, cy_outs)])
    for i, (c, t) in enumerate(zip(cy_inputs, t_inputs)):
        if isinstance(c, cygrad.Tensor) and c.requires_grad:
            if t.grad is None:
                assert c.grad is None, f"input {i}: torch has no gradient"
            else:
                assert c.grad is not None, f"input {i}: no gradient, torch has one"
                assert_close(c.grad, t.grad, rtol, atol)
    return cy_out, t_out


# ---------------------------------------------------------------------------- unary ops
UNARY = [("neg", "any"), ("abs", "any"), ("exp", "any"), ("exp2", "any"), ("log", "pos"),
         ("log2", "pos"), ("log10", "pos"), ("log1p", "unit"), ("expm1", "any"),
         ("sqrt", "pos"), ("rsqrt", "pos"), ("reciprocal", "nz"), ("sin", "any"),
         ("cos", "any"), ("tan", "unit"), ("asin", "unit"), ("acos", "unit"), ("atan", "any"),
         ("sinh", "any"), ("cosh", "any"), ("tanh", "any"), ("erf", "any"), ("sigmoid", "any"),
         ("relu", "any"), ("square", "any"), ("sign", "any"), ("floor", "any"), ("ceil", "any"),
         ("trunc", "any"), ("round", "any"), ("erfc", "any"), ("erfinv", "unit"),
         ("asinh", "any"), ("acosh", "gt1"), ("atanh", "unit")]


@pytest.mark.parametrize("dt", list(DT))
@pytest.mark.parametrize("name, kind", UNARY, ids=[u[0] for u in UNARY])
def test_unary_parity(name, kind, dt):
    dtype, rtol, atol = DT[dt]
    x = leaf((3, 4), kind, seed=1, dtype=dtype)
    compare(lambda T, a: getattr(a, name)(), [x], rtol=rtol, atol=atol)
    assert x.grad.dtype is dtype


@pytest.mark.parametrize("name, kind", UNARY[:25], ids=[u[0] for u in UNARY[:25]])
def test_unary_function_form_and_0d(name, kind):
    x = leaf((), kind, seed=2)
    if name == "square":
        compare(lambda T, a: T.square(a), [x])
    else:
        compare(lambda T, a: getattr(T, name)(a), [x])


def test_relu_at_zero_and_abs_at_zero():
    # torch: relu'(0) = 0, abs'(0) = 0
    x = as_leaf([-1.0, 0.0, 2.0])
    compare(lambda T, a: a.relu() + a.abs(), [x])


def test_sqrt_at_zero_is_inf():
    x = as_leaf([0.0, 4.0])
    compare(lambda T, a: a.sqrt(), [x])


# ---------------------------------------------------------------------------- binary ops
BINARY = {
    "add": (lambda T, a, b: a + b, "any"),
    "sub": (lambda T, a, b: a - b, "any"),
    "mul": (lambda T, a, b: a * b, "any"),
    "div": (lambda T, a, b: a / b, "nz"),
    "pow": (lambda T, a, b: a.abs() ** b, "any"),
    "maximum": (lambda T, a, b: T.maximum(a, b), "any"),
    "minimum": (lambda T, a, b: T.minimum(a, b), "any"),
    "atan2": (lambda T, a, b: T.atan2(a, b), "any"),
    "remainder": (lambda T, a, b: T.remainder(a, b), "nz"),
    "add_alpha": (lambda T, a, b: T.add(a, b, alpha=2.5), "any"),
    "sub_alpha": (lambda T, a, b: T.sub(a, b, alpha=-0.5), "any"),
    "lerp": (lambda T, a, b: T.lerp(a, b, 0.3), "any"),
}
PATTERNS = {"same": ((2, 3), (2, 3)), "bcast": ((3, 1), (4,)), "scalar": ((2, 3), ())}


@pytest.mark.parametrize("dt", list(DT))
@pytest.mark.parametrize("pattern", list(PATTERNS))
@pytest.mark.parametrize("name", list(BINARY))
def test_binary_parity(name, pattern, dt):
    dtype, rtol, atol = DT[dt]
    fn, kb = BINARY[name]
    sa, sb = PATTERNS[pattern]
    a = leaf(sa, "any", seed=3, dtype=dtype)
    b = leaf(sb, kb, seed=4, dtype=dtype)
    compare(fn, [a, b], rtol=rtol, atol=atol)
    assert a.grad.dtype is dtype and b.grad.dtype is dtype


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow", "remainder"])
def test_binary_python_scalar_parity(name):
    a = leaf((2, 3), "pos", seed=5, dtype=cygrad.float32)
    op = {"add": lambda x, s: x + s, "sub": lambda x, s: x - s, "mul": lambda x, s: x * s,
          "div": lambda x, s: x / s, "pow": lambda x, s: x ** s,
          "remainder": lambda x, s: x % s}[name]
    if name == "remainder":   # torch has no derivative for remainder(Scalar, Tensor)
        compare(lambda T, x: op(x, 1.5), [a], rtol=2e-5, atol=1e-6)
    else:
        compare(lambda T, x: op(x, 1.5) + op(2.5, x), [a], rtol=2e-5, atol=1e-6)
    assert a.grad.dtype is cygrad.float32


def test_maximum_minimum_ties_split_gradient():
    a = as_leaf([1.0, 2.0, 3.0])
    b = as_leaf([1.0, 5.0, 3.0])
    compare(lambda T, x, y: T.maximum(x, y) * 2 + T.minimum(x, y), [a, b])


def test_pow_special_values():
    # zero base with positive exponents, exponent zero, negative base with integer exponent
    a = as_leaf([0.0, 0.0, 2.0, -1.5, 0.0])
    b = as_leaf([2.0, 0.5, 0.0, 2.0, 1.0])
    compare(lambda T, x, y: x ** y, [a, b.detach()])
    compare(lambda T, x: x ** 2 + x ** 0 + x ** 1, [as_leaf([0.0, -1.5, 2.0])])
    compare(lambda T, y: 0.0 ** y, [as_leaf([1.0, 2.0, 0.5])])


# ---------------------------------------------------------------------------- dtypes
def test_grad_dtype_follows_input_mixed():
    a = leaf((2, 3), seed=6, dtype=cygrad.float32)
    b = leaf((2, 3), seed=7, dtype=cygrad.float64)
    out, _ = compare(lambda T, x, y: (x * y + x.exp() / y).sum(), [a, b], rtol=1e-6, atol=1e-6)
    assert out.dtype is cygrad.float64
    assert a.grad.dtype is cygrad.float32
    assert b.grad.dtype is cygrad.float64


def test_grad_dtype_mixed_broadcast_and_matmul():
    a = leaf((3, 1), seed=8, dtype=cygrad.float32)
    b = leaf((4,), seed=9, dtype=cygrad.float64)
    compare(lambda T, x, y: (x + y).tanh(), [a, b], rtol=1e-6, atol=1e-6)
    assert a.grad.dtype is cygrad.float32 and tuple(a.grad.shape) == (3, 1)
    assert b.grad.dtype is cygrad.float64 and tuple(b.grad.shape) == (4,)


def test_grad_dtype_through_casts():
    a = leaf((3,), seed=10, dtype=cygrad.float32)
    compare(lambda T, x: (x.double() * 3).sum() + x.to(T.float64).exp().sum(), [a],
            rtol=1e-6, atol=1e-6)
    assert a.grad.dtype is cygrad.float32
    b = leaf((3,), seed=11, dtype=cygrad.float64)
    compare(lambda T, x: (x.float() ** 2).sum(), [b], rtol=1e-6, atol=1e-6)
    assert b.grad.dtype is cygrad.float64


def test_grad_dtype_float32_with_int_tensor():
    a = leaf((3,), seed=12, dtype=cygrad.float32)
    i = cygrad.tensor([1, 2, 3])
    ti = torch.tensor([1, 2, 3])
    ta = to_torch(a)
    (a * i).sum().backward()
    (ta * ti).sum().backward()
    assert_close(a.grad, ta.grad)


# ---------------------------------------------------------------------------- composites
def _idx(T, v):
    return T.tensor(v, dtype=T.int64)


COMPOSITES = {
    "mlp": (lambda T, x, w1, b1, w2: ((x @ w1 + b1).relu() @ w2).tanh().sum(),
            [((4, 3), "any"), ((3, 5), "any"), ((5,), "any"), ((5, 2), "any")]),
    "softmax_xent": (lambda T, z: -(z - z.logsumexp(1, keepdim=True))[T.arange(3),
                                                                     _idx(T, [1, 0, 1])].mean(),
                     [((3, 4), "any")]),
    "softmax_manual": (lambda T, z: (z - z.amax(1, keepdim=True)).exp()
                       / (z - z.amax(1, keepdim=True)).exp().sum(1, keepdim=True),
                       [((3, 4), "any")]),
    "layernorm": (lambda T, x, g, b: (x - x.mean(-1, keepdim=True))
                  / (x.var(-1, correction=0, keepdim=True) + 1e-5).sqrt() * g + b,
                  [((2, 3, 4), "any"), ((4,), "any"), ((4,), "any")]),
    "attention": (lambda T, q, k, v: _softmax(q @ k.transpose(-2, -1) / 2.0) @ v,
                  [((2, 3, 4), "any"), ((2, 5, 4), "any"), ((2, 5, 2), "any")]),
    "seed_expr": (lambda T, x, y: x * y + y ** 2, [((2, 2), "any"), ((2, 2), "any")]),
    "clamp_where": (lambda T, x: T.where(x > 0, x.clamp(max=1.0), x.exp() - 1) * x,
                    [((3, 4), "any")]),
    "index_repeat": (lambda T, x: x[_idx(T, [0, 0, 2])] * x[1] + x[:, _idx(T, [3, 3])].sum(),
                     [((3, 4), "any")]),
    "views": (lambda T, x: x.permute(2, 0, 1).reshape(4, 6).t().expand(2, 6, 4).sum(0)
              * x.unsqueeze(0).flatten(1, 2).squeeze(0), [((2, 3, 4), "any")]),
    "cat_stack": (lambda T, a, b: T.stack([T.cat([a, b], 0).sum(0), a[0] * b[1]], 1),
                  [((2, 3), "any"), ((2, 3), "any")]),
    "einsum": (lambda T, a, b: T.einsum("bij,bjk->bik", a, b).exp(),
               [((2, 2, 3), "any"), ((2, 3, 2), "any")]),
    "reductions": (lambda T, x: x.prod(1) + x.max(1).values * x.min(1)[0] + x.std(1)
                   + x.amax(1) - x.amin(1), [((3, 4), "any")]),
    "norms": (lambda T, x: T.linalg.norm(x) + T.linalg.norm(x, dim=1).sum()
              + T.linalg.vector_norm(x, 3), [((3, 4), "any")]),
    "div_pow_log": (lambda T, x, y: ((x * x + 1).log() / (y.abs() + 0.5)) ** 1.5,
                    [((3,), "any"), ((3,), "any")]),
    "inplace_nonleaf": (lambda T, x: _inplace_chain(x), [((3, 4), "any")]),
    "diag_trace": (lambda T, x: x.diagonal().sum() * x.trace() + x.diagonal(1).prod(),
                   [((3, 3), "any")]),
    "gather_masked": (lambda T, x: x.gather(1, _idx(T, [[0, 0], [2, 1], [3, 3]])).sum()
                      + x.masked_fill(x > 0.5, 0.0).sum() + x[x < 0].sum(),
                      [((3, 4), "any")]),
    "same_input_many_paths": (lambda T, x: x * x * x + x.exp() * x.sin() - x / (x * x + 1),
                              [((4,), "any")]),
}


def _softmax(z):
    e = (z - z.amax(-1, keepdim=True)).exp()
    return e / e.sum(-1, keepdim=True)


def _inplace_chain(x):
    y = x * 2
    y.add_(1)
    y.mul_(3)
    y[y > 4] = 0.0
    return y * x


@pytest.mark.parametrize("name", list(COMPOSITES))
def test_composite_parity(name):
    fn, specs = COMPOSITES[name]
    ins = [leaf(s, k, seed=20 + i) for i, (s, k) in enumerate(specs)]
    compare(fn, ins)


@pytest.mark.parametrize("name", ["mlp", "seed_expr", "reductions", "views"])
def test_composite_parity_float32(name):
    fn, specs = COMPOSITES[name]
    ins = [leaf(s, k, seed=40 + i, dtype=cygrad.float32) for i, (s, k) in enumerate(specs)]
    compare(fn, ins, rtol=1e-4, atol=1e-5)
    for c in ins:
        assert c.grad.dtype is cygrad.float32


# ---------------------------------------------------------------------------- views / indexing
VIEW_FNS = {
    "view": lambda T, a: a.view(6, 4),
    "reshape_noncontig": lambda T, a: a.transpose(0, 2).reshape(-1),
    "reshape_sliced": lambda T, a: a[:, ::2].reshape(-1),
    "transpose": lambda T, a: a.transpose(0, 2),
    "permute": lambda T, a: a.permute(2, 0, 1),
    "expand": lambda T, a: a[:, :1].expand(2, 5, 4),
    "squeeze": lambda T, a: a[:1].squeeze(),
    "unsqueeze": lambda T, a: a.unsqueeze(1),
    "flatten": lambda T, a: a.flatten(1),
    "narrow": lambda T, a: a.narrow(2, 1, 2),
    "select": lambda T, a: a.select(1, -1),
    "split": lambda T, a: a.split(2, dim=2),
    "chunk": lambda T, a: a.chunk(2, dim=1),
    "unbind": lambda T, a: a.unbind(0),
    "T": lambda T, a: a[0].T,
    "mT": lambda T, a: a.mT,
    "diagonal": lambda T, a: a.diagonal(0, 1, 2),
    "diagonal_offset": lambda T, a: a.diagonal(1, -1, -2),
    "trace": lambda T, a: a[1].trace(),
    "slice_steps": lambda T, a: a[:, ::2, 1::2],
    "int_index": lambda T, a: a[1, 2],
    "none_ellipsis": lambda T, a: a[None, ..., 1],
    "adv_repeated": lambda T, a: a[_idx(T, [1, 1, 0])],
    "adv_pair": lambda T, a: a[_idx(T, [0, 1, 0]), :, _idx(T, [3, 3, 3])],
    "bool_mask": lambda T, a: a[a > 0],
    "index_select": lambda T, a: a.index_select(2, _idx(T, [0, 3, 0])),
    "gather": lambda T, a: a.gather(2, _idx(T, [[[0, 0]] * 3, [[3, 1]] * 3])),
    "masked_fill": lambda T, a: a.masked_fill(a < 0, 7.0),
}


@pytest.mark.parametrize("name", list(VIEW_FNS))
def test_view_and_indexing_parity(name):
    compare(VIEW_FNS[name], [leaf((2, 3, 4), seed=50)])


# ---------------------------------------------------------------------------- matmul family
MATMUL = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 4)), ((2, 2, 3), (3, 4)),
          ((3,), (2, 3, 4)), ((2, 3, 4), (4,)), ((2, 2, 3), (2, 3, 2)),
          ((2, 1, 2, 3), (3, 3, 2))]


@pytest.mark.parametrize("sa, sb", MATMUL, ids=[f"{a}@{b}" for a, b in MATMUL])
def test_matmul_parity(sa, sb):
    compare(lambda T, a, b: a @ b, [leaf(sa, seed=60), leaf(sb, seed=61)])


def test_matmul_family_parity():
    compare(lambda T, a, b: T.mm(a, b), [leaf((2, 3), seed=62), leaf((3, 2), seed=63)])
    compare(lambda T, a, b: T.bmm(a, b), [leaf((2, 2, 3), seed=64), leaf((2, 3, 2), seed=65)])
    compare(lambda T, a, b: T.mv(a, b), [leaf((2, 3), seed=66), leaf((3,), seed=67)])
    compare(lambda T, a, b: T.dot(a, b), [leaf((3,), seed=68), leaf((3,), seed=69)])
    compare(lambda T, a, b: T.outer(a, b), [leaf((3,), seed=70), leaf((2,), seed=71)])
    compare(lambda T, i, a, b: T.addmm(i, a, b, beta=0.5, alpha=2.0),
            [leaf((4,), seed=72), leaf((2, 3), seed=73), leaf((3, 4), seed=74)])
    compare(lambda T, a, b: T.tensordot(a, b, dims=2),
            [leaf((2, 3, 4), seed=75), leaf((3, 4, 2), seed=76)])


# ---------------------------------------------------------------------------- grad_fn names
GRAD_FN_CASES = {
    "add": lambda T, x, y: x + y,
    "add_scalar": lambda T, x, y: x + 1,
    "sub": lambda T, x, y: x - y,
    "mul": lambda T, x, y: x * y,
    "mul_scalar": lambda T, x, y: x * 2,
    "div": lambda T, x, y: x / y,
    "pow_scalar": lambda T, x, y: x ** 2,
    "exp": lambda T, x, y: x.exp(),
    "log": lambda T, x, y: x.abs().log(),
    "relu": lambda T, x, y: x.relu(),
    "sigmoid": lambda T, x, y: x.sigmoid(),
    "tanh": lambda T, x, y: x.tanh(),
    "neg": lambda T, x, y: -x,
    "sum_full": lambda T, x, y: x.sum(),
    "sum_dim": lambda T, x, y: x.sum(1),
    "mean_full": lambda T, x, y: x.mean(),
    "mean_dim": lambda T, x, y: x.mean(0),
    "matmul_2d": lambda T, x, y: x @ y.t(),
    "mm": lambda T, x, y: x.mm(y.t()),
    "view": lambda T, x, y: x.view(-1),
    "transpose": lambda T, x, y: x.transpose(0, 1),
    "permute": lambda T, x, y: x.permute(1, 0),
    "expand": lambda T, x, y: x[:1].expand(4, 3),
    "cat": lambda T, x, y: T.cat([x, y]),
    "clone": lambda T, x, y: x.clone(),
}
# beyond the list above: other ops whose node names torch users see
GRAD_FN_EXTRA = {
    "pow_tensor_exponent": lambda T, x, y: x.abs() ** y,           # PowBackward1
    "pow_scalar_base": lambda T, x, y: 2 ** x,                      # PowBackward2
    "amax": lambda T, x, y: x.amax(1),
    "max_dim": lambda T, x, y: x.max(1).values,
    "max_full": lambda T, x, y: x.max(),
    "unsqueeze": lambda T, x, y: x.unsqueeze(0),
    "squeeze_all": lambda T, x, y: x[:1].squeeze(),
    "squeeze_dim": lambda T, x, y: x[:1].squeeze(0),                # SqueezeBackward1
    "select": lambda T, x, y: x[0],
    "slice": lambda T, x, y: x[1:],
    "index": lambda T, x, y: x[_idx(T, [0, 0])],
    "where": lambda T, x, y: T.where(x > 0, x, y),
    "to_float32": lambda T, x, y: x.float(),
    "t": lambda T, x, y: x.t(),                                     # TBackward0
    "abs": lambda T, x, y: x.abs(),
    "sqrt": lambda T, x, y: x.abs().sqrt(),
    "prod": lambda T, x, y: x.prod(),
    "stack": lambda T, x, y: T.stack([x, y]),
}


@pytest.mark.parametrize("name", list(GRAD_FN_CASES))
def test_grad_fn_names(name):
    _check_grad_fn_name(GRAD_FN_CASES[name])


@pytest.mark.parametrize("name", list(GRAD_FN_EXTRA))
def test_grad_fn_names_extra(name):
    _check_grad_fn_name(GRAD_FN_EXTRA[name])


def _check_grad_fn_name(fn):
    x, tx = both((2, 3), seed=80)
    y, ty = both((2, 3), seed=81)
    c = fn(cygrad, x, y)
    t = fn(torch, tx, ty)
    assert c.grad_fn is not None
    assert c.grad_fn.name() == t.grad_fn.name()
    assert type(c.grad_fn).__name__ == type(t.grad_fn).__name__
    assert c.requires_grad and not c.is_leaf


def test_accumulate_grad_variable_is_leaf():
    x = leaf((2,), seed=82)
    y = x * 3
    fn, nr = y.grad_fn.next_functions[0]
    assert type(fn).__name__ == "AccumulateGrad"
    assert fn.name() == "AccumulateGrad"
    assert fn.variable is x
    assert nr == 0
    # the same accumulator for every use of the leaf while the graph lives
    z = x.exp()
    assert z.grad_fn.next_functions[0][0] is fn
    # torch, for comparison
    tx = to_torch(x)
    tfn = (tx * 3).grad_fn.next_functions[0][0]
    assert type(tfn).__name__ == "AccumulateGrad" and tfn.variable is tx


def _structure(fn):
    """(name, [(child structure, input_nr), ...]) of a graph node, recursively."""
    if fn is None:
        return None
    name = type(fn).__name__      # torch's AccumulateGrad.name() is namespaced
    return (name, [(_structure(f), nr) for f, nr in fn.next_functions])


def test_next_functions_structure_seed_expression():
    x, tx = both((2, 2), seed=83)
    y, ty = both((2, 2), seed=84)
    c = (x * y + y ** 2)
    t = (tx * ty + ty ** 2)
    assert _structure(c.grad_fn) == _structure(t.grad_fn)
    assert _structure(c.sum().grad_fn) == _structure(t.sum().grad_fn)
    # explicitly, as in torch
    assert _structure(c.grad_fn) == (
        "AddBackward0", [(("MulBackward0", [(("AccumulateGrad", []), 0),
                                            (("AccumulateGrad", []), 0)]), 0),
                         (("PowBackward0", [(("AccumulateGrad", []), 0)]), 0)])
    mul, pw = c.grad_fn.next_functions[0][0], c.grad_fn.next_functions[1][0]
    assert mul.next_functions[0][0].variable is x
    assert mul.next_functions[1][0].variable is y
    assert pw.next_functions[0][0] is mul.next_functions[1][0]


def test_next_functions_with_constant_input():
    x, tx = both((3,), seed=85)
    k, tk = both((3,), seed=86)
    k.requires_grad_(False)
    tk.requires_grad_(False)
    c = x * k + k
    t = tx * tk + tk
    assert _structure(c.grad_fn) == _structure(t.grad_fn)
    assert c.grad_fn.next_functions[1] == (None, 0)


def test_next_functions_cat_and_matmul():
    a, ta = both((2, 3), seed=87)
    b, tb = both((3, 2), seed=88)
    c = cygrad.cat([a @ b, (a * 2) @ b], 1)
    t = torch.cat([ta @ tb, (ta * 2) @ tb], 1)
    assert _structure(c.grad_fn) == _structure(t.grad_fn)


# ---------------------------------------------------------------------------- double backward
DOUBLE = {
    "mul": (lambda T, a, b: a * b * a, 2),
    "div": (lambda T, a, b: a / b, 2),
    "pow": (lambda T, a, b: a.abs() ** b, 2),
    "pow_scalar": (lambda T, a, b: a ** 3, 1),
    "exp": (lambda T, a, b: a.exp(), 1),
    "tanh": (lambda T, a, b: a.tanh(), 1),
    "sigmoid": (lambda T, a, b: a.sigmoid(), 1),
    "sum": (lambda T, a, b: (a * a).sum(0) * b.sum(), 2),
    "mean": (lambda T, a, b: (a ** 3).mean(1), 1),
    "matmul": (lambda T, a, b: (a.unsqueeze(-1) @ b.unsqueeze(-2)) ** 2, 2),
    "where": (lambda T, a, b: T.where(a > 0, a * a, b.exp()), 2),
    "log_sqrt": (lambda T, a, b: (a * a + 1).log() * (b * b + 1).sqrt(), 2),
}


@pytest.mark.parametrize("name", list(DOUBLE))
def test_double_backward_parity(name):
    fn, n = DOUBLE[name]
    cs = [leaf((2, 3), seed=90), leaf((2, 3), "nz", seed=91)][:n]
    ts = [to_torch(c) for c in cs]
    rng = np.random.default_rng(92)
    co = fn(cygrad, *cs) if n == 2 else fn(cygrad, cs[0], None)
    to = fn(torch, *ts) if n == 2 else fn(torch, ts[0], None)
    v = rng.standard_normal(tuple(to.shape))
    cg1 = cygrad.autograd.grad(co, cs, as_leaf(v, requires_grad=False), create_graph=True)
    tg1 = torch.autograd.grad(to, ts, torch.from_numpy(v), create_graph=True)
    for c, t in zip(cg1, tg1):
        assert_close(c, t)
    # second order: gradient of <g1, w>
    ws = [rng.standard_normal(tuple(t.shape)) for t in tg1]
    cs_ = sum((g * as_leaf(w, requires_grad=False)).sum() for g, w in zip(cg1, ws))
    ts_ = sum((g * torch.from_numpy(w)).sum() for g, w in zip(tg1, ws))
    cg2 = cygrad.autograd.grad(cs_, cs, allow_unused=True)
    tg2 = torch.autograd.grad(ts_, ts, allow_unused=True)
    for c, t in zip(cg2, tg2):
        if t is None:
            assert c is None or np.allclose(np_of(c), 0)
        else:
            assert_close(c, t)


# ---------------------------------------------------------------------------- special points
SPECIAL = {
    # ties: amax/amin and max()/min() share the gradient evenly, max(dim) picks one index
    "amax_ties": (lambda T, x: x.amax(1) * 2 + x.amin(0).sum(),
                  [[1.0, 3.0, 3.0], [2.0, 2.0, 0.5]]),
    "max_full_ties": (lambda T, x: x.max() + x.min(), [[1.0, 3.0, 3.0], [-1.0, -1.0, 0.5]]),
    "max_dim_ties": (lambda T, x: x.max(1).values + x.min(0).values.sum(),
                     [[1.0, 3.0, 3.0], [2.0, 2.0, 0.5]]),
    "clamp_at_bounds": (lambda T, x: x.clamp(-1.0, 1.0), [[-1.0, 1.0, 0.0], [2.0, -2.0, 1.0]]),
    "clamp_min_only_at_bound": (lambda T, x: x.clamp(min=0.0), [0.0, -1.0, 1.0]),
    "relu_abs_sign_at_zero": (lambda T, x: x.relu() + x.abs() + x.sign(), [0.0, -0.0, 1.0]),
    "norm_at_zero": (lambda T, x: T.linalg.norm(x), [0.0, 0.0, 0.0]),
    "norm_dim_with_zero_row": (lambda T, x: T.linalg.norm(x, dim=1), [[0.0, 0.0], [3.0, 4.0]]),
    "prod_zeros": (lambda T, x: x.prod(1) + x.prod(), [[0.0, 2.0, 3.0], [0.0, 0.0, 1.5]]),
    "where_nan_branch": (lambda T, x: T.where(x > 0, x, x * 0.0), [1.0, -1.0, 2.0]),
    "pow_half_at_zero": (lambda T, x: x ** 0.5, [0.0, 4.0]),
    "logsumexp_neg_inf": (lambda T, x: x.logsumexp(0), [float("-inf"), 0.0, 1.0]),
    "var_constant": (lambda T, x: x.var(), [2.0, 2.0, 2.0]),
    "std_constant": (lambda T, x: x.std(), [2.0, 2.0, 2.0]),        # torch: gradient 0
    "div_by_zero": (lambda T, x: 1.0 / x, [0.0, 2.0]),
    "log_zero": (lambda T, x: x.log(), [0.0, 1.0]),
}


@pytest.mark.parametrize("name", list(SPECIAL))
def test_special_points_parity(name):
    fn, vals = SPECIAL[name]
    compare(fn, [as_leaf(vals)])


@pytest.mark.parametrize("call", [
    lambda t: t.amax(), lambda t: t.amin(), lambda t: t.amax(1), lambda t: t.amin((0, 1)),
    lambda t: t.max(), lambda t: t.min(), lambda t: t.sum(), lambda t: t.sum(0),
    lambda t: t.mean(), lambda t: t.mean(1), lambda t: t.prod(), lambda t: t.prod(0),
    lambda t: t.max(0).values, lambda t: t.sum(dim=()), lambda t: t.mean(dim=()),
    lambda t: t.amax(dim=()),
], ids=["amax", "amin", "amax1", "amin01", "max", "min", "sum", "sum0", "mean", "mean1",
        "prod", "prod0", "max0", "sum_empty_dims", "mean_empty_dims", "amax_empty_dims"])
def test_reduction_node_names_match_torch(call):
    x, tx = both((3, 4), seed=87)
    assert type(call(x).grad_fn).__name__ == type(call(tx).grad_fn).__name__


def test_requires_grad_errors_on_integers_match_torch():
    for make in (lambda lib: lib.tensor([1, 2]).requires_grad_(),
                 lambda lib: setattr(lib.tensor([1, 2]), "requires_grad", True),
                 lambda lib: lib.tensor([1, 2], requires_grad=True)):
        with pytest.raises(RuntimeError) as ours:
            make(cygrad)
        with pytest.raises(RuntimeError) as theirs:
            make(torch)
        assert str(ours.value) == str(theirs.value)
