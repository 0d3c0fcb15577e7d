"""``cygrad.nn.Module`` semantics (registration, iteration, modes, gradients, dtype conversion,
state dicts, copies, containers, hooks), ``Parameter``, ``nn.init``, ``Dropout`` and the
error messages and edge cases of the layers and losses. No PyTorch needed."""
import copy
import math
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import cygrad
import cygrad.nn as nn
import cygrad.nn.functional as F

from .nnutil import as_leaf, to_numpy

F32, F64, I64 = cygrad.float32, cygrad.float64, cygrad.int64


def names(pairs):
    return [n for n, _ in pairs]


class TwoLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


# ---------------------------------------------------------------------------- registration
def test_assigning_parameters_modules_and_plain_attributes():
    m = nn.Module()
    m.w = nn.Parameter(cygrad.zeros(2))
    m.child = nn.Linear(2, 1)
    m.b = nn.Parameter(cygrad.ones(1))
    m.plain = cygrad.zeros(3)          # a plain tensor attribute: not registered
    m.number = 5
    assert names(m.named_parameters()) == ["w", "b", "child.weight", "child.bias"]
    assert list(m._parameters) == ["w", "b"]
    assert list(m._modules) == ["child"]
    assert names(m.named_buffers()) == []
    assert list(m.state_dict()) == ["w", "b", "child.weight", "child.bias"]
    assert m.number == 5 and tuple(m.plain.shape) == (3,)
    assert m.w is m._parameters["w"] and m.child is m._modules["child"]
    assert "w" not in m.__dict__ and "child" not in m.__dict__


def test_assigning_none_to_parameter_and_module_slots():
    fc = nn.Linear(3, 2)
    fc.bias = None
    assert fc.bias is None and "bias" in fc._parameters
    assert names(fc.named_parameters()) == ["weight"]
    assert list(fc.state_dict()) == ["weight"]
    assert fc(cygrad.ones(1, 3)).shape == (1, 2)
    fc.bias = nn.Parameter(cygrad.zeros(2))       # the slot takes a Parameter again
    assert names(fc.named_parameters()) == ["weight", "bias"]
    s = TwoLayer()
    s.act = None
    assert s.act is None and names(s.named_children()) == ["fc1", "fc2"]
    assert [n for n, _ in s.named_modules()] == ["", "fc1", "fc2"]


def test_plain_tensor_into_a_parameter_slot_is_a_type_error():
    fc = nn.Linear(3, 2)
    with pytest.raises(TypeError, match=r"cannot assign .* as parameter 'weight' "
                                        r"\(cygrad\.nn\.Parameter or None expected\)"):
        fc.weight = cygrad.zeros(2, 3)
    with pytest.raises(TypeError, match="parameter 'bias'"):
        fc.bias = 3.0
    assert isinstance(fc.weight, nn.Parameter)        # unchanged
    with pytest.raises(TypeError, match="cannot assign .* object to parameter 'q'"):
        fc.register_parameter("q", cygrad.zeros(1))


def test_non_module_into_a_module_slot_is_a_type_error():
    s = TwoLayer()
    with pytest.raises(TypeError, match="child module 'act'"):
        s.act = lambda x: x
    with pytest.raises(TypeError, match="is not a Module subclass"):
        s.add_module("other", 3)


def test_replacing_kinds_of_attribute():
    m = nn.Module()
    m.x = nn.Linear(1, 1)
    m.x = nn.Parameter(cygrad.zeros(1))           # a module slot becomes a parameter
    assert names(m.named_children()) == [] and names(m.named_parameters()) == ["x"]
    with pytest.raises(TypeError, match="as parameter 'x'"):   # not back (as PyTorch)
        m.x = nn.ReLU()
    del m.x
    m.x = nn.ReLU()
    assert names(m.named_children()) == ["x"] and names(m.named_parameters()) == []
    m.register_buffer("b", cygrad.zeros(1))
    m.b = nn.Parameter(cygrad.ones(2))            # a buffer becomes a parameter
    assert names(m.named_buffers()) == [] and names(m.named_parameters()) == ["b"]


def test_register_buffer_persistent_and_not():
    m = nn.Linear(2, 2)
    m.register_buffer("running", cygrad.zeros(2))
    m.register_buffer("scratch", cygrad.ones(2), persistent=False)
    assert names(m.named_buffers()) == ["running", "scratch"]
    assert list(m.state_dict()) == ["weight", "bias", "running"]
    assert m.scratch.tolist() == [1.0, 1.0]
    m.running = cygrad.full((2,), 5.0)            # a tensor replaces a buffer
    assert m.state_dict()["running"].tolist() == [5.0, 5.0]
    m.scratch = None                              # None keeps the slot
    assert names(m.named_buffers()) == ["running"] and m.scratch is None
    with pytest.raises(TypeError, match="buffer 'running'"):
        m.running = [1.0, 2.0]
    m.register_buffer("scratch", cygrad.zeros(1))     # re-registered as persistent
    assert list(m.state_dict()) == ["weight", "bias", "running", "scratch"]


def test_buffer_marker_class():
    m = nn.Module()
    m.kept = nn.Buffer(cygrad.ones(2))
    m.temp = nn.Buffer(cygrad.zeros(2), persistent=False)
    assert names(m.named_buffers()) == ["kept", "temp"]
    assert list(m.state_dict()) == ["kept"]
    assert type(m.kept) is cygrad.Tensor


def test_register_name_errors():
    m = nn.Linear(2, 2)
    with pytest.raises(KeyError, match="already exists"):
        m.register_buffer("weight", cygrad.zeros(1))
    with pytest.raises(KeyError, match=r'can.*t contain "\."'):
        m.register_buffer("a.b", cygrad.zeros(1))
    with pytest.raises(KeyError, match="empty string"):
        m.register_parameter("", nn.Parameter(cygrad.zeros(1)))
    with pytest.raises(TypeError, match="should be a string"):
        m.register_buffer(1, cygrad.zeros(1))
    with pytest.raises(TypeError, match="buffer 'q'"):
        m.register_buffer("q", [1.0])
    with pytest.raises(KeyError, match="already exists"):
        m.add_module("in_features", nn.ReLU())
    with pytest.raises(ValueError, match="non-leaf Tensor"):
        m.register_parameter("p", _non_leaf_parameter())


def _non_leaf_parameter():
    """A Parameter-typed tensor with history (what ``register_parameter`` rejects)."""
    p = nn.Parameter(cygrad.ones(2))
    q = p * 2
    q.__class__ = nn.Parameter
    return q


def test_deleting_attributes():
    fc = nn.Linear(2, 2)
    fc.register_buffer("b", cygrad.zeros(1), persistent=False)
    fc.child = nn.ReLU()
    fc.note = "x"
    del fc.bias
    del fc.b
    del fc.child
    del fc.note
    assert names(fc.named_parameters()) == ["weight"]
    assert names(fc.named_buffers()) == [] and names(fc.named_children()) == []
    assert "b" not in fc._non_persistent_buffers_set
    for attr in ["bias", "b", "child", "note"]:
        assert not hasattr(fc, attr)
    with pytest.raises(AttributeError):
        del fc.nothing


def test_missing_attribute_error():
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'nope'"):
        nn.Linear(1, 1).nope


def test_errors_before_init():
    class Early(nn.Module):
        def __init__(self, what):
            if what == "param":
                self.w = nn.Parameter(cygrad.zeros(1))
            elif what == "module":
                self.m = nn.ReLU()
            else:
                self.register_buffer("b", cygrad.zeros(1))
            super().__init__()

    with pytest.raises(AttributeError, match=r"cannot assign parameters before "
                                             r"Module\.__init__\(\) call"):
        Early("param")
    with pytest.raises(AttributeError, match=r"cannot assign module before "
                                             r"Module\.__init__\(\) call"):
        Early("module")
    with pytest.raises(AttributeError, match=r"before Module\.__init__\(\) call"):
        Early("buffer")


def test_module_without_forward_and_init_arguments():
    with pytest.raises(NotImplementedError, match='missing the required "forward" function'):
        nn.Module()(cygrad.ones(1))
    with pytest.raises(TypeError):
        nn.Module(3)


# ---------------------------------------------------------------------------- iteration
def test_shared_module_parameters_are_deduplicated():
    shared = nn.Linear(2, 2)
    s = nn.Sequential(shared, nn.ReLU(), shared, nn.Sequential(shared))
    assert names(s.named_parameters()) == ["0.weight", "0.bias"]
    assert len(list(s.parameters())) == 2
    assert names(s.named_parameters(remove_duplicate=False)) == [
        "0.weight", "0.bias", "2.weight", "2.bias", "3.0.weight", "3.0.bias"]
    assert names(s.named_modules()) == ["", "0", "1", "3"]
    assert names(s.named_children()) == ["0", "1", "3"]
    assert len(list(s.modules())) == 4
    # the state dict lists every path (as PyTorch's)
    assert list(s.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias", "3.0.weight",
                                    "3.0.bias"]


def test_shared_parameter_between_modules():
    a, b = nn.Linear(2, 2), nn.Linear(2, 2)
    b.weight = a.weight
    s = nn.Sequential(a, b)
    assert names(s.named_parameters()) == ["0.weight", "0.bias", "1.bias"]
    s(cygrad.ones(1, 2)).sum().backward()
    assert a.weight.grad is b.weight.grad is not None


def test_named_modules_order_and_prefix():
    net = nn.Sequential(OrderedDict(
        enc=nn.Sequential(nn.Linear(2, 3), nn.ReLU()),
        mid=TwoLayer(),
        dec=nn.ModuleList([nn.Linear(3, 3), nn.ModuleDict({"z": nn.Tanh(), "a": nn.ReLU()})]),
    ))
    assert names(net.named_modules()) == [
        "", "enc", "enc.0", "enc.1", "mid", "mid.fc1", "mid.act", "mid.fc2", "dec", "dec.0",
        "dec.1", "dec.1.z", "dec.1.a"]
    assert names(net.named_modules(prefix="net"))[:3] == ["net", "net.enc", "net.enc.0"]
    assert names(net.named_parameters(prefix="p"))[:2] == ["p.enc.0.weight", "p.enc.0.bias"]
    assert names(net.mid.named_parameters(recurse=False)) == []
    assert names(net.enc[0].named_parameters(recurse=False)) == ["weight", "bias"]
    assert [type(m).__name__ for m in net.children()] == ["Sequential", "TwoLayer",
                                                          "ModuleList"]
    assert net.get_submodule("dec.1.z").__class__ is nn.Tanh
    assert net.get_submodule("") is net
    assert net.get_parameter("mid.fc2.bias") is net.mid.fc2.bias
    with pytest.raises(AttributeError, match="has no attribute `nope`"):
        net.get_submodule("enc.nope")
    with pytest.raises(AttributeError):
        net.get_parameter("mid.fc2.nope")
    bn = nn.Sequential(nn.BatchNorm1d(2))
    assert bn.get_buffer("0.running_mean") is bn[0].running_mean


def test_dir_lists_registered_names():
    d = dir(TwoLayer())
    for name in ["fc1", "act", "fc2", "forward", "training", "parameters"]:
        assert name in d


# ---------------------------------------------------------------------------- modes and grads
def test_train_eval_propagation():
    net = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(), nn.BatchNorm1d(2)))
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    assert net.train() is net
    assert all(m.training for m in net.modules())
    net[1].eval()          # a sub-tree only
    assert [m.training for m in net.modules()] == [True, True, False, False, False]
    net.train(False)
    assert not any(m.training for m in net.modules())
    with pytest.raises(ValueError, match="boolean"):
        net.train("yes")


def test_eval_mode_changes_dropout_and_batchnorm_behaviour():
    net = nn.Sequential(nn.BatchNorm1d(3), nn.Dropout(0.5))
    x = cygrad.randn(16, 3) * 3 + 2
    net.eval()
    y = net(x)     # running stats are the initial 0 / 1: (x - 0) / sqrt(1 + eps)
    np.testing.assert_allclose(to_numpy(y), to_numpy(x) / math.sqrt(1 + 1e-5), rtol=1e-6)
    assert net[0].num_batches_tracked.item() == 0
    net.train()
    net(x)
    assert net[0].num_batches_tracked.item() == 1


def test_zero_grad():
    net = TwoLayer()
    net(cygrad.ones(2, 3)).sum().backward()
    grads = {n: p.grad for n, p in net.named_parameters()}
    assert all(g is not None for g in grads.values())
    net.zero_grad(set_to_none=False)
    for n, p in net.named_parameters():
        assert p.grad is grads[n]                    # zeroed in place
        assert not p.grad.abs().sum().item()
    net(cygrad.ones(2, 3)).sum().backward()           # accumulates into the zeroed tensors
    assert net.fc2.bias.grad.tolist() == [2.0, 2.0]
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.zero_grad(set_to_none=False)                  # no gradients: nothing to do
    assert all(p.grad is None for p in net.parameters())


def test_gradients_accumulate_without_zero_grad():
    fc = nn.Linear(2, 1)
    for _ in range(3):
        fc(cygrad.ones(1, 2)).sum().backward()
    assert fc.bias.grad.tolist() == [3.0]


def test_requires_grad_():
    net = TwoLayer()
    assert net.requires_grad_(False) is net
    assert not any(p.requires_grad for p in net.parameters())
    out = net(cygrad.ones(1, 3))
    assert not out.requires_grad
    net.fc2.requires_grad_()
    net(cygrad.ones(1, 3)).sum().backward()
    assert net.fc1.weight.grad is None and net.fc2.weight.grad is not None


def test_apply_order_and_init():
    seen = []
    net = nn.Sequential(nn.Linear(1, 1), nn.Sequential(nn.ReLU(), nn.Tanh()))
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen == ["Linear", "ReLU", "Tanh", "Sequential", "Sequential"]

    def init(m):
        if isinstance(m, nn.Linear):
            nn.init.constant_(m.weight, 0.5)
            nn.init.zeros_(m.bias)
    net = TwoLayer().apply(init)
    assert net.fc1.weight.tolist() == [[0.5] * 3] * 4
    assert net.fc2.bias.tolist() == [0.0, 0.0]
    assert net.fc1.weight.is_leaf and net.fc1.weight.requires_grad


# ---------------------------------------------------------------------------- dtype conversion
def test_to_float64_converts_parameters_and_buffers():
    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2, bias=False))
    net[0].bias.requires_grad_(False)
    before = {k: v.tolist() for k, v in net.state_dict().items()}
    assert net.to(F64) is net
    for n, p in net.named_parameters():
        assert type(p) is nn.Parameter, n
        assert p.dtype is F64 and p.is_leaf, n
        assert p.requires_grad == (n != "0.bias"), n
    assert net[1].running_mean.dtype is F64 and net[1].running_var.dtype is F64
    assert net[1].num_batches_tracked.dtype is I64         # integer buffers stay
    after = {k: v.tolist() for k, v in net.state_dict().items()}
    for k in before:
        np.testing.assert_allclose(after[k], before[k], rtol=1e-7)
    out = net(cygrad.randn(5, 3, dtype=F64))
    assert out.dtype is F64
    out.sum().backward()
    assert net[0].weight.grad.dtype is F64 and net[0].bias.grad is None
    net.float()
    assert all(p.dtype is F32 for p in net.parameters())
    assert net.double()[2].weight.dtype is F64


def test_to_converts_existing_gradients():
    fc = nn.Linear(2, 2)
    fc(cygrad.ones(1, 2)).sum().backward()
    fc.to(F64)
    assert fc.weight.grad.dtype is F64 and fc.weight.grad.tolist() == [[1.0, 1.0]] * 2


def test_to_argument_forms():
    assert nn.Linear(2, 2).to(dtype=F64).weight.dtype is F64
    assert nn.Linear(2, 2).to(cygrad.zeros(1, dtype=F64)).weight.dtype is F64
    assert nn.Linear(2, 2).to("cpu").weight.dtype is F32
    assert nn.Linear(2, 2).to("cpu", F64).weight.dtype is F64
    assert nn.Linear(2, 2).cpu().weight.dtype is F32
    with pytest.raises(TypeError, match="floating point"):
        nn.Linear(2, 2).to(I64)
    with pytest.raises(RuntimeError, match="cpu"):
        nn.Linear(2, 2).to("cuda")


LAYER_MAKERS = {
    "Linear": lambda **kw: nn.Linear(3, 2, **kw),
    "Conv2d": lambda **kw: nn.Conv2d(1, 2, 3, **kw),
    "Embedding": lambda **kw: nn.Embedding(4, 2, **kw),
    "LayerNorm": lambda **kw: nn.LayerNorm(3, **kw),
    "BatchNorm1d": lambda **kw: nn.BatchNorm1d(3, **kw),
    "Bilinear": lambda **kw: nn.Bilinear(2, 3, 4, **kw),
}


@pytest.mark.parametrize("name", list(LAYER_MAKERS))
def test_layer_dtype_argument_and_default_dtype(name):
    make = LAYER_MAKERS[name]

    def float_dtypes(m):
        return {v.dtype for v in m.state_dict().values() if v.is_floating_point()}
    assert float_dtypes(make()) == {F32}
    assert float_dtypes(make(dtype=F64, device="cpu")) == {F64}
    cygrad.set_default_dtype(F64)           # restored by the suite's autouse fixture
    assert float_dtypes(make()) == {F64}
    assert all(type(p) is nn.Parameter and p.requires_grad for p in make().parameters())


def test_to_keeps_parameter_objects():
    fc = nn.Linear(2, 2)
    w = fc.weight
    fc.double()
    assert fc.weight is w and w.dtype is F64


# ---------------------------------------------------------------------------- state dict
def test_state_dict_round_trip():
    cygrad.manual_seed(0)
    a = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(),
                      nn.Linear(8, 3))
    a(cygrad.randn(4, 1, 4, 4))                    # move the running statistics
    b = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(),
                      nn.Linear(8, 3))
    weight = b[0].weight
    result = b.load_state_dict(a.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    assert b[0].weight is weight                   # copied in place
    assert b[1].num_batches_tracked.item() == 1
    for (k, va), (_, vb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert va.tolist() == vb.tolist(), k
    a.eval()
    b.eval()
    x = cygrad.randn(2, 1, 4, 4)
    assert a(x).tolist() == b(x).tolist()


def test_state_dict_tensors_share_memory_and_are_detached():
    fc = nn.Linear(2, 2)
    sd = fc.state_dict()
    assert type(sd) is OrderedDict
    assert type(sd["weight"]) is cygrad.Tensor and not sd["weight"].requires_grad
    sd["weight"].fill_(3.0)
    assert fc.weight.tolist() == [[3.0, 3.0], [3.0, 3.0]]
    kept = fc.state_dict(keep_vars=True)
    assert kept["weight"] is fc.weight
    assert list(fc.state_dict(prefix="fc.")) == ["fc.weight", "fc.bias"]


def test_load_state_dict_casts_dtype_and_keeps_requires_grad():
    fc = nn.Linear(2, 2)
    fc.load_state_dict({"weight": cygrad.ones(2, 2, dtype=F64),
                        "bias": cygrad.zeros(2, dtype=F64)})
    assert fc.weight.dtype is F32 and fc.weight.requires_grad
    assert fc.weight.tolist() == [[1.0, 1.0], [1.0, 1.0]]


def test_load_state_dict_strict_errors():
    fc = nn.Linear(2, 2)
    with pytest.raises(RuntimeError, match=r'(?s)Error\(s\) in loading state_dict for Linear:'
                                           r'.*Missing key\(s\) in state_dict: "bias"'):
        fc.load_state_dict({"weight": cygrad.zeros(2, 2)})
    with pytest.raises(RuntimeError, match=r'Unexpected key\(s\) in state_dict: "extra"'):
        fc.load_state_dict({"weight": cygrad.zeros(2, 2), "bias": cygrad.zeros(2),
                            "extra": cygrad.zeros(1)})
    with pytest.raises(RuntimeError, match=r"size mismatch for weight: copying a param with "
                                           r"shape cygrad\.Size\(\[3, 2\]\) from checkpoint, "
                                           r"the shape in current model is "
                                           r"cygrad\.Size\(\[2, 2\]\)\."):
        fc.load_state_dict({"weight": cygrad.zeros(3, 2), "bias": cygrad.zeros(2)})
    with pytest.raises(RuntimeError, match="size mismatch"):   # even without strict
        fc.load_state_dict({"weight": cygrad.zeros(3, 2)}, strict=False)
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        fc.load_state_dict([("weight", cygrad.zeros(2, 2))])


def test_load_state_dict_non_strict_loads_what_matches():
    fc = nn.Linear(2, 2)
    fc.load_state_dict({"weight": cygrad.full((2, 2), 7.0), "junk": cygrad.zeros(1)},
                       strict=False)
    assert fc.weight.tolist() == [[7.0, 7.0], [7.0, 7.0]]


def test_load_state_dict_non_strict_returns_the_key_lists():
    net = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    sd = net.state_dict()
    del sd["0.bias"]
    del sd["1.running_var"]
    sd["2.weight"] = cygrad.zeros(1)
    sd["extra"] = cygrad.zeros(1)
    result = net.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["0.bias", "1.running_var"]
    assert result.unexpected_keys == ["2.weight", "extra"]
    assert result == (["0.bias", "1.running_var"], ["2.weight", "extra"])


def test_load_state_dict_assign():
    fc = nn.Linear(2, 2)
    new_w = cygrad.full((2, 2), 5.0)
    fc.load_state_dict({"weight": new_w, "bias": cygrad.zeros(2)}, assign=True)
    assert type(fc.weight) is nn.Parameter and fc.weight.requires_grad
    assert fc.weight.tolist() == [[5.0, 5.0], [5.0, 5.0]]


def test_batchnorm_loads_checkpoints_without_the_batch_counter():
    bn = nn.BatchNorm1d(2)
    sd = bn.state_dict()
    del sd["num_batches_tracked"]
    assert bn.load_state_dict(sd).missing_keys == []
    assert bn.num_batches_tracked.item() == 0


# ---------------------------------------------------------------------------- copies
def test_deepcopy_gives_an_independent_model():
    shared = nn.Linear(3, 3)
    net = nn.Sequential(shared, nn.BatchNorm1d(3), shared).eval()
    net[1].running_mean.fill_(0.25)
    dup = copy.deepcopy(net)
    assert dup[0] is dup[2] and dup[0] is not shared         # sharing preserved, not leaked
    assert not dup.training and not dup[1].training
    for (n, p), (_, q) in zip(net.named_parameters(), dup.named_parameters()):
        assert type(q) is nn.Parameter and q.requires_grad and q.is_leaf, n
        assert q is not p and q.tolist() == p.tolist()
    assert dup[1].running_mean.tolist() == [0.25] * 3
    x = cygrad.randn(2, 3)
    assert dup(x).tolist() == net(x).tolist()
    with cygrad.no_grad():
        dup[0].weight.fill_(0.0)
    dup[1].running_mean.fill_(1.0)
    assert shared.weight.abs().sum().item() > 0
    assert net[1].running_mean.tolist() == [0.25] * 3
    dup.train()
    dup(x).sum().backward()
    assert shared.weight.grad is None and dup[0].weight.grad is not None


def test_deepcopy_keeps_frozen_parameters_frozen():
    fc = nn.Linear(2, 2).requires_grad_(False)
    assert not copy.deepcopy(fc).weight.requires_grad
    p = nn.Parameter(cygrad.ones(2), requires_grad=False)
    q = copy.deepcopy(p)
    assert type(q) is nn.Parameter and not q.requires_grad and q is not p


def test_pickle_round_trip():
    net = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    back = pickle.loads(pickle.dumps(net))
    assert type(back[0].weight) is nn.Parameter and back[0].weight.requires_grad
    assert list(back.state_dict()) == list(net.state_dict())
    assert back[0].weight.tolist() == net[0].weight.tolist()


# ---------------------------------------------------------------------------- containers
def test_sequential_indexing_slicing_len():
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    s = nn.Sequential(a, b, c)
    assert len(s) == 3 and list(s) == [a, b, c]
    assert s[0] is a and s[-1] is c and s[-3] is a
    with pytest.raises(IndexError):
        s[3]
    with pytest.raises(IndexError):
        s[-4]
    sub = s[1:]
    assert type(sub) is nn.Sequential and list(sub) == [b, c]
    assert list(sub._modules) == ["1", "2"]          # PyTorch keeps the keys of a slice
    assert list(s[::2]) == [a, c]
    assert len(nn.Sequential()) == 0
    x = cygrad.ones(1, 2)
    assert nn.Sequential()(x) is x
    assert s(x).tolist() == c(b(a(x))).tolist()


def test_sequential_append_insert_extend():
    a, b = nn.Linear(2, 2), nn.ReLU()
    s = nn.Sequential(a)
    assert s.append(b) is s and list(s) == [a, b]
    t = nn.Tanh()
    s.insert(1, t)
    assert list(s) == [a, t, b] and list(s._modules) == ["0", "1", "2"]
    u = nn.Sigmoid()
    s.insert(-1, u)                                   # before the last, as list.insert
    assert list(s) == [a, t, u, b]
    v = nn.Identity()
    s.insert(len(s), v)
    assert list(s)[-1] is v
    with pytest.raises(IndexError):
        s.insert(10, nn.ReLU())
    s.extend([nn.ReLU(), nn.ReLU()])
    assert len(s) == 7 and list(s._modules) == [str(i) for i in range(7)]
    with pytest.raises(TypeError):
        s.append(3)


def test_sequential_del_and_setitem():
    mods = [nn.Linear(2, 2), nn.ReLU(), nn.Tanh(), nn.Sigmoid()]
    s = nn.Sequential(*mods)
    del s[1]
    assert list(s) == [mods[0], mods[2], mods[3]] and list(s._modules) == ["0", "1", "2"]
    del s[-1]
    assert list(s) == [mods[0], mods[2]]
    s[1] = nn.ELU()
    assert type(s[1]) is nn.ELU
    with pytest.raises(TypeError):
        s[1] = 3
    s = nn.Sequential(*mods)
    del s[1:3]
    assert list(s) == [mods[0], mods[3]] and list(s._modules) == ["0", "1"]
    assert names(s.named_parameters()) == ["0.weight", "0.bias"]


def test_sequential_ordered_dict():
    s = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert names(s.named_children()) == ["fc", "act"]
    assert s.fc is s[0] and s[1] is s.act
    assert list(s.state_dict()) == ["fc.weight", "fc.bias"]


def test_module_list():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(layers) == 3 and names(layers.named_parameters())[:2] == ["0.weight", "0.bias"]
    assert len(list(layers.parameters())) == 6
    extra = nn.ReLU()
    assert layers.append(extra) is layers and layers[-1] is extra and layers[3] is extra
    layers.extend([nn.Tanh()])
    layers += [nn.Sigmoid()]
    assert [type(m).__name__ for m in layers] == ["Linear"] * 3 + ["ReLU", "Tanh", "Sigmoid"]
    layers.insert(0, nn.ELU())
    assert type(layers[0]) is nn.ELU and len(layers) == 7
    assert list(layers._modules) == [str(i) for i in range(7)]
    sub = layers[1:3]
    assert type(sub) is nn.ModuleList and list(sub) == [layers[1], layers[2]]
    del layers[0]
    assert type(layers[0]) is nn.Linear and list(layers._modules) == [str(i) for i in range(6)]
    del layers[::2]
    assert len(layers) == 3
    layers[0] = nn.Identity()
    assert type(layers[0]) is nn.Identity
    with pytest.raises(IndexError):
        layers[10]
    with pytest.raises(TypeError):
        layers.append(3)
    with pytest.raises(NotImplementedError):
        layers(cygrad.ones(1))


def test_module_list_in_a_model_trains():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 1)])

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return x
    net = Net()
    assert names(net.named_parameters()) == ["layers.0.weight", "layers.0.bias",
                                             "layers.1.weight", "layers.1.bias"]
    net(cygrad.ones(3, 2)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())


def test_module_dict():
    d = nn.ModuleDict({"b": nn.Linear(2, 2), "a": nn.ReLU()})
    assert list(d.keys()) == ["b", "a"] and list(d) == ["b", "a"]
    assert len(d) == 2 and "a" in d and "z" not in d
    assert [type(m).__name__ for m in d.values()] == ["Linear", "ReLU"]
    assert [k for k, _ in d.items()] == ["b", "a"]
    d["c"] = nn.Tanh()
    d.update([("e", nn.ELU())])
    d.update(OrderedDict(f=nn.Sigmoid()))
    assert list(d) == ["b", "a", "c", "e", "f"]
    assert d.c is d["c"]
    assert type(d.pop("c")) is nn.Tanh and "c" not in d
    del d["a"]
    assert list(d) == ["b", "e", "f"]
    assert names(d.named_parameters()) == ["b.weight", "b.bias"]
    with pytest.raises(KeyError):
        d["zz"]
    with pytest.raises(TypeError):
        d["x"] = 3
    d.clear()
    assert len(d) == 0 and list(d.parameters()) == []


def test_parameter_list_and_dict():
    pl = nn.ParameterList([nn.Parameter(cygrad.ones(2)), cygrad.zeros(3)])
    assert len(pl) == 2 and all(type(p) is nn.Parameter for p in pl)
    assert pl[1].requires_grad and tuple(pl[-1].shape) == (3,)
    pl.append(cygrad.ones(1))
    assert names(pl.named_parameters()) == ["0", "1", "2"]
    pl[0] = cygrad.full((2,), 2.0)
    assert type(pl[0]) is nn.Parameter and pl[0].tolist() == [2.0, 2.0]
    pd = nn.ParameterDict({"w": cygrad.ones(2), "b": nn.Parameter(cygrad.zeros(1))})
    assert list(pd.keys()) == ["w", "b"] and len(pd) == 2
    assert type(pd["w"]) is nn.Parameter
    pd["c"] = cygrad.ones(1)
    assert names(pd.named_parameters()) == ["w", "b", "c"]

    class Holder(nn.Module):
        def __init__(self):
            super().__init__()
            self.pl = pl
            self.pd = pd
    assert list(Holder().state_dict()) == ["pl.0", "pl.1", "pl.2", "pd.w", "pd.b", "pd.c"]


# ---------------------------------------------------------------------------- hooks
def test_forward_hooks():
    fc = nn.Linear(2, 2)
    calls = []

    def pre(module, args):
        calls.append(("pre", module, len(args)))
        return (args[0] * 0,)                       # replace the input

    def post(module, args, out):
        calls.append(("post", module, tuple(args[0].shape)))
        return out + 1                              # replace the output

    def watch(module, args, out):
        calls.append(("watch", tuple(out.shape)))   # returns None: output unchanged
    h1 = fc.register_forward_pre_hook(pre)
    h2 = fc.register_forward_hook(post)
    h3 = fc.register_forward_hook(watch)
    y = fc(cygrad.ones(3, 2))
    assert calls == [("pre", fc, 1), ("post", fc, (3, 2)), ("watch", (3, 2))]
    np.testing.assert_allclose(to_numpy(y), np.tile(to_numpy(fc.bias) + 1, (3, 1)), rtol=1e-6)
    y.sum().backward()                              # hooks stay in the graph
    assert fc.bias.grad.tolist() == [3.0, 3.0] and fc.weight.grad.abs().sum().item() == 0
    h1.remove()
    h2.remove()
    h3.remove()
    h3.remove()                                     # removing twice is fine
    calls.clear()
    x = cygrad.ones(3, 2)
    assert fc(x).tolist() == F.linear(x, fc.weight, fc.bias).tolist() and calls == []


def test_forward_hook_handle_as_context_manager_and_single_input_return():
    fc = nn.Identity()
    with fc.register_forward_pre_hook(lambda m, args: args[0] * 2):   # a bare tensor
        assert fc(cygrad.ones(1)).tolist() == [2.0]
    assert fc(cygrad.ones(1)).tolist() == [1.0]


def test_hooks_on_submodules_see_intermediate_outputs():
    net = TwoLayer()
    seen = {}
    for name, m in net.named_modules():
        if name:
            m.register_forward_hook(lambda mod, args, out, name=name:
                                    seen.__setitem__(name, tuple(out.shape)))
    net(cygrad.ones(5, 3))
    assert seen == {"fc1": (5, 4), "act": (5, 4), "fc2": (5, 2)}


# ---------------------------------------------------------------------------- Parameter
def test_parameter_repr():
    assert repr(nn.Parameter(cygrad.tensor([1.0, 2.0]))) == \
        "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    assert repr(nn.Parameter(cygrad.tensor([1.0, 2.0]), requires_grad=False)) == \
        "Parameter containing:\ntensor([1., 2.])"
    assert repr(nn.Parameter(cygrad.tensor([1.0], dtype=F64))) == \
        "Parameter containing:\ntensor([1.], dtype=cygrad.float64, requires_grad=True)"
    empty = nn.Parameter()
    assert tuple(empty.shape) == (0,) and empty.requires_grad


def test_parameter_is_a_leaf_tensor_sharing_memory():
    data = cygrad.zeros(2)
    p = nn.Parameter(data)
    assert isinstance(p, cygrad.Tensor) and p.is_leaf and p.grad_fn is None
    assert p.requires_grad and not data.requires_grad
    with cygrad.no_grad():
        p.add_(1.0)
    assert data.tolist() == [1.0, 1.0]
    hist = cygrad.ones(2, requires_grad=True) * 2
    q = nn.Parameter(hist)                      # from a non-leaf: detached, a leaf
    assert q.is_leaf and q.grad_fn is None and q.requires_grad
    with pytest.raises(RuntimeError, match="(?i)only Tensors of floating point"):
        nn.Parameter(cygrad.ones(2, dtype=I64))
    assert not nn.Parameter(cygrad.ones(2, dtype=I64), requires_grad=False).requires_grad
    with pytest.raises(TypeError):
        nn.Parameter([1.0])


OPS_ON_PARAMETERS = {
    "mul": lambda p: p * 2, "radd": lambda p: 1 + p, "add_param": lambda p: p + p,
    "index": lambda p: p[0], "slice": lambda p: p[1:], "sum": lambda p: p.sum(),
    "view": lambda p: p.view(2, 2), "reshape": lambda p: p.reshape(-1), "t": lambda p: p.t(),
    "relu": lambda p: p.relu(), "fn_exp": lambda p: cygrad.exp(p), "matmul": lambda p: p @ p,
    "detach": lambda p: p.detach(), "clone": lambda p: p.clone(),
    "to_f64": lambda p: p.to(F64), "neg": lambda p: -p, "F.relu": lambda p: F.relu(p),
    "linear": lambda p: F.linear(p, p),
}


@pytest.mark.parametrize("name", list(OPS_ON_PARAMETERS))
def test_ops_on_parameters_return_plain_tensors(name):
    p = nn.Parameter(cygrad.ones(2, 2))
    out = OPS_ON_PARAMETERS[name](p)
    assert type(out) is cygrad.Tensor, type(out)
    assert out.requires_grad == (name != "detach")


# ---------------------------------------------------------------------------- nn.init
def big(*shape, seed=0):
    cygrad.manual_seed(seed)
    return cygrad.empty(*shape)


def stats(t):
    a = to_numpy(t).astype(np.float64).ravel()
    return a.min(), a.max(), a.mean(), a.std()


def test_init_returns_the_tensor_in_place():
    t = cygrad.empty(3, 4)
    for fn in [nn.init.uniform_, nn.init.normal_, nn.init.zeros_, nn.init.ones_,
               nn.init.xavier_uniform_, nn.init.xavier_normal_, nn.init.kaiming_uniform_,
               nn.init.kaiming_normal_, nn.init.trunc_normal_, nn.init.eye_,
               lambda x: nn.init.constant_(x, 0.3)]:
        out = fn(t)
        assert out is t and tuple(t.shape) == (3, 4) and t.dtype is F32


def test_init_on_parameters_records_no_history():
    p = nn.Parameter(cygrad.empty(4, 3))
    nn.init.kaiming_uniform_(p, a=math.sqrt(5))
    nn.init.normal_(p)
    assert p.is_leaf and p.grad_fn is None and p.requires_grad and type(p) is nn.Parameter


def test_uniform_and_normal():
    lo, hi, mean, std = stats(nn.init.uniform_(big(400, 500), -2.0, 4.0))
    assert -2.0 <= lo < -1.99 and 3.99 < hi <= 4.0
    assert abs(mean - 1.0) < 0.02 and abs(std - 6 / math.sqrt(12)) < 0.01
    _, _, mean, std = stats(nn.init.normal_(big(400, 500), 1.0, 3.0))
    assert abs(mean - 1.0) < 0.03 and abs(std - 3.0) < 0.02
    lo, hi, mean, std = stats(nn.init.trunc_normal_(big(400, 500), 0.0, 1.0, -1.5, 2.0))
    assert -1.5 <= lo and hi <= 2.0
    assert abs(std - _truncated_std(-1.5, 2.0)) < 0.01


def _truncated_std(a, b):
    """Standard deviation of N(0, 1) truncated to [a, b]."""
    pdf = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda x: 0.5 * (1 + math.erf(x / math.sqrt(2)))  # noqa: E731
    z = cdf(b) - cdf(a)
    m = (pdf(a) - pdf(b)) / z
    return math.sqrt(1 + (a * pdf(a) - b * pdf(b)) / z - m * m)


def test_init_float64_and_reproducible():
    a = nn.init.normal_(big(50, seed=3).to(F64))
    b = nn.init.normal_(big(50, seed=3).to(F64))
    assert a.dtype is F64 and a.tolist() == b.tolist()
    cygrad.manual_seed(4)
    w1 = nn.Linear(5, 5).weight.tolist()
    cygrad.manual_seed(4)
    assert nn.Linear(5, 5).weight.tolist() == w1


def test_constant_zeros_ones_eye():
    assert nn.init.constant_(cygrad.empty(2, 2), 0.5).tolist() == [[0.5, 0.5], [0.5, 0.5]]
    assert nn.init.zeros_(cygrad.empty(3)).tolist() == [0.0] * 3
    assert nn.init.ones_(cygrad.empty(2)).tolist() == [1.0, 1.0]
    assert nn.init.eye_(cygrad.empty(2, 3)).tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    with pytest.raises(ValueError, match="2 dimensions"):
        nn.init.eye_(cygrad.empty(3))


# (fan_in, fan_out) of a (400, 300) matrix and a (64, 16, 3, 3) conv weight
FANS = {"matrix": ((400, 300), 300, 400), "conv": ((64, 16, 3, 3), 16 * 9, 64 * 9)}


@pytest.mark.parametrize("kind", list(FANS))
def test_xavier(kind):
    shape, fan_in, fan_out = FANS[kind]
    bound = 1.5 * math.sqrt(6.0 / (fan_in + fan_out))
    lo, hi, _, std = stats(nn.init.xavier_uniform_(big(*shape), gain=1.5))
    assert -bound <= lo and hi <= bound and hi > 0.99 * bound
    assert abs(std - bound / math.sqrt(3)) < 0.01 * bound
    _, _, mean, std = stats(nn.init.xavier_normal_(big(*shape), gain=2.0))
    expect = 2.0 * math.sqrt(2.0 / (fan_in + fan_out))
    assert abs(std - expect) < 0.01 * expect and abs(mean) < 0.01 * expect


@pytest.mark.parametrize("kind", list(FANS))
def test_kaiming(kind):
    shape, fan_in, fan_out = FANS[kind]
    # default: leaky_relu with a=0, fan_in -> bound sqrt(6 / fan_in)
    bound = math.sqrt(6.0 / fan_in)
    lo, hi, _, std = stats(nn.init.kaiming_uniform_(big(*shape)))
    assert -bound <= lo and hi <= bound and hi > 0.99 * bound
    # a = sqrt(5) (the layers' default): bound 1 / sqrt(fan_in)
    lo, hi, _, _ = stats(nn.init.kaiming_uniform_(big(*shape), a=math.sqrt(5)))
    assert hi <= 1 / math.sqrt(fan_in) and hi > 0.99 / math.sqrt(fan_in)
    _, _, mean, std = stats(nn.init.kaiming_normal_(big(*shape), mode="fan_out",
                                                    nonlinearity="relu"))
    expect = math.sqrt(2.0 / fan_out)
    assert abs(std - expect) < 0.01 * expect
    _, _, _, std = stats(nn.init.kaiming_normal_(big(*shape), nonlinearity="tanh"))
    expect = (5.0 / 3) / math.sqrt(fan_in)
    assert abs(std - expect) < 0.01 * expect
    with pytest.raises(ValueError, match="fan_avg"):
        nn.init.kaiming_normal_(big(*shape), mode="fan_avg")


def test_fan_computation_needs_two_dims():
    for fn in [nn.init.xavier_uniform_, nn.init.xavier_normal_, nn.init.kaiming_uniform_,
               nn.init.kaiming_normal_]:
        for shape in [(), (5,)]:
            with pytest.raises(ValueError, match="Fan in and fan out can not be computed for "
                                                 "tensor with fewer than 2 dimensions"):
                fn(cygrad.empty(shape))


def test_kaiming_on_empty_tensor_is_a_no_op():
    t = cygrad.empty(0, 3)
    assert nn.init.kaiming_uniform_(t) is t and nn.init.kaiming_normal_(t) is t


# PyTorch's table (torch.nn.init.calculate_gain)
GAINS = [("linear", None, 1.0), ("conv1d", None, 1.0), ("conv2d", None, 1.0),
         ("conv3d", None, 1.0), ("conv_transpose1d", None, 1.0),
         ("conv_transpose2d", None, 1.0), ("conv_transpose3d", None, 1.0),
         ("sigmoid", None, 1.0), ("tanh", None, 5.0 / 3), ("relu", None, math.sqrt(2.0)),
         ("leaky_relu", None, math.sqrt(2.0 / (1 + 0.01 ** 2))),
         ("leaky_relu", 0.2, math.sqrt(2.0 / 1.04)), ("leaky_relu", 0, math.sqrt(2.0)),
         ("leaky_relu", 1, 1.0), ("selu", None, 0.75)]


@pytest.mark.parametrize("name, param, gain", GAINS,
                         ids=[f"{n}-{p}" for n, p, _ in GAINS])
def test_calculate_gain(name, param, gain):
    assert nn.init.calculate_gain(name, param) == pytest.approx(gain, rel=1e-15)


def test_calculate_gain_errors():
    with pytest.raises(ValueError, match="Unsupported nonlinearity foo"):
        nn.init.calculate_gain("foo")
    for bad in ["x", True, [0.1]]:
        with pytest.raises(ValueError, match="negative_slope .* not a valid number"):
            nn.init.calculate_gain("leaky_relu", bad)


# ---------------------------------------------------------------------------- Dropout
def test_dropout_identity_cases():
    x = cygrad.randn(4, 5)
    assert nn.Dropout(0.0)(x).tolist() == x.tolist()
    d = nn.Dropout(0.7).eval()
    assert d(x).tolist() == x.tolist()
    assert F.dropout(x, 0.5, training=False).tolist() == x.tolist()
    assert F.dropout(x, 1.0).abs().sum().item() == 0.0


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_statistics(p):
    cygrad.manual_seed(11)
    n = 100_000
    x = cygrad.full((n,), 2.0)
    y = to_numpy(nn.Dropout(p)(x))
    zero = y == 0
    frac = zero.mean()
    assert abs(frac - p) < 5 * math.sqrt(p * (1 - p) / n)
    np.testing.assert_allclose(y[~zero], 2.0 / (1 - p), rtol=1e-6)
    assert abs(y.mean() - 2.0) < 0.05                 # unbiased


def test_dropout_gradient_flows_only_through_kept_elements():
    cygrad.manual_seed(12)
    x = as_leaf(np.linspace(1.0, 2.0, 1000), F32)
    y = F.dropout(x, 0.4)
    g = np.random.default_rng(0).standard_normal(1000).astype(np.float32)
    y.backward(cygrad.tensor(g))
    kept = to_numpy(y) != 0
    assert 0.5 < kept.mean() < 0.7
    grad = to_numpy(x.grad)
    np.testing.assert_allclose(grad[kept], g[kept] / 0.6, rtol=1e-6)
    assert not grad[~kept].any()


def test_dropout_masks_differ_between_calls_and_inplace():
    cygrad.manual_seed(13)
    x = cygrad.ones(200)
    a, b = F.dropout(x, 0.5), F.dropout(x, 0.5)
    assert a.tolist() != b.tolist()
    y = cygrad.ones(200)
    out = F.dropout(y, 0.5, inplace=True)
    assert out is y and set(y.tolist()) <= {0.0, 2.0}


def test_dropout_probability_errors():
    for p in [-0.1, 1.5]:
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
            nn.Dropout(p)
        with pytest.raises(ValueError, match="between 0 and 1"):
            F.dropout(cygrad.ones(3), p)


# ---------------------------------------------------------------------------- error messages
def test_linear_errors():
    fc = nn.Linear(3, 2)
    with pytest.raises(RuntimeError, match=r"shapes cannot be multiplied \(4x4 and 3x2\)"):
        fc(cygrad.ones(4, 4))
    with pytest.raises(RuntimeError, match="dtype"):
        fc(cygrad.ones(4, 3, dtype=F64))
    with pytest.raises(RuntimeError, match="dtype"):
        fc(cygrad.ones(4, 3, dtype=I64))
    with pytest.raises(RuntimeError, match="at least 1D"):
        fc(cygrad.ones(()))
    with pytest.raises(RuntimeError, match="weight must be 1-d or 2-d"):
        F.linear(cygrad.ones(2, 3), cygrad.ones(2, 2, 3))


def test_conv2d_errors():
    conv = nn.Conv2d(3, 2, 3)
    with pytest.raises(RuntimeError, match=r"expected input\[1, 2, 5, 5\] to have 3 channels, "
                                           r"but got 2 channels"):
        conv(cygrad.ones(1, 2, 5, 5))
    with pytest.raises(RuntimeError, match="3D .*or 4D"):
        conv(cygrad.ones(5, 5))
    with pytest.raises(RuntimeError, match=r"Input type .*Double.* and weight type "
                                           r".*Float.* should be the same"):
        conv(cygrad.ones(1, 3, 5, 5, dtype=F64))
    with pytest.raises(RuntimeError, match="(?i)kernel size"):
        conv(cygrad.ones(1, 3, 2, 2))
    with pytest.raises(RuntimeError, match="4-dimensional weight"):
        F.conv2d(cygrad.ones(1, 3, 5, 5), cygrad.ones(2, 3, 3))
    with pytest.raises(RuntimeError, match="bias"):
        F.conv2d(cygrad.ones(1, 3, 5, 5), cygrad.ones(2, 3, 3, 3), cygrad.ones(3))
    with pytest.raises(RuntimeError, match="stride"):
        F.conv2d(cygrad.ones(1, 3, 5, 5), cygrad.ones(2, 3, 3, 3), stride=0)
    with pytest.raises(RuntimeError, match="negative padding"):
        F.conv2d(cygrad.ones(1, 3, 5, 5), cygrad.ones(2, 3, 3, 3), padding=-1)
    with pytest.raises(ValueError, match="strided"):
        nn.Conv2d(3, 2, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="Invalid padding string 'foo'"):
        nn.Conv2d(3, 2, 3, padding="foo")
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 2, 3, groups=2)
    with pytest.raises(ValueError, match="out_channels must be divisible by groups"):
        nn.Conv2d(4, 3, 3, groups=2)
    with pytest.raises(ValueError, match="positive integer"):
        nn.Conv2d(3, 3, 3, groups=0)


def test_cross_entropy_errors():
    x = cygrad.ones(3, 4)
    with pytest.raises(ValueError, match=r"Expected input batch_size \(3\) to match target "
                                         r"batch_size \(2\)"):
        F.cross_entropy(x, cygrad.tensor([0, 1]))
    with pytest.raises(IndexError, match="Target 4 is out of bounds"):
        F.cross_entropy(x, cygrad.tensor([0, 1, 4]))
    with pytest.raises(IndexError, match="Target -1 is out of bounds"):
        F.cross_entropy(x, cygrad.tensor([0, 1, -1]))
    with pytest.raises(RuntimeError, match="Long"):
        F.cross_entropy(x, cygrad.tensor([0, 1, 2], dtype=cygrad.int32))
    with pytest.raises(RuntimeError, match="(?i)expected target size"):
        F.cross_entropy(x, cygrad.ones(3, 3))
    with pytest.raises(RuntimeError, match="floating point"):
        F.cross_entropy(cygrad.ones(3, 4, dtype=I64), cygrad.tensor([0, 1, 2]))
    with pytest.raises(ValueError, match="dimensions"):
        F.cross_entropy(cygrad.ones(()), cygrad.tensor(1))
    with pytest.raises(RuntimeError, match="weight tensor should be defined either for all 4 "
                                           "classes"):
        F.cross_entropy(x, cygrad.tensor([0, 1, 2]), weight=cygrad.ones(3))
    with pytest.raises(RuntimeError, match="label_smoothing must be between 0.0 and 1.0"):
        F.cross_entropy(x, cygrad.tensor([0, 1, 2]), label_smoothing=1.5)
    with pytest.raises(ValueError, match="avg is not a valid value for reduction"):
        F.cross_entropy(x, cygrad.tensor([0, 1, 2]), reduction="avg")
    with pytest.raises(RuntimeError, match=r"Expected target size \[2, 4\], got \[2, 3\]"):
        F.cross_entropy(cygrad.ones(2, 3, 4), cygrad.tensor([[0, 1, 2], [0, 1, 2]]))


def test_nll_loss_errors():
    x = cygrad.ones(3, 4)
    with pytest.raises(ValueError, match="batch_size"):
        F.nll_loss(x, cygrad.tensor([0, 1, 2, 3]))
    with pytest.raises(IndexError, match="Target 5 is out of bounds"):
        F.nll_loss(x, cygrad.tensor([0, 1, 5]))
    with pytest.raises(RuntimeError, match="Long"):
        F.nll_loss(x, cygrad.tensor([0.0, 1.0, 2.0]))
    with pytest.raises(RuntimeError, match="weight tensor should be defined"):
        F.nll_loss(x, cygrad.tensor([0, 1, 2]), weight=cygrad.ones(5))
    with pytest.raises(ValueError, match="dimensions"):
        F.nll_loss(cygrad.ones(()), cygrad.tensor(1))
    with pytest.raises(RuntimeError, match="multi-target not supported"):
        F.nll_loss(cygrad.ones(4), cygrad.tensor([1, 2]))
    # an ignored target may be out of range
    assert F.nll_loss(x, cygrad.tensor([0, 1, 9]), ignore_index=9).item() == -1.0


def test_embedding_errors():
    w = cygrad.ones(5, 2)
    with pytest.raises(IndexError, match="index 5 is out of bounds"):
        F.embedding(cygrad.tensor([0, 5]), w)
    with pytest.raises(IndexError, match="out of bounds"):
        nn.Embedding(5, 2)(cygrad.tensor([-1]))
    with pytest.raises(RuntimeError, match="Long, Int"):
        F.embedding(cygrad.tensor([0.0, 1.0]), w)
    with pytest.raises(RuntimeError, match="2-D"):
        F.embedding(cygrad.tensor([0, 1]), cygrad.ones(5))
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(5, 2, padding_idx=5)
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(5, 2, padding_idx=-6)
    assert nn.Embedding(5, 2, padding_idx=-1).padding_idx == 4


def test_one_hot_errors_and_values():
    assert F.one_hot(cygrad.tensor([0, 2])).tolist() == [[1, 0, 0], [0, 0, 1]]
    assert F.one_hot(cygrad.tensor([[1], [2]]), 4).shape == (2, 1, 4)
    assert F.one_hot(cygrad.tensor(2), 3).dtype is I64
    assert F.one_hot(cygrad.zeros(0, dtype=I64), 3).shape == (0, 3)
    with pytest.raises(RuntimeError, match="Class values must be non-negative"):
        F.one_hot(cygrad.tensor([0, -1]), 3)
    with pytest.raises(RuntimeError, match="Class values must be smaller than num_classes"):
        F.one_hot(cygrad.tensor([0, 2]), 2)
    with pytest.raises(RuntimeError, match="LongTensor"):
        F.one_hot(cygrad.tensor([0.0, 1.0]), 3)
    with pytest.raises(RuntimeError, match="infer total number of classes from empty"):
        F.one_hot(cygrad.zeros(0, dtype=I64))


def test_norm_and_pool_shape_errors():
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        nn.BatchNorm1d(3)(cygrad.ones(2, 3, 4, 5))
    with pytest.raises(ValueError, match=r"expected 4D input \(got 2D input\)"):
        nn.BatchNorm2d(3)(cygrad.ones(2, 3))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        nn.BatchNorm1d(3)(cygrad.ones(1, 3))
    assert nn.BatchNorm1d(3).eval()(cygrad.ones(1, 3)).shape == (1, 3)
    with pytest.raises(RuntimeError, match="Given normalized_shape=\\[4\\]"):
        nn.LayerNorm(4)(cygrad.ones(2, 3))
    with pytest.raises(RuntimeError, match="pad should be at most half"):
        F.max_pool2d(cygrad.ones(1, 1, 4, 4), 3, padding=2)
    with pytest.raises(RuntimeError, match="3D or 4D"):
        F.max_pool2d(cygrad.ones(4, 4), 2)
    with pytest.raises(RuntimeError, match="Padding length must be divisible by 2"):
        F.pad(cygrad.ones(2, 2), (1, 1, 1))
    with pytest.raises(RuntimeError, match="negative output size"):
        F.pad(cygrad.ones(2, 2), (-3, 0))
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh"):
        F.gelu(cygrad.ones(2), approximate="foo")
    with pytest.raises(ValueError, match="foo is not a valid value for reduction"):
        F.mse_loss(cygrad.ones(2), cygrad.ones(2), reduction="foo")


def test_binary_cross_entropy_errors():
    with pytest.raises(ValueError, match="different to the input size"):
        F.binary_cross_entropy(cygrad.tensor([0.5]), cygrad.tensor([1.0, 1.0]))
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(cygrad.tensor([1.5]), cygrad.tensor([1.0]))
    with pytest.raises(ValueError, match="must be the same as input size"):
        F.binary_cross_entropy_with_logits(cygrad.tensor([0.5]), cygrad.tensor([1.0, 1.0]))


# ---------------------------------------------------------------------------- numerics
@pytest.mark.parametrize("dtype", [F32, F64], ids=["float32", "float64"])
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_cross_entropy_stable_for_huge_logits(dtype, smoothing):
    logits = as_leaf([[1e4, -1e4, 0.0], [0.0, 0.0, 1e4], [-1e4, 1e4, 1e4]], dtype)
    target = cygrad.tensor([1, 2, 0])
    loss = nn.CrossEntropyLoss(label_smoothing=smoothing)(logits, target)
    loss.backward()
    value = loss.item()
    assert math.isfinite(value)
    g = to_numpy(logits.grad)
    assert np.isfinite(g).all()
    if smoothing == 0.0:
        # rows: -log p = 2e4, 0, 2e4 (+ log 2): mean about 13333.6
        assert value == pytest.approx((2e4 + 0.0 + 2e4 + math.log(2)) / 3, rel=1e-6)
        np.testing.assert_allclose(g[0], [1 / 3, -1 / 3, 0.0], atol=1e-6)
    # gradients of a mean cross entropy: each row sums to 0
    np.testing.assert_allclose(g.sum(1), 0.0, atol=1e-6)


def test_log_softmax_and_bce_with_logits_stable():
    x = as_leaf([1e4, -1e4, 0.0], F32)
    y = F.log_softmax(x, 0)
    assert y.tolist() == [0.0, -2e4, -1e4]
    y.sum().backward()
    assert np.isfinite(to_numpy(x.grad)).all()
    z = as_leaf([1e4, -1e4], F32)
    loss = F.binary_cross_entropy_with_logits(z, cygrad.tensor([0.0, 1.0]))
    loss.backward()
    assert loss.item() == pytest.approx(1e4) and np.isfinite(to_numpy(z.grad)).all()


def test_binary_cross_entropy_clamps_logs():
    loss = F.binary_cross_entropy(cygrad.tensor([0.0, 1.0]), cygrad.tensor([1.0, 0.0]),
                                  reduction="none")
    assert loss.tolist() == [100.0, 100.0]


# ---------------------------------------------------------------------------- empty batches
def test_linear_on_an_empty_batch():
    fc = nn.Linear(3, 2)
    x = cygrad.ones(0, 3, requires_grad=True)
    y = fc(x)
    assert tuple(y.shape) == (0, 2)
    y.sum().backward()
    assert tuple(x.grad.shape) == (0, 3)
    assert fc.weight.grad.tolist() == [[0.0] * 3] * 2 and fc.bias.grad.tolist() == [0.0, 0.0]
    assert tuple(nn.Linear(3, 2, bias=False)(cygrad.ones(5, 0, 3)).shape) == (5, 0, 2)
    x3 = cygrad.ones(5, 0, 3, requires_grad=True)
    y3 = fc(x3)
    assert tuple(y3.shape) == (5, 0, 2)
    y3.sum().backward()
    assert tuple(x3.grad.shape) == (5, 0, 3)
    empty_in = nn.Linear(0, 2)
    out = empty_in(cygrad.ones(4, 0))
    assert out.tolist() == [empty_in.bias.tolist()] * 4


def test_losses_on_an_empty_batch():
    logits = cygrad.ones(0, 4, requires_grad=True)
    target = cygrad.zeros(0, dtype=I64)
    assert math.isnan(F.cross_entropy(logits, target).item())         # 0 / 0, as PyTorch
    assert F.cross_entropy(logits, target, reduction="sum").item() == 0.0
    assert tuple(F.cross_entropy(logits, target, reduction="none").shape) == (0,)
    F.cross_entropy(logits, target).backward()
    assert tuple(logits.grad.shape) == (0, 4)
    assert math.isnan(F.nll_loss(logits, target).item())
    assert math.isnan(F.mse_loss(cygrad.ones(0), cygrad.ones(0)).item())
    assert F.mse_loss(cygrad.ones(0), cygrad.ones(0), reduction="sum").item() == 0.0
    assert math.isnan(F.l1_loss(cygrad.ones(0, 2), cygrad.ones(0, 2)).item())


def test_layers_on_an_empty_batch():
    assert tuple(nn.Conv2d(3, 2, 3)(cygrad.ones(0, 3, 5, 5)).shape) == (0, 2, 3, 3)
    assert tuple(nn.MaxPool2d(2)(cygrad.ones(0, 3, 4, 4)).shape) == (0, 3, 2, 2)
    assert tuple(nn.LayerNorm(4)(cygrad.ones(0, 4)).shape) == (0, 4)
    assert tuple(nn.Embedding(3, 2)(cygrad.zeros(0, 5, dtype=I64)).shape) == (0, 5, 2)
    assert tuple(F.softmax(cygrad.ones(0, 3), 1).shape) == (0, 3)
