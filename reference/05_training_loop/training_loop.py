"""A training loop by hand. Reference solution."""

import math

import torch

# Task 1: Parameters are leaves


def init_parameters(n_features, dtype=torch.float32):
    w = (0.01 * torch.randn(n_features, dtype=dtype)).requires_grad_()
    b = torch.zeros((), dtype=dtype, requires_grad=True)
    return w, b


# Task 2: The forward pass


def predict_logits(X, w, b):
    return X @ w + b


# Task 3: A loss that cannot overflow


def bce_with_logits(logits, targets):
    return ((logits + logits.abs()) / 2 - logits * targets + torch.log1p(torch.exp(-logits.abs()))).mean()


# Task 4: One step of gradient descent


def sgd_step(params, lr):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad


def zero_grad(params):
    for param in params:
        param.grad = None


# Task 5: Noticing divergence


def diverged(losses):
    return not all(math.isfinite(loss) for loss in losses) or losses[-1] > losses[0]


# Task 6: The training loop


def train(X, y, params, lr, max_steps, tol):
    w, b = params
    losses = []
    for _ in range(max_steps):
        loss = bce_with_logits(predict_logits(X, w, b), y)
        losses.append(loss.item())
        if diverged(losses):
            raise FloatingPointError(f"the loss diverged at learning rate {lr}: {losses[-1]} after {len(losses)} steps")
        if len(losses) > 1 and losses[-2] - losses[-1] < tol:
            break
        loss.backward()
        sgd_step(params, lr)
        zero_grad(params)
    return losses
