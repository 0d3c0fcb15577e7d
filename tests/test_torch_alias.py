"""``python -m cygrad.run`` and ``cygrad.install_torch_alias``: PyTorch programs, with their
submodule imports, run on cygrad unchanged. Every program runs in its own interpreter (the
test process may have the real PyTorch imported)."""
import pathlib
import subprocess
import sys
import textwrap

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]

# A training script in PyTorch's own style: every import form real programs use.
TRAIN = textwrap.dedent("""
    import sys
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    from torch import optim
    from torch.utils.data import TensorDataset
    from torch.utils.data.dataloader import DataLoader
    import torch.autograd

    steps = int(sys.argv[1])
    x = torch.linspace(-1, 1, 64).reshape(-1, 1)
    y = 3 * x + 0.5
    model = nn.Sequential(nn.Linear(1, 8), nn.Tanh(), nn.Linear(8, 1))
    with torch.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(torch.linspace(-0.5, 0.5, p.numel()).reshape(p.shape) * (i + 1) / 4)
    opt = optim.SGD(model.parameters(), lr=0.1)
    loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=False)
    for _ in range(steps):
        for xb, yb in loader:
            opt.zero_grad()
            loss = F.mse_loss(model(xb), yb)
            loss.backward()
            opt.step()
    print(torch.__name__, f"{F.mse_loss(model(x), y).item():.6f}")
""")


def run(args, cwd=None):
    proc = subprocess.run([sys.executable, *args], capture_output=True, text=True,
                          timeout=300, cwd=cwd)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture
def script(tmp_path):
    def make(text, name="prog.py"):
        path = tmp_path / name
        path.write_text(text)
        return str(path)
    return make


def test_run_a_torch_script(script):
    rc, out, err = run(["-m", "cygrad.run", script(TRAIN), "20"])
    assert rc == 0, err
    name, loss = out.split()
    assert name == "cygrad" and float(loss) < 0.05


def test_run_matches_torch(script):
    pytest.importorskip("torch")
    path = script(TRAIN)
    rc, out, err = run(["-m", "cygrad.run", path, "20"])
    assert rc == 0, err
    rc, tout, terr = run([path, "20"])         # the real PyTorch
    assert rc == 0, terr
    assert tout.split()[0] == "torch"
    assert float(out.split()[1]) == pytest.approx(float(tout.split()[1]), rel=1e-4, abs=1e-6)


def test_run_passes_arguments_and_main(script):
    path = script("import sys, torch\nprint(__name__, sys.argv[1:], sys.argv[0].endswith('p.py'))\n",
                  "p.py")
    rc, out, err = run(["-m", "cygrad.run", path, "a", "--b", "3"])
    assert rc == 0, err
    assert out.strip() == "__main__ ['a', '--b', '3'] True"


def test_run_a_module(tmp_path):
    pkg = tmp_path / "mypkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "train.py").write_text("import sys, torch.nn as nn\nprint(nn.Linear(2, 3), sys.argv[1:])\n")
    rc, out, err = run(["-m", "cygrad.run", "-m", "mypkg.train", "x"], cwd=tmp_path)
    assert rc == 0, err
    assert out.strip() == "Linear(in_features=2, out_features=3, bias=True) ['x']"


def test_missing_module_is_named(script):
    rc, out, err = run(["-m", "cygrad.run", script("import torch.jit\n")])
    assert rc != 0
    assert "ModuleNotFoundError: No module named 'torch.jit': cygrad, which stands in for " \
           "torch here, has no module cygrad.jit" in err


def test_stand_in_modules_import_and_name_what_they_cannot_do(script):
    code = ("import torch.onnx, torch.backends.cudnn\n"
            "from torch.nn.modules.batchnorm import BatchNorm1d\n"
            "from torch.nn.utils import clip_grad_norm_\n"
            "torch.backends.cudnn.benchmark = True\n"
            "print(torch.onnx.is_in_onnx_export(), torch.backends.mps.is_available())\n"
            "torch.onnx.export(None, (), 'm.onnx')\n")
    rc, out, err = run(["-m", "cygrad.run", script(code)])
    assert out.strip() == "False False"
    assert rc != 0 and "NotImplementedError: cygrad.onnx.export: cygrad cannot export" in err


def test_missing_attribute_is_named(script):
    rc, out, err = run(["-m", "cygrad.run", script("import torch\ntorch.not_a_function(1)\n")])
    assert rc != 0
    assert "does not provide torch.not_a_function" in err


def test_usage_and_missing_file():
    rc, out, err = run(["-m", "cygrad.run"])
    assert rc == 2 and "usage: python -m cygrad.run" in err
    rc, out, err = run(["-m", "cygrad.run", "no/such/file.py"])
    assert rc == 2 and "can't open file" in err


def test_install_and_uninstall_in_process():
    code = textwrap.dedent("""
        import sys, cygrad
        cygrad.install_torch_alias()
        cygrad.install_torch_alias()                    # a second call does nothing
        import torch, torch.nn.functional as F
        from torch.utils.data import DataLoader
        assert torch is cygrad and F is cygrad.nn.functional
        assert DataLoader is cygrad.utils.data.DataLoader
        assert sys.modules["torch.nn"] is cygrad.nn
        cygrad.uninstall_torch_alias()
        assert "torch" not in sys.modules and "torch.nn" not in sys.modules
        try:
            import torch
        except ImportError:
            print("no real torch")
        else:
            assert torch is not cygrad
            print("real torch", torch.__name__)
    """)
    rc, out, err = run(["-c", code])
    assert rc == 0, err
    assert out.strip() in ("no real torch", "real torch torch")


REPRS = textwrap.dedent("""
    import torch
    x = torch.ones(2, 3)
    print(x.shape, x.dtype, x.type(), torch.tensor([1., 2.], dtype=torch.float64))
    print(x.max(dim=1))
""")


def test_reprs_name_torch_while_standing_in(script):
    rc, out, err = run(["-m", "cygrad.run", script(REPRS)])
    assert rc == 0, err
    assert out.splitlines()[0] == ("torch.Size([2, 3]) torch.float32 torch.FloatTensor "
                                   "tensor([1., 2.], dtype=torch.float64)")
    assert out.splitlines()[1] == "torch.return_types.max("
    code = ("import cygrad; cygrad.install_torch_alias(); cygrad.uninstall_torch_alias(); "
            "print(cygrad.ones(2).shape, cygrad.float64)")
    rc, out, err = run(["-c", code])
    assert rc == 0, err
    assert out.strip() == "cygrad.Size([2]) cygrad.float64"


def test_reprs_match_torch(script):
    pytest.importorskip("torch")
    path = script(REPRS)
    ours, theirs = run(["-m", "cygrad.run", path]), run([path])
    assert ours[0] == 0 and theirs[0] == 0, ours[2] + theirs[2]
    assert ours[1] == theirs[1]


def test_install_after_the_real_torch_raises():
    pytest.importorskip("torch")
    code = ("import torch, cygrad\n"
            "try:\n    cygrad.install_torch_alias()\n"
            "except RuntimeError as e:\n    print(e)\n")
    rc, out, err = run(["-c", code])
    assert rc == 0, err
    assert "the real torch is already imported" in out


@pytest.mark.parametrize("name", ["seed_tensors", "seed_parameters", "seed_sequential",
                                  "seed_module"])
def test_seed_scripts_as_torch_programs(script, name):
    # the seed conversation's scripts as PyTorch programs (``import torch``) run unchanged
    text = (ROOT / "examples" / f"{name}.py").read_text()
    assert "import cygrad as torch" in text
    rc, out, err = run(["-m", "cygrad.run", script(text.replace("import cygrad as torch",
                                                                "import torch"))])
    assert rc == 0, err
    assert out.strip()
