"""Vector-Jacobian products. Reference solution."""

import torch

# Task 1: backward needs a scalar, or an upstream gradient


def implicit_gradient_allowed(y):
    return y.numel() == 1


def gradient_of_sum(f, x):
    x = x.detach().requires_grad_()
    f(x).sum().backward()
    return x.grad


# Task 2: y.backward(v) computes vᵀJ


def vjp_by_backward(f, x, v):
    x = x.detach().requires_grad_()
    f(x).backward(v)
    return x.grad


# Task 3: The Jacobian, one row at a time


def jacobian_by_rows(f, x):
    x = x.detach().requires_grad_()
    y = f(x)
    rows = []
    for i in range(y.numel()):
        one_hot = torch.zeros_like(y)
        one_hot[i] = 1
        y.backward(one_hot, retain_graph=True)
        rows.append(x.grad.clone())
        x.grad = None
    return torch.stack(rows)


# Task 4: torch.autograd.grad leaves .grad alone


def vjp_by_grad(output, inputs, v):
    return torch.autograd.grad(output, inputs, grad_outputs=v, retain_graph=True)


# Task 5: The functional API: torch.func


def functional_vjp(f, x, v):
    _, vjp_fn = torch.func.vjp(f, x)
    (vjp,) = vjp_fn(v)
    return vjp


def jacobian_function(f):
    return torch.func.jacrev(f)


# Task 6: Sensitivity analysis


def weighted_output_gradient(f, x, weights):
    return functional_vjp(f, x, weights)


def most_sensitive_input(f, x, weights):
    return weighted_output_gradient(f, x, weights).abs().argmax().item()
