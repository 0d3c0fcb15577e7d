"""Recurrent layers beside PyTorch's (NumPy has none).

``LSTMLayer`` times ``nn.LSTM`` (2 layers, hidden 256) over a ``(35, 20, 256)`` sequence,
forward and forward + backward, and ``GRULayer`` the same for ``nn.GRU``. ``LSTMTrainStep``
is one training step of PyTorch's word-language-model shape (embedding, the 2-layer LSTM,
a linear decoder over a 65-symbol vocabulary): forward, cross entropy, backward, gradient
clipping at 0.25 and an SGD step. Both libraries start from the same weights.
"""
import numpy as np

import cygrad

from .common import THREADS, set_threads, torch, torch_only

SEQ, BATCH, HIDDEN, VOCAB = 35, 20, 256, 65


def _same_weights(cmodule, tmodule):
    tmodule.load_state_dict({k: torch.from_numpy(v.detach().numpy().copy())
                             for k, v in cmodule.state_dict().items()})


def _warm(bench, args):
    """One untimed call of each method (memory in place, PyTorch's engine started)."""
    for name in dir(bench):
        if name.startswith("time_") and (torch is not None or not name.endswith("_torch")):
            getattr(bench, name)(*args)


class _Layer:
    """``cls(256, 256, num_layers=2)`` over ``(35, 20, 256)``."""

    cls = None
    params = [THREADS]
    param_names = ["threads"]

    def setup(self, threads):
        set_threads(threads)
        g = np.random.default_rng(0)
        x = g.standard_normal((SEQ, BATCH, HIDDEN), dtype=np.float32)
        self.gy = g.standard_normal((SEQ, BATCH, HIDDEN), dtype=np.float32)
        cygrad.manual_seed(0)
        self.cm = getattr(cygrad.nn, self.cls)(HIDDEN, HIDDEN, num_layers=2)
        self.cx = cygrad.from_numpy(x).clone().requires_grad_()
        self.cg = cygrad.from_numpy(self.gy)
        if torch is not None:
            self.tm = getattr(torch.nn, self.cls)(HIDDEN, HIDDEN, num_layers=2)
            _same_weights(self.cm, self.tm)
            self.tx = torch.from_numpy(x).clone().requires_grad_()
            self.tg = torch.from_numpy(self.gy)
        _warm(self, (threads,))

    def time_forward_cygrad(self, threads):
        with cygrad.no_grad():
            self.cm(self.cx)

    @torch_only
    def time_forward_torch(self, threads):
        with torch.no_grad():
            self.tm(self.tx)

    def time_backward_cygrad(self, threads):
        self.cm(self.cx)[0].backward(self.cg)

    @torch_only
    def time_backward_torch(self, threads):
        self.tm(self.tx)[0].backward(self.tg)


class LSTMLayer(_Layer):
    cls = "LSTM"


class GRULayer(_Layer):
    cls = "GRU"


def _word_lm(lib):
    class WordLM(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = lib.nn.Embedding(VOCAB, HIDDEN)
            self.rnn = lib.nn.LSTM(HIDDEN, HIDDEN, 2, dropout=0.0)
            self.decoder = lib.nn.Linear(HIDDEN, VOCAB)

        def forward(self, x, hidden):
            out, hidden = self.rnn(self.encoder(x), hidden)
            return self.decoder(out), hidden

    return WordLM()


class LSTMTrainStep:
    """One step of a 2-layer LSTM language model (hidden 256, sequence 35, batch 20)."""

    params = [THREADS]
    param_names = ["threads"]

    def setup(self, threads):
        set_threads(threads)
        g = np.random.default_rng(0)
        idx = g.integers(0, VOCAB, (SEQ + 1, BATCH))
        cygrad.manual_seed(0)
        model = _word_lm(cygrad)
        libs = [(cygrad, model)]
        if torch is not None:
            tmodel = _word_lm(torch)
            _same_weights(model, tmodel)
            libs.append((torch, tmodel))
        self.runs = {}
        for lib, m in libs:
            x = lib.from_numpy(idx[:-1].copy())
            y = lib.from_numpy(idx[1:].copy())
            hidden = (lib.zeros(2, BATCH, HIDDEN), lib.zeros(2, BATCH, HIDDEN))
            opt = lib.optim.SGD(m.parameters(), lr=0.1)
            self.runs[lib.__name__] = (lib, m, opt, x, y, hidden)
        _warm(self, (threads,))

    def _step(self, name):
        lib, m, opt, x, y, hidden = self.runs[name]
        out, _ = m(x, hidden)
        loss = lib.nn.functional.cross_entropy(out.reshape(-1, VOCAB), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        lib.nn.utils.clip_grad_norm_(m.parameters(), 0.25)
        opt.step()

    def time_step_cygrad(self, threads):
        self._step("cygrad")

    @torch_only
    def time_step_torch(self, threads):
        self._step("torch")
