"""Train a character-level language model with cygrad, then sample text from it.

The script is ordinary PyTorch code: apart from ``import cygrad as torch`` (and ``cygrad``
in the two other imports) it would run unchanged with PyTorch. A language model reads a
stretch of text and, at every position, predicts the next character; trained on a small
corpus it learns spelling, words and some of the shape of the text, and can then write more
of it one sampled character at a time.

Two models are offered:

* ``--model transformer`` (the default): a small GPT in the style of nanoGPT. Token and
  position embeddings feed a stack of blocks, each a causal self-attention layer and an MLP,
  with a LayerNorm before each and a residual connection around each; the output layer
  shares its weight with the token embedding ("weight tying"). It sees a window of
  ``--context`` characters and is trained on windows drawn at random from the text.
* ``--model lstm``: an embedding, a two-layer ``nn.LSTM`` and a linear decoder, trained as in
  PyTorch's word_language_model example: the text is cut into ``--batch-size`` long streams
  read side by side, ``--context`` characters per step, and the hidden state is carried from
  one step to the next but detached, so gradients flow back through one step's characters
  only (truncated backpropagation through time). The state starts fresh at each pass.

The text is ``examples/data/tiny_corpus.txt`` (public-domain poems, fables, speeches and
rhymes, about 25 KB) unless ``--data`` names another UTF-8 text file. Its first 90% is the
training split and the last 10% the validation split. Every ``--eval-every`` steps the mean
cross-entropy on a few batches of each split is printed; a model that knows nothing scores
``ln(vocabulary size)``, about 4.2 here. At the end the script samples ``--sample-chars``
characters after ``--prompt``.

Run it (tqdm, for the progress bar, is optional)::

    python examples/char_lm.py                        # the transformer, ~1.5 minutes
    python examples/char_lm.py --model lstm
    python examples/char_lm.py --steps 200 --prompt "The " --temperature 0.6
    python examples/char_lm.py --data my_text.txt --save char_lm.pt

``python examples/char_lm.py --help`` lists every option.
"""
import argparse
import math
import time
from pathlib import Path

import cygrad as torch
from cygrad import nn
from cygrad.nn import functional as F

try:
    from tqdm import tqdm
except ImportError:  # the progress bar is optional; the loss lines are printed without it
    tqdm = None

DEFAULT_DATA = Path(__file__).resolve().parent / "data" / "tiny_corpus.txt"

# Per-model defaults, used for the options left unset on the command line.
DEFAULTS = {
    "transformer": dict(steps=1000, batch_size=12, context=64, layers=4, width=128, lr=1e-3),
    "lstm": dict(steps=1000, batch_size=20, context=35, layers=2, width=256, lr=2e-3),
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", choices=["transformer", "lstm"], default="transformer",
                        help="the network to train (default: transformer)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="a UTF-8 text file to train on (default: the bundled corpus)")

    shape = parser.add_argument_group("model and batches (defaults depend on --model)")
    shape.add_argument("--layers", type=int,
                       help="transformer blocks (default 4) or LSTM layers (default 2)")
    shape.add_argument("--width", type=int,
                       help="embedding width of the transformer (default 128) or hidden size "
                            "of the LSTM (default 256)")
    shape.add_argument("--heads", type=int, default=4,
                       help="attention heads per transformer block (default 4)")
    shape.add_argument("--embedding", type=int, default=64,
                       help="character embedding size of the LSTM (default 64)")
    shape.add_argument("--dropout", type=float, default=0.2,
                       help="dropout probability while training (default 0.2)")
    shape.add_argument("--context", type=int,
                       help="characters per training sequence: the transformer's context "
                            "window (default 64) or the LSTM's backpropagation length "
                            "(default 35)")
    shape.add_argument("--batch-size", type=int,
                       help="sequences per step (default 12 for the transformer, 20 for the "
                            "LSTM)")

    training = parser.add_argument_group("training")
    training.add_argument("--steps", type=int,
                          help="optimizer steps (default 1000: ~1.5 minutes on 2 cores)")
    training.add_argument("--lr", type=float,
                          help="AdamW's peak learning rate (default 1e-3 for the transformer, "
                               "2e-3 for the LSTM); it warms up over the first steps, then "
                               "decays to a tenth along a cosine")
    training.add_argument("--weight-decay", type=float, default=0.1,
                          help="AdamW weight decay, applied to weight matrices and embeddings "
                               "only (default 0.1)")
    training.add_argument("--grad-clip", type=float, default=1.0,
                          help="clip the gradient norm to this (default 1.0; 0 disables)")
    training.add_argument("--eval-every", type=int, default=100,
                          help="steps between two evaluations (default 100)")
    training.add_argument("--eval-iters", type=int, default=10,
                          help="batches per split in an evaluation (default 10)")
    training.add_argument("--seed", type=int, default=1337,
                          help="seeds the initial weights, the batches, dropout and sampling")
    training.add_argument("--threads", type=int, help="threads the library may use")
    training.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    training.add_argument("--save", metavar="PATH",
                          help="save the trained weights (the state_dict) to this file")

    sampling = parser.add_argument_group("sampling")
    sampling.add_argument("--sample-chars", type=int, default=300,
                          help="characters to generate at the end (default 300; 0 skips it)")
    sampling.add_argument("--prompt", default="\n",
                          help=r"text to start from; '\n' stands for a newline "
                               r"(default: a newline)")
    sampling.add_argument("--temperature", type=float, default=0.8,
                          help="below 1: safer, more repetitive text; above 1: wilder "
                               "(default 0.8)")
    sampling.add_argument("--top-k", type=int, default=10,
                          help="sample among the k likeliest characters only (default 10; "
                               "0: all)")

    args = parser.parse_args(argv)
    for name, value in DEFAULTS[args.model].items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.prompt = args.prompt.replace("\\n", "\n")
    return args


# ----------------------------------------------------------------------------- the data
class CharTokenizer:
    """Maps each distinct character of a text to an integer id, and back."""

    def __init__(self, text):
        self.chars = sorted(set(text))
        self.stoi = {ch: i for i, ch in enumerate(self.chars)}

    @property
    def vocab_size(self):
        return len(self.chars)

    def encode(self, text):
        unknown = sorted(set(text) - set(self.stoi))
        if unknown:
            raise ValueError(f"characters not in the training text: {unknown}")
        return [self.stoi[ch] for ch in text]

    def decode(self, ids):
        return "".join(self.chars[i] for i in ids)


def random_batches(data, batch_size, context, generator=None):
    """Endless ``(x, y, reset)`` batches of ``batch_size`` windows taken at random.

    ``x`` holds the windows of ``context`` characters, shape ``(batch_size, context)``, and
    ``y`` the same windows shifted by one: ``y[b, t]`` is the character after ``x[b, t]``,
    the one the model must predict there. The windows are unrelated to each other, so
    ``reset`` is always ``True``: there is no state to carry from one batch to the next.
    """
    if len(data) <= context:
        raise ValueError(f"a split of {len(data)} characters is too short for a context "
                         f"of {context}")
    while True:
        starts = torch.randint(len(data) - context, (batch_size,), generator=generator)
        x = torch.stack([data[i:i + context] for i in starts.tolist()])
        y = torch.stack([data[i + 1:i + 1 + context] for i in starts.tolist()])
        yield x, y, True


def stream_batches(data, batch_size, context):
    """Endless ``(x, y, reset)`` batches that read ``batch_size`` streams of text in order.

    The text is cut into ``batch_size`` equal pieces, one per row of the batch; each batch
    holds the next ``context`` characters of every piece, so row ``b`` of a batch continues
    row ``b`` of the one before it and a model may carry its state across. ``reset`` is
    ``True`` for the first batch of every pass over the text.
    """
    length = len(data) // batch_size
    if length <= context:
        raise ValueError(f"a split of {len(data)} characters is too short for "
                         f"{batch_size} streams of more than {context}")
    streams = data[:length * batch_size].view(batch_size, length)
    while True:
        for i in range(0, length - context, context):
            yield streams[:, i:i + context], streams[:, i + 1:i + 1 + context], i == 0


# ----------------------------------------------------------------------------- sampling
def sample_next(logits, temperature, top_k):
    """Draw one id per row of ``logits`` ``(batch, vocab)``; returns shape ``(batch, 1)``."""
    logits = logits / temperature
    if top_k:
        # keep the top_k likeliest characters: every score below the k-th best becomes -inf,
        # so its probability after the softmax is 0
        kth_best = torch.topk(logits, min(top_k, logits.size(-1))).values[:, [-1]]
        logits = logits.masked_fill(logits < kth_best, -float("inf"))
    probs = F.softmax(logits, dim=-1)
    return torch.multinomial(probs, num_samples=1)


# ----------------------------------------------------------------------------- transformer
class CausalSelfAttention(nn.Module):
    """Multi-head self-attention where position ``t`` sees positions ``<= t`` only."""

    def __init__(self, width, heads, dropout):
        super().__init__()
        if width % heads:
            raise ValueError(f"the width ({width}) must be a multiple of the heads ({heads})")
        self.heads = heads
        self.dropout = dropout
        self.qkv = nn.Linear(width, 3 * width)  # queries, keys and values in one product
        self.proj = nn.Linear(width, width)     # mixes the heads' outputs back together
        self.resid_dropout = nn.Dropout(dropout)

    def forward(self, x):
        B, T, C = x.size()  # batch, time (positions), channels (width)
        q, k, v = self.qkv(x).split(C, dim=2)
        # (B, T, C) -> (B, heads, T, C // heads): every head attends on its own slice
        q = q.view(B, T, self.heads, C // self.heads).transpose(1, 2)
        k = k.view(B, T, self.heads, C // self.heads).transpose(1, 2)
        v = v.view(B, T, self.heads, C // self.heads).transpose(1, 2)
        # softmax(q @ k^T / sqrt(head size)) @ v with the future masked out
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True,
                                           dropout_p=self.dropout if self.training else 0.0)
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # the heads side by side again
        return self.resid_dropout(self.proj(y))


class MLP(nn.Module):
    """The position-wise feed-forward layer: widen 4x, GELU, narrow back."""

    def __init__(self, width, dropout):
        super().__init__()
        self.fc = nn.Linear(width, 4 * width)
        self.gelu = nn.GELU()
        self.proj = nn.Linear(4 * width, width)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        return self.dropout(self.proj(self.gelu(self.fc(x))))


class Block(nn.Module):
    """One transformer block: attention, then the MLP, each as a pre-LayerNorm residual."""

    def __init__(self, width, heads, dropout):
        super().__init__()
        self.ln_1 = nn.LayerNorm(width)
        self.attn = CausalSelfAttention(width, heads, dropout)
        self.ln_2 = nn.LayerNorm(width)
        self.mlp = MLP(width, dropout)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))  # positions exchange information
        x = x + self.mlp(self.ln_2(x))   # each position thinks on its own
        return x


class GPT(nn.Module):
    """A small GPT: ``forward(idx)`` maps ids ``(B, T)`` to next-character logits
    ``(B, T, vocab_size)``, for ``T <= context``."""

    def __init__(self, vocab_size, context, layers, heads, width, dropout):
        super().__init__()
        self.context = context
        self.wte = nn.Embedding(vocab_size, width)   # token embedding: what the character is
        self.wpe = nn.Embedding(context, width)      # position embedding: where it is
        self.drop = nn.Dropout(dropout)
        self.blocks = nn.ModuleList([Block(width, heads, dropout) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(width)
        self.lm_head = nn.Linear(width, vocab_size, bias=False)
        # weight tying: reading a character in and scoring it on the way out share one matrix
        self.lm_head.weight = self.wte.weight

        # nanoGPT's initialisation: small normal weights, zero biases, and the projections
        # that feed the residual stream scaled down by the depth so the sum stays of order 1
        self.apply(self._init_weights)
        for name, p in self.named_parameters():
            if name.endswith("proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * layers))

    @staticmethod
    def _init_weights(module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def forward(self, idx, state=None):
        """Returns ``(logits, None)``. ``state`` is ignored: the transformer sees its whole
        context at once. It is there so that both models fit the same training loop."""
        T = idx.size(1)
        if T > self.context:
            raise ValueError(f"a sequence of {T} characters is longer than the context "
                             f"({self.context})")
        pos = torch.arange(T)
        x = self.drop(self.wte(idx) + self.wpe(pos))  # (B, T, C) + (T, C) broadcasts
        for block in self.blocks:
            x = block(x)
        return self.lm_head(self.ln_f(x)), None

    @torch.no_grad()
    def generate(self, idx, new_chars, temperature=1.0, top_k=None):
        """Extend ``idx`` ``(B, T)`` by ``new_chars`` sampled ids, one at a time."""
        for _ in range(new_chars):
            logits, _ = self(idx[:, -self.context:])  # the last `context` characters
            idx = torch.cat((idx, sample_next(logits[:, -1, :], temperature, top_k)), dim=1)
        return idx


# ----------------------------------------------------------------------------- LSTM
class CharLSTM(nn.Module):
    """Embedding -> LSTM -> Linear: ``forward(idx, state)`` maps ids ``(B, T)`` and the
    state left by the previous batch (``None`` for a fresh start) to next-character logits
    ``(B, T, vocab_size)`` and the new state."""

    def __init__(self, vocab_size, embedding, hidden, layers, dropout):
        super().__init__()
        self.encoder = nn.Embedding(vocab_size, embedding)
        self.drop = nn.Dropout(dropout)
        self.rnn = nn.LSTM(embedding, hidden, num_layers=layers, dropout=dropout,
                           batch_first=True)
        self.decoder = nn.Linear(hidden, vocab_size)
        # as in PyTorch's word_language_model example
        nn.init.uniform_(self.encoder.weight, -0.1, 0.1)
        nn.init.uniform_(self.decoder.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)

    def forward(self, idx, state=None):
        out, state = self.rnn(self.drop(self.encoder(idx)), state)  # out: (B, T, hidden)
        return self.decoder(self.drop(out)), state

    @torch.no_grad()
    def generate(self, idx, new_chars, temperature=1.0, top_k=None):
        """Extend ``idx`` ``(B, T)`` by ``new_chars`` sampled ids, one at a time."""
        logits, state = self(idx)  # read the prompt once; the state remembers it
        for _ in range(new_chars):
            next_id = sample_next(logits[:, -1, :], temperature, top_k)
            idx = torch.cat((idx, next_id), dim=1)
            logits, state = self(next_id, state)  # then feed one character at a time
        return idx


def detach(state):
    """Cut the autograd history of an LSTM state (a tuple of tensors), keeping its values,
    so the next backward stops at the start of the current batch."""
    return None if state is None else tuple(s.detach() for s in state)


# ----------------------------------------------------------------------------- training
def make_model(args, vocab_size):
    if args.model == "transformer":
        return GPT(vocab_size, args.context, args.layers, args.heads, args.width,
                   args.dropout)
    return CharLSTM(vocab_size, args.embedding, args.width, args.layers, args.dropout)


def make_batches(args, data, evaluation=False):
    """The batches the model trains on, or (``evaluation=True``) evaluates on: the same every
    time, so that successive evaluations are comparable."""
    if args.model == "lstm":
        return stream_batches(data, args.batch_size, args.context)
    generator = torch.Generator().manual_seed(args.seed) if evaluation else None
    return random_batches(data, args.batch_size, args.context, generator)


def configure_optimizer(model, args):
    """AdamW with weight decay on the matrices (linear weights, embeddings) only, as in
    nanoGPT: decaying biases and LayerNorm gains towards 0 does not help."""
    params = list(model.parameters())  # a tied weight is listed once
    groups = [
        {"params": [p for p in params if p.dim() >= 2], "weight_decay": args.weight_decay},
        {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=args.lr, betas=(0.9, 0.95))


def lr_factor(step, steps):
    """Multiplies the peak learning rate: a linear warm-up over the first 5% of the steps,
    then a cosine decay to a tenth at the last step."""
    warmup = max(1, steps // 20)
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, steps - warmup)
    return 0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * progress))


@torch.no_grad()
def estimate_loss(model, batches, iters):
    """The mean cross-entropy of ``model`` over ``iters`` batches, dropout off."""
    model.eval()
    total, state = 0.0, None
    for _ in range(iters):
        x, y, reset = next(batches)
        logits, state = model(x, None if reset else state)
        total += F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1)).item()
    model.train()
    return total / iters


def train(model, args, train_data, val_data):
    """Trains ``model`` for ``args.steps`` steps; returns the last ``(train, val)`` losses."""
    optimizer = configure_optimizer(model, args)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: lr_factor(step, args.steps))
    batches = make_batches(args, train_data)

    progress = None
    if tqdm is not None and not args.no_progress:
        progress = tqdm(total=args.steps, desc="training", unit="step")
    log = progress.write if progress is not None else print

    model.train()
    state = None
    for step in range(args.steps + 1):
        if step % args.eval_every == 0 or step == args.steps:
            losses = (estimate_loss(model, make_batches(args, train_data, True),
                                    args.eval_iters),
                      estimate_loss(model, make_batches(args, val_data, True),
                                    args.eval_iters))
            log(f"step {step}: train loss {losses[0]:.4f}, val loss {losses[1]:.4f}")
        if step == args.steps:
            break

        x, y, reset = next(batches)
        # the LSTM goes on from where the previous batch left its streams, without
        # backpropagating into it; the transformer gets state=None and returns None
        logits, state = model(x, None if reset else detach(state))
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if args.grad_clip:
            nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip)
        optimizer.step()
        scheduler.step()

        if progress is not None:
            progress.update()
            progress.set_postfix(loss=f"{loss.item():.3f}")
    if progress is not None:
        progress.close()
    return losses


def main(argv=None):
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    text = args.data.read_text(encoding="utf-8")
    tokenizer = CharTokenizer(text)
    data = torch.tensor(tokenizer.encode(text), dtype=torch.long)
    split = int(0.9 * len(data))
    train_data, val_data = data[:split], data[split:]

    model = make_model(args, tokenizer.vocab_size)
    print(model)
    print(f"{args.data.name}: {len(train_data)} training and {len(val_data)} validation "
          f"characters, {tokenizer.vocab_size} distinct (a uniform guess scores "
          f"ln({tokenizer.vocab_size}) = {math.log(tokenizer.vocab_size):.4f}); "
          f"{sum(p.numel() for p in model.parameters())} parameters")

    start = time.perf_counter()
    train_loss, val_loss = train(model, args, train_data, val_data)
    elapsed = time.perf_counter() - start
    print(f"final train loss: {train_loss:.4f}")
    print(f"final val loss: {val_loss:.4f}")
    print(f"wall time: {elapsed:.1f} s ({args.steps} steps, {torch.get_num_threads()} threads)")

    if args.sample_chars > 0:
        model.eval()
        prompt = torch.tensor([tokenizer.encode(args.prompt)], dtype=torch.long)  # (1, T)
        out = model.generate(prompt, args.sample_chars, args.temperature, args.top_k)
        print(f"----- sample: {args.sample_chars} characters after a prompt of "
              f"{len(args.prompt)} (temperature {args.temperature}, top-k {args.top_k}) -----")
        print(tokenizer.decode(out[0].tolist()))
        print("----- end of sample -----")

    if args.save:
        torch.save(model.state_dict(), args.save)
        print(f"saved the weights to {args.save}")


if __name__ == "__main__":
    main()
