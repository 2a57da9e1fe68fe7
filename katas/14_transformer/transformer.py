"""A small transformer, trained.

Replace each `raise NotImplementedError(...)` with your code; the kata's tests check it.
The lesson (README.md beside this file) explains every task. Allowed, and expected: F.scaled_dot_product_attention,
nn.Linear, nn.LayerNorm, nn.Embedding, nn.GELU, torch.optim.AdamW.
"""

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
        raise NotImplementedError("Task 1: write CausalSelfAttention.__init__ (see README.md)")

    def forward(self, x, cache=None, layer=0):
        """``x`` (B, T, d_model) -> (B, T, d_model): each position attends to itself and the positions before it.

        With a ``cache`` (Task 4), the new keys and values go into it as layer ``layer``'s, and the queries attend
        to every key cached so far as well.
        """
        raise NotImplementedError("Task 1: write CausalSelfAttention.forward (see README.md)")


class Block(nn.Module):
    """A pre-norm transformer block: ``x + attn(ln1(x))``, then ``x + mlp(ln2(x))``."""

    def __init__(self, d_model, n_heads, d_ff=None):
        """``ln1``, ``attn`` (a ``CausalSelfAttention``), ``ln2`` and ``mlp`` (``Linear(d_model, d_ff)``, ``GELU``,
        ``Linear(d_ff, d_model)`` in an ``nn.Sequential``); ``d_ff=None`` means ``4 * d_model``."""
        raise NotImplementedError("Task 1: write Block.__init__ (see README.md)")

    def forward(self, x, cache=None, layer=0):
        """``x`` (B, T, d_model) -> (B, T, d_model); ``cache`` and ``layer`` go on to ``attn`` (Task 4)."""
        raise NotImplementedError("Task 1: write Block.forward (see README.md)")


# Task 2: A decoder-only model


class TinyGPT(nn.Module):
    """Token and position embeddings, ``n_layers`` blocks, a final LayerNorm and an output head."""

    def __init__(self, vocab_size, max_len, d_model=64, n_layers=2, n_heads=4, d_ff=None, tie_weights=False):
        """``tok_emb``, ``pos_emb`` (``nn.Embedding``), ``blocks`` (an ``nn.ModuleList`` of ``Block``), ``ln_f`` and
        ``head`` (``nn.Linear(d_model, vocab_size, bias=False)``), whose weight IS ``tok_emb``'s when ``tie_weights``.
        Keep ``max_len``."""
        raise NotImplementedError("Task 2: write TinyGPT.__init__ (see README.md)")

    def forward(self, tokens, cache=None):
        """``tokens`` (B, T) int64 -> logits (B, T, vocab_size). With a ``cache`` (Task 4) the tokens continue the
        cached ones: their positions start at ``cache.length()``. More than ``max_len`` positions raise
        ``ValueError``."""
        raise NotImplementedError("Task 2: write TinyGPT.forward (see README.md)")


def parameter_count(vocab_size, max_len, d_model=64, n_layers=2, d_ff=None, tie_weights=False):
    """How many numbers ``TinyGPT(vocab_size, max_len, d_model, n_layers, n_heads, d_ff, tie_weights)`` trains
    (``n_heads`` changes nothing), worked out by arithmetic: a tied weight counts once."""
    raise NotImplementedError("Task 2: write parameter_count (see README.md)")


# Task 3: Training on a task whose answer is known


def make_sequences(digits):
    """``digits`` (B, n) -> (B, 2n + 1): each row's digits, ``SEP``, then the same digits sorted ascending."""
    raise NotImplementedError("Task 3: write make_sequences (see README.md)")


def answer_loss(model, sequences, prompt_length):
    """The mean cross-entropy of ``model``'s predictions of the answer tokens (from position ``prompt_length`` on),
    with teacher forcing: the model reads ``sequences[:, :-1]``, and its logits at position t predict token t + 1."""
    raise NotImplementedError("Task 3: write answer_loss (see README.md)")


def train(model, sequences, prompt_length, steps, batch_size=64, lr=3e-3, generator=None, on_step=None):
    """Train ``model`` for ``steps`` steps of AdamW on ``answer_loss``, the learning rate falling linearly from
    ``lr`` towards 0, each step on ``batch_size`` rows of ``sequences`` drawn at random with ``generator``; call
    ``on_step(loss)`` after each step when it is given. Return the losses, a float per step."""
    raise NotImplementedError("Task 3: write train (see README.md)")


# Task 4: A KV cache


class KVCache:
    """The keys and values that each layer's attention has seen so far, (B, n_heads, T, d_head) each."""

    def __init__(self):
        """An empty cache."""
        raise NotImplementedError("Task 4: write KVCache.__init__ (see README.md)")

    def length(self):
        """How many positions the cache holds (layer 0's count): 0 when empty."""
        raise NotImplementedError("Task 4: write KVCache.length (see README.md)")

    def update(self, layer, k, v):
        """Append ``k`` and ``v`` (B, n_heads, T_new, d_head) to layer ``layer``'s keys and values, along the
        positions; return that layer's keys and values so far."""
        raise NotImplementedError("Task 4: write KVCache.update (see README.md)")


# Task 5: Generation


def sample_next(logits, temperature=0.0, generator=None):
    """One token per row of ``logits`` (B, vocab_size), as int64 (B,): the largest logit when ``temperature`` is 0
    (greedy), else a draw from ``softmax(logits / temperature)`` with ``generator``."""
    raise NotImplementedError("Task 5: write sample_next (see README.md)")


def generate(model, prompt, max_new_tokens, temperature=0.0, generator=None, stop_token=None):
    """``prompt`` (B, P) followed by up to ``max_new_tokens`` tokens, each drawn by ``sample_next`` from the model's
    last logits, the model reading each new token once through a ``KVCache``. Stops early once every row has
    produced ``stop_token`` (kept); a row that has stopped is padded with ``stop_token``."""
    raise NotImplementedError("Task 5: write generate (see README.md)")
