"""Training and inference with ``nn`` modules, ``optim`` and ``DataLoader``, beside PyTorch.

NumPy has no equivalent, so PyTorch is the reference (skipped when it is not installed).
Each ``setup`` builds the model once in cygrad (after ``cygrad.manual_seed(0)``) and the
same architecture in PyTorch, then copies cygrad's initial weights into the PyTorch model,
so both start from identical parameters; the data comes from ``numpy.random.default_rng(0)``
and is shared zero-copy. ``setup`` ends with one untimed call per library, so even
``asv run --quick`` (a single call) times a steady-state step rather than first-call work
(optimizer state allocation, lazy initialisation). The timed calls keep training the same
model, as a real loop does. Peak memory has a class of its own, ``PeakMemTraining``, whose
``setup`` runs neither library (asv's peak is the whole process's).
"""
import numpy as np

import cygrad

from .common import THREADS, mlp, rng, set_threads, torch, torch_only

# Digits-sized synthetic data: scikit-learn's 8x8 digits are 1797 rows of 64 pixels, 10 classes.
N_DIGITS, N_PIXELS, N_CLASSES = 1797, 64, 10

# "batch x in-hidden-out" -> (batch, (in, hidden, out))
MLP_CASES = {
    "64x64-128-10": (64, (64, 128, 10)),
    "256x784-256-10": (256, (784, 256, 10)),
}


def _libs():
    """``[cygrad]`` plus ``torch`` when it is installed."""
    return [cygrad] if torch is None else [cygrad, torch]


def _cnn(lib):
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),  # (N, 1, 8, 8) -> (N, 16, 8, 8)
        nn.ReLU(),
        nn.MaxPool2d(2),                 # -> (N, 16, 4, 4)
        nn.Flatten(),                    # -> (N, 256)
        nn.Linear(16 * 4 * 4, 10),
    )


def _model_pair(build):
    """``(cygrad_model, torch_model_or_None)`` from ``build(lib)``, with identical weights."""
    cygrad.manual_seed(0)
    model = build(cygrad)
    if torch is None:
        return model, None
    torch.manual_seed(0)
    tmodel = build(torch)
    tmodel.load_state_dict({k: torch.from_numpy(v.detach().numpy().copy())
                            for k, v in model.state_dict().items()})
    return model, tmodel


def _pair(arr):
    """``(cygrad, torch-or-None)`` views of one NumPy buffer (no copies)."""
    return cygrad.from_numpy(arr), (torch.from_numpy(arr) if torch is not None else None)


def _digits_data():
    """Digits-sized synthetic data: ``x`` (1797, 64) float32 in [0, 1), ``y`` int64 labels."""
    g = rng()
    x = g.random((N_DIGITS, N_PIXELS), dtype=np.float32)
    y = g.integers(0, N_CLASSES, N_DIGITS).astype(np.int64)
    return x, y


def _mlp_data(case):
    """A standard-normal float32 batch and int64 labels for an ``MLP_CASES`` entry."""
    batch, sizes = MLP_CASES[case]
    g = rng()
    x = g.standard_normal((batch, sizes[0]), dtype=np.float32)
    y = g.integers(0, sizes[-1], batch).astype(np.int64)
    return x, y


def _step(model, loss_fn, optimizer, x, y):
    """One training step: forward, loss, zero_grad, backward, step."""
    loss = loss_fn(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss


def _epoch(model, loss_fn, optimizer, loader):
    for xb, yb in loader:
        _step(model, loss_fn, optimizer, xb, yb)


def _warm_steps(runs):
    """One untimed step per library, so the timed call is a steady-state step: the
    optimizer's state (momentum buffers, Adam moments) exists and first-call work in either
    library (lazy initialisation, caches) is done, even in ``asv run --quick``."""
    for run in runs.values():
        _step(*run)


class SeedLoop:
    """The seed's loop: ``Sequential(Linear(2, 1))``, ``MSELoss``, ``SGD(lr=0.1)``, 4x2 data.

    One call is one iteration of the loop (forward, loss, zero_grad, backward, step): all
    per-op overhead, no arithmetic to speak of.
    """

    params = [THREADS]
    param_names = ["threads"]

    def setup(self, threads):
        set_threads(threads)
        x = np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6], [0.7, 0.8]], dtype=np.float32)
        y = np.array([[0.5], [0.7], [0.9], [1.1]], dtype=np.float32)
        models = _model_pair(lambda lib: lib.nn.Sequential(lib.nn.Linear(2, 1)))
        self.runs = {}
        for lib, model, xt, yt in zip(_libs(), models, _pair(x), _pair(y)):
            opt = lib.optim.SGD(model.parameters(), lr=0.1)
            self.runs[lib.__name__] = (model, lib.nn.MSELoss(), opt, xt, yt)
        _warm_steps(self.runs)

    def time_step_cygrad(self, threads):
        _step(*self.runs["cygrad"])

    @torch_only
    def time_step_torch(self, threads):
        _step(*self.runs["torch"])


class MLPTrainStep:
    """One MLP training step: forward, ``CrossEntropyLoss``, zero_grad, backward and
    ``SGD(lr=0.01, momentum=0.9).step()``. ``case`` is ``batch x in-hidden-out``."""

    params = [list(MLP_CASES), THREADS]
    param_names = ["case", "threads"]

    def setup(self, case, threads):
        set_threads(threads)
        sizes = MLP_CASES[case][1]
        x, y = _mlp_data(case)
        models = _model_pair(lambda lib: mlp(lib, sizes))
        self.runs = {}
        for lib, model, xt, yt in zip(_libs(), models, _pair(x), _pair(y)):
            opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
            self.runs[lib.__name__] = (model, lib.nn.CrossEntropyLoss(), opt, xt, yt)
        _warm_steps(self.runs)

    def time_step_cygrad(self, case, threads):
        _step(*self.runs["cygrad"])

    @torch_only
    def time_step_torch(self, case, threads):
        _step(*self.runs["torch"])


class MLPInference:
    """The forward pass of the ``MLPTrainStep`` models under ``no_grad`` (eval mode)."""

    params = [list(MLP_CASES), THREADS]
    param_names = ["case", "threads"]

    def setup(self, case, threads):
        set_threads(threads)
        sizes = MLP_CASES[case][1]
        x = _mlp_data(case)[0]
        self.model, self.tmodel = _model_pair(lambda lib: mlp(lib, sizes))
        self.model.eval()
        if self.tmodel is not None:
            self.tmodel.eval()
        self.x, self.tx = _pair(x)
        self.time_forward_cygrad(case, threads)  # untimed warm-up call
        if self.tmodel is not None:
            self.time_forward_torch(case, threads)

    def time_forward_cygrad(self, case, threads):
        with cygrad.no_grad():
            self.model(self.x)

    @torch_only
    def time_forward_torch(self, case, threads):
        with torch.no_grad():
            self.tmodel(self.tx)


class CNNTrainStep:
    """One training step of a small CNN on a (64, 1, 8, 8) batch:
    ``Conv2d(1, 16, 3, padding=1)``-ReLU-``MaxPool2d(2)``-Flatten-``Linear(256, 10)``,
    ``CrossEntropyLoss``, ``SGD(lr=0.01, momentum=0.9)``."""

    params = [THREADS]
    param_names = ["threads"]

    def setup(self, threads):
        set_threads(threads)
        g = rng()
        x = g.standard_normal((64, 1, 8, 8), dtype=np.float32)
        y = g.integers(0, 10, 64).astype(np.int64)
        models = _model_pair(_cnn)
        self.runs = {}
        for lib, model, xt, yt in zip(_libs(), models, _pair(x), _pair(y)):
            opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
            self.runs[lib.__name__] = (model, lib.nn.CrossEntropyLoss(), opt, xt, yt)
        _warm_steps(self.runs)

    def time_step_cygrad(self, threads):
        _step(*self.runs["cygrad"])

    @torch_only
    def time_step_torch(self, threads):
        _step(*self.runs["torch"])


class ConvPoolLayer:
    """Forward and backward of ``max_pool2d(relu(conv2d(x, w, padding=1)), 2)`` for an
    MNIST-sized batch: x (32, 16, 28, 28), w (32, 16, 3, 3), float32 (columns, their
    adjoint for the input gradient, and the pooling windows)."""

    params = [THREADS]
    param_names = ["threads"]

    def setup(self, threads):
        set_threads(threads)
        g = rng()
        x = g.standard_normal((32, 16, 28, 28), dtype=np.float32)
        w = 0.1 * g.standard_normal((32, 16, 3, 3), dtype=np.float32)
        self.runs = {}
        for lib, xt, wt in zip(_libs(), _pair(x), _pair(w)):
            self.runs[lib.__name__] = (lib, xt.requires_grad_(), wt.requires_grad_())

    @staticmethod
    def _run(lib, x, w):
        F = lib.nn.functional
        F.max_pool2d(F.relu(F.conv2d(x, w, padding=1)), 2).sum().backward()
        x.grad = w.grad = None

    def time_step_cygrad(self, threads):
        self._run(*self.runs["cygrad"])

    @torch_only
    def time_step_torch(self, threads):
        self._run(*self.runs["torch"])


class DigitsEpoch:
    """One epoch on digits-sized synthetic data (1797x64 float32, 10 classes): a shuffling
    ``DataLoader(TensorDataset(x, y), batch_size=64)`` (29 batches), an MLP 64-128-64-10,
    ``CrossEntropyLoss`` and ``Adam(lr=1e-3)``. Peak memory: ``PeakMemTraining``."""

    params = [THREADS]
    param_names = ["threads"]
    timeout = 120

    def setup(self, threads):
        set_threads(threads)
        x, y = _digits_data()
        models = _model_pair(lambda lib: mlp(lib, (N_PIXELS, 128, 64, N_CLASSES)))
        self.runs = {}
        for lib, model, xt, yt in zip(_libs(), models, _pair(x), _pair(y)):
            data = lib.utils.data
            loader = data.DataLoader(data.TensorDataset(xt, yt), batch_size=64, shuffle=True)
            opt = lib.optim.Adam(model.parameters(), lr=1e-3)
            self.runs[lib.__name__] = (model, lib.nn.CrossEntropyLoss(), opt, loader)
        for model, loss_fn, opt, loader in self.runs.values():  # one untimed warm-up step
            _step(model, loss_fn, opt, *next(iter(loader)))

    def time_epoch_cygrad(self, threads):
        _epoch(*self.runs["cygrad"])

    @torch_only
    def time_epoch_torch(self, threads):
        _epoch(*self.runs["torch"])


def _train_digits_epoch(lib, x, y):
    """Build the ``DigitsEpoch`` pipeline in ``lib`` alone and train it for one epoch."""
    lib.manual_seed(0)
    data = lib.utils.data
    loader = data.DataLoader(data.TensorDataset(lib.from_numpy(x), lib.from_numpy(y)),
                             batch_size=64, shuffle=True)
    model = mlp(lib, (N_PIXELS, 128, 64, N_CLASSES))
    _epoch(model, lib.nn.CrossEntropyLoss(), lib.optim.Adam(model.parameters(), lr=1e-3), loader)


def _train_mlp_step(lib, case, x, y):
    """Build the ``MLPTrainStep`` model in ``lib`` alone and take one training step."""
    lib.manual_seed(0)
    model = mlp(lib, MLP_CASES[case][1])
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    _step(model, lib.nn.CrossEntropyLoss(), opt, lib.from_numpy(x), lib.from_numpy(y))


class PeakMemTraining:
    """Peak resident memory of training: one ``DigitsEpoch`` epoch (MLP 64-128-64-10, Adam,
    shuffling DataLoader over 1797x64) and one ``MLPTrainStep`` step (SGD with momentum).

    asv's ``peakmem_`` is the whole process's high-water mark, including every imported
    library (PyTorch is imported for both rows) and whatever ``setup`` did. So ``setup``
    only draws the NumPy data, and each method builds its model, optimizer and loader in its
    own library before training: the other library never runs in that process. The
    difference between the rows is what counts; the model's first-call costs are included.
    """

    params = [THREADS]
    param_names = ["threads"]

    def setup(self, threads):
        set_threads(threads)
        self.digits = _digits_data()
        self.mlp = _mlp_data("256x784-256-10")

    def peakmem_digits_epoch_cygrad(self, threads):
        _train_digits_epoch(cygrad, *self.digits)

    @torch_only
    def peakmem_digits_epoch_torch(self, threads):
        _train_digits_epoch(torch, *self.digits)

    def peakmem_mlp_step_784_256_10_cygrad(self, threads):
        _train_mlp_step(cygrad, "256x784-256-10", *self.mlp)

    @torch_only
    def peakmem_mlp_step_784_256_10_torch(self, threads):
        _train_mlp_step(torch, "256x784-256-10", *self.mlp)
