"""Optimizers.

Replace each `raise NotImplementedError(...)` with your code; the kata's tests check it.
The lesson (README.md beside this file) explains every task.

In the update rules below, θ is a parameter, g its gradient (``p.grad``), γ the learning
rate, λ the weight decay, and t = 1, 2, ... counts the steps this parameter has taken.
"""

import torch

# Task 1: SGD with momentum and weight decay


class SGD(torch.optim.Optimizer):
    """Stochastic gradient descent with momentum μ, dampening τ and weight decay λ, as torch.optim.SGD.

    At each step, for each parameter θ whose gradient g is not None:

        g  ← g + λ·θ                          (weight decay comes first)
        if μ ≠ 0:
            b ← g                   if t = 1  (the buffer starts at the first gradient, not at zero)
            b ← μ·b + (1 − τ)·g     if t > 1
            g ← b
        θ  ← θ − γ·g

    The momentum buffer b is the parameter's state: keep it in ``self.state[p]["momentum_buffer"]``.
    """

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0):
        """Put the settings in a ``defaults`` dict (keys: the argument names) and call
        ``super().__init__(params, defaults)``."""
        raise NotImplementedError("Task 1: write SGD.__init__ (see README.md)")

    def step(self):
        """Update every parameter that has a gradient once, in place, without autograd recording it.

        Loop over ``self.param_groups`` and read γ, μ, τ and λ from each group.
        """
        raise NotImplementedError("Task 1: write SGD.step (see README.md)")


# Task 2: RMSprop


class RMSprop(torch.optim.Optimizer):
    """RMSprop with smoothing constant α, as torch.optim.RMSprop (without momentum or centering).

    At each step, for each parameter θ whose gradient g is not None:

        g ← g + λ·θ
        v ← α·v + (1 − α)·g²                  (v starts at zero; g² is element-wise)
        θ ← θ − γ·g / (√v + ε)

    The square average v is the parameter's state: keep it in ``self.state[p]["square_avg"]``.
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0):
        """Put the settings in a ``defaults`` dict and call ``super().__init__(params, defaults)``."""
        raise NotImplementedError("Task 2: write RMSprop.__init__ (see README.md)")

    def step(self):
        """Update every parameter that has a gradient once, in place, without autograd recording it."""
        raise NotImplementedError("Task 2: write RMSprop.step (see README.md)")


# Task 3: Adam


class Adam(torch.optim.Optimizer):
    """Adam with ``betas`` = (β₁, β₂), as torch.optim.Adam (weight decay added to the gradient, as L2).

    At each step, for each parameter θ whose gradient g is not None:

        t ← t + 1                             (so t = 1 on the first step)
        g ← g + λ·θ
        m ← β₁·m + (1 − β₁)·g                 (m and v start at zero)
        v ← β₂·v + (1 − β₂)·g²
        m̂ ← m / (1 − β₁ᵗ)                     (bias correction)
        v̂ ← v / (1 − β₂ᵗ)
        θ ← θ − γ·m̂ / (√v̂ + ε)

    Keep the parameter's state in ``self.state[p]`` under torch's names:
    ``"step"`` (t), ``"exp_avg"`` (m) and ``"exp_avg_sq"`` (v).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        """Put the settings in a ``defaults`` dict and call ``super().__init__(params, defaults)``."""
        raise NotImplementedError("Task 3: write Adam.__init__ (see README.md)")

    def step(self):
        """Update every parameter that has a gradient once, in place, without autograd recording it."""
        raise NotImplementedError("Task 3: write Adam.step (see README.md)")


# Task 4: Parameter groups


def slower_first_layer(model, lr, first_layer_lr):
    """A ``torch.optim.SGD`` (no momentum) over every parameter of the ``nn.Sequential`` ``model``.

    The parameters of the first layer, ``model[0]``, learn with ``first_layer_lr``; all the
    others with ``lr``.
    """
    raise NotImplementedError("Task 4: write slower_first_layer (see README.md)")


# Task 5: Optimizer state and checkpoints


def save_checkpoint(model, optimizer):
    """A dict ``{"model": ..., "optimizer": ...}`` of the two state dicts.

    It is a snapshot: training on afterwards must not change it.
    """
    raise NotImplementedError("Task 5: write save_checkpoint (see README.md)")


def load_checkpoint(model, optimizer, checkpoint):
    """Load a ``save_checkpoint`` dict into ``model`` and ``optimizer``, so training continues exactly."""
    raise NotImplementedError("Task 5: write load_checkpoint (see README.md)")


# Task 6: The training loop


def train(model, optimizer, loss_fn, batches, epochs):
    """Train ``model`` with ``optimizer`` for ``epochs`` passes over ``batches``, a list of (inputs, targets).

    One optimizer step per batch, on ``loss_fn(model(inputs), targets)``. Returns the loss of
    every batch, in order, as a list of Python floats (``epochs * len(batches)`` of them), each
    computed before that batch's step. Switch the model to training mode first: it may come in
    eval mode, as after an evaluation.
    """
    raise NotImplementedError("Task 6: write train (see README.md)")
