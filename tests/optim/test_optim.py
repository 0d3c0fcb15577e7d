"""cygrad.optim: SGD, Adam, AdamW, RMSprop and Adagrad.

* update rules against NumPy re-implementations (float64, no PyTorch needed);
* the Optimizer base: parameter groups, state keyed by tensor, zero_grad, closures, skipped
  parameters, state_dict / load_state_dict, add_param_group and PyTorch's error messages;
* parity with torch.optim (``foreach=False``, the single-tensor CPU path) over a grid of
  hyper-parameters in float32 and float64, with gradients from each library's own backward
  and with identical injected gradients.
"""
import math
import pickle
import warnings

import numpy as np
import pytest

import cygrad
from cygrad import optim
from conftest import from_np, to_numpy

SHAPES = [(3, 4), (4,), ()]
X = np.array([0.5, -1.0, 1.5, 2.0])
NP_DT = {cygrad.float32: np.float32, cygrad.float64: np.float64}
DT_IDS = lambda d: repr(d).split(".")[1]  # noqa: E731
FLOATS = [cygrad.float32, cygrad.float64]


@pytest.fixture(autouse=True)
def _grad_mode_on():
    cygrad.set_grad_enabled(True)
    yield
    cygrad.set_grad_enabled(True)


def init_values(seed=0, dtype=cygrad.float64):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-1.0, 1.0, s).astype(NP_DT[dtype]) for s in SHAPES]


def leaves(values):
    return [from_np(v).requires_grad_() for v in values]


def loss_of(lib, params, x):
    """((W @ (v * x) + c) ** 2).sum() for parameters W (3, 4), v (4,), c ()."""
    W, v, c = params
    return ((W @ (v * x) + c) ** 2).sum()


def np_grads(values):
    """The gradients of :func:`loss_of` in NumPy (float64)."""
    W, v, c = (np.asarray(a, dtype=np.float64) for a in values)
    r = W @ (v * X) + c
    return [2 * np.outer(r, v * X), 2 * (W.T @ r) * X, np.array(2 * r.sum())]


def cy_step(opt, params, x):
    opt.zero_grad()
    loss = loss_of(cygrad, params, x)
    loss.backward()
    opt.step()
    return loss


def arrays(params):
    return [to_numpy(p.detach()) for p in params]


# ============================================================================ NumPy references
def np_sgd(values, steps, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False,
           maximize=False):
    p = [np.array(v, dtype=np.float64) for v in values]
    bufs = [None] * len(p)
    history = []
    for _ in range(steps):
        gs = np_grads(p)
        for i, g in enumerate(gs):
            g = -g if maximize else g
            g = g + weight_decay * p[i]
            if momentum != 0:
                if bufs[i] is None:
                    bufs[i] = g.copy()
                else:
                    bufs[i] = momentum * bufs[i] + (1 - dampening) * g
                g = g + momentum * bufs[i] if nesterov else bufs[i]
            p[i] = p[i] - lr * g
        history.append([a.copy() for a in p])
    return history


def np_adam(values, steps, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False,
            maximize=False, decoupled=False):
    b1, b2 = betas
    p = [np.array(v, dtype=np.float64) for v in values]
    m = [np.zeros_like(a) for a in p]
    v = [np.zeros_like(a) for a in p]
    vmax = [np.zeros_like(a) for a in p]
    history = []
    for t in range(1, steps + 1):
        gs = np_grads(p)
        for i, g in enumerate(gs):
            g = -g if maximize else g
            if decoupled:
                p[i] = p[i] * (1 - lr * weight_decay)
            else:
                g = g + weight_decay * p[i]
            m[i] = m[i] + (1 - b1) * (g - m[i])
            v[i] = b2 * v[i] + (1 - b2) * g * g
            vmax[i] = np.maximum(vmax[i], v[i])
            vv = vmax[i] if amsgrad else v[i]
            denom = np.sqrt(vv) / math.sqrt(1 - b2 ** t) + eps
            p[i] = p[i] - lr / (1 - b1 ** t) * m[i] / denom
        history.append([a.copy() for a in p])
    return history


def np_rmsprop(values, steps, lr, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
               centered=False):
    p = [np.array(v, dtype=np.float64) for v in values]
    sq = [np.zeros_like(a) for a in p]
    ga = [np.zeros_like(a) for a in p]
    buf = [np.zeros_like(a) for a in p]
    history = []
    for _ in range(steps):
        for i, g in enumerate(np_grads(p)):
            g = g + weight_decay * p[i]
            sq[i] = alpha * sq[i] + (1 - alpha) * g * g
            if centered:
                ga[i] = ga[i] + (1 - alpha) * (g - ga[i])
                avg = np.sqrt(sq[i] - ga[i] * ga[i]) + eps
            else:
                avg = np.sqrt(sq[i]) + eps
            if momentum > 0:
                buf[i] = momentum * buf[i] + g / avg
                p[i] = p[i] - lr * buf[i]
            else:
                p[i] = p[i] - lr * g / avg
        history.append([a.copy() for a in p])
    return history


def np_adagrad(values, steps, lr, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
               eps=1e-10):
    p = [np.array(v, dtype=np.float64) for v in values]
    s = [np.full_like(a, initial_accumulator_value) for a in p]
    history = []
    for t in range(1, steps + 1):
        for i, g in enumerate(np_grads(p)):
            g = g + weight_decay * p[i]
            clr = lr / (1 + (t - 1) * lr_decay)
            s[i] = s[i] + g * g
            p[i] = p[i] - clr * g / (np.sqrt(s[i]) + eps)
        history.append([a.copy() for a in p])
    return history


def run_cygrad(cls, kwargs, steps, dtype=cygrad.float64, seed=0):
    params = leaves(init_values(seed, dtype))
    opt = cls(params, **kwargs)
    x = from_np(X.astype(NP_DT[dtype]))
    history = []
    for _ in range(steps):
        cy_step(opt, params, x)
        history.append(arrays(params))
    return opt, params, history


def assert_history(got, expected, rtol=1e-12, atol=1e-14):
    for k, (g_step, e_step) in enumerate(zip(got, expected)):
        for i, (g, e) in enumerate(zip(g_step, e_step)):
            np.testing.assert_allclose(g, e, rtol=rtol, atol=atol,
                                       err_msg=f"step {k + 1}, parameter {i}")


SGD_CASES = [
    dict(lr=0.1),
    dict(lr=0.1, momentum=0.9),
    dict(lr=0.05, momentum=0.9, dampening=0.5),
    dict(lr=0.05, momentum=0.8, nesterov=True),
    dict(lr=0.05, momentum=0.5, weight_decay=0.1, nesterov=True),
    dict(lr=0.05, momentum=0.9, weight_decay=0.1, dampening=0.2, maximize=True),
]


@pytest.mark.parametrize("kw", SGD_CASES, ids=str)
def test_sgd_matches_numpy(kw):
    _, _, hist = run_cygrad(optim.SGD, kw, 6)
    assert_history(hist, np_sgd(init_values(), 6, **kw))


ADAM_CASES = [
    dict(lr=0.01),
    dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6),
    dict(lr=0.05, amsgrad=True),
    dict(lr=0.05, weight_decay=0.1),
    dict(lr=0.05, weight_decay=0.1, amsgrad=True, maximize=True),
    dict(lr=0.05, betas=(0.3, 0.9)),          # lerp weight >= 0.5: PyTorch's second formula
]


@pytest.mark.parametrize("kw", ADAM_CASES, ids=str)
def test_adam_matches_numpy(kw):
    _, _, hist = run_cygrad(optim.Adam, kw, 6)
    assert_history(hist, np_adam(init_values(), 6, **kw))


@pytest.mark.parametrize("kw", [dict(lr=0.05), dict(lr=0.05, weight_decay=0.3, amsgrad=True)],
                         ids=str)
def test_adamw_matches_numpy(kw):
    _, _, hist = run_cygrad(optim.AdamW, kw, 6)
    ref = dict(kw, weight_decay=kw.get("weight_decay", 1e-2))
    assert_history(hist, np_adam(init_values(), 6, decoupled=True, **ref))
    _, _, hist2 = run_cygrad(optim.Adam, dict(ref, decoupled_weight_decay=True), 6)
    assert_history(hist2, hist, rtol=0, atol=0)


@pytest.mark.parametrize("kw", [dict(lr=0.01), dict(lr=0.01, momentum=0.9),
                                dict(lr=0.01, centered=True, alpha=0.9),
                                dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1)],
                         ids=str)
def test_rmsprop_matches_numpy(kw):
    _, _, hist = run_cygrad(optim.RMSprop, kw, 6)
    assert_history(hist, np_rmsprop(init_values(), 6, **kw))


@pytest.mark.parametrize("kw", [dict(lr=0.1), dict(lr=0.1, lr_decay=0.5),
                                dict(lr=0.1, weight_decay=0.1, initial_accumulator_value=0.3)],
                         ids=str)
def test_adagrad_matches_numpy(kw):
    _, _, hist = run_cygrad(optim.Adagrad, kw, 6)
    assert_history(hist, np_adagrad(init_values(), 6, **kw))


@pytest.mark.parametrize("dtype", FLOATS, ids=DT_IDS)
def test_float32_tracks_float64_reference(dtype):
    _, params, hist = run_cygrad(optim.Adam, dict(lr=0.05, amsgrad=True), 5, dtype=dtype)
    for p in params:
        assert p.dtype is dtype and p.is_leaf and p.requires_grad and p.grad_fn is None
    ref = np_adam(init_values(dtype=dtype), 5, lr=0.05, amsgrad=True)
    assert_history(hist, ref, rtol=1e-5 if dtype is cygrad.float32 else 1e-12, atol=1e-6)


def test_maximize_is_minimizing_the_negated_loss():
    a = leaves(init_values())
    b = leaves(init_values())
    x = from_np(X)
    opt_a = optim.SGD(a, lr=0.05, momentum=0.9, maximize=True)
    opt_b = optim.SGD(b, lr=0.05, momentum=0.9)
    for _ in range(3):
        opt_a.zero_grad()
        loss_of(cygrad, a, x).backward()
        opt_a.step()
        opt_b.zero_grad()
        (-loss_of(cygrad, b, x)).backward()
        opt_b.step()
    assert_history([arrays(a)], [arrays(b)], rtol=0, atol=0)


# ============================================================================ the Optimizer base
ALL = [optim.SGD, optim.Adam, optim.AdamW, optim.RMSprop, optim.Adagrad]


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_single_tensor_params_is_a_type_error(cls):
    w = cygrad.zeros(3, requires_grad=True)
    with pytest.raises(TypeError, match="^params argument given to the optimizer should be an "
                                        "iterable of Tensors or dicts, but got "
                                        "cygrad.FloatTensor$"):
        cls(w)
    with pytest.raises(TypeError, match="but got cygrad.DoubleTensor$"):
        cls(w.double())


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_empty_params(cls):
    with pytest.raises(ValueError, match="^optimizer got an empty parameter list$"):
        cls([])
    with pytest.raises(ValueError, match="^optimizer got an empty parameter list$"):
        cls(iter([]))


def test_params_must_be_tensors_leaves_and_ordered():
    w = cygrad.zeros(2, requires_grad=True)
    with pytest.raises(TypeError, match="^optimizer can only optimize Tensors, but one of the "
                                        "params is int$"):
        optim.SGD([w, 3])
    with pytest.raises(TypeError, match="^optimizer can only optimize Tensors, but one of the "
                                        "params is numpy.ndarray$"):
        optim.SGD([np.zeros(2)])
    with pytest.raises(ValueError, match="^can't optimize a non-leaf Tensor$"):
        optim.SGD([w * 2])
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD([{"params": {w}}])
    with pytest.raises(TypeError, match="^param_group must be a dict"):
        optim.SGD([w]).add_param_group([w])


VALIDATION = [
    (optim.SGD, dict(lr=-1.0), "Invalid learning rate: -1.0"),
    (optim.SGD, dict(momentum=-0.5), "Invalid momentum value: -0.5"),
    (optim.SGD, dict(weight_decay=-1e-2), "Invalid weight_decay value: -0.01"),
    (optim.SGD, dict(nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    (optim.SGD, dict(nesterov=True, momentum=0.9, dampening=0.1),
     "Nesterov momentum requires a momentum and zero dampening"),
    (optim.Adam, dict(lr=-1.0), "Invalid learning rate: -1.0"),
    (optim.Adam, dict(eps=-1e-8), "Invalid epsilon value: -1e-08"),
    (optim.Adam, dict(betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    (optim.Adam, dict(betas=(-0.1, 0.999)), "Invalid beta parameter at index 0: -0.1"),
    (optim.Adam, dict(betas=(0.9, 1.5)), "Invalid beta parameter at index 1: 1.5"),
    (optim.Adam, dict(weight_decay=-1.0), "Invalid weight_decay value: -1.0"),
    (optim.Adam, dict(betas=(0, 0.9)), "betas must be either both floats or both Tensors"),
    (optim.AdamW, dict(lr=-0.5), "Invalid learning rate: -0.5"),
    (optim.AdamW, dict(betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
    (optim.RMSprop, dict(lr=-1.0), "Invalid learning rate: -1.0"),
    (optim.RMSprop, dict(eps=-1.0), "Invalid epsilon value: -1.0"),
    (optim.RMSprop, dict(momentum=-1.0), "Invalid momentum value: -1.0"),
    (optim.RMSprop, dict(weight_decay=-1.0), "Invalid weight_decay value: -1.0"),
    (optim.RMSprop, dict(alpha=-1.0), "Invalid alpha value: -1.0"),
    (optim.Adagrad, dict(lr=-1.0), "Invalid learning rate: -1.0"),
    (optim.Adagrad, dict(lr_decay=-1.0), "Invalid lr_decay value: -1.0"),
    (optim.Adagrad, dict(weight_decay=-1.0), "Invalid weight_decay value: -1.0"),
    (optim.Adagrad, dict(initial_accumulator_value=-1.0),
     "Invalid initial_accumulator_value value: -1.0"),
    (optim.Adagrad, dict(eps=-1.0), "Invalid epsilon value: -1.0"),
]


@pytest.mark.parametrize("cls, kw, msg", VALIDATION,
                         ids=[f"{c.__name__}-{m}" for c, _, m in VALIDATION])
def test_validation_errors(cls, kw, msg):
    w = cygrad.zeros(2, requires_grad=True)
    with pytest.raises(ValueError) as info:
        cls([w], **kw)
    assert str(info.value) == msg


def test_tensor_lr_must_have_one_element():
    w = cygrad.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="^Tensor lr must be 1-element$"):
        optim.SGD([w], lr=cygrad.tensor([0.1, 0.2]))
    opt = optim.SGD([w], lr=cygrad.tensor(0.5))
    w.grad = cygrad.ones(2, dtype=w.dtype)
    opt.step()
    assert to_numpy(w.detach()).tolist() == [-0.5, -0.5]


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_defaults_as_pytorch(cls):
    opt = cls([cygrad.zeros(2, requires_grad=True)])
    lr = {optim.SGD: 1e-3, optim.Adam: 1e-3, optim.AdamW: 1e-3, optim.RMSprop: 1e-2,
          optim.Adagrad: 1e-2}[cls]
    assert opt.defaults["lr"] == lr
    assert opt.param_groups[0]["lr"] == lr
    if cls is optim.AdamW:
        assert opt.defaults["weight_decay"] == 1e-2
        assert opt.defaults["decoupled_weight_decay"] is True
    elif cls is optim.Adam:
        assert opt.defaults["betas"] == (0.9, 0.999) and opt.defaults["eps"] == 1e-8
        assert opt.defaults["weight_decay"] == 0


def test_state_is_keyed_by_tensor_identity():
    # equal values, distinct tensors: separate state (Tensor.__eq__ is elementwise, but dicts
    # hash tensors by identity)
    a = cygrad.ones(3, requires_grad=True)
    b = cygrad.ones(3, requires_grad=True)
    opt = optim.SGD([a, b], lr=0.1, momentum=0.9)
    a.grad = cygrad.ones(3)
    b.grad = cygrad.full((3,), 2.0)
    opt.step()
    assert len(opt.state) == 2
    assert a in opt.state and b in opt.state
    assert to_numpy(opt.state[a]["momentum_buffer"]).tolist() == [1.0, 1.0, 1.0]
    assert to_numpy(opt.state[b]["momentum_buffer"]).tolist() == [2.0, 2.0, 2.0]
    # the buffer is a copy of the gradient, not the gradient itself
    assert opt.state[a]["momentum_buffer"] is not a.grad
    a.grad.fill_(7.0)
    assert to_numpy(opt.state[a]["momentum_buffer"]).tolist() == [1.0, 1.0, 1.0]


def test_zero_grad():
    w = cygrad.ones(2, requires_grad=True)
    v = cygrad.ones(2, requires_grad=True)
    opt = optim.SGD([w, v], lr=0.1)
    (w * 3).sum().backward()
    g = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is g
    assert to_numpy(w.grad).tolist() == [0.0, 0.0]
    assert not w.grad.requires_grad
    assert v.grad is None
    opt.zero_grad()
    assert w.grad is None and v.grad is None
    # a zero gradient still updates (weight decay), a None gradient skips the parameter
    opt = optim.SGD([w, v], lr=0.5, weight_decay=1.0)
    w.grad = cygrad.zeros(2)
    opt.step()
    assert to_numpy(w.detach()).tolist() == [0.5, 0.5]
    assert to_numpy(v.detach()).tolist() == [1.0, 1.0]


def test_zero_grad_detaches_a_grad_with_history():
    w = cygrad.ones(2, requires_grad=True)
    (w * w).sum().backward(create_graph=True)
    assert w.grad.grad_fn is not None
    optim.SGD([w]).zero_grad(set_to_none=False)
    assert w.grad.grad_fn is None and not w.grad.requires_grad
    assert to_numpy(w.grad).tolist() == [0.0, 0.0]


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_grad_none_is_skipped(cls):
    w = cygrad.ones(2, requires_grad=True)
    v = cygrad.ones(3, requires_grad=True)
    opt = cls([w, v], lr=0.1)
    before = dict(opt.state)
    (w * w).sum().backward()
    opt.step()
    opt.step()
    assert to_numpy(v.detach()).tolist() == [1.0, 1.0, 1.0]
    assert v.grad is None
    if cls is optim.Adagrad:        # PyTorch's Adagrad creates every state up front
        assert opt.state[v]["step"] == 0.0 and before[v] is opt.state[v]
    else:
        assert v not in opt.state
    assert (to_numpy(w.detach()) < 1).all()


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_step_runs_without_recording(cls):
    params = leaves(init_values())
    opt = cls(params, lr=0.1)
    x = from_np(X)
    cy_step(opt, params, x)
    assert cygrad.is_grad_enabled()
    for p in params:
        assert p.is_leaf and p.requires_grad and p.grad_fn is None
        for buf in opt.state[p].values():
            if isinstance(buf, cygrad.Tensor):
                assert not buf.requires_grad and buf.grad_fn is None


def test_step_count_is_a_float_like_pytorch_item():
    w = cygrad.ones(2, requires_grad=True)
    opt = optim.Adam([w], lr=0.1)
    for k in range(3):
        w.grad = cygrad.ones(2)
        opt.step()
        assert opt.state[w]["step"] == float(k + 1)
        assert isinstance(opt.state[w]["step"], float)


def test_param_groups_with_different_lr():
    a = cygrad.ones(2, requires_grad=True)
    b = cygrad.ones(2, requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5, "momentum": 0.9}], lr=0.25)
    assert [g["lr"] for g in opt.param_groups] == [0.25, 0.5]
    assert [g["momentum"] for g in opt.param_groups] == [0, 0.9]
    assert len(opt.param_groups[1]["params"]) == 1 and opt.param_groups[1]["params"][0] is b
    for _ in range(2):
        a.grad = cygrad.ones(2)
        b.grad = cygrad.ones(2)
        opt.step()
    assert to_numpy(a.detach()).tolist() == [0.5, 0.5]             # 1 - 2 * 0.25
    # buffers 1, then 0.9 * 1 + 1
    np.testing.assert_allclose(to_numpy(b.detach()), [1 - 0.5 - 0.5 * 1.9] * 2, rtol=1e-6)
    assert a not in opt.state and b in opt.state


def test_add_param_group():
    a = cygrad.ones(2, requires_grad=True)
    b = cygrad.ones(3, requires_grad=True)
    opt = optim.Adam([a], lr=0.1, betas=(0.8, 0.9))
    opt.add_param_group({"params": b, "lr": 0.01})
    g = opt.param_groups[1]
    assert len(g["params"]) == 1 and g["params"][0] is b
    assert g["lr"] == 0.01 and g["betas"] == (0.8, 0.9) and g["amsgrad"] is False
    assert set(g) == set(opt.param_groups[0])
    b.grad = cygrad.ones(3)
    opt.step()
    np.testing.assert_allclose(to_numpy(b.detach()), 1 - 0.01, rtol=1e-6)
    assert a not in opt.state
    with pytest.raises(ValueError, match="^some parameters appear in more than one parameter "
                                         "group$"):
        opt.add_param_group({"params": [cygrad.zeros(1, requires_grad=True), a]})
    with pytest.raises(ValueError, match="^some parameters appear in more than one parameter "
                                         "group$"):
        optim.SGD([{"params": [a]}, {"params": [b, a]}])
    assert len(opt.param_groups) == 2


def test_add_param_group_to_adagrad_and_required_lr():
    a = cygrad.ones(2, requires_grad=True)
    b = cygrad.ones(2, requires_grad=True)
    opt = optim.Adagrad([a], lr=0.5)
    opt.add_param_group({"params": [b]})
    b.grad = cygrad.ones(2)
    opt.step()
    assert to_numpy(b.detach()).tolist() == [0.5, 0.5]
    assert opt.state[b]["step"] == 1.0

    class Custom(optim.Optimizer):
        def __init__(self, params, lr=optim.optimizer.required):
            super().__init__(params, {"lr": lr})

    with pytest.raises(ValueError, match="^parameter group didn't specify a value of required "
                                         "optimization parameter lr$"):
        Custom([a])
    assert Custom([{"params": [a], "lr": 0.1}]).param_groups[0]["lr"] == 0.1
    with pytest.raises(NotImplementedError):
        Custom([{"params": [a], "lr": 0.1}]).step()


def test_duplicate_parameter_in_a_group_warns():
    a = cygrad.ones(2, requires_grad=True)
    with pytest.warns(UserWarning, match="duplicate parameters"):
        optim.SGD([a, a])


def test_named_parameters():
    a = cygrad.ones(2, requires_grad=True)
    b = cygrad.ones(2, requires_grad=True)
    opt = optim.SGD([("w", a), ("b", b)], lr=0.1)
    assert opt.param_groups[0]["params"][0] is a
    assert opt.param_groups[0]["param_names"] == ["w", "b"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["w", "b"]


def test_closure():
    params = leaves(init_values())
    x = from_np(X)
    opt = optim.SGD(params, lr=0.05, momentum=0.9)
    calls = []

    def closure():
        assert cygrad.is_grad_enabled()
        opt.zero_grad()
        loss = loss_of(cygrad, params, x)
        loss.backward()
        calls.append(loss.item())
        return loss

    ref = np_sgd(init_values(), 3, lr=0.05, momentum=0.9)
    with cygrad.no_grad():          # the closure still runs with grad mode on
        losses = [opt.step(closure) for _ in range(3)]
    assert len(calls) == 3
    assert [v.item() for v in losses] == calls
    assert calls[2] < calls[0]
    assert_history([arrays(params)], [ref[-1]])
    assert opt.step() is None


def test_repr():
    opt = optim.SGD([cygrad.ones(1, requires_grad=True)], lr=0.1)
    r = repr(opt)
    assert r.startswith("SGD (\nParameter Group 0\n")
    assert "    lr: 0.1\n" in r and "    momentum: 0\n" in r and "params" not in r


# ============================================================================ state_dict
def optimizer_cases():
    return [
        (optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
        (optim.SGD, dict(lr=0.05)),
        (optim.Adam, dict(lr=0.05, amsgrad=True)),
        (optim.AdamW, dict(lr=0.05)),
        (optim.RMSprop, dict(lr=0.01, momentum=0.5, centered=True)),
        (optim.Adagrad, dict(lr=0.1, lr_decay=0.1)),
    ]


@pytest.mark.parametrize("cls, kw", optimizer_cases(),
                         ids=[f"{c.__name__}-{k}" for c, k in optimizer_cases()])
@pytest.mark.parametrize("dtype", FLOATS, ids=DT_IDS)
def test_state_dict_round_trip(cls, kw, dtype):
    x = from_np(X.astype(NP_DT[dtype]))
    a = leaves(init_values(dtype=dtype))
    opt_a = cls(a, **kw)
    for _ in range(3):
        cy_step(opt_a, a, x)

    sd = opt_a.state_dict()
    # PyTorch's format: state keyed by parameter index, groups list indices
    assert sorted(sd) == ["param_groups", "state"]
    assert sd["param_groups"][0]["params"] == [0, 1, 2]
    assert set(sd["state"]) <= {0, 1, 2}
    assert all(isinstance(k, int) for k in sd["state"])
    for k, v in kw.items():
        assert sd["param_groups"][0][k] == v
    sd = pickle.loads(pickle.dumps(sd))        # as if saved to disk

    b = leaves(arrays(a))
    opt_b = cls(b, lr=123.0)
    opt_b.load_state_dict(sd)
    assert opt_b.param_groups[0]["lr"] == kw["lr"]
    assert opt_b.param_groups[0]["params"][0] is b[0]
    for i, (pa, pb) in enumerate(zip(a, b)):
        sa, sb = opt_a.state.get(pa, {}), opt_b.state.get(pb, {})
        assert sorted(sa) == sorted(sb)
        for key in sa:
            if isinstance(sa[key], cygrad.Tensor):
                assert sb[key].dtype is dtype
                np.testing.assert_array_equal(to_numpy(sa[key]), to_numpy(sb[key]))
            else:
                assert sa[key] == sb[key]
    for _ in range(3):
        cy_step(opt_a, a, x)
        cy_step(opt_b, b, x)
    assert_history([arrays(b)], [arrays(a)], rtol=0, atol=0)


def test_load_state_dict_copies_the_buffers():
    a = cygrad.ones(2, requires_grad=True)
    b = cygrad.ones(2, requires_grad=True)
    opt_a = optim.SGD([a], lr=0.1, momentum=0.9)
    a.grad = cygrad.ones(2)
    opt_a.step()
    opt_b = optim.SGD([b], lr=0.1, momentum=0.9)
    opt_b.load_state_dict(opt_a.state_dict())
    assert opt_b.state[b]["momentum_buffer"] is not opt_a.state[a]["momentum_buffer"]
    opt_a.step()
    assert to_numpy(opt_b.state[b]["momentum_buffer"]).tolist() == [1.0, 1.0]


def test_load_state_dict_casts_to_the_parameter_dtype():
    a = cygrad.ones(2, dtype=cygrad.float64, requires_grad=True)
    opt_a = optim.Adam([a], lr=0.1)
    a.grad = cygrad.ones(2, dtype=cygrad.float64)
    opt_a.step()
    b = cygrad.ones(2, requires_grad=True)
    opt_b = optim.Adam([b], lr=0.1)
    opt_b.load_state_dict(opt_a.state_dict())
    assert opt_b.state[b]["exp_avg"].dtype is cygrad.float32
    assert opt_b.state[b]["step"] == 1.0


def test_load_state_dict_accepts_a_tensor_step():
    a = cygrad.ones(2, requires_grad=True)
    opt = optim.Adam([a], lr=0.1)
    sd = {"state": {0: {"step": cygrad.tensor(4.0), "exp_avg": cygrad.zeros(2),
                        "exp_avg_sq": cygrad.zeros(2)}},
          "param_groups": [dict(opt.state_dict()["param_groups"][0])]}
    opt.load_state_dict(sd)
    assert opt.state[a]["step"] == 4.0 and isinstance(opt.state[a]["step"], float)
    a.grad = cygrad.ones(2)
    opt.step()
    assert opt.state[a]["step"] == 5.0


def test_load_state_dict_errors():
    a = cygrad.ones(2, requires_grad=True)
    b = cygrad.ones(2, requires_grad=True)
    sd = optim.SGD([a, b]).state_dict()
    with pytest.raises(ValueError, match="^loaded state dict has a different number of "
                                         "parameter groups$"):
        optim.SGD([{"params": [a]}, {"params": [b]}]).load_state_dict(sd)
    with pytest.raises(ValueError, match="^loaded state dict contains a parameter group that "
                                         "doesn't match the size of optimizer's group$"):
        optim.SGD([a]).load_state_dict(sd)


def test_state_dict_with_several_groups():
    a, b, c = (cygrad.ones(2, requires_grad=True) for _ in range(3))
    opt = optim.SGD([{"params": [a, b]}, {"params": [c], "lr": 0.5}], lr=0.1, momentum=0.5)
    for p in (a, c):
        p.grad = cygrad.ones(2)
    opt.step()
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert sorted(sd["state"]) == [0, 2]
    assert sd["param_groups"][1]["lr"] == 0.5
    a2, b2, c2 = (cygrad.ones(2, requires_grad=True) for _ in range(3))
    opt2 = optim.SGD([{"params": [a2, b2]}, {"params": [c2]}], lr=0.1, momentum=0.5)
    opt2.load_state_dict(sd)
    assert opt2.param_groups[1]["lr"] == 0.5
    assert set(opt2.state) == {a2, c2}


# ============================================================================ PyTorch parity
PARITY = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.05, momentum=0.9, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.5, nesterov=True, weight_decay=0.01, maximize=True)),
    ("SGD", dict(lr=0.05, weight_decay=0.1, maximize=True)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.05)),
    ("Adam", dict(lr=0.05, amsgrad=True)),
    ("Adam", dict(lr=0.05, weight_decay=0.1)),
    ("Adam", dict(lr=0.05, weight_decay=0.1, amsgrad=True, maximize=True)),
    ("Adam", dict(lr=0.05, betas=(0.3, 0.9), eps=1e-6)),
    ("Adam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict()),
    ("AdamW", dict(lr=0.05, weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.05, maximize=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(momentum=0.9)),
    ("RMSprop", dict(centered=True)),
    ("RMSprop", dict(centered=True, momentum=0.5, weight_decay=0.1)),
    ("RMSprop", dict(alpha=0.3, centered=True, maximize=True)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.1, initial_accumulator_value=0.5)),
    ("Adagrad", dict(maximize=True, eps=1e-6)),
]
PARITY_IDS = [f"{n}-{','.join(f'{k}={v}' for k, v in kw.items()) or 'defaults'}"
              for n, kw in PARITY]
# float32: PyTorch's CPU kernels fuse a*b+c (FMA) in add(alpha=), lerp_ and addcmul_; cygrad
# rounds the product first, so values can differ by an ulp per operation.
TOL = {cygrad.float32: dict(rtol=2e-6, atol=2e-6), cygrad.float64: dict(rtol=1e-12, atol=1e-13)}


def _torch_twins(torch, cy_params):
    return [torch.from_numpy(np.array(to_numpy(p.detach()), copy=True)).requires_grad_()
            for p in cy_params]


def _compare_params(cy_params, t_params, tol, what):
    for i, (c, t) in enumerate(zip(cy_params, t_params)):
        np.testing.assert_allclose(to_numpy(c.detach()), t.detach().numpy(), **tol,
                                   err_msg=f"{what}, parameter {i}")


def _compare_state(opt, topt, cy_params, t_params, tol):
    for i, (c, t) in enumerate(zip(cy_params, t_params)):
        cs, ts = opt.state.get(c, {}), topt.state.get(t, {})
        assert sorted(cs) == sorted(ts), f"parameter {i}: state keys differ"
        for key, tv in ts.items():
            cv = cs[key]
            if key == "step":
                assert cv == tv.item()
            else:
                np.testing.assert_allclose(to_numpy(cv), tv.numpy(), **tol,
                                           err_msg=f"state {key!r} of parameter {i}")


def _compare_groups(opt, topt):
    """The parameter groups (hyper-parameters and their defaults) equal PyTorch's."""
    cg, tg = opt.state_dict()["param_groups"], topt.state_dict()["param_groups"]
    assert len(cg) == len(tg)
    for c, t in zip(cg, tg):
        assert c == t


@pytest.mark.parametrize("dtype", FLOATS, ids=DT_IDS)
@pytest.mark.parametrize("name, kw", PARITY, ids=PARITY_IDS)
def test_torch_parity_training(name, kw, dtype):
    """Five steps on ((W @ (v * x) + c) ** 2).sum(); each library computes its gradients."""
    torch = pytest.importorskip("torch")
    params = leaves(init_values(seed=3, dtype=dtype))
    t_params = _torch_twins(torch, params)
    x = from_np(X.astype(NP_DT[dtype]))
    tx = torch.from_numpy(X.astype(NP_DT[dtype]))
    opt = getattr(optim, name)(params, foreach=False, **kw)
    topt = getattr(torch.optim, name)(t_params, foreach=False, **kw)
    _compare_groups(opt, topt)
    for k in range(5):
        loss = cy_step(opt, params, x)
        topt.zero_grad()
        tloss = loss_of(torch, t_params, tx)
        tloss.backward()
        topt.step()
        np.testing.assert_allclose(loss.item(), tloss.item(), **TOL[dtype])
        _compare_params(params, t_params, TOL[dtype], f"step {k + 1}")
    _compare_state(opt, topt, params, t_params, TOL[dtype])


@pytest.mark.parametrize("dtype", FLOATS, ids=DT_IDS)
@pytest.mark.parametrize("name, kw", PARITY, ids=PARITY_IDS)
def test_torch_parity_same_gradients(name, kw, dtype):
    """Ten steps with identical random gradients injected in both libraries (so only the
    optimizer arithmetic is compared); one parameter sometimes has no gradient."""
    torch = pytest.importorskip("torch")
    np_dt = NP_DT[dtype]
    params = leaves(init_values(seed=5, dtype=dtype))
    t_params = _torch_twins(torch, params)
    opt = getattr(optim, name)(params, foreach=False, **kw)
    topt = getattr(torch.optim, name)(t_params, foreach=False, **kw)
    rng = np.random.default_rng(11)
    tol = {cygrad.float32: dict(rtol=5e-6, atol=5e-6),
           cygrad.float64: dict(rtol=1e-12, atol=1e-13)}[dtype]
    for k in range(10):
        for i, (c, t) in enumerate(zip(params, t_params)):
            if i == 2 and k % 3 == 1:
                c.grad = t.grad = None
                continue
            g = rng.standard_normal(SHAPES[i]).astype(np_dt)
            c.grad = from_np(g)
            t.grad = torch.from_numpy(g.copy())
        opt.step()
        topt.step()
        _compare_params(params, t_params, tol, f"step {k + 1}")
    _compare_state(opt, topt, params, t_params, tol)


@pytest.mark.parametrize("name, kw", [("SGD", dict(lr=0.1, momentum=0.9)),
                                      ("Adam", dict(lr=0.1, amsgrad=True)),
                                      ("RMSprop", dict(momentum=0.5, centered=True)),
                                      ("Adagrad", dict(lr=0.1))], ids=lambda v: str(v))
def test_torch_parity_groups_and_state_dict(name, kw):
    """Two groups with different learning rates, then a state_dict handed to a new optimizer
    in both libraries; the state_dict layouts agree."""
    torch = pytest.importorskip("torch")
    params = leaves(init_values(seed=7))
    t_params = _torch_twins(torch, params)
    groups = lambda ps: [{"params": ps[:2]}, {"params": ps[2:], "lr": 0.01}]  # noqa: E731
    opt = getattr(optim, name)(groups(params), foreach=False, **kw)
    topt = getattr(torch.optim, name)(groups(t_params), foreach=False, **kw)
    _compare_groups(opt, topt)
    x, tx = from_np(X), torch.from_numpy(X.copy())
    tol = TOL[cygrad.float64]

    def both_steps(opt, topt, params, t_params):
        cy_step(opt, params, x)
        topt.zero_grad()
        loss_of(torch, t_params, tx).backward()
        topt.step()

    for _ in range(2):
        both_steps(opt, topt, params, t_params)
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert sorted(sd["state"]) == sorted(tsd["state"])
    for k in tsd["state"]:
        assert sorted(sd["state"][k]) == sorted(tsd["state"][k])
    params2 = leaves(arrays(params))
    t_params2 = _torch_twins(torch, params2)
    opt2 = getattr(optim, name)(groups(params2), foreach=False, lr=1.0)
    topt2 = getattr(torch.optim, name)(groups(t_params2), foreach=False, lr=1.0)
    opt2.load_state_dict(sd)
    topt2.load_state_dict(tsd)
    for _ in range(2):
        both_steps(opt2, topt2, params2, t_params2)
    _compare_params(params2, t_params2, tol, "after load_state_dict")
    _compare_state(opt2, topt2, params2, t_params2, tol)


def test_torch_parity_error_messages():
    torch = pytest.importorskip("torch")
    for name, cls, kw in [(n, getattr(optim, n), k) for c, k, _ in VALIDATION
                          for n in [c.__name__]]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(ValueError) as ours:
                cls([cygrad.zeros(2, requires_grad=True)], **kw)
            with pytest.raises(ValueError) as theirs:
                getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kw)
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(TypeError) as theirs:
        torch.optim.SGD(torch.zeros(2))
    with pytest.raises(TypeError) as ours:
        optim.SGD(cygrad.zeros(2))
    assert str(ours.value) == str(theirs.value).replace("torch.", "cygrad.")
