"""The scripts in ``examples/`` run, each in a fresh interpreter, and print what they should.

The seed scripts need only cygrad. ``train_digits.py`` also needs scikit-learn, tqdm and
matplotlib (``pip install ".[examples]"``); its tests are skipped without them. The digits
runs are kept short (a few epochs), so they check the plumbing, not the final accuracy.
"""
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SEED_SCRIPTS = ["seed_sequential.py", "seed_module.py", "seed_parameters.py", "seed_tensors.py"]


def run_example(name, *args, cwd=None):
    """Run ``examples/<name>`` with ``args``; returns its stdout, failing on a non-zero exit."""
    proc = subprocess.run([sys.executable, str(EXAMPLES / name), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, f"{name} {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


# ----------------------------------------------------------------------- seed scripts
@pytest.mark.parametrize("name", SEED_SCRIPTS)
def test_seed_script(name, tmp_path):
    out = run_example(name, cwd=tmp_path)
    losses = {int(epoch): float(loss)
              for epoch, loss in re.findall(r"^Epoch (\d+), Loss (\S+)$", out, re.MULTILINE)}
    assert sorted(losses) == list(range(0, 1000, 100)), out
    assert losses[900] < losses[0], out
    # the prediction for x_test is printed as PyTorch prints it: a 2x1 tensor with a grad_fn
    assert re.search(r"tensor\(\[\[.*\],\n\s+\[.*\]\], grad_fn=<\w+Backward0>\)", out), out


# ----------------------------------------------------------------------- digits
@pytest.fixture
def digits_deps():
    for module in ("sklearn", "tqdm", "matplotlib"):
        pytest.importorskip(module)


def test_digits_mlp_plot_and_save(digits_deps, tmp_path):
    plot, weights = tmp_path / "curves.png", tmp_path / "model.npz"
    out = run_example("train_digits.py", "--epochs", "3", "--no-progress", "--seed", "1",
                      "--plot", str(plot), "--save", str(weights), cwd=tmp_path)
    accuracy = re.search(r"^test accuracy: (\d+\.\d)%$", out, re.MULTILINE)
    assert accuracy, out
    assert float(accuracy.group(1)) > 50, out  # chance is 10%; 3 epochs reach ~90%
    assert re.search(r"^wall time: [\d.]+ s", out, re.MULTILINE), out
    assert plot.is_file() and plot.read_bytes().startswith(b"\x89PNG")
    assert weights.is_file()
    reloaded = re.search(r"reloaded model test accuracy: (\d+\.\d)% \(same as", out)
    assert reloaded and reloaded.group(1) == accuracy.group(1), out


def test_digits_cnn(digits_deps, tmp_path):
    out = run_example("train_digits.py", "--cnn", "--epochs", "1", "--no-progress",
                      "--threads", "1", "--batch-size", "64", cwd=tmp_path)
    assert "Conv2d(1, 16, kernel_size=(3, 3)" in out, out
    assert re.search(r"^test accuracy: \d+\.\d%$", out, re.MULTILINE), out
    assert "(1 epochs, 1 threads)" in out, out
