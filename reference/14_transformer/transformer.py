"""A small transformer, trained. Reference solution."""

import torch
import torch.nn.functional as F
from torch import nn

SEP = 10  # the separator between a prompt's digits and its answer
VOCAB_SIZE = 11  # the digits 0-9 and SEP

# Task 1: A pre-norm transformer block


class CausalSelfAttention(nn.Module):
    """Multi-head causal self-attention: ``qkv`` (``nn.Linear(d_model, 3 * d_model)``) makes the queries, keys and
    values of every head, ``proj`` (``nn.Linear(d_model, d_model)``) mixes the heads' outputs."""

    def __init__(self, d_model, n_heads):
        """Keep ``n_heads``; the layers ``qkv`` and ``proj``. ``d_model`` not divisible by ``n_heads`` raises
        ``ValueError``."""
        super().__init__()
        if d_model % n_heads:
            raise ValueError(f"d_model={d_model} does not split into n_heads={n_heads} heads of equal size")
        self.n_heads = n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)

    def forward(self, x, cache=None, layer=0):
        """``x`` (B, T, d_model) -> (B, T, d_model): each position attends to itself and the positions before it.

        With a ``cache`` (Task 4), the new keys and values go into it as layer ``layer``'s, and the queries attend
        to every key cached so far as well.
        """
        batch, length, d_model = x.shape
        q, k, v = self.qkv(x).split(d_model, dim=-1)
        q, k, v = (t.reshape(batch, length, self.n_heads, -1).transpose(1, 2) for t in (q, k, v))
        if cache is not None:
            k, v = cache.update(layer, k, v)
        seen = k.shape[2]  # keys of the cached positions, then of the new ones
        mask = torch.ones(length, seen, dtype=torch.bool, device=x.device).tril(seen - length)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        return self.proj(out.transpose(1, 2).reshape(batch, length, d_model))


class Block(nn.Module):
    """A pre-norm transformer block: ``x + attn(ln1(x))``, then ``x + mlp(ln2(x))``."""

    def __init__(self, d_model, n_heads, d_ff=None):
        """``ln1``, ``attn`` (a ``CausalSelfAttention``), ``ln2`` and ``mlp`` (``Linear(d_model, d_ff)``, ``GELU``,
        ``Linear(d_ff, d_model)`` in an ``nn.Sequential``); ``d_ff=None`` means ``4 * d_model``."""
        super().__init__()
        d_ff = 4 * d_model if d_ff is None else d_ff
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = CausalSelfAttention(d_model, n_heads)
        self.ln2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x, cache=None, layer=0):
        """``x`` (B, T, d_model) -> (B, T, d_model); ``cache`` and ``layer`` go on to ``attn`` (Task 4)."""
        x = x + self.attn(self.ln1(x), cache, layer)
        return x + self.mlp(self.ln2(x))


# Task 2: A decoder-only model


class TinyGPT(nn.Module):
    """Token and position embeddings, ``n_layers`` blocks, a final LayerNorm and an output head."""

    def __init__(self, vocab_size, max_len, d_model=64, n_layers=2, n_heads=4, d_ff=None, tie_weights=False):
        """``tok_emb``, ``pos_emb`` (``nn.Embedding``), ``blocks`` (an ``nn.ModuleList`` of ``Block``), ``ln_f`` and
        ``head`` (``nn.Linear(d_model, vocab_size, bias=False)``), whose weight IS ``tok_emb``'s when ``tie_weights``.
        Keep ``max_len``."""
        super().__init__()
        self.max_len = max_len
        self.tok_emb = nn.Embedding(vocab_size, d_model)
        self.pos_emb = nn.Embedding(max_len, d_model)
        self.blocks = nn.ModuleList(Block(d_model, n_heads, d_ff) for _ in range(n_layers))
        self.ln_f = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size, bias=False)
        if tie_weights:
            self.head.weight = self.tok_emb.weight

    def forward(self, tokens, cache=None):
        """``tokens`` (B, T) int64 -> logits (B, T, vocab_size). With a ``cache`` (Task 4) the tokens continue the
        cached ones: their positions start at ``cache.length()``. More than ``max_len`` positions raise
        ``ValueError``."""
        start = 0 if cache is None else cache.length()
        end = start + tokens.shape[1]
        if end > self.max_len:
            raise ValueError(f"{end} positions, but this model has max_len={self.max_len}")
        x = self.tok_emb(tokens) + self.pos_emb(torch.arange(start, end, device=tokens.device))
        for layer, block in enumerate(self.blocks):
            x = block(x, cache, layer)
        return self.head(self.ln_f(x))


def parameter_count(vocab_size, max_len, d_model=64, n_layers=2, d_ff=None, tie_weights=False):
    """How many numbers ``TinyGPT(vocab_size, max_len, d_model, n_layers, n_heads, d_ff, tie_weights)`` trains
    (``n_heads`` changes nothing), worked out by arithmetic: a tied weight counts once."""
    d_ff = 4 * d_model if d_ff is None else d_ff
    norms = 2 * (2 * d_model)
    attention = (3 * d_model * d_model + 3 * d_model) + (d_model * d_model + d_model)
    mlp = (d_model * d_ff + d_ff) + (d_ff * d_model + d_model)
    head = 0 if tie_weights else vocab_size * d_model
    return (vocab_size + max_len) * d_model + n_layers * (norms + attention + mlp) + 2 * d_model + head


# Task 3: Training on a task whose answer is known


def make_sequences(digits):
    """``digits`` (B, n) -> (B, 2n + 1): each row's digits, ``SEP``, then the same digits sorted ascending."""
    separator = torch.full((len(digits), 1), SEP, dtype=digits.dtype, device=digits.device)
    return torch.cat([digits, separator, digits.sort(dim=1).values], dim=1)


def answer_loss(model, sequences, prompt_length):
    """The mean cross-entropy of ``model``'s predictions of the answer tokens (from position ``prompt_length`` on),
    with teacher forcing: the model reads ``sequences[:, :-1]``, and its logits at position t predict token t + 1."""
    logits = model(sequences[:, :-1])
    answers = logits[:, prompt_length - 1 :]
    return F.cross_entropy(answers.reshape(-1, answers.shape[-1]), sequences[:, prompt_length:].reshape(-1))


def train(model, sequences, prompt_length, steps, batch_size=64, lr=3e-3, generator=None, on_step=None):
    """Train ``model`` for ``steps`` steps of AdamW on ``answer_loss``, the learning rate falling linearly from
    ``lr`` towards 0, each step on ``batch_size`` rows of ``sequences`` drawn at random with ``generator``; call
    ``on_step(loss)`` after each step when it is given. Return the losses, a float per step."""
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1 - step / steps)  # lr falls towards 0
    losses = []
    for _ in range(steps):
        batch = sequences[torch.randint(len(sequences), (batch_size,), generator=generator)]
        loss = answer_loss(model, batch, prompt_length)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        losses.append(loss.item())
        if on_step is not None:
            on_step(loss.item())
    return losses


# Task 4: A KV cache


class KVCache:
    """The keys and values that each layer's attention has seen so far, (B, n_heads, T, d_head) each."""

    def __init__(self):
        """An empty cache."""
        self.keys, self.values = {}, {}

    def length(self):
        """How many positions the cache holds (layer 0's count): 0 when empty."""
        return self.keys[0].shape[2] if 0 in self.keys else 0

    def update(self, layer, k, v):
        """Append ``k`` and ``v`` (B, n_heads, T_new, d_head) to layer ``layer``'s keys and values, along the
        positions; return that layer's keys and values so far."""
        if layer in self.keys:
            k, v = torch.cat([self.keys[layer], k], dim=2), torch.cat([self.values[layer], v], dim=2)
        self.keys[layer], self.values[layer] = k, v
        return k, v


# Task 5: Generation


def sample_next(logits, temperature=0.0, generator=None):
    """One token per row of ``logits`` (B, vocab_size), as int64 (B,): the largest logit when ``temperature`` is 0
    (greedy), else a draw from ``softmax(logits / temperature)`` with ``generator``."""
    if temperature == 0:
        return logits.argmax(dim=-1)
    probabilities = torch.softmax(logits / temperature, dim=-1)
    return torch.multinomial(probabilities, 1, generator=generator).squeeze(-1)


@torch.no_grad()
def generate(model, prompt, max_new_tokens, temperature=0.0, generator=None, stop_token=None):
    """``prompt`` (B, P) followed by up to ``max_new_tokens`` tokens, each drawn by ``sample_next`` from the model's
    last logits, the model reading each new token once through a ``KVCache``. Stops early once every row has
    produced ``stop_token`` (kept); a row that has stopped is padded with ``stop_token``."""
    model.eval()
    cache, tokens, new = KVCache(), prompt, prompt
    done = torch.zeros(len(prompt), dtype=torch.bool, device=prompt.device)
    for _ in range(max_new_tokens):
        if done.all():
            break
        logits = model(new, cache)[:, -1]
        new = sample_next(logits, temperature, generator).unsqueeze(1)
        if stop_token is not None:
            new = torch.where(done.unsqueeze(1), stop_token, new)
            done = done | (new.squeeze(1) == stop_token)
        tokens = torch.cat([tokens, new], dim=1)
    return tokens
