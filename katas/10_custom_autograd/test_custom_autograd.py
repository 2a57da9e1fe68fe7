"""Inside autograd: custom Functions and hooks. The lesson is README.md beside this file."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from katas.testing import (
    ShortcutTaken,
    by_hand,
    expect_close,
    expect_equal,
    expect_number,
    expect_raises,
    expect_sequence,
    expect_tensor,
    explained_call,
    kata_module,
    random_shape,
)

module = kata_module(__file__)

DOUBLE = torch.float64
RETURN_COUNT = {
    "incorrect number of gradients": "backward returns one gradient per input of forward, in the same order "
    "(None for an input that gets none).",
    "invalid gradient": "each gradient backward returns must have the shape of the input it belongs to.",
    "not a Variable": "an input of forward that is not a tensor (a Python float) gets None as its gradient.",
}


def backward_through(output, x, upstream, call):
    """The gradient that reaches the leaf ``x`` when ``output`` is multiplied by ``upstream`` and summed."""
    output = expect_tensor(output, call)
    assert output.requires_grad, (
        f"{call} returned a tensor that is not connected to its input (requires_grad is False). Return the "
        "result of forward from Function.apply, and compute it from the input."
    )
    explained_call((output * upstream).sum().backward, call=f"backward through {call}", explanations=RETURN_COUNT)
    return x.grad


# Task 1: A Function of your own


def softplus_input(shape, dtype=DOUBLE):
    return (3 * torch.randn(shape, dtype=dtype)).requires_grad_()


@pytest.mark.task(1)
@pytest.mark.parametrize("dtype", [torch.float32, DOUBLE], ids=str)
def test_softplus_matches_torch_in_value_and_gradient_for_random_inputs(dtype):
    x = softplus_input(random_shape(2, low=2), dtype)
    upstream = torch.randn_like(x)
    call = f"Softplus.apply(x) for a {dtype} x of shape {tuple(x.shape)}"
    y = module.Softplus.apply(x)
    expect_close(y, F.softplus(x.detach()), call, hint="softplus(x) = log(1 + exp(x)).")
    local = torch.sigmoid(x.detach())
    expect_close(
        backward_through(y, x, upstream, call),
        upstream * local,
        f"the gradient of (Softplus.apply(x) * upstream).sum(), {dtype}",
        mistakes=[
            (local, "That is sigmoid(x) alone: multiply it by grad_output, the gradient that comes from above."),
            (upstream * torch.sigmoid(y.detach()), "That is sigmoid of the output: the derivative is sigmoid(x)."),
            (upstream, "That is grad_output unchanged: multiply it by the derivative of softplus, sigmoid(x)."),
        ],
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("dtype", [torch.float32, DOUBLE], ids=str)
def test_softplus_stays_finite_and_right_for_extreme_inputs(dtype):
    values = [-1e4, -1000.0, -100.0, -30.0, 0.0, 30.0, 100.0, 1000.0, 1e4, torch.finfo(dtype).max / 2]
    x = torch.tensor(values, dtype=dtype, requires_grad=True)
    call = f"Softplus.apply(x) for x = {values} ({dtype})"
    y = expect_tensor(module.Softplus.apply(x), call)
    assert torch.isfinite(y).all(), (
        f"{call} returned {y.detach().tolist()}: log(1 + exp(x)) overflows, exp(x) is inf once x > 88 (float32) "
        "or 709 (float64). Compute max(x, 0) + log1p(exp(-|x|)): the exponent is never positive."
    )
    expect_close(y, F.softplus(x.detach()), call)
    expected = torch.sigmoid(x.detach())
    grad = backward_through(y, x, torch.ones_like(x), call)
    assert grad is not None and torch.isfinite(grad).all(), (
        f"The gradient through {call} holds inf or nan: {grad}. exp(x) / (1 + exp(x)) is inf / inf for large x; "
        "torch.sigmoid(x) is stable."
    )
    expect_close(grad, expected, f"the gradient through {call}")


@pytest.mark.task(1)
@pytest.mark.parametrize("case", ["0-d", "empty", "non-contiguous"])
def test_softplus_works_on_0d_empty_and_non_contiguous_inputs(case):
    x = {
        "0-d": lambda: torch.tensor(0.0, dtype=DOUBLE),
        "empty": lambda: torch.randn(0, 3, dtype=DOUBLE),
        "non-contiguous": lambda: torch.randn(5, 4, dtype=DOUBLE).T,
    }[case]()
    x.requires_grad_()
    upstream = torch.randn_like(x)
    call = f"Softplus.apply(x) for a {case} x of shape {tuple(x.shape)}"
    expect_close(module.Softplus.apply(x), F.softplus(x.detach()), call)
    y = module.Softplus.apply(x)
    expect_close(backward_through(y, x, upstream, call), upstream * torch.sigmoid(x.detach()), f"the gradient, {call}")


@pytest.mark.task(1)
@pytest.mark.parametrize("changed", ["input", "output"])
def test_softplus_refuses_a_backward_after_its_saved_tensor_changed_in_place(changed):
    leaf = softplus_input(random_shape(1, low=3))
    x = leaf * 1  # a non-leaf, which may be changed in place
    y = module.Softplus.apply(x)
    right = torch.sigmoid(leaf.detach())
    (x if changed == "input" else y).add_(1.0)
    call = f"backward through Softplus.apply(x) after the {changed} was changed in place by add_(1.0)"
    try:
        y.sum().backward()
    except RuntimeError as error:
        assert "modified by an inplace operation" in str(error), f"{call} raised an unexpected RuntimeError: {error}"
        return
    expect_close(
        leaf.grad,
        right,
        call,
        hint="Backward used the changed values. Save tensors with ctx.save_for_backward (not ctx.x = x): autograd "
        "then checks that they are unchanged when backward runs, and raises if not.",
    )


@pytest.mark.task(1)
def test_linear_matches_a_matrix_product_in_value_and_both_gradients():
    n, d_in, d_out = random_shape(3, low=2)
    x = torch.randn(n, d_in, dtype=DOUBLE, requires_grad=True)
    weight = torch.randn(d_out, d_in, dtype=DOUBLE, requires_grad=True)
    upstream = torch.randn(n, d_out, dtype=DOUBLE)
    call = f"Linear.apply(x, weight), x {tuple(x.shape)}, weight {tuple(weight.shape)}"
    y = module.Linear.apply(x, weight)
    expect_close(y, x.detach() @ weight.detach().T, call, hint="The result is x @ weight.T.")
    backward_through(y, x, upstream, call)
    expect_close(x.grad, upstream @ weight.detach(), f"the gradient for x through {call}")
    expect_close(weight.grad, upstream.T @ x.detach(), f"the gradient for weight through {call}")


@pytest.mark.task(1)
@pytest.mark.parametrize("frozen", ["x", "weight"])
def test_linear_backward_returns_none_for_an_input_that_needs_no_gradient(frozen):
    n, d_in, d_out = random_shape(3, low=2)
    x = torch.randn(n, d_in, dtype=DOUBLE, requires_grad=frozen != "x")
    weight = torch.randn(d_out, d_in, dtype=DOUBLE, requires_grad=frozen != "weight")
    upstream = torch.randn(n, d_out, dtype=DOUBLE)
    y = expect_tensor(module.Linear.apply(x, weight), "Linear.apply(x, weight)")
    call = f"Linear.backward(ctx, grad_output) with only {'weight' if frozen == 'x' else 'x'} requiring grad"
    with torch.no_grad():
        grads = expect_sequence(y.grad_fn.apply(upstream), 2, call)
    index = ["x", "weight"].index(frozen)
    assert grads[index] is None, (
        f"{call} returned a gradient for {frozen}, which needs none (ctx.needs_input_grad is "
        f"{y.grad_fn.needs_input_grad}). Return None there and skip the matrix product: for data, and for "
        "frozen weights, it is wasted work."
    )
    other = upstream @ weight if frozen == "weight" else upstream.T @ x
    expect_close(grads[1 - index], other, f"{call}, the gradient it must return")


# Task 2: Checking a backward

NO_AUTOGRAD = [
    (torch.autograd, "grad"),
    (torch.autograd, "backward"),
    (torch.autograd.functional, "jacobian"),
    (torch.autograd, "gradcheck"),
]
FINITE_DIFFERENCES = "Evaluate f at x + eps * e_i and x - eps * e_i: numerical_gradient must not use autograd."
FUNCTIONS = {
    "cube-sum": (lambda x: (x**3).sum(), lambda x: 3 * x**2),
    "sin-product": (lambda x: (torch.sin(x) * x).sum(), lambda x: torch.cos(x) * x + torch.sin(x)),
    "norm": (lambda x: torch.sqrt((x**2).sum() + 1), lambda x: x / torch.sqrt((x**2).sum() + 1)),
}


NOT_CONTIGUOUS = {
    "view size is not compatible": "x is not contiguous (a transpose, say): x.view(-1) cannot flatten it. Use "
    "x.flatten() or x.reshape(-1), which copy when they must."
}


def numerical(f, x, *eps, call):
    """The learner's numerical_gradient(f, x, *eps), with autograd refused and torch's errors explained."""
    with by_hand(NO_AUTOGRAD, advice=FINITE_DIFFERENCES):
        return explained_call(module.numerical_gradient, f, x, *eps, call=call, explanations=NOT_CONTIGUOUS)


@pytest.mark.task(2)
@pytest.mark.parametrize("name", FUNCTIONS)
def test_numerical_gradient_matches_the_derivative_in_float64(name):
    f, derivative = FUNCTIONS[name]
    x = torch.randn(random_shape(2), dtype=DOUBLE)
    before = x.clone()
    call = f"numerical_gradient({name}, x) for x of shape {tuple(x.shape)}"
    got = numerical(f, x, call=call)
    expect_equal(x, before, f"the caller's x after {call}", hint="Perturb a copy of x, never x itself.")
    expect_close(got, derivative(x), call, rtol=1e-6, atol=1e-6)


@pytest.mark.task(2)
def test_numerical_gradient_uses_central_differences():
    x = torch.randn(random_shape(1, low=3), dtype=DOUBLE)
    eps = 1e-3
    call = f"numerical_gradient(lambda x: (x**3).sum(), x, eps={eps})"
    got = numerical(lambda x: (x**3).sum(), x, eps, call=call)
    central = 3 * x**2 + eps**2  # the exact central difference of x**3
    forward = 3 * x**2 + 3 * x * eps + eps**2
    expect_close(
        got,
        central,
        call,
        rtol=1e-7,
        atol=1e-9,
        mistakes=[
            (forward, "That is the one-sided (f(x + eps) - f(x)) / eps: use (f(x + eps) - f(x - eps)) / (2 * eps)."),
            (central * 2, "Twice too big: divide by 2 * eps, the distance between x - eps and x + eps."),
        ],
    )


@pytest.mark.task(2)
def test_numerical_gradient_computes_in_float64_even_for_a_float32_input():
    x = torch.randn(random_shape(2), dtype=torch.float32)
    call = "numerical_gradient(lambda x: (x**3).sum(), x) for a float32 x"
    got = numerical(lambda x: (x**3).sum(), x, call=call)
    expect_close(
        got,
        3 * x.double() ** 2,
        call,
        rtol=1e-6,
        atol=1e-6,
        hint="With eps = 1e-6, f(x + eps) - f(x - eps) in float32 is mostly rounding error: convert x to float64 "
        "first, x.detach().to(torch.float64), and return a float64 tensor.",
    )


@pytest.mark.task(2)
@pytest.mark.parametrize("case", ["0-d", "non-contiguous", "requires-grad"])
def test_numerical_gradient_works_on_0d_non_contiguous_and_requires_grad_inputs(case):
    x = {
        "0-d": lambda: torch.tensor(0.7, dtype=DOUBLE),
        "non-contiguous": lambda: torch.randn(4, 3, dtype=DOUBLE).T,
        "requires-grad": lambda: torch.randn(3, dtype=DOUBLE, requires_grad=True),
    }[case]()
    call = f"numerical_gradient(lambda x: (x**3).sum(), x) for a {case} x"
    got = numerical(lambda x: (x**3).sum(), x, call=call)
    expect_close(got, 3 * x.detach() ** 2, call, rtol=1e-6, atol=1e-6)
    assert x.grad is None, f"{call} left a .grad on the caller's x: no backward should run at all."


class GoodSoftplus(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return F.softplus(x)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * torch.sigmoid(ctx.saved_tensors[0])


class ForgetsGradOutput(GoodSoftplus):
    @staticmethod
    def backward(ctx, grad_output):
        return torch.sigmoid(ctx.saved_tensors[0]).expand_as(grad_output)


class WrongDerivative(GoodSoftplus):
    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * torch.sigmoid(ctx.saved_tensors[0]) * 1.01


def scaled(x, factor, index):
    return x.index_select(0, index) * factor


@pytest.mark.task(2)
@pytest.mark.parametrize("dtype", [torch.float32, DOUBLE], ids=str)
def test_passes_gradcheck_accepts_a_correct_backward_even_for_float32_inputs(dtype):
    x = torch.randn(random_shape(1, low=3), dtype=dtype)
    call = f"passes_gradcheck(GoodSoftplus.apply, x) for a {dtype} x"
    got = module.passes_gradcheck(GoodSoftplus.apply, x)
    assert got is True, f"{call} returned {got!r}; the backward is right, so True (a bool) was expected. " + (
        "In float32, finite differences with eps = 1e-6 are mostly rounding error: gradcheck must run in "
        "float64. Convert the input: x.detach().to(torch.float64).requires_grad_()."
        if dtype == torch.float32
        else "gradcheck needs inputs that require grad: x.detach().to(torch.float64).requires_grad_()."
    )
    assert not x.requires_grad and x.dtype == dtype, f"{call} changed the caller's x: work on a converted copy."


@pytest.mark.task(2)
@pytest.mark.parametrize("broken", [ForgetsGradOutput, WrongDerivative], ids=lambda f: f.__name__)
def test_passes_gradcheck_rejects_a_wrong_backward_without_raising(broken):
    x = torch.randn(random_shape(1, low=3), dtype=DOUBLE)
    call = f"passes_gradcheck({broken.__name__}.apply, x)"
    got = explained_call(
        module.passes_gradcheck,
        broken.apply,
        x,
        call=call,
        explanations={"Jacobian mismatch": "gradcheck raises GradcheckError by default: pass raise_exception=False."},
    )
    assert got is False, f"{call} returned {got!r}; this backward is wrong, so False (a bool) was expected."


@pytest.mark.task(2)
def test_passes_gradcheck_passes_integer_tensors_and_numbers_through_unchanged():
    x = torch.randn(5, 3, dtype=torch.float32)
    index = torch.tensor([4, 0, 2])
    call = "passes_gradcheck(scaled, x, 2.5, index), with index an integer tensor and 2.5 a float"
    got = explained_call(
        module.passes_gradcheck,
        scaled,
        x,
        2.5,
        index,
        call=call,
        explanations={
            "floating point dtype can require": "Only floating-point tensors can require grad: leave integer "
            "tensors as they are (check t.is_floating_point()).",
            "Expected dtype int32 or int64": "The integer index tensor reached the function as floats: convert only "
            "floating-point tensors (t.is_floating_point()), and pass the others as they are.",
        },
    )
    assert got is True, f"{call} returned {got!r}; the function is differentiable in x, so True was expected."
    assert not x.requires_grad and index.dtype == torch.int64, f"{call} changed the caller's tensors."


# Task 3: Gradients that lie on purpose

HALVES = [0.5, 1.5, 2.5, -0.5, -1.5, 0.0, -0.0, 3.0]


@pytest.mark.task(3)
@pytest.mark.parametrize("dtype", [torch.float32, DOUBLE], ids=str)
def test_straight_through_round_rounds_forward_and_passes_the_gradient_straight_back(dtype):
    x = 4 * torch.randn(random_shape(2, low=3), dtype=dtype)
    x.view(-1)[: len(HALVES)] = torch.tensor(HALVES, dtype=dtype)
    x.requires_grad_()
    upstream = torch.randn_like(x)
    call = f"StraightThroughRound.apply(x), x starting with {HALVES}"
    y = module.StraightThroughRound.apply(x)
    expect_close(
        y,
        torch.round(x.detach()),
        call,
        hint="torch.round rounds a half to the even neighbour (0.5 to 0, 2.5 to 2); floor(x + 0.5) rounds halves up.",
    )
    zero = "round's true derivative is 0: the straight-through estimator passes grad_output back unchanged instead."
    expect_close(
        backward_through(y, x, upstream, call),
        upstream,
        f"the gradient through {call}",
        mistakes=[(torch.zeros_like(x), zero), (torch.ones_like(x), "Return grad_output itself, not ones.")],
    )


@pytest.mark.task(3)
def test_straight_through_round_trains_what_comes_before_it():
    weight = torch.randn(4, dtype=DOUBLE, requires_grad=True)
    inputs = torch.randn(6, 4, dtype=DOUBLE)
    upstream = torch.randn(6, dtype=DOUBLE)
    call = "StraightThroughRound.apply(inputs @ weight)"
    backward_through(module.StraightThroughRound.apply(inputs @ weight), weight, upstream, call)
    expect_close(weight.grad, inputs.T @ upstream, f"the gradient for weight before {call}")


@pytest.mark.task(3)
@pytest.mark.parametrize("scale", [1.0, 0.3, 2.0, 0.0])
def test_gradient_reversal_is_the_identity_forward_and_flips_and_scales_backward(scale):
    x = torch.randn(random_shape(2), dtype=DOUBLE, requires_grad=True)
    upstream = torch.randn_like(x)
    call = f"GradientReversal.apply(x, {scale})"
    y = module.GradientReversal.apply(x, scale)
    expect_equal(
        y, x.detach(), call, hint="Forward changes nothing: the sign flips only in backward. Return x.view_as(x)."
    )
    expect_close(
        backward_through(y, x, upstream, call),
        -scale * upstream,
        f"the gradient through {call}",
        mistakes=[
            (-upstream, f"That is -grad_output: multiply by the scale too, -{scale} * grad_output."),
            (scale * upstream, "The sign did not flip: backward returns -scale * grad_output."),
            (upstream, "That is grad_output unchanged: backward returns -scale * grad_output."),
        ],
    )


@pytest.mark.task(3)
@pytest.mark.parametrize("case", ["0-d", "empty", "non-contiguous"])
def test_straight_through_and_reversal_work_on_0d_empty_and_non_contiguous_inputs(case):
    make = {
        "0-d": lambda: torch.tensor(-2.5, dtype=DOUBLE),
        "empty": lambda: torch.randn(0, 2, dtype=DOUBLE),
        "non-contiguous": lambda: (3 * torch.randn(4, 3, dtype=DOUBLE)).T,
    }[case]
    for name, apply, forward, backward in [
        ("StraightThroughRound.apply(x)", module.StraightThroughRound.apply, torch.round, lambda g: g),
        (
            "GradientReversal.apply(x, 0.7)",
            lambda x: module.GradientReversal.apply(x, 0.7),
            lambda x: x,
            lambda g: -0.7 * g,
        ),
    ]:
        x = make().requires_grad_()
        upstream = torch.randn_like(x)
        call = f"{name} for a {case} x of shape {tuple(x.shape)}"
        y = apply(x)
        expect_close(y, forward(x.detach()), call)
        expect_close(backward_through(y, x, upstream, call), backward(upstream), f"the gradient through {call}")


@pytest.mark.task(3)
def test_gradient_reversal_makes_features_worse_at_what_the_head_learns():
    features = torch.randn(8, 3, dtype=DOUBLE, requires_grad=True)
    head = torch.randn(3, dtype=DOUBLE, requires_grad=True)
    scale = 0.5
    call = "(GradientReversal.apply(features, 0.5) @ head).sum()"
    explained_call(
        (module.GradientReversal.apply(features, scale) @ head).sum().backward, call=call, explanations=RETURN_COUNT
    )
    expect_close(head.grad, features.detach().sum(0), f"the head's gradient through {call} (unchanged)")
    expect_close(features.grad, -scale * head.detach().expand(8, 3), f"the features' gradient through {call}")


# Task 4: Hooks


@pytest.mark.task(4)
def test_clip_gradient_clamps_the_gradient_of_a_leaf_to_the_limit():
    x = torch.randn(random_shape(2, low=3), dtype=DOUBLE, requires_grad=True)
    upstream = 3 * torch.randn_like(x)
    upstream.view(-1)[:3] = torch.tensor([0.0, 0.5, -0.5])
    limit = 0.5
    module.clip_gradient(x, limit)
    (x * upstream).sum().backward()
    expect_close(
        x.grad,
        upstream.clamp(-limit, limit),
        f"x.grad after clip_gradient(x, {limit}) and a backward",
        mistakes=[
            (
                upstream,
                "Nothing was clipped: the hook must return the clamped gradient (a hook returning None "
                "leaves the gradient as it was).",
            ),
            (upstream.clamp(0, limit), "Negative gradients must be clamped to -limit, not 0: clamp(-limit, limit)."),
        ],
    )


@pytest.mark.task(4)
def test_clip_gradient_on_a_non_leaf_clips_what_flows_back_through_it():
    x = torch.randn(random_shape(1, low=4), dtype=DOUBLE, requires_grad=True)
    hidden = x * 3
    upstream = 2 * torch.randn_like(x)
    module.clip_gradient(hidden, 1.0)
    (hidden * upstream).sum().backward()
    expect_close(x.grad, 3 * upstream.clamp(-1.0, 1.0), "x.grad, for hidden = x * 3 after clip_gradient(hidden, 1.0)")


@pytest.mark.task(4)
def test_clip_gradient_leaves_the_gradient_of_other_tensors_alone():
    a = torch.randn(5, dtype=DOUBLE, requires_grad=True)
    b = torch.randn(5, dtype=DOUBLE, requires_grad=True)
    upstream = 3 * torch.randn(5, dtype=DOUBLE)
    module.clip_gradient(a, 0.5)
    ((a + b) * upstream).sum().backward()
    expect_close(a.grad, upstream.clamp(-0.5, 0.5), "a.grad, for (a + b) after clip_gradient(a, 0.5)")
    expect_close(
        b.grad,
        upstream,
        "b.grad, for (a + b) after clip_gradient(a, 0.5)",
        hint="b's gradient was clipped too: a + b hands the same gradient tensor to a and to b, and your hook changed "
        "it in place. Return a new tensor, grad.clamp(-limit, limit), not grad.clamp_(...).",
    )


@pytest.mark.task(4)
def test_clip_gradient_returns_a_handle_that_removes_the_hook():
    x = torch.randn(4, dtype=DOUBLE, requires_grad=True)
    handle = module.clip_gradient(x, 0.1)
    assert hasattr(handle, "remove"), (
        f"clip_gradient(x, 0.1) returned {handle!r:.80}: return what x.register_hook(...) returns, the handle."
    )
    handle.remove()
    upstream = torch.full_like(x, 5.0)
    (x * upstream).sum().backward()
    expect_close(x.grad, upstream, "x.grad after clip_gradient(x, 0.1) and handle.remove()")


def small_model():
    return nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Sequential(nn.Linear(6, 5), nn.Tanh()), nn.Linear(5, 2))


def hooks_left(model):
    return [name or "model" for name, sub in model.named_modules() if sub._forward_hooks]


@pytest.mark.task(4)
def test_capture_activations_records_what_each_child_returned():
    model = small_model().double()
    inputs = torch.randn(3, 4, dtype=DOUBLE)
    call = "capture_activations(model, inputs)"
    output, activations = expect_sequence(module.capture_activations(model, inputs), 2, call)
    expected = {}
    value = inputs
    for name, child in model.named_children():
        value = expected[name] = child(value)
    expect_close(output, value, f"the output that {call} returned")
    assert not (isinstance(activations, dict) and list(activations) == list(expected)[-1:]), (
        f"{call} returned activations keyed by {list(activations)} only: every hook stored under the last child's "
        "name. A lambda made in a loop looks the loop variable up when it runs, after the loop has ended: bind it "
        "when you make it, lambda module, args, output, name=name: ..."
    )
    assert isinstance(activations, dict) and set(activations) == set(expected), (
        f"{call} returned activations keyed by {sorted(activations) if isinstance(activations, dict) else activations}"
        f"; expected a dict with the names of model's direct children, {sorted(expected)} "
        "(model.named_children(), not named_modules(), which goes inside them too)."
    )
    for name in expected:
        expect_close(activations[name], expected[name], f"activations[{name!r}] from {call}")


@pytest.mark.task(4)
def test_capture_activations_leaves_no_hook_behind():
    model = small_model()
    inputs = torch.randn(3, 4)
    _, activations = expect_sequence(module.capture_activations(model, inputs), 2, "capture_activations(model, x)")
    kept = {name: value.clone() for name, value in activations.items()}
    assert not hooks_left(model), (
        f"After capture_activations(model, x), forward hooks remain on {hooks_left(model)}: they would run on every "
        "later call. Keep each handle that register_forward_hook returns and call handle.remove()."
    )
    model(torch.randn(3, 4))
    for name, value in kept.items():
        expect_equal(activations[name], value, f"activations[{name!r}] after another call of model")


class Broken(nn.Module):
    def forward(self, x):
        raise ValueError("this layer is broken")


@pytest.mark.task(4)
def test_capture_activations_removes_its_hooks_even_when_the_model_raises():
    model = nn.Sequential(nn.Linear(4, 3), Broken(), nn.Linear(3, 2))
    call = "capture_activations(model, x) for a model whose second layer raises ValueError"
    expect_raises(ValueError, module.capture_activations, model, torch.randn(2, 4), call=call)
    assert not hooks_left(model), (
        f"{call} left forward hooks on {hooks_left(model)}. Run the model inside try: and remove the hooks in "
        "finally:, which runs whether or not an exception went through."
    )


# Task 5: Clipping by the global norm

SHORTCUTS = [
    (torch.nn.utils, "clip_grad_norm_"),
    (torch.nn.utils, "clip_grad_norm"),
    (torch.nn.utils, "get_total_norm"),
    (torch.nn.utils, "clip_grads_with_norm_"),
    (torch.nn.utils.clip_grad, "_get_total_norm"),
    (torch.nn.utils.clip_grad, "_clip_grads_with_norm_"),
]
BY_HAND = "Compute the total norm from the gradients' norms, then multiply every gradient by one coefficient."


def parameters_with_grads(shapes, dtype=DOUBLE, scale=1.0):
    params = [torch.randn(shape, dtype=dtype, requires_grad=True) for shape in shapes]
    for p in params:
        p.grad = scale * torch.randn_like(p)
    return params


def run_clip(params, max_norm, norm_type=None, passed=None):
    """The learner's clip on ``params`` (or ``passed``), torch's on copies: (got norm, expected norm, expected grads)."""
    copies = [p.detach().clone().requires_grad_() for p in params]
    for copy, p in zip(copies, params):
        copy.grad = None if p.grad is None else p.grad.clone()
    before = [None if p.grad is None else p.grad.clone() for p in params]
    types = () if norm_type is None else (norm_type,)  # None: the default, the 2-norm
    expected_norm = torch.nn.utils.clip_grad_norm_(copies, max_norm, *types)
    with by_hand(SHORTCUTS, advice=BY_HAND):
        got = explained_call(
            module.clip_grad_norm,
            params if passed is None else passed,
            max_norm,
            *types,
            call=f"clip_grad_norm(params, max_norm={max_norm})",
            explanations={
                "view size is not compatible": "A gradient can be non-contiguous (a transpose's, say): .view(-1) "
                "refuses it. Use torch.linalg.vector_norm(g, norm_type), or g.reshape(-1), which copies when it "
                "must."
            },
        )
    return got, expected_norm, [c.grad for c in copies], before


def grad_mistakes(before, max_norm, norm_type, index):
    """Known wrong clipped gradients for parameter ``index``, each with what it tells the learner."""
    grads = [g for g in before if g is not None]
    g = before[index]
    norms = torch.stack([torch.linalg.vector_norm(h, norm_type) for h in grads])
    total = torch.linalg.vector_norm(norms, norm_type)
    two_norm = torch.linalg.vector_norm(torch.cat([h.flatten() for h in grads]))
    mistakes = [
        (
            g * (max_norm / total).clamp(max=1),
            "Close: the denominator is total_norm + 1e-6, which keeps it finite when every gradient is zero.",
        ),
        (
            g * min(max_norm / (float(torch.linalg.vector_norm(g, norm_type)) + 1e-6), 1.0),
            "Each gradient was clipped by its own norm: clip_grad_norm_ uses one coefficient for all, from the total "
            "norm of every gradient together.",
        ),
        (
            g * (max_norm / (norms.sum() + 1e-6)).clamp(max=1),
            "The total norm is the norm of the per-gradient norms (for the 2-norm, the square root of the sum of "
            "their squares), not their sum.",
        ),
        (
            g * (max_norm / (two_norm + 1e-6)).clamp(max=1),
            f"That is the 2-norm: use norm_type={norm_type} for the gradients and for the total.",
        ),
    ]
    if total < max_norm:
        mistakes.append(
            (
                g * max_norm / (total + 1e-6),
                "The gradients were scaled up to max_norm: the coefficient is capped at 1, so gradients whose total "
                "norm is below max_norm stay as they are.",
            )
        )
    return mistakes


@pytest.mark.task(5)
@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")], ids=["2-norm", "1-norm", "inf-norm"])
def test_clip_grad_norm_scales_every_gradient_by_one_coefficient_like_torch(norm_type):
    params = parameters_with_grads([random_shape(2), random_shape(1), ()])
    got, expected_norm, expected, before = run_clip(params, 0.5, norm_type)
    call = f"clip_grad_norm(params, max_norm=0.5, norm_type={norm_type})"
    for i, p in enumerate(params):
        expect_close(
            p.grad, expected[i], f"params[{i}].grad after {call}", mistakes=grad_mistakes(before, 0.5, norm_type, i)
        )
    expect_close(
        expect_tensor(got, call),
        expected_norm,
        f"the norm that {call} returned",
        mistakes=[
            (torch.tensor(0.5, dtype=DOUBLE), "That is the norm after clipping: return the total norm from before."),
            (
                sum(torch.linalg.vector_norm(g, norm_type) for g in before),
                "That is the sum of the gradients' norms: the total is the norm of their norms.",
            ),
            (
                torch.linalg.vector_norm(torch.cat([g.flatten() for g in before]), 2),
                "That is the 2-norm: use norm_type for the total too.",
            ),
        ],
    )


@pytest.mark.task(5)
def test_clip_grad_norm_uses_the_2_norm_by_default():
    params = parameters_with_grads([random_shape(2), (3,)])
    got, expected_norm, expected, before = run_clip(params, 0.5)
    call = "clip_grad_norm(params, max_norm=0.5), no norm_type given"
    for i, p in enumerate(params):
        expect_close(p.grad, expected[i], f"params[{i}].grad after {call}", mistakes=grad_mistakes(before, 0.5, 2.0, i))
    expect_close(got, expected_norm, f"the norm that {call} returned", hint="norm_type=2.0 by default, as in torch.")


@pytest.mark.task(5)
def test_clip_grad_norm_leaves_gradients_below_max_norm_as_they_are():
    params = parameters_with_grads([random_shape(2), random_shape(1)], scale=0.01)
    got, expected_norm, expected, before = run_clip(params, 100.0)
    call = "clip_grad_norm(params, max_norm=100.0), total norm far below"
    for i, p in enumerate(params):
        expect_close(p.grad, before[i], f"params[{i}].grad after {call}", mistakes=grad_mistakes(before, 100.0, 2.0, i))
    expect_close(got, expected_norm, f"the norm that {call} returned")


@pytest.mark.task(5)
def test_clip_grad_norm_keeps_the_epsilon_for_tiny_gradients():
    params = parameters_with_grads([(3,), (2, 2)], scale=1e-5)
    max_norm = float(torch.linalg.vector_norm(torch.cat([p.grad.flatten() for p in params]))) / 2
    got, expected_norm, expected, before = run_clip(params, max_norm)
    call = f"clip_grad_norm(params, max_norm={max_norm:.3g}), a total norm of about 1e-5"
    for i, p in enumerate(params):
        expect_close(
            p.grad, expected[i], f"params[{i}].grad after {call}", mistakes=grad_mistakes(before, max_norm, 2.0, i)
        )
    expect_close(got, expected_norm, f"the norm that {call} returned")


@pytest.mark.task(5)
def test_clip_grad_norm_with_max_norm_zero_zeroes_every_gradient():
    params = parameters_with_grads([random_shape(2), (4,)])
    got, expected_norm, expected, _ = run_clip(params, 0.0)
    for i, p in enumerate(params):
        expect_close(p.grad, expected[i], f"params[{i}].grad after clip_grad_norm(params, max_norm=0.0)")
    expect_close(got, expected_norm, "the norm that clip_grad_norm(params, max_norm=0.0) returned")


@pytest.mark.task(5)
@pytest.mark.parametrize("max_norm", [1.0, 0.0])
def test_clip_grad_norm_of_zero_gradients_stays_zero_and_finite(max_norm):
    params = parameters_with_grads([(3,), (2,)], scale=0.0)
    got, expected_norm, expected, _ = run_clip(params, max_norm)
    for i, p in enumerate(params):
        assert torch.isfinite(p.grad).all(), (
            f"params[{i}].grad after clip_grad_norm of all-zero gradients is {p.grad}: 0 / 0 is nan. The 1e-6 in "
            "max_norm / (total_norm + 1e-6) is there for this."
        )
        expect_close(p.grad, expected[i], f"params[{i}].grad after clip_grad_norm of all-zero gradients")
    expect_close(got, expected_norm, "the norm that clip_grad_norm of all-zero gradients returned")


@pytest.mark.task(5)
def test_clip_grad_norm_takes_a_generator_and_skips_parameters_without_a_grad():
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2)).double()
    model(torch.randn(5, 3, dtype=DOUBLE)).pow(2).sum().backward()
    model[1].bias.grad = None
    params = list(model.parameters())
    call = "clip_grad_norm(model.parameters(), max_norm=0.1), one parameter without a .grad"
    got, expected_norm, expected, _ = run_clip(params, 0.1, passed=model.parameters())
    for i, p in enumerate(params):
        if expected[i] is None:
            assert p.grad is None, f"{call} gave params[{i}] a .grad; it had none: skip it."
            continue
        expect_close(
            p.grad,
            expected[i],
            f"params[{i}].grad after {call}",
            hint="model.parameters() is a generator, which can be iterated only once: make it a list first.",
        )
    expect_close(got, expected_norm, f"the norm that {call} returned")


@pytest.mark.task(5)
def test_clip_grad_norm_takes_a_single_tensor_and_non_contiguous_gradients():
    p = torch.randn(4, 3, dtype=DOUBLE, requires_grad=True)
    p.grad = (5 * torch.randn(3, 4, dtype=DOUBLE)).T
    got, expected_norm, expected, _ = run_clip([p], 1.0, passed=p)
    call = "clip_grad_norm(p, max_norm=1.0), p a single tensor whose .grad is non-contiguous"
    expect_close(p.grad, expected[0], f"p.grad after {call}")
    expect_close(got, expected_norm, f"the norm that {call} returned")


@pytest.mark.task(5)
@pytest.mark.parametrize("case", ["no-parameters", "no-grads"])
def test_clip_grad_norm_without_any_gradient_returns_zero(case):
    params = [] if case == "no-parameters" else [torch.randn(3, requires_grad=True)]
    call = f"clip_grad_norm({'[]' if not params else '[a parameter without a .grad]'}, max_norm=1.0)"
    with by_hand(SHORTCUTS, advice=BY_HAND):
        got = module.clip_grad_norm(params, 1.0)
    expect_equal(
        expect_tensor(got, call, hint="Return torch.tensor(0.0) when there is no gradient."), torch.tensor(0.0), call
    )
    assert all(p.grad is None for p in params), f"{call} gave a parameter a .grad."


@pytest.mark.task(5)
def test_clip_grad_norm_is_written_by_hand():
    params = parameters_with_grads([(3,)])
    try:
        with by_hand(SHORTCUTS, advice=BY_HAND):
            module.clip_grad_norm(params, 1.0)
    except ShortcutTaken as taken:
        pytest.fail(str(taken), pytrace=False)
    expect_number(params[0].grad.norm(), "params[0].grad.norm() after clip_grad_norm")
