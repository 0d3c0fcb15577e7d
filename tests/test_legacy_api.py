"""PyTorch's legacy and device API: typed constructors, dtype names without kernels,
device descriptors, ``set_default_device`` and ``backends`` (tested against torch when it
is installed)."""
import numpy as np
import pytest

import cygrad
from conftest import check

LEGACY = [("FloatTensor", cygrad.float32), ("DoubleTensor", cygrad.float64),
          ("LongTensor", cygrad.int64), ("IntTensor", cygrad.int32),
          ("BoolTensor", cygrad.bool)]


@pytest.mark.parametrize("name,dt", LEGACY)
def test_legacy_constructors(name, dt):
    cls = getattr(cygrad, name)
    t = cls([1, 0, 2])
    assert t.dtype is dt
    check(t, np.array([1, 0, 2]).astype(cygrad.float32.to_numpy() if dt is cygrad.float32
                                        else dt.to_numpy()))
    assert cls(2, 3).shape == (2, 3) and cls(2, 3).dtype is dt
    assert cls(cygrad.Size([4])).shape == (4,)
    assert cls().shape == (0,)
    assert cls([[1, 2], [3, 4]]).shape == (2, 2)
    assert cls(cygrad.tensor([1.5, 2.5])).dtype is dt
    assert isinstance(cygrad.zeros(2, dtype=dt), cls)
    assert not isinstance(cygrad.zeros(2, dtype=cygrad.float64 if dt is not cygrad.float64
                                       else cygrad.float32), cls)
    assert not isinstance([1, 2], cls)
    with pytest.raises(RuntimeError, match="only the 'cpu' device"):
        cls([1], device="cuda")
    with pytest.raises(TypeError):
        cls([1], [2])


def test_legacy_constructors_against_torch():
    torch = pytest.importorskip("torch")
    for name, _ in LEGACY:
        ours, theirs = getattr(cygrad, name)([1, 2]), getattr(torch, name)([1, 2])
        assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
        assert ours.tolist() == theirs.tolist()
        assert tuple(getattr(cygrad, name)(2, 3).shape) == tuple(getattr(torch, name)(2, 3).shape)


def test_dtype_names_without_kernels():
    for name in ("float16", "bfloat16", "half", "uint8", "int8", "int16"):
        dt = getattr(cygrad, name)
        assert isinstance(dt, cygrad.dtype) and repr(dt).startswith("cygrad.")
        with pytest.raises(TypeError, match="is not supported"):
            cygrad.zeros(2, dtype=dt)
        with pytest.raises(TypeError, match="is not supported"):
            cygrad.ones(2).to(dt)
        with pytest.raises(TypeError, match="is not supported"):
            cygrad.tensor([1.0], dtype=dt)
        with pytest.raises(TypeError, match="is not supported"):
            cygrad.promote_types(dt, cygrad.float32)
    assert cygrad.half is cygrad.float16
    assert cygrad.float16.is_floating_point and cygrad.float16.itemsize == 2
    assert cygrad.ones(2).dtype != cygrad.float16
    with pytest.raises(TypeError, match="is not supported"):
        cygrad.set_default_dtype(cygrad.float16)
    assert cygrad.get_default_dtype() is cygrad.float32


def test_device_descriptors():
    d = cygrad.device("cuda:1")
    assert (d.type, d.index, str(d)) == ("cuda", 1, "cuda:1")
    assert repr(cygrad.device("mps")) == "device(type='mps')"
    assert cygrad.device("cuda") == "cuda" and cygrad.device("cuda") != "cpu"
    assert len({cygrad.device("cuda"), cygrad.device("cpu"), cygrad.device("cuda")}) == 2
    with pytest.raises(RuntimeError, match="only the 'cpu' device, got 'cuda:1'"):
        cygrad.ones(2, device=d)
    with pytest.raises(RuntimeError, match="only the 'cpu' device, got 'mps'"):
        cygrad.ones(2).to(cygrad.device("mps"))
    nn = pytest.importorskip("cygrad.nn")
    with pytest.raises(RuntimeError, match="only the 'cpu' device"):
        nn.Linear(2, 2).to(cygrad.device("cuda"))
    with pytest.raises(RuntimeError, match="Invalid device string"):
        cygrad.device("cuda:x")
    with pytest.raises(RuntimeError, match="Expected one of"):
        cygrad.device("tpu")


def test_device_descriptors_against_torch():
    torch = pytest.importorskip("torch")
    for s in ("cpu", "cuda", "cuda:0", "mps", "cpu:0"):
        assert repr(cygrad.device(s)) == repr(torch.device(s))
        assert str(cygrad.device(s)) == str(torch.device(s))


def test_default_device():
    cygrad.set_default_device("cpu")
    cygrad.set_default_device(None)
    cygrad.set_default_device(cygrad.device("cpu"))
    assert cygrad.get_default_device() == cygrad.device("cpu")
    with pytest.raises(RuntimeError, match="only the 'cpu' device, got 'cuda'"):
        cygrad.set_default_device("cuda")


def test_backends_match_a_cpu_torch_build():
    b = cygrad.backends
    assert b.cudnn.is_available() is False and b.cudnn.version() is None
    assert b.cudnn.enabled is True and b.cudnn.benchmark is False
    b.cudnn.benchmark = True                 # settable, as scripts do
    b.cudnn.benchmark = False
    assert b.cuda.matmul.allow_tf32 is False and b.cuda.is_built() is False
    assert b.mps.is_available() is False and b.mps.is_built() is False
    assert b.openmp.is_available() is False       # threads are our own pool
    torch = pytest.importorskip("torch")
    assert b.cudnn.enabled == torch.backends.cudnn.enabled
    assert b.cudnn.deterministic == torch.backends.cudnn.deterministic
    assert b.cuda.matmul.allow_tf32 == torch.backends.cuda.matmul.allow_tf32
    assert b.mps.is_available() == torch.backends.mps.is_available()
