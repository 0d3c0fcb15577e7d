"""cygrad.optim.lr_scheduler: LambdaLR, StepLR, ExponentialLR and CosineAnnealingLR.

Learning rates over 20 epochs against closed-form formulas (no PyTorch needed) and against
torch.optim.lr_scheduler (the same floats), state_dict round trips, resuming with
``last_epoch``, and PyTorch's warnings.
"""
import math
import pickle
import warnings

import pytest

import cygrad
from cygrad import optim
from cygrad.optim import lr_scheduler

EPOCHS = 20


def make_opt(lib, lrs=(0.1,), cls="SGD", **kw):
    """An optimizer over one parameter per learning rate, one group each."""
    groups = [{"params": [lib.zeros(2, requires_grad=True)], "lr": lr} for lr in lrs]
    return getattr(lib.optim, cls)(groups, lr=lrs[0], **kw)


class _Cy:
    """``cygrad`` with ``.optim`` bound (the package does not import it by itself)."""
    zeros = staticmethod(cygrad.zeros)
    optim = optim


def run(lib, make_sched, lrs=(0.1,), epochs=EPOCHS):
    """The learning rates of every epoch, read with get_last_lr() and from the groups, in the
    documented loop order: optimizer.step(), then scheduler.step()."""
    opt = make_opt(lib, lrs)
    sched = make_sched(lib.optim.lr_scheduler, opt)
    history = []
    for _ in range(epochs):
        opt.step()
        last = sched.get_last_lr()
        assert last == [g["lr"] for g in opt.param_groups]
        history.append(list(last))
        sched.step()
    return history


SCHEDULES = {
    "StepLR": (lambda m, o: m.StepLR(o, step_size=3),
               lambda base, e: base * 0.1 ** (e // 3)),
    "StepLR-gamma": (lambda m, o: m.StepLR(o, step_size=4, gamma=0.5),
                     lambda base, e: base * 0.5 ** (e // 4)),
    "ExponentialLR": (lambda m, o: m.ExponentialLR(o, gamma=0.9),
                      lambda base, e: base * 0.9 ** e),
    "CosineAnnealingLR": (lambda m, o: m.CosineAnnealingLR(o, T_max=EPOCHS),
                          lambda base, e: base * (1 + math.cos(math.pi * e / EPOCHS)) / 2),
    "CosineAnnealingLR-short": (  # passes T_max and goes back up
        lambda m, o: m.CosineAnnealingLR(o, T_max=7, eta_min=0.01),
        lambda base, e: 0.01 + (base - 0.01) * (1 + math.cos(math.pi * e / 7)) / 2),
    "LambdaLR": (lambda m, o: m.LambdaLR(o, lambda e: 1.0 / (1 + e)),
                 lambda base, e: base * (1.0 / (1 + e))),
    "LambdaLR-list": (lambda m, o: m.LambdaLR(o, [lambda e: 0.95 ** e, lambda e: e // 5 + 1]),
                      None),
}
CASES = [(name, lrs) for name in SCHEDULES for lrs in [(0.1,), (0.1, 0.025)]
         if not (name == "LambdaLR-list" and len(lrs) == 1)]


@pytest.mark.parametrize("name, lrs", CASES, ids=[f"{n}-{len(l)}groups" for n, l in CASES])
def test_closed_form(name, lrs):
    make, formula = SCHEDULES[name]
    history = run(_Cy, make, lrs)
    for epoch, got in enumerate(history):
        if formula is None:
            expected = [lrs[0] * 0.95 ** epoch, lrs[1] * (epoch // 5 + 1)]
        else:
            expected = [formula(base, epoch) for base in lrs]
        for g, e in zip(got, expected):
            assert math.isclose(g, e, rel_tol=1e-12, abs_tol=1e-15), (epoch, got, expected)


@pytest.mark.parametrize("name, lrs", CASES, ids=[f"{n}-{len(l)}groups" for n, l in CASES])
def test_torch_parity(name, lrs):
    torch = pytest.importorskip("torch")
    make, _ = SCHEDULES[name]
    assert run(_Cy, make, lrs) == run(torch, make, lrs)          # exactly the same floats


@pytest.mark.parametrize("name", ["StepLR", "ExponentialLR", "CosineAnnealingLR-short",
                                  "LambdaLR"])
def test_torch_parity_epoch_argument(name):
    """The deprecated step(epoch) uses the closed form, with PyTorch's warning."""
    torch = pytest.importorskip("torch")
    make, _ = SCHEDULES[name]
    out = []
    for lib in (_Cy, torch):
        opt = make_opt(lib)
        sched = make(lib.optim.lr_scheduler, opt)
        opt.step()
        lrs = []
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            for epoch in (5, 2, 11):
                sched.step(epoch)
                lrs.append(sched.get_last_lr()[0])
        assert any("epoch parameter in `scheduler.step()`" in str(x.message) for x in w)
        out.append(lrs)
    assert out[0] == out[1]


def test_initial_lr_base_lrs_last_epoch():
    opt = make_opt(_Cy, (0.1, 0.2))
    sched = lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.2]
    assert sched.base_lrs == [0.1, 0.2]
    assert sched.last_epoch == 0
    assert sched.get_last_lr() == [0.1, 0.2]
    assert sched.optimizer is opt
    assert isinstance(sched, lr_scheduler.LRScheduler)
    for _ in range(3):
        opt.step()
        sched.step()
    assert sched.last_epoch == 3
    assert sched.get_last_lr() == [0.05, 0.1]
    # the returned list is a copy
    sched.get_last_lr()[0] = 7.0
    assert opt.param_groups[0]["lr"] == 0.05


def test_the_schedule_sets_the_lr_the_optimizer_uses():
    w = cygrad.zeros(1, requires_grad=True)
    opt = optim.SGD([w], lr=1.0)
    sched = lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    for _ in range(3):
        w.grad = cygrad.ones(1)
        opt.step()
        sched.step()
    assert w.item() == -(1.0 + 0.5 + 0.25)


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_state_dict_round_trip(name):
    make, _ = SCHEDULES[name]
    lrs = (0.1, 0.025) if name == "LambdaLR-list" else (0.1,)
    opt = make_opt(_Cy, lrs, cls="Adam")
    sched = make(lr_scheduler, opt)
    for _ in range(7):
        opt.step()
        sched.step()
    sd_sched = sched.state_dict()
    assert "optimizer" not in sd_sched
    assert sd_sched["last_epoch"] == 7 and sd_sched["base_lrs"] == list(lrs)
    if name.startswith("LambdaLR"):
        assert sd_sched["lr_lambdas"] == [None] * len(lrs)     # plain functions are not saved
    sd_sched = pickle.loads(pickle.dumps(sd_sched))
    sd_opt = opt.state_dict()

    # resume: new optimizer and scheduler, load both (scheduler created first, as documented)
    opt2 = make_opt(_Cy, [0.5] * len(lrs), cls="Adam")
    sched2 = make(lr_scheduler, opt2)
    opt2.load_state_dict(sd_opt)
    sched2.load_state_dict(sd_sched)
    assert sched2.get_last_lr() == sched.get_last_lr()
    for _ in range(10):
        opt.step()
        sched.step()
        opt2.step()
        sched2.step()
        assert sched2.get_last_lr() == sched.get_last_lr()
        assert [g["lr"] for g in opt2.param_groups] == [g["lr"] for g in opt.param_groups]


def test_resume_with_last_epoch():
    opt = make_opt(_Cy, (1.0,))
    with pytest.raises(KeyError, match="param 'initial_lr' is not specified in param_groups"):
        lr_scheduler.StepLR(opt, step_size=2, last_epoch=3)
    opt.param_groups[0]["initial_lr"] = 1.0
    opt.param_groups[0]["lr"] = 0.25
    sched = lr_scheduler.ExponentialLR(opt, gamma=0.5, last_epoch=4)
    assert sched.last_epoch == 5 and sched.get_last_lr() == [0.25]   # unchanged by the init
    opt.step()
    sched.step()
    assert sched.get_last_lr() == [0.125]


def test_torch_parity_resume_cosine():
    torch = pytest.importorskip("torch")
    out = []
    for lib in (_Cy, torch):
        opt = make_opt(lib, (0.3,))
        opt.param_groups[0]["initial_lr"] = 0.5
        sched = lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10, last_epoch=3)
        lrs = []
        for _ in range(8):
            opt.step()
            sched.step()
            lrs.append(sched.get_last_lr()[0])
        out.append(lrs)
    assert out[0] == out[1]


def test_lambda_lr_callable_objects_are_saved():
    class Factor:
        def __init__(self, k):
            self.k = k

        def __call__(self, epoch):
            return self.k ** epoch

    opt = make_opt(_Cy, (1.0,))
    sched = lr_scheduler.LambdaLR(opt, Factor(0.5))
    sd = sched.state_dict()
    assert sd["lr_lambdas"] == [{"k": 0.5}]
    opt2 = make_opt(_Cy, (1.0,))
    sched2 = lr_scheduler.LambdaLR(opt2, Factor(0.9))
    sched2.load_state_dict(sd)
    assert sched2.lr_lambdas[0].k == 0.5
    assert "lr_lambdas" in sd                    # the caller's dict is left intact


def test_errors():
    with pytest.raises(TypeError, match="^list is not an Optimizer$"):
        lr_scheduler.StepLR([], step_size=1)
    opt = make_opt(_Cy, (0.1, 0.2))
    with pytest.raises(ValueError, match="^Expected 2 lr_lambdas, but got 1$"):
        lr_scheduler.LambdaLR(opt, [lambda e: 1.0])
    with pytest.raises(NotImplementedError):
        lr_scheduler.LRScheduler(opt)


def test_warns_if_scheduler_steps_before_optimizer():
    opt = make_opt(_Cy)
    sched = lr_scheduler.StepLR(opt, step_size=1)
    with pytest.warns(UserWarning, match=r"Detected call of `lr_scheduler.step\(\)` before "
                                         r"`optimizer.step\(\)`"):
        sched.step()

    opt = make_opt(_Cy)
    sched = lr_scheduler.StepLR(opt, step_size=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            opt.step()
            sched.step()
    # a second scheduler does not wrap the already wrapped step again
    sched2 = lr_scheduler.ExponentialLR(opt, gamma=0.9)
    assert opt.step._wrapped_by_lr_sched
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
        sched2.step()


def test_warns_if_optimizer_step_is_replaced():
    opt = make_opt(_Cy)
    sched = lr_scheduler.StepLR(opt, step_size=1)
    opt.step = lambda closure=None: None
    with pytest.warns(UserWarning, match="has been overridden after learning rate scheduler"):
        sched.step()


def test_get_lr_outside_step_warns():
    opt = make_opt(_Cy)
    sched = lr_scheduler.StepLR(opt, step_size=1)
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        sched.get_lr()


def test_tensor_lr_is_filled_in_place():
    w = cygrad.zeros(1, requires_grad=True)
    lr = cygrad.tensor(1.0, dtype=cygrad.float64)
    opt = optim.SGD([w], lr=lr)
    sched = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    opt.step()
    sched.step()
    assert opt.param_groups[0]["lr"] is lr and lr.item() == 0.5
    last = sched.get_last_lr()[0]
    assert last is not lr and last.item() == 0.5
