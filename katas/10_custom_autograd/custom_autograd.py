"""Inside autograd: custom Functions and hooks.

Replace each `raise NotImplementedError(...)` with your code; the kata's tests check it.
The lesson (README.md beside this file) explains every task.
"""

import torch

# Task 1: A Function of your own


class Softplus(torch.autograd.Function):
    """``softplus(x) = log(1 + exp(x))`` element-wise, with a backward of your own.

    Use it as ``Softplus.apply(x)``. Finite for every finite ``x``, however large.
    """

    @staticmethod
    def forward(ctx, x):
        """``log(1 + exp(x))``, computed so that it never overflows; save what backward needs."""
        raise NotImplementedError("Task 1: write Softplus.forward (see README.md)")

    @staticmethod
    def backward(ctx, grad_output):
        """The gradient for ``x``: ``grad_output`` times the derivative of softplus, ``sigmoid(x)``."""
        raise NotImplementedError("Task 1: write Softplus.backward (see README.md)")


class Linear(torch.autograd.Function):
    """``x @ weight.T`` for ``x`` of shape (N, IN) and ``weight`` of shape (OUT, IN), with a backward of your own.

    Use it as ``Linear.apply(x, weight)``.
    """

    @staticmethod
    def forward(ctx, x, weight):
        """``x @ weight.T``, of shape (N, OUT); save what backward needs."""
        raise NotImplementedError("Task 1: write Linear.forward (see README.md)")

    @staticmethod
    def backward(ctx, grad_output):
        """``(grad_x, grad_weight)``, each None when ``ctx.needs_input_grad`` says that input needs no gradient."""
        raise NotImplementedError("Task 1: write Linear.backward (see README.md)")


# Task 2: Checking a backward


def numerical_gradient(f, x, eps=1e-6):
    """The gradient of the scalar ``f(x)`` by central differences, without autograd.

    Entry i is ``(f(x + eps * e_i) - f(x - eps * e_i)) / (2 * eps)``, ``e_i`` the tensor shaped like ``x`` that
    holds 1 at entry i and 0 elsewhere. Work in float64 whatever ``x``'s dtype; return a float64 tensor shaped
    like ``x``. Leave the caller's ``x`` as it was.
    """
    raise NotImplementedError("Task 2: write numerical_gradient (see README.md)")


def passes_gradcheck(function, *inputs):
    """Whether ``torch.autograd.gradcheck`` finds ``function``'s backward right at ``inputs``: True or False.

    Floating-point tensors among ``inputs`` are checked as float64 leaves that require grad, whatever their
    dtype; other inputs (integer tensors, Python numbers) go to ``function`` as they are. Never raise because
    the check failed, and leave the caller's tensors as they were.
    """
    raise NotImplementedError("Task 2: write passes_gradcheck (see README.md)")


# Task 3: Gradients that lie on purpose


class StraightThroughRound(torch.autograd.Function):
    """``torch.round(x)`` forward; backward passes the gradient through unchanged, as if this were the identity.

    Use it as ``StraightThroughRound.apply(x)``.
    """

    @staticmethod
    def forward(ctx, x):
        """``torch.round(x)``."""
        raise NotImplementedError("Task 3: write StraightThroughRound.forward (see README.md)")

    @staticmethod
    def backward(ctx, grad_output):
        """The gradient for ``x``, as if forward had returned ``x``."""
        raise NotImplementedError("Task 3: write StraightThroughRound.backward (see README.md)")


class GradientReversal(torch.autograd.Function):
    """The identity forward; backward multiplies the gradient by ``-scale``.

    Use it as ``GradientReversal.apply(x, scale)``, ``scale`` a Python float.
    """

    @staticmethod
    def forward(ctx, x, scale):
        """A tensor equal to ``x``; keep ``scale`` for backward."""
        raise NotImplementedError("Task 3: write GradientReversal.forward (see README.md)")

    @staticmethod
    def backward(ctx, grad_output):
        """One gradient per input of forward: ``-scale * grad_output`` for ``x``, and for ``scale``?"""
        raise NotImplementedError("Task 3: write GradientReversal.backward (see README.md)")


# Task 4: Hooks


def clip_gradient(tensor, limit):
    """Register on ``tensor`` a hook that clamps every gradient computed for it to ``[-limit, limit]``.

    ``tensor`` requires grad (a leaf or not). Return the hook's handle: ``handle.remove()`` stops the clipping.
    The gradient that backward passes on to other tensors must stay as it was.
    """
    raise NotImplementedError("Task 4: write clip_gradient (see README.md)")


def capture_activations(model, inputs):
    """``(output, activations)``: ``output = model(inputs)``, and a dict from the name of each direct child of
    ``model`` (as ``model.named_children()`` names it) to what that child returned during this forward pass.

    Use forward hooks, and leave none behind when you return, nor when ``model`` raises (let its error through).
    """
    raise NotImplementedError("Task 4: write capture_activations (see README.md)")


# Task 5: Clipping by the global norm


def clip_grad_norm(parameters, max_norm, norm_type=2.0):
    """What ``torch.nn.utils.clip_grad_norm_`` does, by hand.

    ``parameters`` is a tensor or an iterable of tensors (a generator will do); those whose ``.grad`` is None are
    skipped. The total norm is the ``norm_type``-norm of all the gradients together, as if concatenated into one
    vector (``norm_type`` may be ``float("inf")``). Multiply every gradient in place by
    ``min(max_norm / (total_norm + 1e-6), 1)``, and return the total norm from before clipping as a 0-d tensor
    (``torch.tensor(0.0)`` when there is no gradient at all).
    """
    raise NotImplementedError("Task 5: write clip_grad_norm (see README.md)")
