"""Softmax, layer norm and attention, beside NumPy's expressions and PyTorch's.

``Softmax`` times the fused kernel over the last dim and over a middle dim of a
``(12, 4, 64, 64)`` score tensor (nanoGPT's attention scores at batch 12, 4 heads, context
64), forward and forward + backward. ``ScaledDotProductAttention`` times
``F.scaled_dot_product_attention`` at ``(12, 4, 64, 32)``, plain and causal, forward and
forward + backward (the backward from a fixed output gradient). NumPy has no attention; its
softmax reference is the expression a NumPy user writes. ``LayerNorm`` times
``F.layer_norm`` over the last dim of nanoGPT's ``(12, 64, 128)`` activations.
"""
import numpy as np

import cygrad
import cygrad.nn.functional as F

from .common import FLOAT_DTYPES, THREADS, random_array, set_threads, torch, torch_only, trio

SCORES = (12, 4, 64, 64)
QKV = (12, 4, 64, 32)


def _warm(bench, args):
    """One untimed call of each method, so ``asv run --quick`` (a single call) times a
    steady state (memory in place, PyTorch's autograd engine started) not first calls."""
    for name in dir(bench):
        if name.startswith("time_") and (torch is not None or not name.endswith("_torch")):
            getattr(bench, name)(*args)


class Softmax:
    """``softmax(x, dim)`` of ``(12, 4, 64, 64)``: ``dim=-1`` (contiguous rows) or
    ``dim=2`` (rows 64 elements apart)."""

    params = [["-1", "2"], FLOAT_DTYPES, THREADS]
    param_names = ["dim", "dtype", "threads"]

    def setup(self, dim, dtype, threads):
        set_threads(threads)
        self.dim = int(dim)
        self.x_np, self.x_cg, self.x_th = trio(random_array(SCORES, dtype))
        g = random_array(SCORES, dtype, np.random.default_rng(1))
        self.g_np, self.g_cg, self.g_th = trio(g)
        self.xr_cg = self.x_cg.clone().requires_grad_()
        if torch is not None:
            self.xr_th = self.x_th.clone().requires_grad_()
        _warm(self, (dim, dtype, threads))

    def time_forward_cygrad(self, dim, dtype, threads):
        cygrad.softmax(self.x_cg, self.dim)

    def time_forward_numpy(self, dim, dtype, threads):
        e = np.exp(self.x_np - self.x_np.max(self.dim, keepdims=True))
        e / e.sum(self.dim, keepdims=True)

    @torch_only
    def time_forward_torch(self, dim, dtype, threads):
        torch.softmax(self.x_th, self.dim)

    def time_backward_cygrad(self, dim, dtype, threads):
        cygrad.softmax(self.xr_cg, self.dim).backward(self.g_cg)

    @torch_only
    def time_backward_torch(self, dim, dtype, threads):
        torch.softmax(self.xr_th, self.dim).backward(self.g_th)


class LayerNorm:
    """``F.layer_norm(x, (128,), weight, bias)`` of ``(12, 64, 128)``; the ``backward``
    methods time forward and backward together (gradients of input, weight and bias)."""

    params = [FLOAT_DTYPES, THREADS]
    param_names = ["dtype", "threads"]

    def setup(self, dtype, threads):
        set_threads(threads)
        shape = (12, 64, 128)
        self.x_np, self.x_cg, self.x_th = trio(random_array(shape, dtype))
        self.g_np, self.g_cg, self.g_th = trio(random_array(shape, dtype,
                                                            np.random.default_rng(1)))
        self.w_np, self.w_cg, self.w_th = trio(random_array((128,), dtype,
                                                            np.random.default_rng(2)))
        self.b_np, self.b_cg, self.b_th = trio(random_array((128,), dtype,
                                                            np.random.default_rng(3)))
        self.leaves_cg = [t.clone().requires_grad_() for t in (self.x_cg, self.w_cg,
                                                               self.b_cg)]
        if torch is not None:
            self.leaves_th = [t.clone().requires_grad_() for t in (self.x_th, self.w_th,
                                                                   self.b_th)]
        _warm(self, (dtype, threads))

    def time_forward_cygrad(self, dtype, threads):
        F.layer_norm(self.x_cg, (128,), self.w_cg, self.b_cg)

    def time_forward_numpy(self, dtype, threads):
        m = self.x_np.mean(-1, keepdims=True)
        d = self.x_np - m
        d / np.sqrt((d * d).mean(-1, keepdims=True) + 1e-5) * self.w_np + self.b_np

    @torch_only
    def time_forward_torch(self, dtype, threads):
        torch.nn.functional.layer_norm(self.x_th, (128,), self.w_th, self.b_th)

    def time_backward_cygrad(self, dtype, threads):
        x, w, b = self.leaves_cg
        F.layer_norm(x, (128,), w, b).backward(self.g_cg)

    @torch_only
    def time_backward_torch(self, dtype, threads):
        x, w, b = self.leaves_th
        torch.nn.functional.layer_norm(x, (128,), w, b).backward(self.g_th)


class ScaledDotProductAttention:
    """``F.scaled_dot_product_attention(q, k, v)`` at ``(12, 4, 64, 32)`` float32; the
    ``backward`` methods time forward and backward together."""

    params = [["plain", "causal"], THREADS]
    param_names = ["mask", "threads"]

    def setup(self, mask, threads):
        set_threads(threads)
        self.causal = mask == "causal"
        g = np.random.default_rng(0)
        arrays = [g.standard_normal(QKV, dtype=np.float32) for _ in range(4)]
        self.cg = [cygrad.from_numpy(a).clone().requires_grad_() for a in arrays[:3]]
        self.g_cg = cygrad.from_numpy(arrays[3])
        if torch is not None:
            self.th = [torch.from_numpy(a).clone().requires_grad_() for a in arrays[:3]]
            self.g_th = torch.from_numpy(arrays[3])
        _warm(self, (mask, threads))

    def time_forward_cygrad(self, mask, threads):
        with cygrad.no_grad():
            F.scaled_dot_product_attention(*self.cg, is_causal=self.causal)

    @torch_only
    def time_forward_torch(self, mask, threads):
        with torch.no_grad():
            torch.nn.functional.scaled_dot_product_attention(*self.th, is_causal=self.causal)

    def time_backward_cygrad(self, mask, threads):
        F.scaled_dot_product_attention(*self.cg, is_causal=self.causal).backward(self.g_cg)

    @torch_only
    def time_backward_torch(self, mask, threads):
        torch.nn.functional.scaled_dot_product_attention(
            *self.th, is_causal=self.causal).backward(self.g_th)


def _char_transformer(lib, vocab=65, width=128, heads=4, layers=4, context=64):
    """nanoGPT's shape (pre-norm blocks, GELU, causal self-attention, tied head) from the
    library's own layers."""
    nn = lib.nn

    class CharTransformer(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte = nn.Embedding(vocab, width)
            self.wpe = nn.Embedding(context, width)
            block = nn.TransformerEncoderLayer(width, heads, 4 * width, dropout=0.0,
                                               activation="gelu", batch_first=True,
                                               norm_first=True)
            self.blocks = nn.TransformerEncoder(block, layers, enable_nested_tensor=False)
            self.ln_f = nn.LayerNorm(width)
            self.head = nn.Linear(width, vocab, bias=False)
            self.head.weight = self.wte.weight
            self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(
                context))

        def forward(self, idx):
            t = idx.shape[1]
            x = self.wte(idx) + self.wpe(lib.arange(t))
            x = self.blocks(x, mask=self.mask[:t, :t], is_causal=True)
            return self.head(self.ln_f(x))

    return CharTransformer()


class TransformerTrainStep:
    """One training step of a character-level Transformer (4 layers, 4 heads, width 128,
    context 64, batch 12, vocabulary 65): forward, cross entropy, backward, AdamW step.
    Both libraries start from the same weights."""

    params = [THREADS]
    param_names = ["threads"]

    def setup(self, threads):
        set_threads(threads)
        g = np.random.default_rng(0)
        idx = g.integers(0, 65, (12, 65))
        self.runs = {}
        cygrad.manual_seed(0)
        model = _char_transformer(cygrad)
        libs = [(cygrad, model)]
        if torch is not None:
            tmodel = _char_transformer(torch)
            tmodel.load_state_dict({k: torch.from_numpy(v.detach().numpy().copy())
                                    for k, v in model.state_dict().items()})
            libs.append((torch, tmodel))
        for lib, m in libs:
            x = lib.from_numpy(idx[:, :-1].copy())
            y = lib.from_numpy(idx[:, 1:].copy())
            opt = lib.optim.AdamW(m.parameters(), lr=1e-3)
            self.runs[lib.__name__] = (lib, m, opt, x, y)
        _warm(self, (threads,))

    def _step(self, name):
        lib, m, opt, x, y = self.runs[name]
        logits = m(x)
        loss = lib.nn.functional.cross_entropy(logits.reshape(-1, 65), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    def time_step_cygrad(self, threads):
        self._step("cygrad")

    @torch_only
    def time_step_torch(self, threads):
        self._step("torch")
