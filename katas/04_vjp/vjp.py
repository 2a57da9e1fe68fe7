"""Vector-Jacobian products.

Replace each `raise NotImplementedError(...)` with your code; the kata's tests check it.
The lesson (README.md beside this file) explains every task.

Throughout, ``f`` is a function from tensors to tensors, ``x`` its input and J the
Jacobian of ``f`` at ``x``. None of these functions may change the caller's ``x``:
not its ``requires_grad``, not its ``.grad``.
"""

import torch

# Task 1: backward needs a scalar, or an upstream gradient


def implicit_gradient_allowed(y):
    """Whether ``y.backward()`` runs without ``gradient=`` for this output ``y`` (which requires grad).

    Answer from ``y`` itself: do not call backward.
    """
    raise NotImplementedError("Task 1: write implicit_gradient_allowed (see README.md)")


def gradient_of_sum(f, x):
    """The gradient of ``f(x).sum()`` with respect to ``x``, in the shape of ``x``.

    >>> gradient_of_sum(lambda x: x**2, torch.tensor([1.0, 3.0]))
    tensor([2., 6.])
    """
    raise NotImplementedError("Task 1: write gradient_of_sum (see README.md)")


# Task 2: y.backward(v) computes vᵀJ


def vjp_by_backward(f, x, v):
    """The vector-Jacobian product vᵀJ of ``f`` at ``x``, computed with ``backward``.

    ``v`` has the shape of ``f(x)``; the result has the shape of ``x``.

    >>> vjp_by_backward(lambda x: x**2, torch.tensor([1.0, 3.0]), torch.tensor([10.0, 1.0]))
    tensor([20.,  6.])
    """
    raise NotImplementedError("Task 2: write vjp_by_backward (see README.md)")


# Task 3: The Jacobian, one row at a time


def jacobian_by_rows(f, x):
    """The Jacobian J of ``f`` at ``x``, built one row at a time from VJPs with ``backward``.

    ``x`` is 1-D with n entries and ``f(x)`` 1-D with m entries; J is m x n, with the same
    dtype and device as ``x``: ``J[i, j]`` is the derivative of output i with respect to input j.

    >>> a = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    >>> jacobian_by_rows(lambda x: a @ x, torch.zeros(3))
    tensor([[1., 2., 3.],
            [4., 5., 6.]])
    """
    raise NotImplementedError("Task 3: write jacobian_by_rows (see README.md)")


# Task 4: torch.autograd.grad leaves .grad alone


def vjp_by_grad(output, inputs, v):
    """The VJPs vᵀJ of ``output`` with respect to each tensor in ``inputs``, as a tuple.

    ``output`` was computed from ``inputs`` (leaves that require grad); ``v`` has the shape of
    ``output``, and each VJP the shape of its input. The ``.grad`` of the inputs must not change,
    and the caller may ask for another VJP of the same ``output`` afterwards.
    """
    raise NotImplementedError("Task 4: write vjp_by_grad (see README.md)")


# Task 5: The functional API: torch.func


def functional_vjp(f, x, v):
    """vᵀJ of ``f`` at ``x``, as a tensor shaped like ``x``, with ``torch.func``.

    It must work inside ``torch.func.vmap``, which autograd's ``backward`` and ``grad`` do not.
    """
    raise NotImplementedError("Task 5: write functional_vjp (see README.md)")


def jacobian_function(f):
    """A function that takes ``x`` and returns the Jacobian of ``f`` at ``x`` (m x n for 1-D in and out).

    The function it returns must work inside ``torch.func.vmap``.

    >>> jacobian_of_square = jacobian_function(lambda x: x**2)
    >>> jacobian_of_square(torch.tensor([1.0, 3.0]))
    tensor([[2., 0.],
            [0., 6.]])
    """
    raise NotImplementedError("Task 5: write jacobian_function (see README.md)")


# Task 6: Sensitivity analysis


def weighted_output_gradient(f, x, weights):
    """The gradient of ``(weights * f(x)).sum()`` with respect to ``x``; ``weights`` has the shape of ``f(x)``."""
    raise NotImplementedError("Task 6: write weighted_output_gradient (see README.md)")


def most_sensitive_input(f, x, weights):
    """The index (a Python int) of the entry of the 1-D ``x`` that moves ``(weights * f(x)).sum()`` the most.

    "The most" is per unit of change, in either direction: a decrease counts as much as an increase.
    """
    raise NotImplementedError("Task 6: write most_sensitive_input (see README.md)")
