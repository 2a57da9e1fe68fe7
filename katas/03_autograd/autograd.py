"""Autograd.

Replace each `raise NotImplementedError(...)` with your code; the kata's tests check it.
The lesson (README.md beside this file) explains every task.

Unless a docstring says otherwise, these functions must not change the caller's tensors:
not their values, not their ``requires_grad``, not their ``.grad``.
"""

import torch

# Task 1: requires_grad and backward


def gradient_at(f, x):
    """The gradient of the scalar ``f(x)`` with respect to ``x``, a tensor shaped like ``x``.

    >>> gradient_at(lambda x: (x**2).sum(), torch.tensor([1.0, 3.0]))
    tensor([2., 6.])
    """
    raise NotImplementedError("Task 1: write gradient_at (see README.md)")


def mse_gradients(w, b, inputs, targets):
    """The gradients ``(grad_w, grad_b)`` of the mean squared error of a linear model.

    The loss is ``((inputs @ w + b - targets) ** 2).mean()``, for ``inputs`` of shape (N, D),
    ``w`` of shape (D,), a 0-d ``b`` and ``targets`` of shape (N,). Use one ``backward`` call.
    """
    raise NotImplementedError("Task 1: write mse_gradients (see README.md)")


# Task 2: Leaves and non-leaves


def gets_grad(t):
    """Whether ``backward`` through a graph that uses ``t`` would leave a gradient in ``t.grad``.

    Answer from ``t``'s attributes: do not call backward.
    """
    raise NotImplementedError("Task 2: write gets_grad (see README.md)")


def layer_gradients(w, x):
    """For ``hidden = torch.tanh(w @ x)`` and ``loss = (hidden**2).sum()``: ``(dloss/dw, dloss/dhidden)``.

    ``w`` has shape (M, N) and ``x`` shape (N,); the two gradients have the shapes of ``w`` and
    ``hidden``. Use one ``backward`` call.
    """
    raise NotImplementedError("Task 2: write layer_gradients (see README.md)")


# Task 3: Gradients accumulate


def gradients_one_by_one(loss_fns, w):
    """A list with the gradient of each ``loss_fn(w)`` with respect to ``w``, each on its own.

    ``w`` is a parameter: a leaf that requires grad, whose ``.grad`` may hold a leftover
    gradient from earlier. Call ``backward`` once per loss; ``w.grad`` may hold anything afterwards.
    """
    raise NotImplementedError("Task 3: write gradients_one_by_one (see README.md)")


def accumulated_gradient(loss_fns, w):
    """Leave in ``w.grad`` the sum of the gradients of every ``loss_fn(w)``, and return ``w.grad``.

    ``w`` is a parameter whose ``.grad`` may hold a leftover gradient from earlier: it must not
    count. Let ``backward`` do the adding.
    """
    raise NotImplementedError("Task 3: write accumulated_gradient (see README.md)")


# Task 4: Recording off: no_grad and detach


def evaluate(f, x):
    """``f(x)``, computed without recording a graph: the result must not require grad.

    ``f`` may use parameters that require grad (a model at test time).
    """
    raise NotImplementedError("Task 4: write evaluate (see README.md)")


def sgd_step(params, lr):
    """One step of gradient descent: ``p <- p - lr * p.grad`` for each parameter ``p`` in ``params``.

    Change each parameter in place: afterwards it must be the same tensor object, still a leaf
    that requires grad, so that the next ``backward`` fills its ``.grad`` again. Returns nothing.
    """
    raise NotImplementedError("Task 4: write sgd_step (see README.md)")


def straight_through_round(x):
    """Values ``torch.round(x)``, but gradients that flow back to ``x`` as if this were ``x`` itself.

    ``x`` may require grad: the result must stay connected to it, with derivative 1.
    """
    raise NotImplementedError("Task 4: write straight_through_round (see README.md)")


# Task 5: Reading the graph: grad_fn and next_functions


def backward_chain(y):
    """The class names of the backward nodes from ``y.grad_fn`` back to the leaf, in that order.

    ``y`` was computed from one leaf by a chain of operations. Where a node has several parents
    (some may be None), follow the first one that is not None. The list ends with the leaf's
    ``"AccumulateGrad"``.

    >>> x = torch.ones(3, requires_grad=True)
    >>> backward_chain(torch.sin(x).sum())
    ['SumBackward0', 'SinBackward0', 'AccumulateGrad']
    """
    raise NotImplementedError("Task 5: write backward_chain (see README.md)")


def count_operations(y):
    """The number of distinct backward nodes in ``y``'s graph, not counting ``AccumulateGrad`` nodes.

    A node that two operations use (``s * s``, or ``s`` in two places) counts once.
    """
    raise NotImplementedError("Task 5: write count_operations (see README.md)")


# Task 6: Graphs are built as the code runs


def halve_until_small(x):
    """Halve the 0-d tensor ``x`` again and again until its magnitude is at most 1; return the result.

    The result stays connected to ``x``: its derivative with respect to ``x`` is 1/2**k after k halvings.
    """
    raise NotImplementedError("Task 6: write halve_until_small (see README.md)")


def huber(x):
    """The Huber function of the 0-d tensor ``x``: ``x**2`` where ``|x| <= 1``, else ``2*|x| - 1``.

    The result stays connected to ``x``.
    """
    raise NotImplementedError("Task 6: write huber (see README.md)")


# Task 7: Second derivatives: create_graph


def second_derivative(f, x):
    """The second derivative ``f''`` at every entry of ``x``, for an element-wise function ``f``.

    >>> second_derivative(lambda x: x**3, torch.tensor([1.0, 2.0]))
    tensor([ 6., 12.])
    """
    raise NotImplementedError("Task 7: write second_derivative (see README.md)")


def gradient_penalty(f, x):
    """The squared length of the gradient of the scalar ``f(x)`` with respect to ``x``: a 0-d tensor.

    ``f`` may use parameters that require grad. The penalty must stay differentiable with respect
    to them (a training loop adds it to the loss), and computing it must not touch their ``.grad``.
    """
    raise NotImplementedError("Task 7: write gradient_penalty (see README.md)")


# Task 8: Backward twice: retain_graph


def two_head_gradients(shared, head_a, head_b, w):
    """``(grad_a, grad_b)``: the gradients of ``head_a(features)`` and of ``head_b(features)`` with respect to ``w``.

    ``features = shared(w)``: call ``shared`` only once, and call ``backward`` once per head.
    ``w`` is a parameter whose ``.grad`` may hold a leftover gradient; it may hold anything afterwards.
    """
    raise NotImplementedError("Task 8: write two_head_gradients (see README.md)")
