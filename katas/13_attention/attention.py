"""Embeddings and attention by hand.

Replace each `raise NotImplementedError(...)` with your code; the kata's tests check it.
The lesson (README.md beside this file) explains every task and what you may not call:
no F.embedding, F.one_hot or autograd in Tasks 1 and 2, no F.scaled_dot_product_attention or
nn.MultiheadAttention's forward in Tasks 4 and 5.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

# Task 1: An embedding is a lookup


def one_hot(ids, num_classes):
    """An int64 tensor of shape ``ids.shape + (num_classes,)``: 1 where the last index equals the id, 0 elsewhere,
    like ``F.one_hot(ids, num_classes)``. An id outside 0 to ``num_classes - 1`` raises ``ValueError``."""
    raise NotImplementedError("Task 1: write one_hot (see README.md)")


def embed(weight, ids):
    """The rows of ``weight`` (``(num_embeddings, dim)``) that ``ids`` (int64, any shape) pick, shaped
    ``ids.shape + (dim,)``, like ``F.embedding(ids, weight)``."""
    raise NotImplementedError("Task 1: write embed (see README.md)")


def embed_one_hot(weight, ids):
    """The same embedding as ``embed``, computed as a matrix product: the one-hot rows of ``ids`` times ``weight``."""
    raise NotImplementedError("Task 1: write embed_one_hot (see README.md)")


# Task 2: The gradient of an embedding, and padding_idx


def embedding_weight_grad(ids, grad_output, num_embeddings, padding_idx=None):
    """The gradient that ``embed(weight, ids)`` sends to ``weight`` when ``grad_output`` (shaped ``ids.shape +
    (dim,)``) comes from above, computed without autograd: row ``r`` is the sum of the rows of ``grad_output`` at
    the positions where ``ids`` is ``r``; the row ``padding_idx`` (when given) stays 0."""
    raise NotImplementedError("Task 2: write embedding_weight_grad (see README.md)")


class Embedding(nn.Module):
    """An embedding table as a module, like ``nn.Embedding(num_embeddings, embedding_dim, padding_idx)``."""

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None):
        """A parameter ``weight`` of shape ``(num_embeddings, embedding_dim)`` drawn from N(0, 1), its row
        ``padding_idx`` zeros. A negative ``padding_idx`` counts from the end; one outside the table raises
        ``ValueError``."""
        raise NotImplementedError("Task 2: write Embedding.__init__ (see README.md)")

    def forward(self, ids):
        """The rows of ``self.weight`` that ``ids`` pick; the row ``padding_idx`` never gets a gradient."""
        raise NotImplementedError("Task 2: write Embedding.forward (see README.md)")


# Task 3: Positions


def sinusoidal_positions(num_positions, dim):
    """The sinusoidal position table of "Attention Is All You Need", float32, ``(num_positions, dim)``:
    ``table[p, 2i] = sin(p / 10000 ** (2i / dim))`` and ``table[p, 2i + 1] = cos(p / 10000 ** (2i / dim))``,
    positions from 0. An odd ``dim`` raises ``ValueError``."""
    raise NotImplementedError("Task 3: write sinusoidal_positions (see README.md)")


class LearnedPositions(nn.Module):
    """Learned absolute positions: a trained vector per position, added to the input."""

    def __init__(self, max_positions, dim):
        """A parameter ``weight`` of shape ``(max_positions, dim)`` drawn from N(0, 1)."""
        raise NotImplementedError("Task 3: write LearnedPositions.__init__ (see README.md)")

    def forward(self, x):
        """``x`` (``(..., T, dim)``) plus the vectors of positions 0 to T - 1; T beyond ``max_positions`` raises
        ``ValueError``."""
        raise NotImplementedError("Task 3: write LearnedPositions.forward (see README.md)")


# Task 4: Scaled dot-product attention


def causal_mask(num_queries, num_keys=None):
    """A bool mask ``(num_queries, num_keys)`` (``num_keys`` defaults to ``num_queries``): True where query ``i``
    may look at key ``j``, that is ``j <= i``."""
    raise NotImplementedError("Task 4: write causal_mask (see README.md)")


def scaled_dot_product_attention(query, key, value, attn_mask=None, is_causal=False, scale=None):
    """Attention like ``F.scaled_dot_product_attention``: ``softmax(query @ key^T * scale + mask) @ value``.

    ``query`` is ``(..., L, E)``, ``key`` ``(..., S, E)``, ``value`` ``(..., S, Ev)``; the result ``(..., L, Ev)``.
    ``scale`` defaults to ``1 / sqrt(E)``. ``attn_mask`` (broadcastable to ``(..., L, S)``) is bool, True where a
    query may look at a key, or float, added to the scaled scores. ``is_causal`` applies ``causal_mask(L, S)``;
    it and ``attn_mask`` together raise ``ValueError``. A query that may look at no key gets zeros, and a zero
    gradient.
    """
    raise NotImplementedError("Task 4: write scaled_dot_product_attention (see README.md)")


# Task 5: Multi-head attention


def multi_head_attention(mha, query, key, value, is_causal=False):
    """The output of ``mha`` (an ``nn.MultiheadAttention`` with ``batch_first=True``) for ``query`` ``(B, L, E)``,
    ``key`` and ``value`` ``(B, S, E)``, computed from its parameters: ``mha(query, key, value,
    need_weights=False)[0]``, with a causal mask when ``is_causal``."""
    raise NotImplementedError("Task 5: write multi_head_attention (see README.md)")
