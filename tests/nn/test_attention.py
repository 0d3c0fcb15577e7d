"""``F.scaled_dot_product_attention`` (and, below, the attention layers): values and
gradients against PyTorch on the same inputs, finite differences in float64, masks, causal
alignment, grouped-query heads, dropout and PyTorch's errors."""
import numpy as np
import pytest

import cygrad
import cygrad.nn.functional as F
from cygrad.autograd import gradcheck, gradgradcheck
from .nnutil import assert_close, leaf, to_torch


def _pair(shape, seed, dtype=cygrad.float32):
    x = leaf(shape, seed=seed, dtype=dtype)
    return x, to_torch(x)


CASES = [
    dict(q=(2, 3, 5, 4), k=(2, 3, 6, 4), v=(2, 3, 6, 7)),
    dict(q=(5, 4), k=(6, 4), v=(6, 3)),                       # unbatched
    dict(q=(3, 5, 4), k=(3, 5, 4), v=(3, 5, 4), is_causal=True),
    dict(q=(2, 3, 7, 4), k=(2, 3, 4, 4), v=(2, 3, 4, 4), is_causal=True),   # L > S
    dict(q=(2, 3, 3, 4), k=(2, 3, 8, 4), v=(2, 3, 8, 4), is_causal=True),   # L < S
    dict(q=(2, 1, 5, 4), k=(1, 3, 6, 4), v=(1, 3, 6, 2)),     # batch dims broadcast
    dict(q=(2, 3, 5, 4), k=(2, 3, 6, 4), v=(2, 3, 6, 4), scale=0.3),
    dict(q=(2, 3, 5, 4), k=(2, 3, 6, 4), v=(2, 3, 6, 4), mask="bool"),
    dict(q=(2, 3, 5, 4), k=(2, 3, 6, 4), v=(2, 3, 6, 4), mask="float"),
    dict(q=(2, 3, 5, 4), k=(2, 3, 6, 4), v=(2, 3, 6, 4), mask="float4d"),
    dict(q=(2, 4, 5, 4), k=(2, 2, 6, 4), v=(2, 2, 6, 3), enable_gqa=True),
]


def _mask(kind, seed=9):
    rng = np.random.default_rng(seed)
    if kind == "bool":
        m = rng.random((5, 6)) > 0.4
        m[1] = False                                     # a row that attends to nothing
        return cygrad.tensor(m)
    shape = (5, 6) if kind == "float" else (2, 1, 5, 6)
    m = leaf(shape, seed=seed, dtype=cygrad.float32)
    return m


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(f"{k}" for k in c))
def test_values_and_gradients_match_torch(case):
    torch = pytest.importorskip("torch")
    tF = torch.nn.functional
    case = dict(case)
    (q, tq), (k, tk), (v, tv) = (_pair(case.pop(n), s) for n, s in (("q", 1), ("k", 2),
                                                                     ("v", 3)))
    kw = {}
    mask = case.pop("mask", None)
    if mask is not None:
        m = _mask(mask)
        kw["attn_mask"] = (m, to_torch(m))
    cy = F.scaled_dot_product_attention(q, k, v, **case,
                                        **{n: t[0] for n, t in kw.items()})
    tt = tF.scaled_dot_product_attention(tq, tk, tv, **case,
                                         **{n: t[1] for n, t in kw.items()})
    assert cy.grad_fn.name() == "ScaledDotProductFlashAttentionForCpuBackward0" or \
        case.get("enable_gqa")
    assert_close(cy, tt, rtol=1e-5, atol=1e-6)
    g = np.random.default_rng(4).standard_normal(tuple(tt.shape)).astype(np.float32)
    cy.backward(cygrad.tensor(g))
    tt.backward(torch.from_numpy(g))
    for a, b in ((q, tq), (k, tk), (v, tv)) + ((kw["attn_mask"],) if mask and mask != "bool"
                                                else ()):
        assert_close(a.grad, b.grad, rtol=1e-5, atol=1e-6)


def test_a_row_that_attends_to_nothing_gives_zeros_and_zero_gradients():
    q, k, v = (leaf((1, 4, 3), seed=s) for s in (1, 2, 3))
    m = cygrad.ones(4, 4, dtype=cygrad.bool)
    m[2] = False
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=m)
    assert out[0, 2].tolist() == [0.0, 0.0, 0.0]
    out.sum().backward()
    assert q.grad[0, 2].tolist() == [0.0, 0.0, 0.0]
    fm = cygrad.zeros(4, 4, dtype=cygrad.float64)
    fm[1] = float("-inf")
    assert F.scaled_dot_product_attention(q, k, v, attn_mask=fm)[0, 1].tolist() == [0.0] * 3


def test_matches_the_definition_in_numpy():
    rng = np.random.default_rng(0)
    a, b, c = (rng.standard_normal(s) for s in ((2, 5, 3), (2, 6, 3), (2, 6, 4)))
    s = a @ b.transpose(0, 2, 1) / np.sqrt(3) + np.triu(np.full((5, 6), -np.inf), 1)
    p = np.exp(s - s.max(-1, keepdims=True))
    want = (p / p.sum(-1, keepdims=True)) @ c
    got = F.scaled_dot_product_attention(*(cygrad.tensor(x) for x in (a, b, c)),
                                         is_causal=True)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)


@pytest.mark.parametrize("kw", [{}, {"is_causal": True}, {"scale": 0.7}, {"mask": "float"},
                                {"mask": "bool"}])
def test_gradcheck(kw):
    kw = dict(kw)
    q, k, v = leaf((2, 4, 3), seed=1), leaf((2, 5, 3), seed=2), leaf((2, 5, 2), seed=3)
    mask = kw.pop("mask", None)
    if mask == "float":
        m = leaf((4, 5), seed=4)
        assert gradcheck(lambda q, k, v, m: F.scaled_dot_product_attention(
            q, k, v, attn_mask=m), (q, k, v, m))
        return
    if mask == "bool":
        kw["attn_mask"] = cygrad.tensor(np.random.default_rng(5).random((4, 5)) > 0.3)
    assert gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, **kw),
                     (q, k, v))


def test_gradgradcheck():
    q, k, v = leaf((2, 3, 3), seed=1), leaf((2, 4, 3), seed=2), leaf((2, 4, 2), seed=3)
    assert gradgradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v,
                                                                        is_causal=True),
                         (q, k, v))


def test_grouped_query_heads_are_shared_by_consecutive_query_heads():
    q = leaf((1, 4, 3, 2), seed=1)
    k, v = leaf((1, 2, 5, 2), seed=2), leaf((1, 2, 5, 2), seed=3)
    got = F.scaled_dot_product_attention(q, k, v, enable_gqa=True)
    rep = [0, 0, 1, 1]
    want = F.scaled_dot_product_attention(q, k[:, rep], v[:, rep])
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-14)
    assert gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v,
                                                                    enable_gqa=True),
                     (q, k, v))


def test_dropout_drops_weights_and_rescales_the_rest():
    cygrad.manual_seed(0)
    q = cygrad.zeros(1, 2000, 4)
    k = cygrad.zeros(1, 10, 4)
    v = cygrad.ones(1, 10, 1)
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)   # uniform weights 0.1
    vals = out.flatten().numpy()
    assert abs(vals.mean() - 1.0) < 0.05 and vals.std() > 0.3
    assert np.allclose(vals * 5, np.round(vals * 5))                 # multiples of 0.2
    assert (F.scaled_dot_product_attention(q, k, v, dropout_p=1.0) == 0).all()
    cygrad.manual_seed(3)
    a = F.scaled_dot_product_attention(q, k, v, dropout_p=0.3)
    cygrad.manual_seed(3)
    assert (F.scaled_dot_product_attention(q, k, v, dropout_p=0.3) == a).all()


def test_dropout_gradient_uses_the_same_mask():
    cygrad.manual_seed(1)
    q, k, v = leaf((2, 4, 3), seed=1), leaf((2, 5, 3), seed=2), leaf((2, 5, 2), seed=3)

    def f(q, k, v):
        cygrad.manual_seed(7)
        return F.scaled_dot_product_attention(q, k, v, dropout_p=0.4)
    assert gradcheck(f, (q, k, v))


def test_empty_inputs():
    out = F.scaled_dot_product_attention(cygrad.zeros(0, 3, 5, 4), cygrad.zeros(0, 3, 6, 4),
                                         cygrad.zeros(0, 3, 6, 2))
    assert out.shape == (0, 3, 5, 2)
    q = leaf((2, 5, 4), seed=1)
    out = F.scaled_dot_product_attention(q, cygrad.zeros(2, 0, 4, dtype=q.dtype),
                                         cygrad.zeros(2, 0, 3, dtype=q.dtype))
    assert out.shape == (2, 5, 3) and (out == 0).all()
    out.sum().backward()
    assert (q.grad == 0).all()


def test_errors_name_what_is_wrong():
    x = cygrad.zeros(2, 5, 4)
    with pytest.raises(RuntimeError, match="at least 2 dimensional"):
        F.scaled_dot_product_attention(cygrad.zeros(4), cygrad.zeros(4), cygrad.zeros(4))
    with pytest.raises(RuntimeError, match="query.dtype: double key.dtype: float"):
        F.scaled_dot_product_attention(x.double(), x, x)
    with pytest.raises(RuntimeError, match=r"batch2 tensor to be: \[5, 4\] but got: \[5, 3\]"):
        F.scaled_dot_product_attention(x, cygrad.zeros(2, 5, 3), x)
    with pytest.raises(RuntimeError, match="key has 5 positions but value has 6"):
        F.scaled_dot_product_attention(x, x, cygrad.zeros(2, 6, 4))
    with pytest.raises(RuntimeError, match="should not be set when is_causal"):
        F.scaled_dot_product_attention(x, x, x, attn_mask=cygrad.zeros(5, 5), is_causal=True)
    with pytest.raises(RuntimeError, match="attn_mask.dtype: long int"):
        F.scaled_dot_product_attention(x, x, x, attn_mask=cygrad.zeros(5, 5).long())
    with pytest.raises(RuntimeError, match="size of tensor a"):
        F.scaled_dot_product_attention(x, x, x, attn_mask=cygrad.zeros(5, 3))
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.scaled_dot_product_attention(x, x, x, dropout_p=1.5)
    with pytest.raises(RuntimeError, match="Float but found Long"):
        F.scaled_dot_product_attention(x.long(), x.long(), x.long())
    with pytest.raises(RuntimeError, match="multiple of the number of key"):
        F.scaled_dot_product_attention(cygrad.zeros(1, 3, 5, 4), cygrad.zeros(1, 2, 5, 4),
                                       cygrad.zeros(1, 2, 5, 4), enable_gqa=True)
    with pytest.raises(TypeError, match="'key' must be Tensor"):
        F.scaled_dot_product_attention(x, [1.0], x)


# ---------------------------------------------------------------- Embedding options
@pytest.mark.parametrize("kw", [dict(max_norm=1.0), dict(max_norm=1.5, norm_type=1.0),
                                dict(scale_grad_by_freq=True),
                                dict(max_norm=2.0, scale_grad_by_freq=True, padding_idx=1),
                                dict(max_norm=100.0)])
def test_embedding_max_norm_and_scale_grad_by_freq_match_torch(kw):
    torch = pytest.importorskip("torch")
    w = (np.random.default_rng(0).standard_normal((6, 4)) * 2).astype(np.float32)
    idx = np.array([[0, 2, 2], [5, 0, 1]])
    cw, tw = cygrad.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    out = F.embedding(cygrad.tensor(idx), cw, **kw)
    tout = torch.nn.functional.embedding(torch.tensor(idx), tw, **kw)
    assert_close(out, tout, rtol=1e-6, atol=1e-6)
    assert_close(cw.detach(), tw.detach(), rtol=1e-6, atol=1e-6)   # renormed in place
    g = np.random.default_rng(1).standard_normal(tuple(tout.shape)).astype(np.float32)
    out.backward(cygrad.tensor(g))
    tout.backward(torch.from_numpy(g))
    assert_close(cw.grad, tw.grad, rtol=1e-6, atol=1e-6)


def test_embedding_module_renorms_and_refuses_sparse():
    import cygrad.nn as nn
    cygrad.manual_seed(0)
    emb = nn.Embedding(10, 3, max_norm=0.5)
    emb(cygrad.tensor([1, 4]))
    norms = emb.weight.detach().norm(dim=1)
    assert norms[1].item() <= 0.5 + 1e-6 and norms[4].item() <= 0.5 + 1e-6
    assert norms[0].item() > 0.5                     # rows not looked up are left alone
    with pytest.raises(NotImplementedError, match="sparse"):
        nn.Embedding(10, 3, sparse=True)(cygrad.tensor([1]))
