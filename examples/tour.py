"""A tour of cygrad tensors and broadcasting, in the order a newcomer meets them.

Run it with ``python examples/tour.py``. Every line is what the same code does in PyTorch
(``import cygrad as torch``), and the script checks its own results against NumPy.
"""
import numpy as np

import cygrad as torch


def section(title):
    print(f"\n== {title} " + "=" * (60 - len(title)))


section("Tensors: data, dtype, shape")
a = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
b = torch.tensor([[2.0, 3.0], [4.0, 5.0]])
print("a =", a)
print("a.dtype:", a.dtype, " a.shape:", a.shape, " a.stride():", a.stride())
print("ints infer int64:", torch.tensor([1, 2, 3]).dtype)

section("Elementwise ops and reductions")
c = a + b
print("c = a + b =", c)
print("c.sum() =", c.sum(), " c.sum(dim=0) =", c.sum(dim=0), " c.mean(dim=1) =", c.mean(dim=1))
z = a * b + b ** 2
print("z = a * b + b ** 2 =", z)
assert np.allclose(z.numpy(), a.numpy() * b.numpy() + b.numpy() ** 2)

section("Views share memory")
x = torch.arange(12).reshape(3, 4)
col = x[:, 1]
print("x =", x)
print("x[:, 1] is a view with stride", col.stride(), "and offset", col.storage_offset())
col.fill_(-1)
print("after x[:, 1].fill_(-1):", x)
print("x.T.is_contiguous():", x.T.is_contiguous(), " x.T.contiguous().is_contiguous():",
      x.T.contiguous().is_contiguous())

section("Broadcasting: a neuron layer's bias")
inputs = torch.tensor([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])       # (3, 2): 3 samples
weights = torch.tensor([[1.0, 2.0, 3.0, 4.0], [0.5, 0.5, 0.5, 0.5]])  # (2, 4): 4 neurons
bias = torch.tensor([1.0, 2.0, 3.0, 4.0])                         # (4,)
# (3, 2, 1) * (2, 4) broadcasts to (3, 2, 4); summing dim 1 is the matrix product
out = (inputs.unsqueeze(2) * weights).sum(dim=1) + bias          # (3, 4) + (4,) -> (3, 4)
print("bias.expand(3, 4) has strides", bias.expand(3, 4).stride(), "(stride 0 repeats a row)")
print("inputs @ weights + bias =", out)
assert np.allclose(out.numpy(), inputs.numpy() @ weights.numpy() + bias.numpy())
try:
    torch.ones(3, 3) + torch.ones(4)
except RuntimeError as e:
    print("mismatched shapes raise:", e)

section("Type promotion")
i = torch.tensor([1, 2, 3])
print("int64 + 2.5 ->", (i + 2.5).dtype, "  int64 / 2 ->", (i / 2).dtype,
      "  int64 // 2 ->", (i // 2).dtype)

section("Indexing: basic indices are views, advanced ones copy")
m = torch.arange(10.0)
print("m[m > 5] =", m[m > 5], "  m[[0, 2, 4]] =", m[[0, 2, 4]])
m[m > 7] = 0
print("after m[m > 7] = 0:", m)

section("NumPy interop is zero-copy")
arr = np.zeros(3, dtype=np.float32)
t = torch.from_numpy(arr)
t += 1
print("numpy array after t += 1:", arr)
print("t.numpy() shares memory:", np.shares_memory(t.numpy(), arr))

section("Threads")
print("kernels use", torch.get_num_threads(), "threads on large inputs")
print("\nTour complete.")
