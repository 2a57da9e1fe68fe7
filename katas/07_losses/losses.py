"""Losses by hand.

Replace each `raise NotImplementedError(...)` with your code; the kata's tests check it.
The lesson (README.md beside this file) explains every task
and lists the building blocks you may use: no torch.nn.functional, no torch.logsumexp.
"""

import torch

# Task 1: Reductions and mean squared error


def reduce_loss(losses, reduction="mean"):
    """Combine a tensor of per-item ``losses`` as ``reduction`` says.

    ``"mean"``: their average (a 0-d tensor); ``"sum"``: their total (a 0-d tensor);
    ``"none"``: ``losses`` unchanged. Any other value raises ``ValueError``.
    """
    raise NotImplementedError("Task 1: write reduce_loss (see README.md)")


def mse(prediction, target, reduction="mean"):
    """The mean squared error: the squared differences ``(prediction - target) ** 2``, reduced.

    ``prediction`` and ``target`` must have the same shape; if they do not, raise
    ``ValueError`` instead of broadcasting. Matches ``F.mse_loss`` for every reduction.
    """
    raise NotImplementedError("Task 1: write mse (see README.md)")


# Task 2: Log-sum-exp and log-softmax, stable


def logsumexp(x, dim):
    """``log(sum(exp(x)))`` along ``dim``, which disappears from the shape, like ``torch.logsumexp(x, dim)``.

    It must stay finite for values as large as 1e4 or as small as -1e4.
    """
    raise NotImplementedError("Task 2: write logsumexp (see README.md)")


def log_softmax(x, dim):
    """The log of the softmax of ``x`` along ``dim``; same shape as ``x``, like ``F.log_softmax(x, dim)``.

    It must stay finite for values as large as 1e4 or as small as -1e4.
    """
    raise NotImplementedError("Task 2: write log_softmax (see README.md)")


# Task 3: Cross-entropy with class indices


def cross_entropy(logits, labels, reduction="mean"):
    """The cross-entropy of ``logits`` (N x C, one row of raw scores per sample) and ``labels``.

    ``labels`` holds N class indices (int64, each in ``0 .. C-1``). The loss of sample i is
    ``-log_softmax(logits)[i, labels[i]]``. Matches ``F.cross_entropy`` for every reduction.
    """
    raise NotImplementedError("Task 3: write cross_entropy (see README.md)")


# Task 4: Cross-entropy with class probabilities


def soft_cross_entropy(logits, probabilities, reduction="mean"):
    """The cross-entropy of ``logits`` (N x C) and target ``probabilities`` (N x C, rows sum to 1).

    The loss of sample i is ``-sum_c probabilities[i, c] * log_softmax(logits)[i, c]``.
    Matches ``F.cross_entropy(logits, probabilities)`` for every reduction.
    """
    raise NotImplementedError("Task 4: write soft_cross_entropy (see README.md)")


# Task 5: Binary cross-entropy with logits, stable


def bce_with_logits(logits, targets, reduction="mean"):
    """The binary cross-entropy of ``logits`` z and ``targets`` y (same shape, y between 0 and 1).

    Each element's loss is ``-(y * log(sigmoid(z)) + (1 - y) * log(1 - sigmoid(z)))``, computed in
    a form that stays finite for z = ±1e4. Matches ``F.binary_cross_entropy_with_logits``.
    """
    raise NotImplementedError("Task 5: write bce_with_logits (see README.md)")
