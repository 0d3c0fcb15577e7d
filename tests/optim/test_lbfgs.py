"""optim.LBFGS: convergence on smooth problems and step-by-step agreement with torch."""
import numpy as np
import pytest

import cygrad
import cygrad.nn as nn
from cygrad import optim
from conftest import from_np, to_numpy


def _rosenbrock(xy):
    return (1 - xy[0]) ** 2 + 100 * (xy[1] - xy[0] ** 2) ** 2


@pytest.mark.parametrize("line_search", [None, "strong_wolfe"])
def test_lbfgs_minimises_rosenbrock(line_search):
    xy = cygrad.tensor([-1.5, 2.0], dtype=cygrad.float64, requires_grad=True)
    opt = optim.LBFGS([xy], lr=1 if line_search else 0.1, max_iter=200,
                      line_search_fn=line_search, history_size=10)

    def closure():
        opt.zero_grad()
        loss = _rosenbrock(xy)
        loss.backward()
        return loss

    for _ in range(5 if line_search else 30):
        opt.step(closure)
    tol = 1e-4 if line_search else 1e-2      # it stops when the loss changes < 1e-9
    np.testing.assert_allclose(xy.tolist(), [1.0, 1.0], atol=tol)
    st = opt.state[xy]
    assert st["func_evals"] > 0 and st["n_iter"] > 0 and len(st["old_dirs"]) <= 10


def test_lbfgs_errors():
    w = cygrad.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="Invalid learning rate"):
        optim.LBFGS([w], lr=-1)
    with pytest.raises(ValueError, match="line_search_fn must be None or 'strong_wolfe'"):
        optim.LBFGS([w], line_search_fn="armijo")
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        optim.LBFGS([{"params": [w]}, {"params": [cygrad.zeros(1, requires_grad=True)]}])
    with pytest.raises(RuntimeError, match="requires a closure"):
        optim.LBFGS([w]).step(None)


@pytest.mark.parametrize("line_search", [None, "strong_wolfe"])
def test_lbfgs_matches_torch_on_a_regression(line_search):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 5))
    y = X @ rng.standard_normal((5, 1)) + 0.1 * rng.standard_normal((64, 1))
    model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 1)).double()
    tmodel = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(),
                                 torch.nn.Linear(8, 1)).double()
    tmodel.load_state_dict({k: torch.from_numpy(to_numpy(v).copy())
                            for k, v in model.state_dict().items()})
    opt = optim.LBFGS(model.parameters(), max_iter=15, history_size=5,
                      line_search_fn=line_search)
    topt = torch.optim.LBFGS(tmodel.parameters(), max_iter=15, history_size=5,
                             line_search_fn=line_search)
    cX, cy, tX, ty = from_np(X), from_np(y), torch.from_numpy(X), torch.from_numpy(y)

    def closure():
        opt.zero_grad()
        loss = ((model(cX) - cy) ** 2).mean()
        loss.backward()
        return loss

    def tclosure():
        topt.zero_grad()
        loss = ((tmodel(tX) - ty) ** 2).mean()
        loss.backward()
        return loss

    for _ in range(3):
        loss, tloss = opt.step(closure), topt.step(tclosure)
        assert abs(loss.item() - tloss.item()) <= 1e-8 * max(1.0, tloss.item())
    st, tst = opt.state[next(iter(model.parameters()))], \
        topt.state[next(iter(tmodel.parameters()))]
    assert st["func_evals"] == tst["func_evals"] and st["n_iter"] == tst["n_iter"]
    for (k, v), tv in zip(model.state_dict().items(), tmodel.state_dict().values()):
        np.testing.assert_allclose(to_numpy(v), tv.numpy(), rtol=1e-7, atol=1e-9)
