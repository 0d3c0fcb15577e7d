"""The scripts in ``examples/`` run, each in a fresh interpreter, and print what they should.

The seed scripts need only cygrad. ``train_digits.py`` also needs scikit-learn, tqdm and
matplotlib (``pip install ".[examples]"``); its tests are skipped without them. The digits
runs are kept short (a few epochs), so they check the plumbing, not the final accuracy.
``char_lm.py`` (a character-level Transformer or LSTM on the bundled text) runs 30 steps per
model: the loss must fall clearly from its untrained value, the sample have the asked
length and the saved weights load.
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


# ----------------------------------------------------------------------- as torch programs
def as_torch_program(name, tmp_path):
    """``examples/<name>`` written as the PyTorch program it stands for: every
    ``cygrad`` import spelled ``torch``."""
    src = (EXAMPLES / name).read_text(encoding="utf-8")
    src = re.sub(r"^import cygrad as torch$", "import torch", src, flags=re.MULTILINE)
    src = re.sub(r"^from cygrad(\.\S+)? import", lambda m: f"from torch{m.group(1) or ''} import",
                 src, flags=re.MULTILINE)
    assert "cygrad" not in "\n".join(l for l in src.splitlines()
                                     if l.startswith(("import", "from")))
    path = tmp_path / name
    path.write_text(src, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", SEED_SCRIPTS + ["tour.py"])
def test_example_runs_as_a_torch_program_through_the_runner(name, tmp_path):
    path = as_torch_program(name, tmp_path)
    proc = subprocess.run([sys.executable, "-m", "cygrad.run", str(path)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    direct = run_example(name, cwd=tmp_path)
    if name != "tour.py":     # unseeded training: compare the shape of the output
        assert proc.stdout.count("Epoch ") == direct.count("Epoch ") == 10
    else:
        assert len(proc.stdout) > 0 and proc.stdout.splitlines()[0] == direct.splitlines()[0]


def test_digits_runs_as_a_torch_program_through_the_runner(digits_deps, tmp_path):
    path = as_torch_program("train_digits.py", tmp_path)
    proc = subprocess.run([sys.executable, "-m", "cygrad.run", str(path), "--epochs", "1",
                           "--no-progress", "--seed", "1"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"^test accuracy: \d+\.\d%$", proc.stdout, re.MULTILINE), proc.stdout


# ----------------------------------------------------------------------- char_lm
@pytest.mark.parametrize("model", ["transformer", "lstm"])
def test_char_lm_trains_samples_and_saves(model, tmp_path):
    import cygrad
    weights = tmp_path / "lm.pt"
    out = run_example("char_lm.py", "--model", model, "--steps", "30", "--eval-every", "15",
                      "--sample-chars", "50", "--no-progress", "--seed", "1",
                      "--save", str(weights), cwd=tmp_path)
    losses = [(int(s), float(tr), float(va)) for s, tr, va in re.findall(
        r"^step (\d+): train loss (\S+), val loss (\S+)$", out, re.MULTILINE)]
    assert [s for s, _, _ in losses] == [0, 15, 30], out
    first_val = losses[0][2]
    assert 3.5 < first_val < 4.6, out            # about ln(vocabulary) before training
    final = float(re.search(r"^final val loss: (\S+)$", out, re.MULTILINE).group(1))
    assert final == losses[-1][2] and final < first_val - 0.5, out
    assert re.search(r"^wall time: [\d.]+ s", out, re.MULTILINE), out
    sample = re.search(r"-----\n(.*)\n----- end of sample -----", out, re.DOTALL)
    assert sample and len(sample.group(1)) == 50 + 1, out    # the prompt "\n" plus 50
    state = cygrad.load(str(weights))
    assert state and all(isinstance(v, cygrad.Tensor) for v in state.values())
