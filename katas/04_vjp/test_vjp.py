"""Vector-Jacobian products. The lesson is README.md beside this file."""

import functools

import pytest
import torch
import torch.nn.functional as F

from katas.testing import (
    by_hand,
    callers_tensor,
    expect_close,
    expect_sequence,
    expect_untouched,
    explained_call,
    kata_module,
    random_shape,
)

vjp = kata_module(__file__)

DOUBLE = torch.float64

# Element-wise functions and their derivatives: their Jacobian is diagonal, diag(f'(x)).
ELEMENTWISE = {
    "cube": (lambda x: x**3, lambda x: 3 * x**2),
    "sin": (torch.sin, torch.cos),
    "softplus": (F.softplus, torch.sigmoid),
}

# Maps from R^n to R^m built from two random m x n matrices a and b.
MAPS = {
    "linear": lambda a, b, x: a @ x,
    "tanh-layer": lambda a, b, x: torch.tanh(a @ x),
    "product": lambda a, b, x: (a @ x) * (b @ x),
}


# Task 1: backward needs a scalar, or an upstream gradient


@pytest.mark.task(1)
@pytest.mark.parametrize("shape", [(), (1,), (1, 1), (3,), (2, 3), (0,), (1, 0)], ids=str)
def test_implicit_gradient_is_allowed_only_for_outputs_with_a_single_element(shape):
    y = torch.randn(shape, requires_grad=True) * 2
    try:
        y.backward()
        runs, torch_says = True, "it runs"
    except RuntimeError as error:
        runs, torch_says = False, f"it raises RuntimeError: {error}"
    got = vjp.implicit_gradient_allowed(torch.randn(shape, requires_grad=True) * 2)
    assert isinstance(got, bool), (
        f"implicit_gradient_allowed(<y of shape {shape}>) should return a Python bool (True or False), but it "
        f"returned {type(got).__name__}: {got!r:.80}. A comparison of Python ints, like y.numel() == 1, is one."
    )
    assert got is runs, (
        f"implicit_gradient_allowed(<y of shape {shape}>) returned {got!r}, expected {runs}: "
        f"y.backward() without gradient= on that y: {torch_says}. What counts is the number of elements "
        "(an empty y has none: no single element to start from)."
    )


@pytest.mark.task(1)
def test_implicit_gradient_allowed_answers_from_the_shape_without_running_backward():
    x = torch.randn((), requires_grad=True)
    y = x * 3
    vjp.implicit_gradient_allowed(y)
    assert x.grad is None, (
        "implicit_gradient_allowed(y) ran backward: x.grad is now set, and y's graph is freed. Look at y's shape."
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_gradient_of_sum_is_the_derivative_of_each_entry(name):
    f, derivative = ELEMENTWISE[name]
    x = torch.randn(random_shape(2), dtype=DOUBLE)
    each = "Entry i of f(x).sum() depends only on x[i], so the gradient holds f'(x[i])."
    expect_gradient(
        vjp.gradient_of_sum(f, x),
        derivative(x),
        f"gradient_of_sum({name}, x)",
        hint=each,
        mistakes=[(derivative(x) / x.numel(), f"{each} Yours is that divided by x.numel(): sum, don't average.")],
    )


@pytest.mark.task(1)
def test_gradient_of_sum_works_for_an_output_shaped_unlike_the_input():
    n, m = input_and_output_sizes()
    a = torch.randn(m, n, dtype=DOUBLE)
    call = f"gradient_of_sum(lambda x: a @ x, x) with a of shape {(m, n)}"
    got = explained_call(
        vjp.gradient_of_sum,
        lambda x: a @ x,
        torch.randn(n, dtype=DOUBLE),
        call=call,
        explanations={
            "Mismatch in shape": f"f(x) has {m} entries and x has {n}: an upstream gradient shaped like x does not fit "
            "f(x). Reduce f(x) itself to a scalar, f(x).sum().backward()."
        },
    )
    hint = "The sum of the outputs of a @ x is (column sums of a) · x, so its gradient is a.sum(dim=0)."
    expect_gradient(got, a.sum(dim=0), call, hint=hint)


@pytest.mark.task(1)
@pytest.mark.parametrize("requires_grad", [False, True], ids=["plain-x", "x-with-a-grad"])
def test_gradient_of_sum_leaves_the_callers_tensor_alone(requires_grad):
    x, grad_before = callers_tensor(random_shape(2), requires_grad)
    got = vjp.gradient_of_sum(torch.sin, x)
    expect_untouched(x, grad_before, "gradient_of_sum(sin, x)")
    expect_gradient(got, torch.cos(x.detach()), "gradient_of_sum(sin, x)", mistakes=returned_callers_grad(grad_before))


# Task 2: y.backward(v) computes vᵀJ


@pytest.mark.task(2)
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_vjp_by_backward_of_an_elementwise_function_is_v_times_the_derivative(name):
    f, derivative = ELEMENTWISE[name]
    x = torch.randn(random_shape(2), dtype=DOUBLE)
    v = torch.randn_like(x)
    with by_hand(GRAD_SHORTCUTS, advice=WITH_BACKWARD):
        got = vjp.vjp_by_backward(f, x, v)
    expect_gradient(
        got,
        v * derivative(x),
        f"vjp_by_backward({name}, x, v)",
        hint="J is diagonal here, diag(f'(x)), so vᵀJ is v * f'(x). Pass v to backward as gradient=v.",
    )


@pytest.mark.task(2)
def test_vjp_by_backward_of_a_matrix_map_is_v_times_the_matrix(device):
    n, m = input_and_output_sizes()
    a = torch.randn(m, n, dtype=DOUBLE, device=device)
    x = torch.randn(n, dtype=DOUBLE, device=device)
    v = torch.randn(m, dtype=DOUBLE, device=device)
    with by_hand(GRAD_SHORTCUTS, advice=WITH_BACKWARD):
        got = vjp.vjp_by_backward(lambda x: a @ x, x, v)
    expect_gradient(
        got,
        v @ a,
        f"vjp_by_backward(lambda x: a @ x, x, v) with a of shape {(m, n)}",
        hint="The Jacobian of x ↦ a @ x is a itself; vᵀJ has one entry per input.",
    )


@pytest.mark.task(2)
def test_vjp_by_backward_is_shaped_like_the_input_and_v_like_the_output():
    rows, n, m = random_shape(3, low=2)
    w = torch.randn(n, m, dtype=DOUBLE)
    x = torch.randn(rows, n, dtype=DOUBLE)
    v = torch.randn(rows, m, dtype=DOUBLE)
    with by_hand(GRAD_SHORTCUTS, advice=WITH_BACKWARD):
        got = vjp.vjp_by_backward(lambda x: x @ w, x, v)
    expect_gradient(
        got,
        v @ w.T,
        f"vjp_by_backward(lambda x: x @ w, x, v) with x of shape {(rows, n)} and w of shape {(n, m)}",
        hint="No need to flatten anything: backward takes v in the output's shape and fills x.grad in x's shape.",
    )


@pytest.mark.task(2)
@pytest.mark.parametrize("requires_grad", [False, True], ids=["plain-x", "x-with-a-grad"])
def test_vjp_by_backward_leaves_the_callers_tensor_alone_and_gives_the_same_answer_twice(requires_grad):
    x, grad_before = callers_tensor(random_shape(1, low=2), requires_grad)
    v = torch.randn_like(x)
    for attempt in ("first", "second"):
        call = f"vjp_by_backward(sin, x, v), {attempt} call"
        got = vjp.vjp_by_backward(torch.sin, x, v)
        expect_untouched(x, grad_before, call)
        expect_gradient(got, v * torch.cos(x.detach()), call, mistakes=returned_callers_grad(grad_before))


# Task 3: The Jacobian, one row at a time


@pytest.mark.task(3)
@pytest.mark.parametrize("name", MAPS)
def test_jacobian_by_rows_matches_torch_autograd_functional_jacobian(name, device):
    f, x, m = random_map(name, device)
    call = f"jacobian_by_rows({name}, x) for {m} outputs, {len(x)} inputs"
    with by_hand(JACOBIAN_SHORTCUTS, advice=ROW_BY_ROW):
        got = vjp.jacobian_by_rows(f, x)
    expect_jacobian(got, jacobian_of(f, x), call)


@pytest.mark.task(3)
@pytest.mark.parametrize("sizes", ["m-by-n", "one-output", "one-input"])
def test_jacobian_by_rows_has_one_row_per_output_and_one_column_per_input(sizes):
    n, m = input_and_output_sizes()
    n, m = {"m-by-n": (n, m), "one-output": (n, 1), "one-input": (1, m)}[sizes]
    a = torch.randn(m, n, dtype=DOUBLE)
    with by_hand(JACOBIAN_SHORTCUTS, advice=ROW_BY_ROW):
        got = vjp.jacobian_by_rows(lambda x: a @ x, torch.randn(n, dtype=DOUBLE))
    hint = "J is m x n even when m or n is 1: stack the rows, and squeeze nothing away." if sizes != "m-by-n" else ""
    expect_jacobian(got, a, f"jacobian_by_rows(lambda x: a @ x, x) for {m} outputs, {n} inputs", hint)


@pytest.mark.task(3)
def test_jacobian_by_rows_does_not_let_gradients_pile_up_from_one_row_to_the_next():
    m, n = sorted(input_and_output_sizes())
    with by_hand(JACOBIAN_SHORTCUTS, advice=ROW_BY_ROW):
        got = vjp.jacobian_by_rows(lambda x: 3 * x[:m], torch.randn(n, dtype=DOUBLE))
    expect_jacobian(got, 3 * torch.eye(m, n, dtype=DOUBLE), f"jacobian_by_rows(lambda x: 3 * x[:{m}], x)")


@pytest.mark.task(3)
@pytest.mark.parametrize("requires_grad", [False, True], ids=["plain-x", "x-with-a-grad"])
def test_jacobian_by_rows_leaves_the_callers_tensor_alone(requires_grad):
    f, point, _ = random_map("tanh-layer")
    x, grad_before = callers_tensor(point.shape, requires_grad)
    with by_hand(JACOBIAN_SHORTCUTS, advice=ROW_BY_ROW):
        got = vjp.jacobian_by_rows(f, x)
    expect_untouched(x, grad_before, "jacobian_by_rows(tanh-layer, x)")
    expect_jacobian(got, jacobian_of(f, x.detach()), "jacobian_by_rows(tanh-layer, x)")


# Task 4: torch.autograd.grad leaves .grad alone


@pytest.mark.task(4)
def test_vjp_by_grad_gives_one_vjp_per_input_each_shaped_like_its_input():
    leaves, y = linear_layer()
    v = torch.randn_like(y)
    expect_layer_vjps(vjp.vjp_by_grad(y, leaves, v), leaves, v, "vjp_by_grad(w @ x + b, (w, x, b), v)")


@pytest.mark.task(4)
def test_vjp_by_grad_leaves_the_grad_of_every_input_alone():
    (w, x, b), y = linear_layer()
    w.grad = torch.randn_like(w)  # as if left over from an earlier step
    w_grad_before = w.grad.clone()
    vjp.vjp_by_grad(y, (w, x, b), torch.randn_like(y))
    changed = [f"{name}.grad" for name, leaf in [("x", x), ("b", b)] if leaf.grad is not None]
    if not torch.equal(w.grad, w_grad_before):
        changed.append("w.grad")
    assert not changed, (
        f"vjp_by_grad(w @ x + b, (w, x, b), v) wrote into {', '.join(changed)}. y.backward(v) adds into the .grad "
        "of the leaves; torch.autograd.grad(y, inputs, grad_outputs=v) returns the VJPs and leaves .grad alone."
    )


@pytest.mark.task(4)
def test_vjp_by_grad_keeps_the_graph_for_another_vjp_of_the_same_output():
    leaves, y = linear_layer()
    for attempt in ("first", "second"):
        v = torch.randn_like(y)
        expect_layer_vjps(vjp.vjp_by_grad(y, leaves, v), leaves, v, f"vjp_by_grad(y, (w, x, b), v), {attempt} call")


# Task 5: The functional API: torch.func


@pytest.mark.task(5)
@pytest.mark.parametrize("name", MAPS)
def test_functional_vjp_equals_the_vjp_from_autograd(name):
    f, x, m = random_map(name)
    v = torch.randn(m, dtype=DOUBLE)
    leaf = x.clone().requires_grad_()
    (expected,) = torch.autograd.grad(f(leaf), leaf, grad_outputs=v)
    expect_close(
        vjp.functional_vjp(f, x, v),
        expected,
        f"functional_vjp({name}, x, v)",
        hint="torch.func.vjp(f, x) returns (output, vjp_fn); vjp_fn(v) returns a tuple, one VJP per primal.",
    )


@pytest.mark.task(5)
@pytest.mark.parametrize("name", MAPS)
def test_functional_vjp_vmapped_over_one_hot_vectors_gives_the_whole_jacobian(name):
    f, x, m = random_map(name)
    call = f"vmap(lambda v: functional_vjp({name}, x, v))(torch.eye({m}))"
    got = under_vmap(lambda v: vjp.functional_vjp(f, x, v), torch.eye(m, dtype=DOUBLE), call)
    expect_jacobian(got, jacobian_of(f, x), call)


@pytest.mark.task(5)
def test_jacobian_function_returns_a_function_that_computes_the_jacobian_anywhere():
    f, x, _ = random_map("tanh-layer")
    jacobian = vjp.jacobian_function(f)
    assert callable(jacobian), f"jacobian_function(f) should return a function of x, not {type(jacobian).__name__}."
    for where in (x, torch.randn_like(x)):
        expect_jacobian(jacobian(where), jacobian_of(f, where), "jacobian_function(tanh-layer)(x)")


@pytest.mark.task(5)
@pytest.mark.parametrize("name", MAPS)
def test_jacobian_function_composes_with_vmap_over_a_batch_of_inputs(name):
    f, x, _ = random_map(name)
    batch = torch.randn(random_shape(1)[0], len(x), dtype=DOUBLE)
    call = f"vmap(jacobian_function({name}))(batch of {len(batch)} inputs)"
    got = under_vmap(vjp.jacobian_function(f), batch, call)
    expect_close(got, torch.stack([jacobian_of(f, row) for row in batch]), call)


# Task 6: Sensitivity analysis


@pytest.mark.task(6)
@pytest.mark.parametrize("name", MAPS)
def test_weighted_output_gradient_is_the_vjp_with_the_weights(name):
    f, x, m = random_map(name)
    weights = torch.randn(m, dtype=DOUBLE)
    leaf = x.clone().requires_grad_()
    (expected,) = torch.autograd.grad((weights * f(leaf)).sum(), leaf)
    expect_close(
        vjp.weighted_output_gradient(f, x, weights),
        expected,
        f"weighted_output_gradient({name}, x, weights)",
        hint="The gradient of sum(weights * f(x)) is weightsᵀJ: a VJP with the weights as upstream vector.",
    )


@pytest.mark.task(6)
@pytest.mark.parametrize("function", ["weighted_output_gradient", "most_sensitive_input"])
@pytest.mark.parametrize("requires_grad", [False, True], ids=["plain-x", "x-with-a-grad"])
def test_sensitivity_leaves_the_callers_tensor_alone(function, requires_grad):
    f, point, m = random_map("tanh-layer")
    x, grad_before = callers_tensor(point.shape, requires_grad)
    weights = torch.randn(m, dtype=DOUBLE)
    got = getattr(vjp, function)(f, x, weights)
    expect_untouched(x, grad_before, f"{function}(tanh-layer, x, weights)")
    leaf = x.detach().clone().requires_grad_()
    (expected,) = torch.autograd.grad((weights * f(leaf)).sum(), leaf)
    if function == "most_sensitive_input":
        expect_index(got, expected.abs().argmax().item(), f"{function}(tanh-layer, x, weights)", hint="")
    else:
        expect_close(got, expected, f"{function}(tanh-layer, x, weights)")


@pytest.mark.task(6)
def test_most_sensitive_input_has_the_largest_gradient_in_magnitude_whatever_its_sign():
    n, m = input_and_output_sizes()
    x, weights = torch.randn(n, dtype=DOUBLE), torch.randn(m, dtype=DOUBLE)
    drawn = torch.randn(m, n, dtype=DOUBLE)
    for a, which in [(drawn, "a"), (-drawn, "-a")]:
        got = vjp.most_sensitive_input(functools.partial(torch.mv, a), x, weights)
        largest, signed = (weights @ a).abs().argmax().item(), (weights @ a).argmax().item()
        expect_index(
            got,
            largest,
            f"most_sensitive_input(lambda x: {which} @ x, x, weights)",
            hint="A large negative gradient counts as much as a large positive one: compare magnitudes (.abs())."
            if got == signed != largest
            else "The most sensitive input is the one whose gradient is largest in magnitude.",
        )


@pytest.mark.task(6)
def test_most_sensitive_input_depends_on_the_weights_of_the_outputs():
    n, m = input_and_output_sizes()
    a = 0.1 * torch.randn(m, n, dtype=DOUBLE)
    a[0, 0] = 10.0  # output 0 reacts strongly to input 0, but gets weight 0 ...
    a[1, n - 1] = 5.0  # ... while output 1, which reacts to the last input, gets weight 1
    weights = 0.1 * torch.randn(m, dtype=DOUBLE)
    weights[:2] = torch.tensor([0.0, 1.0])
    got = vjp.most_sensitive_input(lambda x: a @ x, torch.randn(n, dtype=DOUBLE), weights)
    expect_index(
        got,
        n - 1,
        "most_sensitive_input(f, x, weights) with weights[0] = 0",
        hint="Use the weights as the upstream vector: an output with weight 0 does not count"
        + (" (input 0 matters mostly through output 0, whose weight is 0)." if got == 0 else "."),
    )


# --- Helpers ---

GRAD_SHORTCUTS = [(torch.autograd, "grad"), (torch.func, "vjp"), (torch.autograd.functional, "vjp")]
WITH_BACKWARD = "Call f(x).backward(v) on a leaf of your own and read its .grad (torch.autograd.grad is Task 4's)."
JACOBIAN_SHORTCUTS = [
    (torch.autograd.functional, "jacobian"),
    (torch.func, "jacrev"),
    (torch.func, "jacfwd"),
    (torch.func, "vmap"),
    (torch, "vmap"),
]
ROW_BY_ROW = "Build J one row at a time: one y.backward(e_i) per output (README.md, Task 3)."


def input_and_output_sizes():
    """Random sizes n (inputs) and m (outputs) with m != n, so that J (m x n) and its transpose differ in shape."""
    n, m = random_shape(2, low=2, high=5)
    return n, (m + 1 if m == n else m)


def random_map(name, device="cpu"):
    """A random map ``f`` from R^n to R^m (m != n), a point ``x`` in R^n, and m."""
    n, m = input_and_output_sizes()
    a, b = torch.randn(2, m, n, dtype=DOUBLE, device=device)
    return functools.partial(MAPS[name], a, b), torch.randn(n, dtype=DOUBLE, device=device), m


def jacobian_of(f, x):
    """The Jacobian of ``f`` at ``x``, as torch computes it."""
    return torch.autograd.functional.jacobian(f, x)


def expect_gradient(got, expected, call, hint="", mistakes=()):
    """Fail unless ``got`` is the gradient ``expected``; a None says first why x.grad can stay None."""
    __tracebackhide__ = True
    assert got is not None, (
        f"{call} returned None. Did you forget `return`? If you returned x.grad: backward fills the .grad of the "
        "leaves it reaches, and that x was not one of them. Keep your own leaf in the name x, "
        "x = x.detach().requires_grad_(), compute f(x) from it, and return its .grad."
    )
    expect_close(got, expected, call, hint=hint, mistakes=mistakes)


def returned_callers_grad(grad_before):
    """The known mistake of returning the .grad that the caller's x already held (none for a plain x)."""
    if grad_before is None:
        return []
    return [(grad_before, "This is the .grad the caller's x already held: return the .grad of your own leaf.")]


def expect_jacobian(got, expected, call, hint=""):
    """Fail unless ``got`` is the Jacobian ``expected``, naming the mistake that a wrong one most likely came from."""
    __tracebackhide__ = True
    if isinstance(got, torch.Tensor) and got.dtype != expected.dtype:
        hint, mistakes = "J must have x's dtype: torch.stack the rows, or make the matrix with dtype=x.dtype.", []
    else:
        hint = hint or "Row i of J is the VJP with the one-hot upstream vector e_i: 1 at output i, 0 elsewhere."
        mistakes = [
            (
                expected.T,
                "This is the transpose of the Jacobian: row i is the gradient of output i (one row per output).",
            ),
            (
                expected.cumsum(0),
                "Row i is the sum of rows 0..i: x.grad accumulated over your backward calls. "
                "Reset it (x.grad = None) after you take each row.",
            ),
            (
                expected.sum(0).expand_as(expected),
                "Every row is the sum of all rows: your upstream vector was all ones, not the one-hot e_i.",
            ),
            (
                expected[-1].expand_as(expected),
                "Every row is the last row: you kept x.grad itself, one tensor that later rows overwrite in place. "
                "Keep x.grad.clone(), or set x.grad = None instead of zeroing it.",
            ),
        ]
    expect_close(got, expected, call, hint=hint, mistakes=mistakes)


def under_vmap(function, batch, call):
    """``torch.func.vmap(function)(batch)``, failing with a lesson if ``function`` uses autograd's own tools."""
    __tracebackhide__ = True
    autograd_in_vmap = (
        "Inside torch.func.vmap, autograd's tools (requires_grad_, backward, torch.autograd.grad) are not allowed: "
        "use torch.func.vjp or torch.func.jacrev."
    )
    return explained_call(
        torch.func.vmap(function), batch, call=call, explanations={"functorch transform": autograd_in_vmap}
    )


def expect_index(got, expected, call, hint):
    """Fail unless ``got`` is a Python int equal to ``expected``."""
    __tracebackhide__ = True
    assert isinstance(got, int) and not isinstance(got, bool), (
        f"{call} should return a Python int, but it returned {type(got).__name__}: {got!r:.80}. "
        "A one-element tensor becomes a Python number with .item()."
    )
    assert got == expected, f"{call} picked input {got}, expected input {expected}. {hint}"


def linear_layer():
    """Leaves w (m x n), x (n) and b (m) that require grad, and y = w @ x + b."""
    n, m = input_and_output_sizes()
    w, x, b = (torch.randn(shape, dtype=DOUBLE, requires_grad=True) for shape in [(m, n), (n,), (m,)])
    return (w, x, b), w @ x + b


def expect_layer_vjps(got, leaves, v, call):
    """Fail unless ``got`` holds the VJPs of y = w @ x + b with respect to w, x and b."""
    __tracebackhide__ = True
    w, x, b = (leaf.detach() for leaf in leaves)
    got = expect_sequence(got, 3, f"{call} (one VJP for each of w, x and b)")
    for name, actual, expected in zip("wxb", got, [torch.outer(v, x), w.T @ v, v]):
        expect_close(actual, expected, f"{call}, entry for {name}", hint="Each VJP has the shape of its input.")
