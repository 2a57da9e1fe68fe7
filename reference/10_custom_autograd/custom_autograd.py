"""Inside autograd: custom Functions and hooks. Reference solution."""

import torch

# Task 1: A Function of your own


class Softplus(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0) + torch.log1p(torch.exp(-x.abs()))

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * torch.sigmoid(x)


class Linear(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight):
        ctx.save_for_backward(x, weight)
        return x @ weight.T

    @staticmethod
    def backward(ctx, grad_output):
        x, weight = ctx.saved_tensors
        grad_x = grad_output @ weight if ctx.needs_input_grad[0] else None
        grad_weight = grad_output.T @ x if ctx.needs_input_grad[1] else None
        return grad_x, grad_weight


# Task 2: Checking a backward


def numerical_gradient(f, x, eps=1e-6):
    x = x.detach().to(torch.float64)
    flat = x.flatten()
    grad = torch.zeros_like(flat)
    for i in range(flat.numel()):
        step = torch.zeros_like(flat)
        step[i] = eps
        grad[i] = (f((flat + step).view_as(x)) - f((flat - step).view_as(x))) / (2 * eps)
    return grad.view_as(x)


def passes_gradcheck(function, *inputs):
    prepared = [
        x.detach().to(torch.float64).requires_grad_() if isinstance(x, torch.Tensor) and x.is_floating_point() else x
        for x in inputs
    ]
    return torch.autograd.gradcheck(function, tuple(prepared), raise_exception=False)


# Task 3: Gradients that lie on purpose


class StraightThroughRound(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return torch.round(x)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output


class GradientReversal(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.scale = scale
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad_output):
        return -ctx.scale * grad_output, None


# Task 4: Hooks


def clip_gradient(tensor, limit):
    return tensor.register_hook(lambda grad: grad.clamp(-limit, limit))


def capture_activations(model, inputs):
    activations = {}
    handles = [
        child.register_forward_hook(lambda module, args, output, name=name: activations.__setitem__(name, output))
        for name, child in model.named_children()
    ]
    try:
        output = model(inputs)
    finally:
        for handle in handles:
            handle.remove()
    return output, activations


# Task 5: Clipping by the global norm


def clip_grad_norm(parameters, max_norm, norm_type=2.0):
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    norms = torch.stack([torch.linalg.vector_norm(g, norm_type) for g in grads])
    total_norm = torch.linalg.vector_norm(norms, norm_type)
    coefficient = torch.clamp(max_norm / (total_norm + 1e-6), max=1.0)
    for g in grads:
        g.mul_(coefficient)
    return total_norm
