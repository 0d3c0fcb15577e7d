"""``nn.MultiheadAttention`` and the Transformer layers against PyTorch on the same weights
(copied through ``state_dict``): outputs, returned weights and parameter gradients, masks,
``batch_first``/unbatched input, ``norm_first``, GELU, and state_dict round trips."""
import copy

import numpy as np
import pytest

import cygrad
import cygrad.nn as nn
import cygrad.nn.functional as F
from cygrad.autograd import gradcheck
from .nnutil import assert_close, load_from_torch

torch = pytest.importorskip("torch")


def _data(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _both(arr):
    return cygrad.tensor(arr), torch.tensor(arr)


def _compare_grads(cm, tm, rtol=1e-4, atol=1e-5):
    tp = dict(tm.named_parameters())
    names = [n for n, _ in cm.named_parameters()]
    assert names == list(tp)
    for n, p in cm.named_parameters():
        if tp[n].grad is None:
            assert p.grad is None or not p.grad.any(), n
            continue
        assert_close(p.grad, tp[n].grad, rtol=rtol, atol=atol)


MHA_CASES = [
    dict(),
    dict(batch_first=True),
    dict(bias=False),
    dict(kdim=5, vdim=3),
    dict(add_bias_kv=True),
    dict(add_zero_attn=True),
    dict(add_bias_kv=True, add_zero_attn=True, batch_first=True),
]


@pytest.mark.parametrize("kw", MHA_CASES, ids=lambda k: "-".join(k) or "default")
@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False),
                                                  (False, True)])
@pytest.mark.parametrize("masks", ["none", "bool", "float", "padding", "both"])
def test_multihead_attention_matches_torch(kw, need_weights, average, masks):
    E, H, L, S, N = 8, 2, 4, 6, 3
    torch.manual_seed(0)
    tm = torch.nn.MultiheadAttention(E, H, **kw)
    cm = load_from_torch(nn.MultiheadAttention(E, H, **kw), tm)
    bf = kw.get("batch_first", False)
    shape = (lambda n, d: (N, n, d)) if bf else (lambda n, d: (n, N, d))
    q, tq = _both(_data(shape(L, E), 1))
    k, tk = _both(_data(shape(S, kw.get("kdim", E)), 2))
    v, tv = _both(_data(shape(S, kw.get("vdim", E)), 3))
    extra, textra = {}, {}
    rng = np.random.default_rng(4)
    if masks in ("bool", "both"):
        m = rng.random((L, S)) > 0.7
        extra["attn_mask"], textra["attn_mask"] = _both(m)
    if masks == "float":
        extra["attn_mask"], textra["attn_mask"] = _both(_data((L, S), 5))
    if masks in ("padding", "both"):
        p = np.zeros((N, S), bool)
        p[0, -2:] = True
        extra["key_padding_mask"], textra["key_padding_mask"] = _both(p)
    out, w = cm(q, k, v, need_weights=need_weights, average_attn_weights=average, **extra)
    tout, tw = tm(tq, tk, tv, need_weights=need_weights, average_attn_weights=average,
                  **textra)
    assert_close(out, tout, rtol=1e-5, atol=1e-6)
    if need_weights:
        assert_close(w, tw, rtol=1e-5, atol=1e-6)
    else:
        assert w is None and tw is None
    g = _data(tuple(tout.shape), 6)
    out.backward(cygrad.tensor(g))
    tout.backward(torch.tensor(g))
    _compare_grads(cm, tm)


def test_self_attention_unbatched_and_causal_hint():
    torch.manual_seed(1)
    tm = torch.nn.MultiheadAttention(8, 4)
    cm = load_from_torch(nn.MultiheadAttention(8, 4), tm)
    x, tx = _both(_data((5, 8), 1))
    mask = nn.Transformer.generate_square_subsequent_mask(5)
    tmask = torch.nn.Transformer.generate_square_subsequent_mask(5)
    for need in (True, False):
        out, w = cm(x, x, x, attn_mask=mask, is_causal=True, need_weights=need)
        tout, tw = tm(tx, tx, tx, attn_mask=tmask, is_causal=True, need_weights=need)
        assert_close(out, tout, rtol=1e-5, atol=1e-6)
        assert out.shape == (5, 8)
    with pytest.raises(RuntimeError, match="Need attn_mask"):
        cm(x, x, x, is_causal=True)


def test_multihead_attention_errors():
    with pytest.raises(AssertionError, match="divisible"):
        nn.MultiheadAttention(6, 4)
    m = nn.MultiheadAttention(8, 2)
    x = cygrad.zeros(4, 2, 8)
    with pytest.raises(RuntimeError, match=r"2D attn_mask is \[3, 4\], but should be \[4, 4\]"):
        m(x, x, x, attn_mask=cygrad.zeros(3, 4))
    with pytest.raises(AssertionError, match="key_padding_mask shape"):
        m(x, x, x, key_padding_mask=cygrad.zeros(3, 4, dtype=cygrad.bool))
    with pytest.raises(AssertionError, match="embedding dimension of 8"):
        m(cygrad.zeros(4, 2, 6), x, x)


def test_multihead_attention_gradcheck():
    cygrad.manual_seed(0)
    m = nn.MultiheadAttention(4, 2, add_bias_kv=True, dtype=cygrad.float64)
    q = cygrad.randn(3, 2, 4, dtype=cygrad.float64, requires_grad=True)
    kv = cygrad.randn(5, 2, 4, dtype=cygrad.float64, requires_grad=True)
    pad = cygrad.tensor([[False] * 4 + [True], [False] * 5])
    assert gradcheck(lambda q, kv, w: F.multi_head_attention_forward(
        q, kv, kv, 4, 2, w, m.in_proj_bias, m.bias_k, m.bias_v, False, 0.0,
        m.out_proj.weight, m.out_proj.bias, key_padding_mask=pad)[0],
        (q, kv, m.in_proj_weight))


@pytest.mark.parametrize("kw", [dict(), dict(norm_first=True), dict(activation="gelu"),
                                dict(batch_first=True, bias=False),
                                dict(activation=torch.nn.functional.gelu)],
                         ids=["post-norm", "norm-first", "gelu", "batch-first-no-bias",
                              "callable"])
def test_encoder_and_decoder_stacks_match_torch(kw):
    ckw = dict(kw)
    if callable(kw.get("activation")):
        ckw["activation"] = F.gelu
    torch.manual_seed(2)
    tenc = torch.nn.TransformerEncoder(
        torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, **kw), 2,
        enable_nested_tensor=False)
    cenc = load_from_torch(nn.TransformerEncoder(
        nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, **ckw), 2), tenc)
    tdec = torch.nn.TransformerDecoder(
        torch.nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, **kw), 2,
        norm=torch.nn.LayerNorm(8))
    cdec = load_from_torch(nn.TransformerDecoder(
        nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, **ckw), 2, norm=nn.LayerNorm(8)),
        tdec)
    bf = kw.get("batch_first", False)
    src, tsrc = _both(_data((3, 6, 8) if bf else (6, 3, 8), 1))
    tgt, ttgt = _both(_data((3, 5, 8) if bf else (5, 3, 8), 2))
    pad = np.zeros((3, 6), bool)
    pad[1, -1] = True
    cpad, tpad = _both(pad)
    mask = nn.Transformer.generate_square_subsequent_mask(5)
    tmask = torch.nn.Transformer.generate_square_subsequent_mask(5)
    mem = cenc(src, src_key_padding_mask=cpad)
    tmem = tenc(tsrc, src_key_padding_mask=tpad)
    assert_close(mem, tmem, rtol=1e-4, atol=1e-5)
    out = cdec(tgt, mem, tgt_mask=mask, memory_key_padding_mask=cpad)
    tout = tdec(ttgt, tmem, tgt_mask=tmask, memory_key_padding_mask=tpad)
    assert_close(out, tout, rtol=1e-4, atol=1e-5)
    g = _data(tuple(tout.shape), 3)
    out.backward(cygrad.tensor(g))
    tout.backward(torch.tensor(g))
    _compare_grads(cdec, tdec)
    _compare_grads(cenc, tenc)


def test_transformer_matches_torch_and_state_dict_round_trips():
    torch.manual_seed(3)
    tm = torch.nn.Transformer(8, 2, 1, 2, 16, dropout=0.0)
    cm = load_from_torch(nn.Transformer(8, 2, 1, 2, 16, dropout=0.0), tm)
    src, tsrc = _both(_data((6, 2, 8), 1))
    tgt, ttgt = _both(_data((4, 2, 8), 2))
    mask = nn.Transformer.generate_square_subsequent_mask(4)
    out = cm(src, tgt, tgt_mask=mask)
    tout = tm(tsrc, ttgt, tgt_mask=torch.nn.Transformer.generate_square_subsequent_mask(4))
    assert_close(out, tout, rtol=1e-4, atol=1e-5)
    # cygrad's own initialisation loads into torch unchanged (names and shapes)
    fresh = nn.Transformer(8, 2, 1, 2, 16, dropout=0.0)
    t2 = torch.nn.Transformer(8, 2, 1, 2, 16, dropout=0.0)
    t2.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                        for k, v in fresh.state_dict().items()})
    assert_close(fresh(src, tgt), t2(tsrc, ttgt), rtol=1e-4, atol=1e-5)
    with pytest.raises(RuntimeError, match="batch number"):
        cm(src, cygrad.zeros(4, 3, 8))
    with pytest.raises(RuntimeError, match="d_model"):
        cm(src, cygrad.zeros(4, 2, 6))


def test_initialisation_follows_torch():
    cygrad.manual_seed(0)
    m = nn.MultiheadAttention(64, 4)
    bound = np.sqrt(6.0 / (64 + 192))
    w = m.in_proj_weight.detach().numpy()
    assert abs(w).max() <= bound and abs(w).max() > 0.9 * bound
    assert not m.in_proj_bias.any() and not m.out_proj.bias.any()
    assert type(m.out_proj).__name__ == "NonDynamicallyQuantizableLinear"
    t = nn.Transformer(16, 2, 1, 1, 32)
    lin = t.encoder.layers[0].linear1.weight.detach().numpy()
    assert abs(lin).max() <= np.sqrt(6.0 / (16 + 32))
    layer = nn.TransformerEncoderLayer(8, 2)
    enc = nn.TransformerEncoder(layer, 3)
    assert len(enc.layers) == 3 and enc.layers[0] is not enc.layers[1]
    assert enc.layers[0].linear1.weight is not enc.layers[1].linear1.weight
    assert len(list(enc.parameters())) == 3 * len(list(layer.parameters()))
    with pytest.raises(RuntimeError, match="relu/gelu"):
        nn.TransformerEncoderLayer(8, 2, activation="tanh")
    assert copy.deepcopy(layer).self_attn.embed_dim == 8


def test_dropout_only_in_training():
    cygrad.manual_seed(0)
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.5)
    x = cygrad.randn(5, 2, 8)
    layer.eval()
    a, b = layer(x), layer(x)
    assert (a == b).all()
    layer.train()
    assert not (layer(x) == a).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gelu_kernels_match_torch(dtype):
    # F.gelu's one-pass forward (GELU{F}) and derivative (GELUGRAD{F}) kernels
    a = (np.random.default_rng(0).standard_normal(20000) * 4).astype(dtype)
    a[:4] = [0.0, np.inf, -40.0, 40.0]
    x, tx = cygrad.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    out, tout = F.gelu(x), torch.nn.functional.gelu(tx)
    tol = 2e-6 if dtype == np.float32 else 1e-14
    # gelu(inf) is inf; PyTorch's scalar loop says so, its AVX-512 loop returns nan (its
    # vector erf at inf), so that element is checked against the value itself
    assert out[1].item() == np.inf
    assert torch.nn.functional.gelu(tx.detach()[1:2]).item() == np.inf
    assert_close(out[2:], tout[2:], rtol=tol, atol=tol)
    assert out[0].item() == 0.0
    g = np.random.default_rng(1).standard_normal(a.shape).astype(dtype)
    out.backward(cygrad.tensor(g))
    tout.backward(torch.from_numpy(g))
    assert_close(x.grad[1:], tx.grad[1:], rtol=tol, atol=tol)     # d/dx at inf: nan in both
    assert np.isnan(x.grad[1].item()) and np.isnan(tx.grad[1].item())
