"""PyTorch's "Learn the basics" and "60-minute blitz" tutorials run unchanged on cygrad.

The tutorials are PyTorch's, not ours, so they are not copied here: point
``CYGRAD_TUTORIALS`` at a checkout of the public ``pytorch/tutorials`` repository (the
tests skip without it)::

    git clone --depth 1 https://github.com/pytorch/tutorials
    CYGRAD_TUTORIALS=$PWD/tutorials python -m pytest tests/tutorials

Each tutorial runs as it is, in a fresh interpreter and an empty working directory, through
``python -m cygrad.run``; the ones that download data sets or weights get them from the
stand-in ``torchvision`` in ``standin/`` (made locally, see its docstring). With PyTorch
installed, each also runs on PyTorch with the same stand-in, which shows the stand-in asks
nothing of cygrad that torch would not do, and the two runs must print the same lines
wherever a line holds no number that depends on random initialisation.
"""
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
STANDIN = HERE / "standin"
CHECKOUT = os.environ.get("CYGRAD_TUTORIALS")

# path in the tutorials repository -> lines (regular expressions) its output must contain
TUTORIALS = {
    "beginner_source/basics/quickstart_tutorial.py": [r"^Done!$", r"^Saved PyTorch Model",
                                                      r"^Predicted: \"[^\"]+\", Actual:"],
    "beginner_source/basics/tensorqs_tutorial.py": [r"^Shape of tensor: torch\.Size"],
    "beginner_source/basics/data_tutorial.py": [r"^Feature batch shape: torch\.Size\("
                                                r"\[64, 1, 28, 28\]\)$"],
    "beginner_source/basics/transforms_tutorial.py": [],
    "beginner_source/basics/buildmodel_tutorial.py": [r"^Predicted class: tensor\(\[\d\]\)$"],
    "beginner_source/basics/autogradqs_tutorial.py": [r"^Gradient function for z ="],
    "beginner_source/basics/optimization_tutorial.py": [r"^Done!$", r"^Test Error:"],
    "beginner_source/basics/saveloadrun_tutorial.py": [],
    "beginner_source/blitz/tensor_tutorial.py": [],
    "beginner_source/blitz/autograd_tutorial.py": [],
    "beginner_source/blitz/neural_networks_tutorial.py": [],
    "beginner_source/blitz/cifar10_tutorial.py": [r"^Finished Training$",
                                                  r"^Accuracy of the network on the 10000 "
                                                  r"test images: \d+ %$"],
}

# modules a tutorial imports beside torch and torchvision
NEEDS = {"beginner_source/basics/data_tutorial.py": ["pandas", "matplotlib"],
         "beginner_source/basics/quickstart_tutorial.py": ["PIL"],
         "beginner_source/blitz/cifar10_tutorial.py": ["matplotlib"]}


def _run(path, workdir, on_torch):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(STANDIN)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]),
        MPLBACKEND="Agg")
    cmd = [sys.executable] + ([] if on_torch else ["-m", "cygrad.run"]) + [path]
    return subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True,
                          timeout=900, check=False)


def run_tutorial(path, workdir, on_torch=False):
    """Run one tutorial; returns its stdout, failing with its output on a non-zero exit.

    A checkout older than the installed PyTorch can hold a tutorial that PyTorch itself no
    longer runs (``dataiter.next()``, ``torch.load`` of a whole model without
    ``weights_only=False``): when a tutorial fails and fails on PyTorch too, the test is
    skipped with PyTorch's error, since the promise is to run what PyTorch runs.
    """
    proc = _run(path, workdir, on_torch)
    if proc.returncode and not on_torch and importlib.util.find_spec("torch") is not None:
        elsewhere = Path(workdir) / "on_torch"
        elsewhere.mkdir(exist_ok=True)
        theirs = _run(path, elsewhere, True)
        if theirs.returncode:
            last = (theirs.stderr.strip().splitlines() or ["?"])[-1]
            pytest.skip(f"{path} fails on PyTorch too: {last}")
    assert proc.returncode == 0, (f"{path} failed on {'torch' if on_torch else 'cygrad'}:\n"
                                  f"{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}")
    return proc.stdout


def _source(name):
    if not CHECKOUT:
        pytest.skip("CYGRAD_TUTORIALS is not set to a pytorch/tutorials checkout")
    path = Path(CHECKOUT) / name
    if not path.is_file():
        pytest.fail(f"{path} is missing from the checkout CYGRAD_TUTORIALS names")
    for module in NEEDS.get(name, []):
        pytest.importorskip(module)
    return path


_NUMBER = re.compile(r"\d")
# lines that name an outcome of training from a random start, so may differ from torch's
_TRAINED = re.compile(r"^Predicted")


@pytest.mark.parametrize("name", list(TUTORIALS))
def test_tutorial_runs_unchanged(name, tmp_path):
    path = _source(name)
    out = run_tutorial(str(path), tmp_path)
    for pattern in TUTORIALS[name]:
        assert re.search(pattern, out, re.MULTILINE), f"no line matching {pattern!r}:\n{out}"


@pytest.mark.parametrize("name", list(TUTORIALS))
def test_tutorial_prints_as_on_torch(name, tmp_path):
    path = _source(name)
    pytest.importorskip("torch")
    (tmp_path / "cygrad").mkdir()
    (tmp_path / "torch").mkdir()
    ours = run_tutorial(str(path), tmp_path / "cygrad").splitlines()
    theirs = run_tutorial(str(path), tmp_path / "torch", on_torch=True).splitlines()
    assert len(ours) == len(theirs), "\n".join(
        f"{a!r:60} | {b!r}" for a, b in zip(ours, theirs))
    for a, b in zip(ours, theirs):
        if not _NUMBER.search(b) and "0x" not in b and not _TRAINED.match(b):
            assert a == b
