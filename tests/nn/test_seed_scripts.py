"""The four single-layer training scripts of the seed conversation (``examples/seed_*.py``),
run verbatim with ``import cygrad as torch``.

Without PyTorch the loss must fall steadily and the final predictions must match the
least-squares fit (computed with NumPy); with PyTorch both libraries run each script from the
same initial weights and the losses printed every 100 epochs must agree.
"""
import pathlib
import re

import numpy as np
import pytest

import cygrad

# ---------------------------------------------------------------------------- the scripts
# The seed's scripts are the example files, verbatim apart from ``import cygrad as torch``.
EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"
SCRIPTS = {name: (EXAMPLES / f"seed_{stem}.py").read_text(encoding="utf-8")
           for name, stem in (("sequential", "sequential"), ("module_linear", "module"),
                              ("module_parameter", "parameters"), ("raw_tensors", "tensors"))}

X = np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6], [0.7, 0.8]])
Y = np.array([0.5, 0.7, 0.9, 1.1])
X_TEST = np.array([[0.9, 1.0], [1.1, 1.2]])

# the hook runs once the weights exist: every script defines its loss after its weights
HOOK_BEFORE = "# Define the loss function"


def run_script(name, lib, init=None):
    """Run seed script ``name`` with ``lib`` as ``torch``; ``init(namespace)`` runs right after
    the weights are created. Returns the namespace and the printed lines."""
    src = SCRIPTS[name]
    assert src.count(HOOK_BEFORE) == 1
    src = src.replace(HOOK_BEFORE, "_init(globals())\n\n" + HOOK_BEFORE)
    assert src.count("import cygrad as torch\n") == 1
    if lib is not cygrad:
        src = src.replace("import cygrad as torch\n", "import torch\n")
    printed = []
    ns = {"__name__": "__seed_script__",
          "print": lambda *args, **kw: printed.append(" ".join(str(a) for a in args)),
          "_init": init or (lambda ns: None)}
    exec(compile(src, f"<seed script {name}>", "exec"), ns)
    return ns, printed


def printed_losses(printed):
    losses = []
    for line in printed[:-1]:
        m = re.fullmatch(r"Epoch (\d+), Loss (\S+)", line)
        assert m, line
        assert int(m.group(1)) == 100 * len(losses)
        losses.append(float(m.group(2)))
    assert len(losses) == 10
    return losses


def weights_of(ns):
    """(w as (2,), b as float) of the trained script, as NumPy."""
    def arr(t):
        return np.array(t.tolist(), dtype=np.float64).ravel()
    if "model" in ns:
        sd = ns["model"].state_dict()
        w = [v for k, v in sd.items() if k.endswith("w") or k.endswith("weight")][0]
        b = [v for k, v in sd.items() if k.endswith("b") or k.endswith("bias")][0]
        return arr(w), float(arr(b)[0])
    return arr(ns["w"]), float(arr(ns["b"])[0])


def least_squares_predictions(points):
    """Predictions of the least-squares affine fit of (X, Y) at ``points`` (the data are
    collinear, so the fit is not unique, but its predictions on their span are)."""
    A = np.hstack([X, np.ones((4, 1))])
    coef, *_ = np.linalg.lstsq(A, Y, rcond=None)
    return np.hstack([points, np.ones((len(points), 1))]) @ coef


# ---------------------------------------------------------------------------- cygrad alone
@pytest.mark.parametrize("name", list(SCRIPTS))
def test_script_trains_with_cygrad(name):
    cygrad.manual_seed(0)
    ns, printed = run_script(name, cygrad)
    losses = printed_losses(printed)
    assert all(np.isfinite(losses))
    # gradient descent on a convex quadratic with a small step: the loss never goes up
    assert all(b <= a * (1 + 1e-6) + 1e-10 for a, b in zip(losses, losses[1:])), losses
    # the data lie on a line (y = x1 + 0.4): the fit becomes exact, up to float32 rounding
    assert losses[-1] < 1e-8 and losses[-1] < 1e-4 * losses[0]
    w, b = weights_of(ns)
    # the last printed loss is the MSE of the weights before the last update
    fit = X @ w + b
    assert np.mean((fit - Y) ** 2) <= losses[-1] * (1 + 1e-3) + 1e-9
    # predictions: a (2, 1) float32 tensor close to the least-squares fit's
    pred = ns["y_pred_test"]
    assert isinstance(pred, cygrad.Tensor) and tuple(pred.shape) == (2, 1)
    assert pred.dtype is cygrad.float32
    np.testing.assert_allclose(np.array(pred.tolist()).ravel(),
                               least_squares_predictions(X_TEST), atol=1e-4)
    np.testing.assert_allclose(fit, least_squares_predictions(X), atol=1e-4)
    assert printed[-1].startswith("tensor([[") and printed[-1] == str(pred)


@pytest.mark.parametrize("name", list(SCRIPTS))
def test_script_is_deterministic_under_manual_seed(name):
    cygrad.manual_seed(5)
    _, first = run_script(name, cygrad)
    cygrad.manual_seed(5)
    _, second = run_script(name, cygrad)
    assert first == second


def test_parameter_script_registers_its_parameters():
    cygrad.manual_seed(1)
    ns, _ = run_script("module_parameter", cygrad)
    model = ns["model"]
    assert [n for n, _ in model.named_parameters()] == ["w", "b"]
    assert all(type(p) is cygrad.nn.Parameter and p.is_leaf for p in model.parameters())


def test_raw_tensor_script_keeps_leaves():
    cygrad.manual_seed(2)
    ns, _ = run_script("raw_tensors", cygrad)
    for t in (ns["w"], ns["b"]):
        assert t.is_leaf and t.requires_grad and t.grad_fn is None
        assert t.grad.abs().sum().item() == 0.0          # zeroed after the last update
    assert not ns["y_pred_test"].is_leaf and ns["y_pred_test"].requires_grad


# ---------------------------------------------------------------------------- against PyTorch
def assert_losses_match(cy, tt):
    """The printed losses agree to 1e-5 relative, down to the float32 rounding floor.

    The data are fitted exactly, so the loss falls to ~1e-13. ``L = mean(r ** 2)`` with
    residuals ``r = pred - y`` of O(1) values: each residual carries a rounding error of about
    ulp(1) ~ 1e-7, so L carries an absolute error of order ``ulp(1) * sqrt(L)``, which is
    above ``1e-5 * L`` once L < 1e-4 (both libraries round differently from there on).
    """
    cy, tt = np.asarray(cy), np.asarray(tt)
    tol = 1e-5 * tt + 1e-6 * np.sqrt(tt)
    bad = np.abs(cy - tt) > tol
    assert not bad.any(), f"losses differ at epochs {100 * np.flatnonzero(bad)}:\n{cy}\n{tt}"
    big = tt > 1e-4             # above the floor: plain relative agreement
    np.testing.assert_allclose(cy[big], tt[big], rtol=1e-5)
    assert cy[0] == pytest.approx(tt[0], rel=1e-6)    # same weights, same first loss


def _capture_and_apply():
    """Hooks: ``capture`` records torch's initial weights; ``apply`` puts them into the
    cygrad run."""
    state = {}

    def capture(ns):
        if "model" in ns:
            state.update({k: v.detach().numpy().copy() for k, v in ns["model"].state_dict()
                          .items()})
        else:
            state.update(w=ns["w"].detach().numpy().copy(), b=ns["b"].detach().numpy().copy())

    def apply(ns):
        if "model" in ns:
            ns["model"].load_state_dict({k: cygrad.tensor(v) for k, v in state.items()})
        else:
            with cygrad.no_grad():
                ns["w"].copy_(cygrad.tensor(state["w"]))
                ns["b"].copy_(cygrad.tensor(state["b"]))
    return capture, apply


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", list(SCRIPTS))
def test_script_matches_torch(name, seed):
    torch = pytest.importorskip("torch")
    capture, apply = _capture_and_apply()
    torch.manual_seed(seed)
    t_ns, t_printed = run_script(name, torch, capture)
    c_ns, c_printed = run_script(name, cygrad, apply)
    t_losses, c_losses = printed_losses(t_printed), printed_losses(c_printed)
    assert_losses_match(c_losses, t_losses)
    cw, cb = weights_of(c_ns)
    tw, tb = weights_of(t_ns)
    np.testing.assert_allclose(cw, tw, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(cb, tb, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.array(c_ns["y_pred_test"].tolist()),
                               t_ns["y_pred_test"].detach().numpy(), rtol=1e-5, atol=1e-6)
    # the printed prediction tensors read the same (up to the grad_fn name)
    t_text = re.sub(r", grad_fn=<\w+>", "", t_printed[-1])
    c_text = re.sub(r", grad_fn=<\w+>", "", c_printed[-1])
    assert np.allclose([float(v) for v in re.findall(r"-?\d+\.\d+", c_text)],
                       [float(v) for v in re.findall(r"-?\d+\.\d+", t_text)], atol=1e-4)
