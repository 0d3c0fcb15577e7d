"""Train a digit classifier with cygrad on scikit-learn's 8x8 handwritten digits.

The script is ordinary PyTorch code: apart from ``import cygrad as torch`` it would run
unchanged with PyTorch. It shows the usual pieces of a training script: a
``TensorDataset`` and a shuffling ``DataLoader``, a model built from ``nn`` layers, a loss,
an optimizer with a learning-rate schedule, a train/eval loop, and saving and reloading the
weights.

The data is scikit-learn's bundled copy of the UCI digits (1797 images of 8x8 pixels, no
download). A quarter of it, stratified by class, is held out as the test set.

Install the extra dependencies (scikit-learn, tqdm, matplotlib) and run it::

    pip install ".[examples]"
    python examples/train_digits.py                  # an MLP: ~98% test accuracy in ~1 s
    python examples/train_digits.py --cnn            # a small convolutional network
    python examples/train_digits.py --plot curves.png --save digits.npz

``python examples/train_digits.py --help`` lists every option.
"""
import argparse
import time

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from tqdm import tqdm

import cygrad as torch
from cygrad import nn
from cygrad.utils.data import DataLoader, TensorDataset


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cnn", action="store_true",
                        help="train a small convolutional network instead of the MLP")
    parser.add_argument("--epochs", type=int, default=None,
                        help="passes over the training set (default: 100 for the MLP, "
                             "50 for the CNN)")
    parser.add_argument("--batch-size", type=int, default=32, help="samples per step")
    parser.add_argument("--lr", type=float, default=3e-3,
                        help="Adam's initial learning rate, annealed to 0 over the epochs")
    parser.add_argument("--seed", type=int, default=0,
                        help="seeds the train/test split, the initial weights, the shuffling "
                             "and dropout")
    parser.add_argument("--plot", metavar="PNG",
                        help="save the loss and test-accuracy curves to this image")
    parser.add_argument("--save", metavar="NPZ",
                        help="save the trained weights to this file, then reload them into a "
                             "fresh model and check it scores the same")
    parser.add_argument("--threads", type=int, help="threads cygrad may use")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    args = parser.parse_args(argv)
    if args.epochs is None:
        args.epochs = 50 if args.cnn else 100
    return args


def load_data(seed):
    """The digits as float32 tensors: ``(x_train, x_test, y_train, y_test)``.

    Each image is a row of 64 pixel values in 0..16, scaled to 0..1.
    """
    digits = load_digits()
    x = digits.data.astype("float32") / 16.0
    y = digits.target
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.25, stratify=y, random_state=seed)
    return (torch.tensor(x_train), torch.tensor(x_test),
            torch.tensor(y_train), torch.tensor(y_test))


def make_model(cnn):
    """A network mapping a batch of 64-pixel rows to 10 class scores (logits)."""
    if cnn:
        return nn.Sequential(
            nn.Unflatten(1, (1, 8, 8)),                   # (N, 64) -> (N, 1, 8, 8)
            nn.Conv2d(1, 16, kernel_size=3, padding=1),   # -> (N, 16, 8, 8)
            nn.ReLU(),
            nn.MaxPool2d(2),                              # -> (N, 16, 4, 4)
            nn.Conv2d(16, 32, kernel_size=3, padding=1),  # -> (N, 32, 4, 4)
            nn.ReLU(),
            nn.MaxPool2d(2),                              # -> (N, 32, 2, 2)
            nn.Flatten(),                                 # -> (N, 128)
            nn.Linear(32 * 2 * 2, 10),
        )
    return nn.Sequential(
        nn.Linear(64, 128),
        nn.ReLU(),
        nn.Dropout(0.2),
        nn.Linear(128, 64),
        nn.ReLU(),
        nn.Linear(64, 10),
    )


def train_one_epoch(model, loader, loss_fn, optimizer):
    """One pass over the training set; returns the mean training loss."""
    model.train()  # dropout on
    total, count = 0.0, 0
    for xb, yb in loader:
        loss = loss_fn(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(yb)
        count += len(yb)
    return total / count


def accuracy(model, x, y):
    """The fraction of ``x`` that ``model`` classifies correctly."""
    model.eval()  # dropout off
    with torch.no_grad():  # no autograd graph: faster, and less memory
        predictions = model(x).argmax(dim=1)
    return (predictions == y).float().mean().item()


def plot_curves(losses, accuracies, path):
    import matplotlib

    matplotlib.use("Agg")  # draw to a file, no display needed
    import matplotlib.pyplot as plt

    epochs = range(1, len(losses) + 1)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    ax_loss.plot(epochs, losses, marker=".")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy", yscale="log", title="training loss")
    ax_acc.plot(epochs, [100 * a for a in accuracies], marker=".", color="tab:green")
    ax_acc.set(xlabel="epoch", ylabel="%", title="test accuracy")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    start = time.perf_counter()

    x_train, x_test, y_train, y_test = load_data(args.seed)
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=args.batch_size,
                        shuffle=True)
    model = make_model(args.cnn)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    print(model)
    print(f"{len(x_train)} training and {len(x_test)} test images, "
          f"{sum(p.numel() for p in model.parameters())} parameters")

    losses, accuracies = [], []
    progress = tqdm(range(args.epochs), desc="training", unit="epoch",
                    disable=args.no_progress)
    for _ in progress:
        losses.append(train_one_epoch(model, loader, loss_fn, optimizer))
        scheduler.step()
        accuracies.append(accuracy(model, x_test, y_test))
        progress.set_postfix(loss=f"{losses[-1]:.4f}", test_acc=f"{accuracies[-1]:.1%}")
    progress.close()

    test_acc = accuracy(model, x_test, y_test)
    print(f"test accuracy: {test_acc:.1%}")
    print(f"wall time: {time.perf_counter() - start:.1f} s "
          f"({args.epochs} epochs, {torch.get_num_threads()} threads)")

    if args.plot:
        plot_curves(losses, accuracies, args.plot)
        print(f"saved the training curves to {args.plot}")

    if args.save:
        torch.save(model.state_dict(), args.save)
        reloaded = make_model(args.cnn)
        reloaded.load_state_dict(torch.load(args.save))
        reloaded_acc = accuracy(reloaded, x_test, y_test)
        verdict = "same as" if reloaded_acc == test_acc else "DIFFERENT from"
        print(f"saved the weights to {args.save}; reloaded model test accuracy: "
              f"{reloaded_acc:.1%} ({verdict} the trained model)")
        if reloaded_acc != test_acc:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
