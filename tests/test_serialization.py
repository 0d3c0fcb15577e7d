"""``cygrad.save`` / ``cygrad.load`` (``cygrad.serialization``): round trips of tensors and
nested state dicts, the documented archive layout, and the refusal of corrupt, truncated,
foreign and pickle-bearing files (without unpickling anything)."""
import io
import pickle
import json
import math
import os
import pathlib
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import cygrad
from conftest import ALL_DTYPES, check, make_layout, np_dtype, sample
from cygrad.serialization import FORMAT_VERSION, MANIFEST, load, save


def roundtrip(obj, **load_kw):
    buf = io.BytesIO()
    save(obj, buf)
    buf.seek(0)
    return load(buf, **load_kw)


def saved_bytes(obj):
    buf = io.BytesIO()
    save(obj, buf)
    return buf.getvalue()


def entries(data):
    """The archive's entries: {name: bytes}."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def make_zip(members):
    """A zip archive (bytes) with the given {name: bytes} entries."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, payload in members.items():
            z.writestr(name, payload)
    return buf.getvalue()


def npy_bytes(arr, allow_pickle=False):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr, allow_pickle=allow_pickle)
    return buf.getvalue()


def manifest_of(data):
    return json.loads(entries(data)[MANIFEST])


def with_manifest(data, change):
    """``data`` with its manifest replaced by ``change(manifest_dict)``."""
    members = entries(data)
    m = json.loads(members[MANIFEST])
    members[MANIFEST] = json.dumps(change(m) or m).encode()
    return make_zip(members)


def load_bytes(data):
    return load(io.BytesIO(data))


def same_tensor(a, b):
    assert isinstance(a, cygrad.Tensor) and isinstance(b, cygrad.Tensor)
    assert a.dtype is b.dtype and tuple(a.shape) == tuple(b.shape)
    assert a.tolist() == b.tolist() or (a.numel() and np.array_equal(
        np.asarray(a.tolist()), np.asarray(b.tolist()), equal_nan=True))


# ----------------------------------------------------------------------------- tensors
@pytest.mark.parametrize("shape", [(), (0,), (3, 0), (5,), (2, 3, 4)], ids=str)
def test_roundtrip_every_dtype(any_dtype, shape):
    a = sample(shape, any_dtype, seed=1)
    t = cygrad.from_numpy(np.array(a))      # (a 0-d sample is a NumPy scalar)
    out = roundtrip(t)
    assert isinstance(out, cygrad.Tensor)
    check(out, a)
    assert not out.requires_grad and out.is_contiguous()


def test_float_specials_roundtrip():
    t = cygrad.tensor([0.0, -0.0, float("inf"), float("-inf"), float("nan"), 1e-45, 3.4e38])
    out = roundtrip(t)
    a, b = t.numpy(), out.numpy()
    assert np.array_equal(a, b, equal_nan=True)
    assert np.array_equal(np.signbit(a), np.signbit(b))


def test_views_are_saved_as_their_elements(layout):
    a = sample((4, 6), cygrad.float64, seed=2)
    t = make_layout(a, layout)
    out = roundtrip(t)
    check(out, a)
    assert out.is_contiguous()


def test_view_saves_only_viewed_elements():
    big = cygrad.zeros(1000, 100)
    rows = big[10:12]                 # contiguous view into a 400 kB storage
    col = big[:, 3]                   # strided view
    data = saved_bytes({"rows": rows, "col": col})
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sizes = {i.filename: i.file_size for i in z.infolist()}
    assert sizes["t0.npy"] < 2 * 100 * 4 + 200
    assert sizes["t1.npy"] < 1000 * 4 + 200
    out = load_bytes(data)
    assert tuple(out["rows"].shape) == (2, 100) and tuple(out["col"].shape) == (1000,)


def test_negative_strides_and_transposes():
    base = np.arange(24, dtype=np.int32).reshape(4, 6)
    t = cygrad.from_numpy(base[::-1, ::-2])
    check(roundtrip(t), base[::-1, ::-2])
    check(roundtrip(cygrad.from_numpy(base).t()), base.T)


def test_loaded_tensors_are_independent_writable_and_detached():
    w = cygrad.ones(3, requires_grad=True)
    src = cygrad.arange(4.0)
    out = roundtrip({"w": w, "src": src})
    assert not out["w"].requires_grad and out["w"].grad_fn is None
    out["src"][0] = 42.0                 # writable
    assert src[0].item() == 0.0          # no memory shared with what was saved
    src[1] = -1.0
    assert out["src"][1].item() == 1.0


def test_same_tensor_saved_once_and_loaded_once():
    t = cygrad.randn(3, 3)
    data = saved_bytes({"a": t, "b": [t, t], "c": t.t()})
    names = sorted(n for n in entries(data) if n.endswith(".npy"))
    assert names == ["t0.npy", "t1.npy"]          # t once, its transpose view separately
    out = load_bytes(data)
    assert out["a"] is out["b"][0] is out["b"][1]
    assert out["c"] is not out["a"]
    check(out["c"], t.numpy().T)


# ----------------------------------------------------------------------------- object trees
def test_nested_containers_and_scalars():
    obj = {
        "list": [1, 2.5, "x", None, True, False, [[], ()]],
        "tuple": (1, (2, (3,)), []),
        "nested": {"a": {"b": {"c": cygrad.tensor([1, 2])}}},
        "big": 2 ** 100,
        "neg": -7,
        "floats": [1.0, -0.0, 1e300, float("inf"), float("-inf")],
        "unicode": "héllo \u2603 \ud83d",
        "empty": {},
        "size": cygrad.Size([2, 3]),
        "dtypes": [cygrad.float32, cygrad.int64, cygrad.bool],
    }
    out = roundtrip(obj)
    assert list(out) == list(obj)
    assert out["list"] == obj["list"]
    assert type(out["list"][6][1]) is tuple and out["tuple"] == obj["tuple"]
    assert type(out["tuple"]) is tuple and type(out["tuple"][2]) is list
    assert out["nested"]["a"]["b"]["c"].tolist() == [1, 2]
    assert out["big"] == 2 ** 100 and out["neg"] == -7
    assert type(out["list"][0]) is int and type(out["list"][1]) is float
    assert type(out["list"][4]) is bool
    assert out["floats"] == obj["floats"]
    assert math.copysign(1, out["floats"][1]) == -1
    assert type(out["floats"][0]) is float
    assert out["unicode"] == obj["unicode"]
    assert out["empty"] == {}
    assert type(out["size"]) is cygrad.Size and out["size"] == cygrad.Size([2, 3])
    assert out["dtypes"] == [cygrad.float32, cygrad.int64, cygrad.bool]
    assert math.isnan(roundtrip(float("nan")))


@pytest.mark.parametrize("obj", [None, 3, 2.5, "s", True, [], (), {}, cygrad.Size([])],
                         ids=repr)
def test_plain_roots(obj):
    out = roundtrip(obj)
    assert out == obj and type(out) is type(obj)


def test_dict_keys_keep_their_types_and_order():
    obj = {0: "int", "0": "str", 1.5: "float", None: "none", True: "bool", (1, "a"): "tuple",
           -3: "neg", (2, (3.0, None)): "nested tuple"}
    out = roundtrip(obj)
    assert list(out.items()) == list(obj.items())
    assert [type(k) for k in out] == [type(k) for k in obj]


def test_ordered_dict_is_kept():
    sd = OrderedDict([("layer.weight", cygrad.randn(4, 3)), ("layer.bias", cygrad.zeros(4)),
                      ("bn.num_batches_tracked", cygrad.tensor(7))])
    out = roundtrip(sd)
    assert type(out) is OrderedDict and list(out) == list(sd)
    for k in sd:
        same_tensor(out[k], sd[k])
    assert type(roundtrip({"a": 1})) is dict


def test_optimizer_state_dict():
    p0, p1 = cygrad.randn(3, 2), cygrad.randn(2)
    sd = {
        "state": {
            0: {"step": cygrad.tensor(5.0), "exp_avg": cygrad.randn(3, 2),
                "exp_avg_sq": cygrad.rand(3, 2)},
            1: {"step": 5, "exp_avg": cygrad.randn(2), "exp_avg_sq": cygrad.rand(2)},
        },
        "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-08, "weight_decay": 0,
                          "amsgrad": False, "maximize": False, "foreach": None,
                          "params": [0, 1]}],
    }
    out = roundtrip(sd)
    assert list(out["state"]) == [0, 1] and all(type(k) is int for k in out["state"])
    for i in (0, 1):
        for k, v in sd["state"][i].items():
            if isinstance(v, cygrad.Tensor):
                same_tensor(out["state"][i][k], v)
            else:
                assert out["state"][i][k] == v and type(out["state"][i][k]) is type(v)
    g = out["param_groups"][0]
    assert g == sd["param_groups"][0]
    assert type(g["betas"]) is tuple and type(g["weight_decay"]) is int
    assert g["foreach"] is None and g["params"] == [0, 1]
    del p0, p1


def test_numpy_scalars_become_python_numbers():
    out = roundtrip({"i": np.int64(3), "f": np.float32(0.5), "b": np.bool_(True)})
    assert out == {"i": 3, "f": 0.5, "b": True}
    assert type(out["i"]) is int and type(out["f"]) is float and type(out["b"]) is bool


# ----------------------------------------------------------------------------- the archive layout
def test_archive_layout_is_the_documented_one():
    t = cygrad.tensor([[1.0, 2.0]])
    data = saved_bytes({"w": t, "step": 3, "betas": (0.9, 0.999)})
    names = set(entries(data))
    assert names == {MANIFEST, "t0.npy"}
    m = manifest_of(data)
    assert m["format"] == "cygrad" and m["version"] == FORMAT_VERSION == 1
    assert m["writer"].startswith("cygrad ")
    assert m["root"] == {"$type": "dict", "items": [
        ["w", {"$type": "tensor", "key": "t0", "dtype": "float32", "shape": [1, 2]}],
        ["step", 3],
        ["betas", {"$type": "tuple", "items": [0.9, 0.999]}]]}
    # NumPy reads the arrays without pickle
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        arr = npz["t0"]
    assert arr.dtype == np.float32 and arr.tolist() == [[1.0, 2.0]]
    assert arr.flags.c_contiguous
    # the manifest is strict JSON (no NaN literals)
    raw = entries(saved_bytes([float("nan")]))[MANIFEST].decode()
    assert "NaN" not in raw and '"$type":"float"' in raw


@pytest.mark.parametrize("dt", ALL_DTYPES, ids=lambda d: repr(d).split(".")[1])
def test_entries_have_the_tensor_dtype(dt):
    data = saved_bytes(cygrad.zeros(2, dtype=dt))
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        assert npz["t0"].dtype == np_dtype(dt)
    assert manifest_of(data)["root"]["dtype"] == repr(dt).split(".")[1]


# ----------------------------------------------------------------------------- files
def test_paths_and_file_objects(tmp_path):
    obj = {"x": cygrad.arange(5), "y": [1.5]}
    p = tmp_path / "state.pt"
    save(obj, str(p))
    assert p.exists() and not (tmp_path / "state.pt.npz").exists()   # no suffix added
    out = load(str(p))
    assert out["x"].tolist() == [0, 1, 2, 3, 4] and out["y"] == [1.5]
    p2 = tmp_path / "other.bin"
    save(obj, p2)                                  # os.PathLike
    assert load(pathlib.Path(p2))["y"] == [1.5]
    assert load(os.fsencode(str(p2)))["y"] == [1.5]   # bytes path
    with open(tmp_path / "f.pt", "wb") as fh:
        save(obj, fh)
    with open(tmp_path / "f.pt", "rb") as fh:
        assert load(fh)["x"].tolist() == [0, 1, 2, 3, 4]


def test_bytesio_at_an_offset_and_non_seekable_stream():
    buf = io.BytesIO()
    save([cygrad.ones(2)], buf)
    assert buf.tell() == len(buf.getvalue())
    buf.seek(0)
    assert load(buf)[0].tolist() == [1.0, 1.0]

    class Stream(io.RawIOBase):
        def __init__(self, data):
            self._b = io.BytesIO(data)

        def readable(self):
            return True

        def seekable(self):
            return False

        def readinto(self, b):
            chunk = self._b.read(len(b))
            b[:len(chunk)] = chunk
            return len(chunk)

    assert load(Stream(buf.getvalue()))[0].tolist() == [1.0, 1.0]


def test_large_tensor(tmp_path):
    t = cygrad.randn(1000, 1000)
    save(t, tmp_path / "big.pt")
    out = load(tmp_path / "big.pt")
    assert bool((out == t).all())


def test_load_keywords():
    data = saved_bytes({"a": 1})
    for kw in ({"map_location": "cpu"}, {"map_location": cygrad.device("cpu")},
               {"map_location": lambda storage, loc: storage}, {"map_location": {"cpu": "cpu"}},
               {"weights_only": True}, {"weights_only": False}, {"weights_only": None},
               {"mmap": False}, {"encoding": "latin1"}, {"pickle_module": None}):
        assert load_bytes(data) == load(io.BytesIO(data), **kw) == {"a": 1}
    with pytest.raises(RuntimeError, match="only the 'cpu' device"):
        load(io.BytesIO(data), map_location="cuda:0")
    with pytest.raises(RuntimeError, match="only the 'cpu' device"):
        load(io.BytesIO(data), map_location={"cpu": "cuda"})
    with pytest.raises(TypeError, match="weights_only"):
        load(io.BytesIO(data), weights_only="yes")
    with pytest.raises(NotImplementedError, match="mmap"):
        load(io.BytesIO(data), mmap=True)


def test_save_keywords_for_torch_compatibility():
    buf = io.BytesIO()
    save({"a": 1}, buf, _use_new_zipfile_serialization=True)
    buf.seek(0)
    assert load(buf) == {"a": 1}


# ----------------------------------------------------------------------------- save errors
class FakeModule:
    def state_dict(self):
        return {}


Point = __import__("collections").namedtuple("Point", "x y")


@pytest.mark.parametrize("obj, global_name", [
    ({"a": {1, 2}}, None),
    ([1, np.arange(3)], "numpy"),
    ({"m": FakeModule()}, "test_serialization.FakeModule"),
    ({"p": Point(1, 2)}, "test_serialization.Point"),
])
def test_other_objects_are_pickled_and_load_only_with_weights_only_false(tmp_path, obj,
                                                                          global_name):
    p = tmp_path / "x.pt"
    save(obj, p)
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed") as e:
        load(p)
    if global_name is not None:
        assert f"Unsupported global: GLOBAL {global_name}" in str(e.value)
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        load(p, weights_only=True)
    got = load(p, weights_only=False)
    if isinstance(obj, dict) and "m" in obj:
        assert isinstance(got["m"], FakeModule)
    elif isinstance(obj, list):
        assert got[0] == 1 and np.array_equal(got[1], obj[1])
    else:
        assert got == obj


def test_a_whole_module_round_trips_with_weights_only_false(tmp_path):
    import cygrad.nn as nn

    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    x = cygrad.randn(2, 3)
    p = tmp_path / "model.pt"
    save({"model": model, "step": 5, "w": cygrad.ones(2)}, p)
    ckpt = load(p, weights_only=False)
    assert ckpt["step"] == 5 and ckpt["w"].tolist() == [1.0, 1.0]
    assert isinstance(ckpt["model"][0].weight, nn.Parameter)
    assert ckpt["model"](x).tolist() == model(x).tolist()
    with pytest.raises(pickle.UnpicklingError,
                       match="GLOBAL cygrad.nn.modules.container.Sequential"):
        load(p)


@pytest.mark.parametrize("bad, match", [
    ({frozenset(): 1}, "dict key of type frozenset"),
    ({(1, frozenset()): 1}, "dict key of type frozenset"),
    (lambda: 0, "cannot be pickled"),
    ({"p": __import__("collections").namedtuple("P", "x")(1)}, "cannot be pickled"),
])
def test_save_refuses_what_cannot_be_saved(tmp_path, bad, match):
    p = tmp_path / "x.pt"
    with pytest.raises(TypeError, match=match):
        save(bad, p)
    assert not p.exists()                        # nothing is written


def test_save_refuses_cycles_and_bad_targets():
    loop = []
    loop.append(loop)
    with pytest.raises(ValueError, match="self-referencing"):
        save(loop, io.BytesIO())
    d = {}
    d["self"] = d
    with pytest.raises(ValueError, match="self-referencing"):
        save(d, io.BytesIO())
    shared = [1]
    out = roundtrip([shared, shared])            # shared (acyclic) containers are fine
    assert out == [[1], [1]]
    with pytest.raises(TypeError, match="path or a binary file object"):
        save({"a": 1}, 123)
    with pytest.raises(TypeError, match="path or a binary file object"):
        load(123)


# ----------------------------------------------------------------------------- load errors
def test_garbage_and_empty_files(tmp_path):
    with pytest.raises(RuntimeError, match=r"<BytesIO> is not a cygrad archive \(it is not a "
                                           r"zip file\)"):
        load_bytes(b"hello world, not an archive")
    with pytest.raises(RuntimeError, match=r"not a cygrad archive \(it is empty\)"):
        load_bytes(b"")
    p = tmp_path / "junk.pt"
    p.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(RuntimeError, match=r"junk\.pt' is not a cygrad archive"):
        load(p)
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.pt")


def test_text_mode_file_is_refused(tmp_path):
    p = tmp_path / "s.pt"
    save({"a": 1}, p)
    with open(p, encoding="latin1") as fh:
        with pytest.raises(TypeError, match="binary mode"):
            load(fh)


def test_plain_npy_and_npz_files():
    buf = io.BytesIO()
    np.save(buf, np.arange(3))
    with pytest.raises(RuntimeError, match="single NumPy .npy array"):
        load_bytes(buf.getvalue())
    buf = io.BytesIO()
    np.savez(buf, a=np.arange(3))
    with pytest.raises(RuntimeError, match=r"not a cygrad archive \(missing entry "
                                           r"'manifest.json'\)"):
        load_bytes(buf.getvalue())


def test_truncated_files():
    data = saved_bytes({"w": cygrad.randn(50, 20), "b": cygrad.zeros(20), "step": 1})
    for cut in (len(data) - 1, len(data) - 22, len(data) - 100, len(data) // 2, 200, 30, 4):
        with pytest.raises(RuntimeError, match="truncated"):
            load_bytes(data[:cut])
    with pytest.raises(RuntimeError, match="not a cygrad archive"):
        load_bytes(data[:3])


def test_corrupt_bytes():
    t = cygrad.arange(1000, dtype=cygrad.float64)
    data = bytearray(saved_bytes({"t": t}))
    # flip bytes inside the tensor data: the zip's CRC check catches it
    pos = data.rfind(np.float64(500).tobytes())
    data[pos:pos + 8] = b"\xff" * 8
    with pytest.raises(RuntimeError, match=r"corrupt or truncated: cannot read entry 't0.npy'"):
        load_bytes(bytes(data))
    # bytes flipped all over the place never give anything but a clean RuntimeError
    rng = np.random.default_rng(0)
    good = saved_bytes({"t": cygrad.arange(10), "s": "x", 0: (1.5, None)})
    failures = 0
    for _ in range(1500):
        bad = bytearray(good)
        for i in rng.integers(0, len(bad), size=int(rng.integers(1, 4))):
            bad[i] ^= int(rng.integers(1, 256))
        try:
            load_bytes(bytes(bad))
        except RuntimeError as exc:
            assert type(exc) is RuntimeError, repr(exc)
            assert str(exc).startswith("cygrad.load: <BytesIO>"), repr(exc)
            failures += 1
    assert failures > 1000


def test_manifest_problems():
    data = saved_bytes({"w": cygrad.ones(2)})
    members = entries(data)

    def fails(new_members, match):
        with pytest.raises(RuntimeError, match=match):
            load_bytes(make_zip(new_members))

    fails({**members, MANIFEST: b"{not json"}, r"'manifest.json' is not valid JSON")
    fails({**members, MANIFEST: b"\xff\xfe"}, "not valid JSON")
    fails({**members, MANIFEST: b"[1, 2]"}, "does not describe a cygrad object")
    fails({**members, MANIFEST: b'{"format": "other", "version": 1, "root": null}'},
          "not a cygrad archive")
    fails({**members, MANIFEST: b'{"format": "cygrad", "version": 1, "root": NaN}'},
          "not valid JSON")
    fails({MANIFEST: members[MANIFEST]}, r"missing entry 't0.npy'")
    fails({**members, "t0.npy": b"raw bytes, not npy"}, "is not a .npy array")
    fails({**members, "t0.npy": npy_bytes(np.zeros(3, np.float32))},
          r"holds dtype float32 and shape \[3\], the manifest says dtype float32 and shape \[2\]")
    fails({**members, "t0.npy": npy_bytes(np.zeros(2, np.int64))}, "the manifest says dtype")
    fails({**members, "t0.npy": npy_bytes(np.zeros(2, np.uint8))},
          "NumPy dtype uint8, which cygrad does not support")
    fails({**members, "t0.npy": npy_bytes(np.zeros(2, np.float32))[:-3]}, "truncated")

    def set_root(root):
        return lambda m: {**m, "root": root}

    for root, match in [
        ({"$type": "mystery"}, "unknown node type 'mystery'"),
        ({"$type": "tuple"}, "without an 'items' list"),
        ({"$type": "dict", "items": [[1]]}, r"not a \[key, value\] pair"),
        ({"$type": "dict", "items": [[[1], 2]]}, "a list used as a dict key"),
        ({"$type": "dict", "items": [[{"$type": "dict", "items": []}, 2]]},
         "'dict' node used as a dict key"),
        ({"$type": "float", "value": "big"}, "bad float value"),
        ({"$type": "Size", "items": [-1]}, "Size with entries"),
        ({"$type": "dtype", "name": "complex64"}, "unknown dtype 'complex64'"),
        ({"$type": "tensor", "key": "t0", "dtype": "float16", "shape": [2]}, "tensor node"),
        ({"$type": "tensor", "key": "t0", "dtype": "float32"}, "tensor node"),
        ({"$type": "tensor", "key": "t9", "dtype": "float32", "shape": [2]},
         r"missing entry 't9.npy' \(the tensor at root\)"),
    ]:
        with pytest.raises(RuntimeError, match=match):
            load_bytes(with_manifest(data, set_root(root)))


def test_deeply_nested_manifest():
    data = saved_bytes(0)
    members = entries(data)
    members[MANIFEST] = (b'{"format": "cygrad", "version": 1, "root": ' + b"[" * 100000 +
                         b"]" * 100000 + b"}")
    with pytest.raises(RuntimeError, match="corrupt"):
        load_bytes(make_zip(members))


def test_versions():
    data = saved_bytes({"a": 1})
    with pytest.raises(RuntimeError, match=r"format version 2, written by a newer cygrad"):
        load_bytes(with_manifest(data, lambda m: {**m, "version": 2}))
    for bad in (0, "1", None, 1.0):
        with pytest.raises(RuntimeError, match="bad format version"):
            load_bytes(with_manifest(data, lambda m, bad=bad: {**m, "version": bad}))


# pickle payload whose unpickling would be noticed
UNPICKLED = []


def _unpickle_hook():
    UNPICKLED.append(True)
    return 0


class Trap:
    def __reduce__(self):
        return (_unpickle_hook, ())


def test_object_arrays_are_refused_without_unpickling():
    obj_arr = np.array([Trap(), Trap()], dtype=object)
    payload = npy_bytes(obj_arr, allow_pickle=True)
    # sanity check of the trap itself: unpickling it is noticed
    np.lib.format.read_array(io.BytesIO(payload), allow_pickle=True)
    assert UNPICKLED == [True, True]
    UNPICKLED.clear()

    data = saved_bytes({"w": cygrad.ones(2)})
    members = entries(data)
    members["t0.npy"] = payload
    with pytest.raises(RuntimeError, match=r"entry 't0.npy' holds pickled Python objects \(an "
                                           r"object array\)"):
        load_bytes(make_zip(members))
    # an .npz archive (np.savez) holding an object array and no manifest
    buf = io.BytesIO()
    np.savez(buf, evil=obj_arr)
    with pytest.raises(RuntimeError, match="missing entry 'manifest.json'"):
        load_bytes(buf.getvalue())
    # the same with a manifest pointing at it
    members = {MANIFEST: json.dumps({"format": "cygrad", "version": 1, "root": {
        "$type": "tensor", "key": "evil", "dtype": "float32", "shape": [2]}}).encode(),
        "evil.npy": payload}
    with pytest.raises(RuntimeError, match="object array"):
        load_bytes(make_zip(members))
    assert UNPICKLED == []


def test_torch_saved_files_are_refused():
    torch = pytest.importorskip("torch")
    buf = io.BytesIO()
    torch.save({"w": torch.ones(2)}, buf)
    with pytest.raises(RuntimeError, match=r"not a cygrad archive \(it was written by "
                                           r"torch.save"):
        load_bytes(buf.getvalue())
    buf = io.BytesIO()
    torch.save({"w": torch.ones(2)}, buf, _use_new_zipfile_serialization=False)
    with pytest.raises(RuntimeError, match="it is a Python pickle"):
        load_bytes(buf.getvalue())


def test_state_dict_values_match_torch_round_trip(tmp_path):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    arrays = {"w": rng.standard_normal((3, 4)).astype(np.float32),
              "i": rng.integers(0, 9, (5,)), "m": rng.random(4) < 0.5}
    save({k: cygrad.from_numpy(v) for k, v in arrays.items()}, tmp_path / "c.pt")
    torch.save({k: torch.from_numpy(v) for k, v in arrays.items()}, tmp_path / "t.pt")
    ours = load(tmp_path / "c.pt")
    theirs = torch.load(tmp_path / "t.pt", weights_only=True)
    for k in arrays:
        assert ours[k].tolist() == theirs[k].tolist()
        assert tuple(ours[k].shape) == tuple(theirs[k].shape)
        assert repr(ours[k].dtype).split(".")[1] == str(theirs[k].dtype).split(".")[1]


@pytest.mark.skipif(not hasattr(cygrad, "save"), reason="cygrad.save is not exported yet")
def test_top_level_names():
    assert cygrad.save is save and cygrad.load is load


# ------------------------------------------------------------------------ crafted manifests
def _shared_tensor_archive(change_second):
    t = cygrad.arange(6.0).reshape(2, 3)
    data = saved_bytes({"a": t, "b": t})

    def edit(m):
        items = m["root"]["items"]
        change_second(items[1][1])
        return m
    return with_manifest(data, edit)


@pytest.mark.parametrize("change", [
    lambda node: node.update(dtype="float64"), lambda node: node.update(shape=[3, 2]),
    lambda node: node.update(shape=[6]),
])
def test_shared_entry_described_twice_differently_is_corrupt(change):
    data = _shared_tensor_archive(change)
    with pytest.raises(RuntimeError, match="is corrupt: entry .* is described as dtype"):
        load(io.BytesIO(data))


def test_shared_entry_described_twice_alike_loads_shared():
    data = _shared_tensor_archive(lambda node: None)
    out = load(io.BytesIO(data))
    assert out["a"] is out["b"] and out["a"].tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]


def test_load_from_a_text_mode_file(tmp_path):
    path = tmp_path / "ckpt.pt"
    save({"w": cygrad.ones(3)}, str(path))
    with open(path) as f:              # text mode
        with pytest.raises(TypeError, match="must be opened in binary mode"):
            load(f)
    with open(path, "rb") as f:
        assert load(f)["w"].tolist() == [1.0, 1.0, 1.0]
