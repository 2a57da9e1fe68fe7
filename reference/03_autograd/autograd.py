"""Autograd. Reference solution."""

import torch

# Task 1: requires_grad and backward


def gradient_at(f, x):
    x = x.detach().requires_grad_()
    f(x).backward()
    return x.grad


def mse_gradients(w, b, inputs, targets):
    w = w.detach().requires_grad_()
    b = b.detach().requires_grad_()
    ((inputs @ w + b - targets) ** 2).mean().backward()
    return w.grad, b.grad


# Task 2: Leaves and non-leaves


def gets_grad(t):
    return t.requires_grad and (t.is_leaf or t.retains_grad)


def layer_gradients(w, x):
    w = w.detach().requires_grad_()
    hidden = torch.tanh(w @ x)
    hidden.retain_grad()
    (hidden**2).sum().backward()
    return w.grad, hidden.grad


# Task 3: Gradients accumulate


def gradients_one_by_one(loss_fns, w):
    gradients = []
    for loss_fn in loss_fns:
        w.grad = None
        loss_fn(w).backward()
        gradients.append(w.grad)
    return gradients


def accumulated_gradient(loss_fns, w):
    w.grad = None
    for loss_fn in loss_fns:
        loss_fn(w).backward()
    return w.grad


# Task 4: Recording off: no_grad and detach


def evaluate(f, x):
    with torch.no_grad():
        return f(x)


def sgd_step(params, lr):
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad


def straight_through_round(x):
    return x + (torch.round(x) - x).detach()


# Task 5: Reading the graph: grad_fn and next_functions


def backward_chain(y):
    names, node = [], y.grad_fn
    while node is not None:
        names.append(type(node).__name__)
        node = next((parent for parent, _ in node.next_functions if parent is not None), None)
    return names


def count_operations(y):
    seen, waiting = set(), [y.grad_fn]
    while waiting:
        node = waiting.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        waiting.extend(parent for parent, _ in node.next_functions)
    return sum(1 for node in seen if type(node).__name__ != "AccumulateGrad")


# Task 6: Graphs are built as the code runs


def halve_until_small(x):
    while x.abs() > 1:
        x = x / 2
    return x


def huber(x):
    if x.abs() <= 1:
        return x**2
    return 2 * x.abs() - 1


# Task 7: Second derivatives: create_graph


def second_derivative(f, x):
    x = x.detach().requires_grad_()
    (first,) = torch.autograd.grad(f(x).sum(), x, create_graph=True)
    (second,) = torch.autograd.grad(first.sum(), x)
    return second


def gradient_penalty(f, x):
    x = x.detach().requires_grad_()
    (gradient,) = torch.autograd.grad(f(x), x, create_graph=True)
    return (gradient**2).sum()


# Task 8: Backward twice: retain_graph


def two_head_gradients(shared, head_a, head_b, w):
    features = shared(w)
    w.grad = None
    head_a(features).backward(retain_graph=True)
    gradient_a = w.grad
    w.grad = None
    head_b(features).backward()
    return gradient_a, w.grad
