"""Tensors as a caller passes them, and checks that the learner's code leaves them as they were."""

from __future__ import annotations

import torch


def fresh_leaf(name: str = "x") -> str:
    """The advice for code that changed the caller's tensor ``name``."""
    return f"Work on a leaf of your own: {name} = {name}.detach().requires_grad_() (detach shares the data, not the graph)."


def callers_tensor(
    shape: tuple[int, ...] | int, requires_grad: bool, dtype: torch.dtype = torch.float64
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """A random tensor as a caller might pass it (plain, or a leaf that already holds a .grad), and a copy of
    that .grad (None for a plain tensor)."""
    x = torch.randn(shape, dtype=dtype)
    if not requires_grad:
        return x, None
    x.requires_grad_()
    x.grad = torch.randn_like(x)
    return x, x.grad.clone()


def expect_untouched(x: torch.Tensor, grad_before: torch.Tensor | None, call: str, name: str = "x") -> None:
    """Fail if ``call`` changed the autograd state of the caller's tensor ``x``, which held ``grad_before``."""
    __tracebackhide__ = True
    requires_grad = grad_before is not None
    assert x.requires_grad == requires_grad, (
        f"{call} changed {name}.requires_grad of the caller's {name} from {requires_grad} to {x.requires_grad}. "
        + fresh_leaf(name)
    )
    if grad_before is None:
        assert x.grad is None, f"{call} left a .grad on the caller's {name} (it had none). " + fresh_leaf(name)
    else:
        assert x.grad is not None and torch.equal(x.grad, grad_before), (
            f"{call} changed the .grad the caller's {name} already held: backward adds into the .grad of every "
            "leaf it reaches. " + fresh_leaf(name)
        )
