"""The worked examples the autograd design started from, as tests (``import cygrad as torch``
style code), with PyTorch as the reference where it is installed."""
import numpy as np
import pytest

import cygrad
from agutil import _grad_mode_enabled, assert_close  # noqa: F401


def test_x_times_y_plus_y_squared():
    torch = cygrad
    x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = torch.tensor([[2.0, 3.0], [4.0, 5.0]], requires_grad=True)
    z = x * y + y ** 2
    z.sum().backward()
    assert x.grad.tolist() == y.tolist()                      # dz/dx = y
    assert y.grad.tolist() == (x + 2 * y).tolist()           # dz/dy = x + 2y
    assert x.grad.dtype is cygrad.float32 and y.grad.dtype is cygrad.float32
    assert z.grad_fn.name() == "AddBackward0"


def test_sum_of_sum_gives_ones():
    torch = cygrad
    a = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = torch.tensor([[5.0, 6.0], [7.0, 8.0]], requires_grad=True)
    (a + b).sum().backward()
    assert a.grad.tolist() == [[1.0, 1.0], [1.0, 1.0]]
    assert b.grad.tolist() == [[1.0, 1.0], [1.0, 1.0]]


def test_non_scalar_backward_needs_gradient():
    torch = cygrad
    a = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = torch.tensor([[5.0, 6.0], [7.0, 8.0]], requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar "
                                           "outputs"):
        (a + b).backward()


def test_integer_tensor_cannot_require_grad():
    torch = cygrad
    with pytest.raises(RuntimeError, match="Only Tensors of floating point and complex dtype "
                                           "can require gradients"):
        torch.tensor(42, requires_grad=True)
    with pytest.raises(RuntimeError, match="(?i)only Tensors of floating point"):
        torch.tensor(42).requires_grad_()
    with pytest.raises(RuntimeError, match="(?i)only Tensors of floating point"):
        torch.zeros(2, dtype=torch.int64, requires_grad=True)
    t = torch.tensor(42.0, requires_grad=True)       # floats are fine, 0-d too
    assert t.requires_grad and t.is_leaf


def test_vector_jacobian_product_add():
    torch = cygrad
    A = torch.tensor([[1.0], [2.0]], requires_grad=True)
    B = torch.tensor([[3.0], [4.0]], requires_grad=True)
    C = A + B
    v = torch.tensor([[0.5], [-2.0]])
    C.backward(v)
    assert A.grad.tolist() == v.tolist()
    assert B.grad.tolist() == v.tolist()


def test_vector_jacobian_product_mul():
    torch = cygrad
    A = torch.tensor([[1.0], [2.0]], requires_grad=True)
    B = torch.tensor([[3.0], [4.0]], requires_grad=True)
    C = A * B
    v = torch.tensor([[0.5], [-2.0]])
    C.backward(v)
    assert A.grad.tolist() == (v * B).tolist()      # [[1.5], [-8.0]]
    assert B.grad.tolist() == (v * A).tolist()      # [[0.5], [-4.0]]
    assert A.grad.tolist() == [[1.5], [-8.0]]


def test_requires_grad_propagation_and_is_leaf():
    torch = cygrad
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = torch.tensor([3.0, 4.0])
    c = torch.tensor([5.0, 6.0])
    assert a.is_leaf and b.is_leaf and c.is_leaf
    assert a.grad_fn is None and b.grad_fn is None
    ab = a * b
    bc = b * c
    assert ab.requires_grad and not ab.is_leaf and ab.grad_fn is not None
    assert not bc.requires_grad and bc.is_leaf and bc.grad_fn is None
    for out in (a + 1, -a, a.exp(), a.sum(), a[0], a.view(2, 1), torch.cat([a, b]),
                torch.stack([b, a]), torch.where(b > 3, a, c), b @ a):
        assert out.requires_grad and not out.is_leaf, out
    for out in (b + 1, -b, b.exp(), b.sum(), b[0], b.view(2, 1), torch.cat([b, c]),
                torch.where(b > 3, b, c), b @ c):
        assert not out.requires_grad and out.is_leaf, out
    # comparisons and integer results never require grad
    assert not (a > 1).requires_grad
    assert not a.argmax().requires_grad
    assert not a.max(0).indices.requires_grad


def _data(lib, n=32, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 3)).astype(np.float32)
    w_true = np.array([[2.0], [-3.4], [1.2]], dtype=np.float32)
    y = X @ w_true + 4.2 + 0.01 * rng.standard_normal((n, 1)).astype(np.float32)
    w0 = (0.01 * rng.standard_normal((3, 1))).astype(np.float32)
    return X, y.astype(np.float32), w0


def _train(torch, X, y, w0, steps=200, lr=0.05):
    """The seed's manual training loop, written for whichever library is ``torch``."""
    X = torch.tensor(X)
    y = torch.tensor(y)
    w = torch.tensor(w0, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    losses = []
    for _ in range(steps):
        y_hat = X @ w + b
        loss = ((y_hat - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
            w.grad.zero_()
            b.grad.zero_()
        losses.append(loss.item())
    return losses, w, b


def test_manual_training_loop_decreases_loss():
    X, y, w0 = _data(cygrad)
    losses, w, b = _train(cygrad, X, y, w0)
    assert len(losses) == 200
    assert losses[-1] < losses[0] * 1e-2
    assert all(l2 <= l1 * (1 + 1e-6) for l1, l2 in zip(losses, losses[1:]))
    assert w.is_leaf and w.requires_grad and w.dtype is cygrad.float32
    np.testing.assert_allclose(np.array(w.tolist()).ravel(), [2.0, -3.4, 1.2], atol=0.05)
    np.testing.assert_allclose(b.tolist(), [4.2], atol=0.05)


def test_manual_training_loop_matches_torch():
    torch = pytest.importorskip("torch")
    X, y, w0 = _data(cygrad, seed=1)
    cy_losses, cw, cb = _train(cygrad, X, y, w0)
    t_losses, tw, tb = _train(torch, X, y, w0)
    np.testing.assert_allclose(cy_losses, t_losses, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(cw.tolist(), tw.tolist(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(cb.tolist(), tb.tolist(), rtol=1e-5, atol=1e-5)


def test_seed_examples_match_torch():
    torch = pytest.importorskip("torch")
    for lib in (cygrad, torch):
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        y = lib.tensor([[2.0, 3.0], [4.0, 5.0]], requires_grad=True)
        (x * y + y ** 2).sum().backward()
        if lib is cygrad:
            cx, cy = x, y
        else:
            assert_close(cx.grad, x.grad)
            assert_close(cy.grad, y.grad)
