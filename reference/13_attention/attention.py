"""Embeddings and attention by hand. Reference solution."""

import math

import torch
import torch.nn.functional as F
from torch import nn

# Task 1: An embedding is a lookup


def one_hot(ids, num_classes):
    """An int64 tensor of shape ``ids.shape + (num_classes,)``: 1 where the last index equals the id, 0 elsewhere,
    like ``F.one_hot(ids, num_classes)``. An id outside 0 to ``num_classes - 1`` raises ``ValueError``."""
    outside = (ids < 0) | (ids >= num_classes)
    if outside.any():
        raise ValueError(f"ids must lie in range({num_classes}), got {ids[outside][0].item()}")
    return (ids.unsqueeze(-1) == torch.arange(num_classes, device=ids.device)).long()


def embed(weight, ids):
    """The rows of ``weight`` (``(num_embeddings, dim)``) that ``ids`` (int64, any shape) pick, shaped
    ``ids.shape + (dim,)``, like ``F.embedding(ids, weight)``."""
    return weight[ids]


def embed_one_hot(weight, ids):
    """The same embedding as ``embed``, computed as a matrix product: the one-hot rows of ``ids`` times ``weight``."""
    return one_hot(ids, weight.shape[0]).to(weight.dtype) @ weight


# Task 2: The gradient of an embedding, and padding_idx


def embedding_weight_grad(ids, grad_output, num_embeddings, padding_idx=None):
    """The gradient that ``embed(weight, ids)`` sends to ``weight`` when ``grad_output`` (shaped ``ids.shape +
    (dim,)``) comes from above, computed without autograd: row ``r`` is the sum of the rows of ``grad_output`` at
    the positions where ``ids`` is ``r``; the row ``padding_idx`` (when given) stays 0."""
    dim = grad_output.shape[-1]
    grad = torch.zeros(num_embeddings, dim, dtype=grad_output.dtype, device=grad_output.device)
    grad.index_add_(0, ids.reshape(-1), grad_output.reshape(-1, dim))
    if padding_idx is not None:
        grad[padding_idx] = 0
    return grad


class Embedding(nn.Module):
    """An embedding table as a module, like ``nn.Embedding(num_embeddings, embedding_dim, padding_idx)``."""

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None):
        """A parameter ``weight`` of shape ``(num_embeddings, embedding_dim)`` drawn from N(0, 1), its row
        ``padding_idx`` zeros. A negative ``padding_idx`` counts from the end; one outside the table raises
        ``ValueError``."""
        super().__init__()
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"padding_idx {padding_idx} lies outside a table of {num_embeddings} rows")
            padding_idx %= num_embeddings
        self.padding_idx = padding_idx
        self.weight = nn.Parameter(torch.randn(num_embeddings, embedding_dim))
        if padding_idx is not None:
            with torch.no_grad():
                self.weight[padding_idx] = 0

    def forward(self, ids):
        """The rows of ``self.weight`` that ``ids`` pick; the row ``padding_idx`` never gets a gradient."""
        out = embed(self.weight, ids)
        if self.padding_idx is None:
            return out
        padding = (ids == self.padding_idx).unsqueeze(-1)
        return torch.where(padding, out.detach(), out)


# Task 3: Positions


def sinusoidal_positions(num_positions, dim):
    """The sinusoidal position table of "Attention Is All You Need", float32, ``(num_positions, dim)``:
    ``table[p, 2i] = sin(p / 10000 ** (2i / dim))`` and ``table[p, 2i + 1] = cos(p / 10000 ** (2i / dim))``,
    positions from 0. An odd ``dim`` raises ``ValueError``."""
    if dim % 2:
        raise ValueError(f"dim must be even, to pair each sin with a cos; got {dim}")
    positions = torch.arange(num_positions).unsqueeze(1)
    frequencies = 10000.0 ** (-torch.arange(0, dim, 2) / dim)  # float32: the 2i of each pair over dim
    angles = positions * frequencies  # (num_positions, dim / 2)
    return torch.stack([angles.sin(), angles.cos()], dim=-1).reshape(num_positions, dim)


class LearnedPositions(nn.Module):
    """Learned absolute positions: a trained vector per position, added to the input."""

    def __init__(self, max_positions, dim):
        """A parameter ``weight`` of shape ``(max_positions, dim)`` drawn from N(0, 1)."""
        super().__init__()
        self.weight = nn.Parameter(torch.randn(max_positions, dim))

    def forward(self, x):
        """``x`` (``(..., T, dim)``) plus the vectors of positions 0 to T - 1; T beyond ``max_positions`` raises
        ``ValueError``."""
        length = x.shape[-2]
        if length > self.weight.shape[0]:
            raise ValueError(f"a sequence of {length} positions is longer than max_positions {self.weight.shape[0]}")
        return x + self.weight[:length]


# Task 4: Scaled dot-product attention


def causal_mask(num_queries, num_keys=None):
    """A bool mask ``(num_queries, num_keys)`` (``num_keys`` defaults to ``num_queries``): True where query ``i``
    may look at key ``j``, that is ``j <= i``."""
    if num_keys is None:
        num_keys = num_queries
    return torch.ones(num_queries, num_keys, dtype=torch.bool).tril()


def scaled_dot_product_attention(query, key, value, attn_mask=None, is_causal=False, scale=None):
    """Attention like ``F.scaled_dot_product_attention``: ``softmax(query @ key^T * scale + mask) @ value``.

    ``query`` is ``(..., L, E)``, ``key`` ``(..., S, E)``, ``value`` ``(..., S, Ev)``; the result ``(..., L, Ev)``.
    ``scale`` defaults to ``1 / sqrt(E)``. ``attn_mask`` (broadcastable to ``(..., L, S)``) is bool, True where a
    query may look at a key, or float, added to the scaled scores. ``is_causal`` applies ``causal_mask(L, S)``;
    it and ``attn_mask`` together raise ``ValueError``. A query that may look at no key gets zeros, and a zero
    gradient.
    """
    if is_causal and attn_mask is not None:
        raise ValueError(f"is_causal={is_causal} and an attn_mask of shape {tuple(attn_mask.shape)}: give one of them")
    if scale is None:
        scale = 1 / math.sqrt(query.shape[-1])
    scores = query @ key.transpose(-2, -1) * scale
    if is_causal:
        attn_mask = causal_mask(query.shape[-2], key.shape[-2]).to(query.device)
    if attn_mask is not None and attn_mask.dtype == torch.bool:
        scores = scores.masked_fill(~attn_mask, -math.inf)  # False: may not look
    elif attn_mask is not None:
        scores = scores + attn_mask
    nothing = torch.isneginf(scores).all(dim=-1, keepdim=True)  # rows that may look at no key
    scores = scores.masked_fill(nothing, 0.0)  # any finite row: its weights are dropped below
    weights = torch.softmax(scores, dim=-1).masked_fill(nothing, 0.0)
    return weights @ value


# Task 5: Multi-head attention


def multi_head_attention(mha, query, key, value, is_causal=False):
    """The output of ``mha`` (an ``nn.MultiheadAttention`` with ``batch_first=True``) for ``query`` ``(B, L, E)``,
    ``key`` and ``value`` ``(B, S, E)``, computed from its parameters: ``mha(query, key, value,
    need_weights=False)[0]``, with a causal mask when ``is_causal``."""
    batch, length, embed_dim = query.shape
    heads = mha.num_heads
    head_dim = embed_dim // heads
    biases = mha.in_proj_bias.chunk(3) if mha.in_proj_bias is not None else (None, None, None)
    projected = []
    for x, weight, bias in zip((query, key, value), mha.in_proj_weight.chunk(3), biases):
        x = F.linear(x, weight, bias)
        projected.append(x.reshape(batch, x.shape[1], heads, head_dim).transpose(1, 2))  # (B, H, T, d)
    out = scaled_dot_product_attention(*projected, is_causal=is_causal)  # (B, H, L, d)
    out = out.transpose(1, 2).reshape(batch, length, embed_dim)
    return mha.out_proj(out)
