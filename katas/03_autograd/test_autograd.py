"""Autograd. The lesson is README.md beside this file."""

import pytest
import torch
import torch.nn.functional as F

from katas.testing import (
    callers_tensor,
    expect_close,
    expect_equal,
    expect_sequence,
    expect_tensor,
    expect_untouched,
    explained_call,
    kata_module,
    random_int,
    random_shape,
)

module = kata_module(__file__)

DOUBLE = torch.float64

# Element-wise functions with their first and second derivatives.
ELEMENTWISE = {
    "cube": (lambda x: x**3, lambda x: 3 * x**2, lambda x: 6 * x),
    "sin": (torch.sin, torch.cos, lambda x: -torch.sin(x)),
    "tanh": (torch.tanh, lambda x: 1 - torch.tanh(x) ** 2, lambda x: -2 * torch.tanh(x) * (1 - torch.tanh(x) ** 2)),
    "softplus": (F.softplus, torch.sigmoid, lambda x: torch.sigmoid(x) * (1 - torch.sigmoid(x))),
}


# Task 1: requires_grad and backward


@pytest.mark.task(1)
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_gradient_at_of_a_sum_of_an_elementwise_function_is_its_derivative(name):
    f, derivative, _ = ELEMENTWISE[name]
    x = torch.randn(random_shape(2), dtype=DOUBLE)
    expect_close(
        module.gradient_at(lambda x: f(x).sum(), x),
        derivative(x),
        f"gradient_at(lambda x: {name}(x).sum(), x)",
        hint="After f(x).backward(), the gradient is in the .grad of the leaf x (shaped like x).",
    )


@pytest.mark.task(1)
def test_gradient_at_of_a_quadratic_form_mixes_the_entries():
    n = random_shape(1, low=2)[0]
    a = torch.randn(n, n, dtype=DOUBLE)
    x = torch.randn(n, dtype=DOUBLE)
    expect_close(
        module.gradient_at(lambda x: x @ a @ x, x),
        (a + a.T) @ x,
        "gradient_at(lambda x: x @ a @ x, x)",
        hint="The gradient of xᵀAx is (A + Aᵀ)x: let backward work it out, don't write the formula.",
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("requires_grad", [False, True], ids=["plain-x", "x-with-a-grad"])
def test_gradient_at_leaves_the_callers_tensor_alone_and_gives_the_same_answer_twice(requires_grad):
    x, grad_before = callers_tensor(random_shape(2), requires_grad)
    for attempt in ("first", "second"):
        call = f"gradient_at(lambda x: sin(x).sum(), x), {attempt} call"
        got = module.gradient_at(lambda x: torch.sin(x).sum(), x)
        expect_untouched(x, grad_before, call)
        expect_close(got, torch.cos(x.detach()), call)


@pytest.mark.task(1)
@pytest.mark.parametrize("requires_grad", [False, True], ids=["plain-parameters", "parameters-with-grads"])
def test_mse_gradients_match_the_formula_and_leave_the_callers_parameters_alone(requires_grad):
    n, d = random_shape(2, low=2)
    inputs, targets = torch.randn(n, d, dtype=DOUBLE), torch.randn(n, dtype=DOUBLE)
    (w, w_grad), (b, b_grad) = callers_tensor(d, requires_grad), callers_tensor((), requires_grad)
    call = f"mse_gradients(w, b, inputs, targets) with {n} points of {d} features"
    got = expect_sequence(module.mse_gradients(w, b, inputs, targets), 2, call)
    expect_untouched(w, w_grad, call, name="w")
    expect_untouched(b, b_grad, call, name="b")
    residual = inputs @ w.detach() + b.detach() - targets
    hint = "One backward() fills the .grad of every leaf that requires grad: make both w and b such leaves."
    expect_close(got[0], 2 / n * inputs.T @ residual, f"{call}, grad_w", hint=hint)
    expect_close(got[1], 2 / n * residual.sum(), f"{call}, grad_b", hint=hint)


# Task 2: Leaves and non-leaves


GETS_GRAD_CASES = {
    "plain-tensor": (lambda: torch.randn(3), False, "it does not require grad: backward never reaches it."),
    "leaf-that-requires-grad": (lambda: _leaf(), True, "a leaf that requires grad is where backward stores gradients."),
    "requires-grad-switched-on": (
        lambda: torch.randn(3).requires_grad_(),
        True,
        "requires_grad_() makes it a leaf that requires grad.",
    ),
    "result-of-an-operation": (lambda: _leaf() * 2, False, "it has a grad_fn: a non-leaf, whose .grad stays None."),
    "created-then-scaled": (
        lambda: torch.randn(3, requires_grad=True) * 0.01,
        False,
        "the multiplication is recorded, so the result is a non-leaf, not the tensor created with requires_grad=True.",
    ),
    "non-leaf-that-retains-grad": (
        lambda: _retained(),
        True,
        "retain_grad() asks backward to keep this non-leaf's gradient.",
    ),
    "detached": (lambda: _leaf().detach(), False, "detach() returns a tensor that does not require grad."),
    "computed-under-no-grad": (
        lambda: _under_no_grad(),
        False,
        "nothing is recorded under no_grad: the result needs no grad.",
    ),
}


@pytest.mark.task(2)
@pytest.mark.parametrize("case", GETS_GRAD_CASES)
def test_gets_grad_only_for_leaves_that_require_grad_and_tensors_that_retain_it(case):
    make, expected, why = GETS_GRAD_CASES[case]
    t = make()
    got = module.gets_grad(t)
    state = f"requires_grad={t.requires_grad}, is_leaf={t.is_leaf}, retains_grad={t.retains_grad}"
    assert got is expected, f"gets_grad(<{case}>) returned {got!r}, expected {expected} (a bool): {why} ({state})"


@pytest.mark.task(2)
@pytest.mark.parametrize("requires_grad", [False, True], ids=["plain-w", "w-with-a-grad"])
def test_layer_gradients_include_the_gradient_of_the_hidden_layer(requires_grad):
    m, n = random_shape(2, low=2)
    w, grad_before = callers_tensor((m, n), requires_grad)
    x = torch.randn(n, dtype=DOUBLE)
    call = f"layer_gradients(w, x) with w of shape {(m, n)}"
    got = expect_sequence(module.layer_gradients(w, x), 2, call)
    expect_untouched(w, grad_before, call, name="w")
    assert got[1] is not None, (
        f"{call} returned None as the gradient of hidden: backward keeps gradients only for leaves. "
        "Call hidden.retain_grad() before backward()."
    )
    hidden = torch.tanh(w.detach() @ x)
    expect_close(got[0], torch.outer(2 * hidden * (1 - hidden**2), x), f"{call}, gradient of w")
    expect_close(got[1], 2 * hidden, f"{call}, gradient of hidden", hint="The loss is (hidden**2).sum().")


# Task 3: Gradients accumulate

LEFTOVER = "It includes the leftover gradient w.grad held on entry: reset w.grad before the first backward."
NO_GRAD_YET = {
    "'NoneType' object has no attribute": "w.grad is None until a backward reaches w, and this w had no gradient "
    "yet: w.grad.zero_() needs a tensor to zero. Reset with w.grad = None, which works either way."
}


@pytest.mark.task(3)
@pytest.mark.parametrize("leftover", [True, False], ids=["w-with-a-leftover-grad", "w-without-a-grad-yet"])
def test_gradients_one_by_one_gives_each_loss_its_own_gradient(leftover):
    n, count = random_shape(2, low=3)
    w = parameter(n, leftover)
    leftover = w.grad.clone() if leftover else torch.zeros(n, dtype=DOUBLE)
    losses = random_losses(n, count)
    call = f"gradients_one_by_one(<{count} losses>, w)"
    got = explained_call(module.gradients_one_by_one, losses, w, call=call, explanations=NO_GRAD_YET)
    got = expect_sequence(got, count, call)
    expected = [gradient_of(loss_fn, w) for loss_fn in losses]
    adds = "backward adds into w.grad. Reset it (w.grad = None) before each backward."
    kept = (
        "Every entry is the last gradient: you kept w.grad itself, a tensor that the next zero_() and backward "
        "overwrite. Set w.grad = None instead, or keep w.grad.clone()."
    )
    for i, (gradient, right) in enumerate(zip(got, expected)):
        running_sum = sum(expected[: i + 1])
        mistakes = [
            (right + leftover, LEFTOVER),
            (running_sum, f"It is the sum of the gradients so far: {adds}"),
            (running_sum + leftover, f"It is the sum of the gradients so far plus the leftover one: {adds}"),
            (expected[-1], kept),
        ]
        expect_close(gradient, right, f"{call}, gradient {i}", mistakes=mistakes)


@pytest.mark.task(3)
@pytest.mark.parametrize("leftover", [True, False], ids=["w-with-a-leftover-grad", "w-without-a-grad-yet"])
def test_accumulated_gradient_adds_up_the_gradients_of_every_loss_and_nothing_else(leftover):
    n, count = random_shape(2, low=3)
    w = parameter(n, leftover)
    leftover = w.grad.clone() if leftover else torch.zeros(n, dtype=DOUBLE)
    losses = random_losses(n, count)
    expected_each = [gradient_of(loss_fn, w) for loss_fn in losses]
    expected = sum(expected_each[1:], expected_each[0])
    call = f"accumulated_gradient(<{count} losses>, w)"
    got = explained_call(module.accumulated_gradient, losses, w, call=call, explanations=NO_GRAD_YET)
    mistakes = [
        (expected + leftover, LEFTOVER),
        (
            expected_each[-1],
            "It is the last loss's gradient only: don't reset w.grad between the losses, let them add up.",
        ),
    ]
    for what, value in [("the returned gradient", got), ("w.grad afterwards", w.grad)]:
        expect_close(value, expected, f"{call}, {what}", mistakes=mistakes)


# Task 4: Recording off: no_grad and detach


@pytest.mark.task(4)
def test_evaluate_records_nothing_and_leaves_recording_on_afterwards():
    n, d, k = random_shape(3)
    weights = torch.randn(d, k, dtype=DOUBLE, requires_grad=True)
    x = torch.randn(n, d, dtype=DOUBLE)
    result = expect_tensor(module.evaluate(lambda x: torch.tanh(x @ weights), x), "evaluate(model, x)")
    assert not result.requires_grad and result.grad_fn is None, (
        f"evaluate(model, x) returned a tensor that is still attached to a graph (grad_fn={result.grad_fn}). "
        "Compute it inside `with torch.no_grad():` (or detach the result)."
    )
    assert torch.is_grad_enabled(), (
        "After evaluate(model, x), recording is switched off for everyone: torch.set_grad_enabled(False) is global. "
        "Use `with torch.no_grad():`, which switches it back on when the block ends."
    )
    expect_close(result, torch.tanh(x @ weights.detach()), "evaluate(model, x)")


@pytest.mark.task(4)
def test_sgd_step_moves_each_parameter_in_place_and_keeps_it_a_leaf():
    shapes = [random_shape(2), random_shape(1), ()]
    params = [torch.randn(shape, dtype=DOUBLE, requires_grad=True) for shape in shapes]
    for p in params:
        p.grad = torch.randn_like(p)
    originals = list(params)
    lr = 0.01 + 0.5 * torch.rand(()).item()
    expected = [p.detach() - lr * p.grad for p in params]
    call = f"sgd_step(params, lr={lr:.3f})"
    in_place = {
        "leaf Variable": "An in-place change to a leaf that requires grad would be recorded, so torch forbids it. "
        "Update inside `with torch.no_grad():`."
    }
    explained_call(module.sgd_step, params, lr, call=call, explanations=in_place)
    for i, (p, value) in enumerate(zip(originals, expected)):
        assert params[i] is p, (
            f"{call} put a new tensor in params[{i}]. p - lr * p.grad is a new tensor, computed from p and recorded "
            "in a graph: a non-leaf. Change p itself, in place: p -= lr * p.grad, under torch.no_grad()."
        )
        expect_close(
            p.detach(),
            value,
            f"{call}, parameter {i}",
            hint="`p = p - lr * p.grad` only rebinds the name p inside your function: the caller's tensor does not "
            "change. Update in place (p -= lr * p.grad) under torch.no_grad().",
        )
        assert p.is_leaf and p.requires_grad, (
            f"After {call}, parameter {i} has requires_grad={p.requires_grad}, is_leaf={p.is_leaf}: it must stay "
            "a leaf that requires grad, or the next backward won't fill its .grad."
        )
    for p in params:
        p.grad = None
    sum((p * p).sum() for p in params).backward()
    for i, p in enumerate(params):
        expect_close(p.grad, 2 * expected[i], f"the next backward after {call}, parameter {i}'s .grad")


@pytest.mark.task(4)
def test_straight_through_round_rounds_forward_and_passes_gradients_straight_back():
    x = 3 * torch.randn(random_shape(2, low=3), dtype=DOUBLE)
    x.view(-1)[:6] = torch.tensor([0.5, 1.5, 2.5, -0.5, -2.5, 3.0])  # half-way values, and a whole number
    x.requires_grad_()
    upstream = torch.randn_like(x)
    y = expect_tensor(module.straight_through_round(x), "straight_through_round(x)")
    expect_close(
        y,
        torch.round(x.detach()),
        "straight_through_round(x), x starting with 0.5, 1.5, 2.5, -0.5, -2.5, 3.0,",
        hint="The values are torch.round(x), which rounds a half to the even neighbour (0.5 to 0, 2.5 to 2); "
        "floor(x + 0.5) rounds halves up.",
    )
    assert y.requires_grad, (
        "straight_through_round(x) returned a tensor that is not connected to x (its requires_grad is False): "
        "autograd recorded no path from x to it. Detach only the part whose derivative you want to hide: "
        "x + (torch.round(x) - x).detach()."
    )
    (y * upstream).sum().backward()
    hint = "The gradient should pass straight back (slope 1): x + (torch.round(x) - x).detach() has it."
    zero = "torch.round has derivative 0 almost everywhere. Hide it: x + (torch.round(x) - x).detach() has slope 1."
    call = "the gradient that reaches x through straight_through_round(x)"
    expect_close(x.grad, upstream, call, hint=hint, mistakes=[(torch.zeros_like(upstream), zero)])


# Task 5: Reading the graph: grad_fn and next_functions


@pytest.mark.task(5)
@pytest.mark.parametrize("length", [1, 3, 6])
def test_backward_chain_lists_the_nodes_from_the_output_back_to_the_leaf(length):
    y, expected = random_chain(length)
    call = f"backward_chain(y) for y computed by {length} operation(s) and a sum"
    got = module.backward_chain(y)
    assert isinstance(got, list | tuple) and all(isinstance(name, str) for name in got), (
        f"{call} should return a list of strings, got {got!r:.200}. type(node).__name__ is a node's class name."
    )
    got = [name.split("::")[-1] for name in got]  # node.name() spells AccumulateGrad "torch::autograd::AccumulateGrad"
    early = len(got) < len(expected) and got == expected[: len(got)]
    stopped = f" Your walk stopped after {got[-1:]}: a None parent (a constant operand) is no reason to stop." * early
    assert got == expected, (
        f"{call} returned the wrong chain.\n  expected: {expected}\n  got:      {got}\n"
        "Start at y.grad_fn, follow the first parent in node.next_functions that is not None (a constant first "
        "operand, as in c * t, puts a None before it), and stop after the leaf's AccumulateGrad (its next_functions "
        "is empty)." + stopped
    )


@pytest.mark.task(5)
@pytest.mark.parametrize("operations", [2, 5, 9])
def test_count_operations_counts_every_node_of_a_random_graph_once(operations):
    y, expected = random_graph(operations)
    got = module.count_operations(y)
    assert got == expected, (
        f"count_operations(y) returned {got!r}, expected {expected} for a graph with {expected} operations, some "
        "with a constant as their first operand and some with one as their second. Visit every parent in "
        "next_functions (skip a None and go on with the rest), keep a set of the nodes you have seen so that a "
        "shared node counts once, and don't count AccumulateGrad."
    )


@pytest.mark.task(5)
def test_count_operations_counts_a_node_shared_by_two_operations_once():
    x = torch.randn(random_shape(1)[0], dtype=DOUBLE, requires_grad=True)
    shared = torch.exp(x)
    y = (torch.sin(shared) * torch.cos(shared)).sum()  # Exp, Sin, Cos, Mul, Sum
    got = module.count_operations(y)
    hint = " You counted exp twice: it is reached from sin and from cos. Remember the nodes you have seen."
    hint = hint if got == 6 else ""
    assert got == 5, f"count_operations(y) for y = (sin(e) * cos(e)).sum(), e = exp(x): expected 5, got {got!r}.{hint}"


# Task 6: Graphs are built as the code runs


@pytest.mark.task(6)
@pytest.mark.parametrize(
    "where",
    [
        "small",
        "large-positive",
        "large-negative",
        "zero",
        "exactly-1",
        "exactly-minus-1",
        "a-power-of-2",
        "minus-a-power-of-2",
    ],
)
def test_halve_until_small_is_differentiated_along_the_loop_it_ran(where):
    power = 2.0 ** random_int(1, 9)  # halves down to exactly 1, which is small enough
    value = {
        "small": torch.rand(()).item(),
        "large-positive": 2 + 300 * torch.rand(()).item(),
        "large-negative": -2 - 300 * torch.rand(()).item(),
        "zero": 0.0,
        "exactly-1": 1.0,
        "exactly-minus-1": -1.0,
        "a-power-of-2": power,
        "minus-a-power-of-2": -power,
    }[where]
    x = torch.tensor(value, dtype=DOUBLE, requires_grad=True)
    halvings = 0
    while abs(value) / 2**halvings > 1:
        halvings += 1
    call = f"halve_until_small(tensor({value:.4f}))"
    in_place = {"leaf Variable": "x /= 2 changes the caller's x in place. x = x / 2 makes a new, recorded tensor."}
    got = expect_tensor(explained_call(module.halve_until_small, x, call=call, explanations=in_place), call)
    expect_connected(got, call)
    hint = "Halve while the magnitude is above 1: x.abs() > 1. A magnitude of exactly 1 is small enough."
    expect_close(got, torch.tensor(value / 2**halvings, dtype=DOUBLE), call, hint=hint)
    (derivative,) = torch.autograd.grad(got, x)
    expect_close(derivative, torch.tensor(0.5**halvings, dtype=DOUBLE), f"the derivative of {call}")
    expect_equal(x.detach(), torch.tensor(value, dtype=DOUBLE), f"x after {call}", hint="Don't change the caller's x.")


@pytest.mark.task(6)
@pytest.mark.parametrize(
    "where",
    [
        "inside",
        "above",
        "below",
        "zero",
        "exactly-1",
        "exactly-minus-1",
        "between-1-and-2",
        "between-minus-2-and-minus-1",
    ],
)
def test_huber_is_differentiated_along_the_branch_python_took(where):
    value = {
        "inside": (2 * torch.rand(()).item() - 1) or 0.5,
        "above": 2 + 4 * torch.rand(()).item(),
        "below": -2 - 4 * torch.rand(()).item(),
        "zero": 0.0,
        "exactly-1": 1.0,
        "exactly-minus-1": -1.0,
        "between-1-and-2": 2 - torch.rand(()).item(),
        "between-minus-2-and-minus-1": torch.rand(()).item() - 2,
    }[where]
    x = torch.tensor(value, dtype=DOUBLE, requires_grad=True)
    call = f"huber(tensor({value:.4f}))"
    got = expect_tensor(module.huber(x), call)
    expect_connected(got, call)
    inside = abs(value) <= 1
    expected = value**2 if inside else 2 * abs(value) - 1
    expect_close(got, torch.tensor(expected, dtype=DOUBLE), call, hint="x**2 where |x| <= 1, else 2|x| - 1.")
    (derivative,) = torch.autograd.grad(got, x)
    slope = 2 * value if inside else 2 * (1 if value > 0 else -1)
    expect_close(derivative, torch.tensor(slope, dtype=DOUBLE), f"the derivative of {call}")


# Task 7: Second derivatives: create_graph

NO_GRAPH = {
    "does not require grad": "The first derivative was computed without a graph of its own, so it cannot be "
    "differentiated again: pass create_graph=True when you compute it."
}


@pytest.mark.task(7)
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_second_derivative_matches_the_analytic_one(name):
    f, _, second = ELEMENTWISE[name]
    x = torch.randn(random_shape(2), dtype=DOUBLE)
    call = f"second_derivative({name}, x)"
    got = explained_call(module.second_derivative, f, x, call=call, explanations=NO_GRAPH)
    expect_untouched(x, None, call)
    expect_close(got, second(x), call, hint="Differentiate the first derivative; it needs a graph: create_graph=True.")


@pytest.mark.task(7)
def test_gradient_penalty_can_itself_be_differentiated_with_respect_to_the_parameters():
    n = random_shape(1, low=2)[0]
    w = torch.randn(n, dtype=DOUBLE, requires_grad=True)
    x = torch.randn(n, dtype=DOUBLE)
    call = "gradient_penalty(lambda x: (w * sin(x)).sum(), x)"
    model = lambda x: (w * torch.sin(x)).sum()  # noqa: E731
    penalty = explained_call(module.gradient_penalty, model, x, call=call, explanations=NO_GRAPH)
    expect_untouched(x, None, call)
    assert w.grad is None, (
        f"{call} wrote into w.grad. backward() fills the .grad of every leaf it reaches, the model's parameters "
        "included; torch.autograd.grad(output, x, create_graph=True) returns the gradient and leaves .grad alone."
    )
    assert expect_tensor(penalty, call).requires_grad, (
        f"{call} returned a penalty that is not connected to w: pass create_graph=True so that the gradient "
        "(and what you compute from it) is recorded, and don't detach it (nor turn it into a number with .item())."
    )
    expect_close(penalty, (w.detach() ** 2 * torch.cos(x) ** 2).sum(), call, hint="The gradient is w * cos(x).")
    penalty.backward()
    expect_close(w.grad, 2 * w.detach() * torch.cos(x) ** 2, f"the gradient of {call} with respect to w")


# Task 8: Backward twice: retain_graph


@pytest.mark.task(8)
@pytest.mark.parametrize("leftover", [True, False], ids=["w-with-a-leftover-grad", "w-without-a-grad-yet"])
def test_two_head_gradients_match_each_head_alone_with_shared_features_computed_once(leftover):
    n, m = random_shape(2, low=2)
    a, u = torch.randn(m, n, dtype=DOUBLE), torch.randn(m, dtype=DOUBLE)
    shared = Counted(lambda w: torch.tanh(a @ w))
    heads = {"a": lambda h: (h * u).sum(), "b": lambda h: (h**2).sum()}
    w = parameter(n, leftover)
    leftover = w.grad.clone() if leftover else torch.zeros(n, dtype=DOUBLE)
    expected = [gradient_of(lambda w, head=head: head(torch.tanh(a @ w)), w) for head in heads.values()]
    call = "two_head_gradients(shared, head_a, head_b, w)"
    second_time = {
        "second time": "The first backward freed the graph of shared(w) (the values it saved for the backward pass). "
        "Keep it for the second head: head_a(features).backward(retain_graph=True).",
        **NO_GRAD_YET,
    }
    got = explained_call(module.two_head_gradients, shared, *heads.values(), w, call=call, explanations=second_time)
    got = expect_sequence(got, 2, call)
    assert shared.calls == 1, (
        f"{call} called shared {shared.calls} times: compute features = shared(w) once, and backward from each head "
        "through it (the first backward needs retain_graph=True)."
    )
    same = isinstance(got[0], torch.Tensor) and got[0] is got[1]
    hint = "Both are the same tensor: you kept w.grad itself and zeroed it in place. Set w.grad = None." if same else ""
    both = "It is the sum of both heads' gradients: reset w.grad (w.grad = None) between the two backwards."
    for name, gradient, right, other in zip("ab", got, expected, expected[::-1]):
        mistakes = [(right + other, both), (right + other + leftover, both), (right + leftover, LEFTOVER)]
        expect_close(gradient, right, f"{call}, grad_{name}", hint=hint, mistakes=[] if same else mistakes)


# --- Helpers ---


def _leaf():
    """A leaf that requires grad."""
    return torch.randn(3, requires_grad=True)


def _retained():
    """A non-leaf that retains its grad."""
    hidden = _leaf() * 2
    hidden.retain_grad()
    return hidden


def _under_no_grad():
    """A tensor computed from a leaf under torch.no_grad()."""
    leaf = _leaf()
    with torch.no_grad():
        return leaf * 2


def gradient_of(loss_fn, w):
    """The gradient of ``loss_fn`` at ``w``, computed on a fresh leaf (the expected answer)."""
    leaf = w.detach().clone().requires_grad_()
    (gradient,) = torch.autograd.grad(loss_fn(leaf), leaf)
    return gradient


def random_losses(n, count):
    """``count`` different scalar losses of a vector of n entries."""
    a, c = torch.randn(2, count, n, dtype=DOUBLE)
    kinds = [
        lambda i: lambda w: torch.sin(a[i] * w).sum(),
        lambda i: lambda w: ((w - c[i]) ** 2).sum(),
        lambda i: lambda w: torch.tanh(w @ a[i]) * 3,
    ]
    return [kinds[i % len(kinds)](i) for i in range(count)]


def parameter(n, leftover=True):
    """A parameter of n entries (a leaf that requires grad), holding a leftover .grad from an earlier step or none."""
    w = torch.randn(n, dtype=DOUBLE, requires_grad=True)
    w.grad = torch.randn_like(w) if leftover else None
    return w


def expect_connected(result, call):
    """Fail unless ``result`` (computed from a leaf x) is still connected to x, the first thing to check."""
    __tracebackhide__ = True
    assert result.requires_grad, (
        f"{call} returned a tensor that is not connected to x (requires_grad=False): .item() or float() turns x "
        "into a Python number with no history, and a tensor made from that number starts a new one. Use tensor "
        "operations (x / 2, x**2, x.abs()) all the way; comparing in an `if` or `while` is fine."
    )


# The operations random_chain draws from.
UNARY = [torch.exp, torch.sin, torch.tanh, lambda t: t * 3, lambda t: t + 1, lambda t: t**2, lambda t: 2 - t]


def random_chain(length):
    """``y`` computed from a leaf by ``length`` random operations and a sum, with its expected backward chain.

    From two operations on, one of them has a constant tensor as its first operand (a None *before* the chain in
    next_functions) and another one as its second operand (a None after it), at random places."""
    n = random_shape(1)[0]
    t, constant = torch.randn(n, dtype=DOUBLE, requires_grad=True), torch.randn(n, dtype=DOUBLE)
    operations = [UNARY[choice] for choice in torch.randint(len(UNARY), (length,)).tolist()]
    if length >= 2:
        first, second = torch.randperm(length)[:2].tolist()
        operations[first] = lambda t: constant * t
        operations[second] = lambda t: t - constant
    names = []
    for operation in operations:
        t = operation(t)
        names.append(type(t.grad_fn).__name__)
    y = t.sum()
    return y, [type(y.grad_fn).__name__, *reversed(names), "AccumulateGrad"]


def random_graph(operations):
    """``y`` computed from two leaves by ``operations`` operations (many reuse earlier results) and a sum.

    One operation has a constant as its second operand and another one has it as its first, at random places:
    next_functions then holds a None after a parent and a None before one."""
    n = random_shape(1)[0]
    a, b = (torch.randn(n, dtype=DOUBLE, requires_grad=True) for _ in range(2))
    constant = torch.randn(n, dtype=DOUBLE)  # does not require grad: a None in next_functions
    kinds = torch.randint(4, (operations,)).tolist()
    first, second = torch.randperm(operations)[:2].tolist()
    kinds[first], kinds[second] = 2, 3
    pool, count = [a, b], 0
    for kind in kinds:
        other = pool[torch.randint(len(pool), ()).item()]
        if kind == 0:
            result = pool[-1] * other
        elif kind == 1:
            result = pool[-1] + torch.cos(other)
            count += 1  # the cos is a node too
        elif kind == 2:
            result = torch.sin(pool[-1] * constant)
            count += 1
        else:
            result = torch.tanh(constant * pool[-1]) + other
            count += 2  # the product and the tanh
        pool.append(result)
        count += 1
    return pool[-1].sum(), count + 1


class Counted:
    """A function that counts its calls."""

    def __init__(self, function):
        self.function, self.calls = function, 0

    def __call__(self, *args):
        self.calls += 1
        return self.function(*args)
