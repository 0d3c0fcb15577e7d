"""``cygrad.amp`` / ``cygrad.cuda.amp``: GradScaler against PyTorch's CPU scaler, the
disabled identity, and autocast's refusals."""
import inspect
import warnings

import numpy as np
import pytest

import cygrad
from cygrad import nn, optim


def _model():
    cygrad.manual_seed(0)
    return nn.Linear(3, 2)


def test_disabled_scaler_is_the_identity():
    m = _model()
    opt = optim.SGD(m.parameters(), lr=0.1)
    scaler = cygrad.cuda.amp.GradScaler(enabled=False)
    loss = m(cygrad.ones(4, 3)).sum()
    assert scaler.scale(loss) is loss
    loss.backward()
    g = m.weight.grad.clone()
    scaler.unscale_(opt)
    assert (m.weight.grad == g).all()
    before = m.weight.detach().clone()
    scaler.step(opt)
    scaler.update()
    assert np.allclose(m.weight.detach().numpy(), (before - 0.1 * g).numpy())
    assert scaler.get_scale() == 1.0 and not scaler.is_enabled() and scaler.state_dict() == {}


def test_cuda_scaler_disables_itself_with_a_warning():
    with pytest.warns(UserWarning, match="CUDA is not available"):
        s = cygrad.cuda.amp.GradScaler()
    assert not s.is_enabled()
    with pytest.warns(UserWarning, match="CUDA is not available"):
        assert not cygrad.amp.GradScaler("cuda").is_enabled()


def test_enabled_cpu_scaler_matches_torch():
    torch = pytest.importorskip("torch")
    m = _model()
    tm = torch.nn.Linear(3, 2)
    tm.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                        for k, v in m.state_dict().items()})
    opt = optim.SGD(m.parameters(), lr=0.1)
    topt = torch.optim.SGD(tm.parameters(), lr=0.1)
    s = cygrad.amp.GradScaler("cpu", init_scale=8.0, growth_interval=2)
    ts = torch.amp.GradScaler("cpu", init_scale=8.0, growth_interval=2)
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    for step in range(6):
        xs = x * (1e38 if step == 3 else 1.0)          # step 3 overflows: skipped, backoff
        loss = m(cygrad.tensor(xs)).pow(2).sum()
        tloss = tm(torch.tensor(xs)).pow(2).sum()
        opt.zero_grad()
        topt.zero_grad()
        assert np.isclose(s.scale(loss).item(), ts.scale(tloss).item(), rtol=1e-6) or \
            step == 3
        s.scale(loss).backward()
        ts.scale(tloss).backward()
        s.step(opt)
        ts.step(topt)
        s.update()
        ts.update()
        assert s.get_scale() == ts.get_scale(), step
        # float32 rounding differs between the two libraries' kernels (on AVX-512 an
        # entry that cancels to 3e-4 differed by 6e-9): a few ulps of the largest weight
        tw = tm.weight.detach().numpy()
        np.testing.assert_allclose(m.weight.detach().numpy(), tw, rtol=1e-5,
                                   atol=4 * np.finfo(np.float32).eps * np.abs(tw).max())
    assert s.state_dict() == {k: v for k, v in ts.state_dict().items()}


def test_unscale_twice_is_an_error_and_state_round_trips():
    m = _model()
    opt = optim.SGD(m.parameters(), lr=0.1)
    s = cygrad.amp.GradScaler("cpu", init_scale=4.0)
    s.scale(m(cygrad.ones(1, 3)).sum()).backward()
    s.unscale_(opt)
    with pytest.raises(RuntimeError, match="already been called"):
        s.unscale_(opt)
    s.step(opt)
    s.update()
    s2 = cygrad.amp.GradScaler("cpu")
    s2.load_state_dict(s.state_dict())
    assert s2.get_scale() == 4.0 and s2.state_dict() == s.state_dict()
    with pytest.raises(RuntimeError, match="state dict is empty"):
        s2.load_state_dict({})
    assert s.scale([cygrad.tensor(1.0), (cygrad.tensor(2.0),)])[1][0].item() == 8.0


def test_autocast():
    with cygrad.autocast("cpu", enabled=False):
        y = cygrad.ones(2) * 2
    assert y.dtype is cygrad.float32
    with pytest.raises(RuntimeError, match="no float16 or bfloat16"):
        cygrad.autocast("cpu")
    with pytest.warns(UserWarning, match="Disabling"):
        with cygrad.amp.autocast("cuda"):
            pass
    with pytest.warns(UserWarning, match="target dtype is not supported"):
        cygrad.autocast("cpu", dtype=cygrad.float32)
    with pytest.raises(RuntimeError, match="unsupported autocast device_type"):
        cygrad.autocast("tpu")
    with warnings.catch_warnings():
        warnings.simplefilter("error")

        @cygrad.autocast("cpu", enabled=False)
        def f(x):
            return x + 1
        assert f(cygrad.tensor(1.0)).item() == 2.0


def test_adamw_signature_shows_fused():
    # nanoGPT: 'fused' in inspect.signature(torch.optim.AdamW).parameters
    assert "fused" in inspect.signature(optim.AdamW).parameters
