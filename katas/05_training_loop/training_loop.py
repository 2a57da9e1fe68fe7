"""A training loop by hand, with no torch.nn and no torch.optim.

Replace each `raise NotImplementedError(...)` with your code; the kata's tests check it.
The lesson (README.md beside this file) explains every task.
"""

import torch

# Task 1: Parameters are leaves


def init_parameters(n_features, dtype=torch.float32):
    """The parameters ``(w, b)`` of logistic regression on ``n_features`` features.

    ``w`` has shape ``(n_features,)`` and ``b`` is 0-d; both have ``dtype``, start at zero or at small random
    values, and are leaf tensors that require grad.
    """
    raise NotImplementedError("Task 1: write init_parameters (see README.md)")


# Task 2: The forward pass


def predict_logits(X, w, b):
    """The logits of the ``N`` rows of ``X`` (shape ``(N, n_features)``): a tensor of shape ``(N,)``.

    A logit is a score: positive means class 1 is more likely. Keep the graph: gradients must reach ``w`` and ``b``.
    """
    raise NotImplementedError("Task 2: write predict_logits (see README.md)")


# Task 3: A loss that cannot overflow


def bce_with_logits(logits, targets):
    """The mean binary cross-entropy of ``logits`` against 0/1 ``targets`` (same shape), as a 0-d tensor.

    Finite and exact for every logit, even +-1000, in float32 as in float64. Written by hand: no torch.nn.
    """
    raise NotImplementedError("Task 3: write bce_with_logits (see README.md)")


# Task 4: One step of gradient descent


def sgd_step(params, lr):
    """Move each tensor in ``params`` one step of size ``lr`` against its ``.grad``, in place; return nothing.

    The tensors must stay leaves that require grad. Leave the gradients alone: that is ``zero_grad``'s job.
    """
    raise NotImplementedError("Task 4: write sgd_step (see README.md)")


def zero_grad(params):
    """Reset the ``.grad`` of each tensor in ``params`` (to ``None`` or to zeros), even if it has none yet."""
    raise NotImplementedError("Task 4: write zero_grad (see README.md)")


# Task 5: Noticing divergence


def diverged(losses):
    """Whether training has diverged, given the non-empty list of losses (Python floats) so far.

    True when any loss is nan or infinite, or the latest loss is larger than the first.
    """
    raise NotImplementedError("Task 5: write diverged (see README.md)")


# Task 6: The training loop


def train(X, y, params, lr, max_steps, tol):
    """Train ``params = (w, b)`` in place by gradient descent on the mean BCE of ``X`` against ``y``.

    Each of at most ``max_steps`` steps computes the loss of the current parameters and appends it to the
    history as a Python float. Then: raise ``FloatingPointError``, its message giving ``lr``, if
    ``diverged(history)``; stop, without updating, if the loss improved on the previous one by less than ``tol``;
    otherwise take one step of gradient descent with learning rate ``lr``, starting from fresh gradients.

    Returns the history.
    """
    raise NotImplementedError("Task 6: write train (see README.md)")
