"""A training loop by hand. The lesson is README.md beside this file."""

import math

import pytest
import torch
import torch.nn.functional as F

from katas.testing import by_hand, expect_close, expect_dtype, expect_shape, explained_call, kata_module, random_int

training_loop = kata_module(__file__)

DTYPES = [torch.float32, torch.float64]


# Task 1: Parameters are leaves


@pytest.mark.task(1)
@pytest.mark.parametrize("dtype", [None, *DTYPES], ids=["default-dtype", *map(str, DTYPES)])
def test_init_parameters_gives_a_weight_per_feature_and_a_single_bias(dtype):
    n_features = random_int(2, 6)
    if dtype is None:  # the documented default
        w, b = training_loop.init_parameters(n_features)
        call, dtype = f"init_parameters({n_features}) (dtype left at its default, torch.float32)", torch.float32
    else:
        w, b = training_loop.init_parameters(n_features, dtype)
        call = f"init_parameters({n_features}, {dtype})"
    expect_shape(w, (n_features,), f"{call}[0], the weights w,")
    expect_shape(b, (), f"{call}[1], the bias b,", hint="The bias is one number: a 0-d tensor, shape ().")
    expect_dtype(w, dtype, f"{call}[0]")
    expect_dtype(b, dtype, f"{call}[1]")
    assert torch.isfinite(w).all() and torch.isfinite(b), f"{call} returned non-finite values: w={w}, b={b}."


@pytest.mark.task(1)
def test_init_parameters_returns_leaves_that_require_grad():
    w, b = training_loop.init_parameters(random_int(2, 6), torch.float64)
    for name, param in (("w", w), ("b", b)):
        assert param.requires_grad, f"init_parameters: {name}.requires_grad is False, so backward will not reach it."
        recorded = type(param.grad_fn).__name__
        scaled = recorded.startswith(("Mul", "Div"))
        assert param.is_leaf, (
            f"init_parameters: {name} is not a leaf (its grad_fn is {param.grad_fn}), so backward will leave "
            f"{name}.grad empty. Autograd records every operation on a tensor that already requires grad"
            + (": `torch.randn(n, requires_grad=True) * 0.01` records the multiplication" if scaled else "")
            + ". Make the values first, then call `.requires_grad_()` on the result."
        )


@pytest.mark.task(1)
def test_init_parameters_starts_from_small_values():
    n_features = 1000  # many weights: a rare large one cannot hide
    w, b = training_loop.init_parameters(n_features, torch.float64)
    largest = max(w.detach().abs().max().item(), b.detach().abs().item())
    mostly_small = w.detach().abs().median().item() < 0.1  # a few large ones among small ones: divided by randn?
    assert largest < 1, (
        f"init_parameters({n_features}) returned a parameter of size {largest:.3g}. Start at zero or at small "
        "random values, like 0.01 * torch.randn(...): weights near 1 or above push the logits far from 0, where "
        "the sigmoid is flat and the first steps learn little"
        + (
            f". Most of your weights are small (median size {w.detach().abs().median().item():.2g}): "
            "0.01 / torch.randn(...) is large wherever randn is near 0."
            if mostly_small
            else "."
        )
    )


# Task 2: The forward pass


@pytest.mark.task(2)
@pytest.mark.parametrize("size", ["many-rows", "one-row", "one-feature"])
def test_predict_logits_gives_one_logit_per_row_x_dot_w_plus_b(size):
    rows = 1 if size == "one-row" else random_int(5, 20)
    features = 1 if size == "one-feature" else random_int(2, 6)
    X = torch.randn(rows, features, dtype=torch.float64)
    w, b = leaf_parameters(X.shape[1])
    expected = (X * w).sum(dim=1) + b
    one_per_row = "One logit per row of X, shape (N,) even for N = 1: the matrix-vector product X @ w, plus b."
    expect_close(
        training_loop.predict_logits(X, w, b),
        expected,
        f"predict_logits(X, w, b) for X of shape {tuple(X.shape)}",
        hint=one_per_row,
        mistakes=[
            (torch.sigmoid(expected), f"{one_per_row} No sigmoid: these are probabilities, and the loss takes logits."),
            (expected.squeeze(), f"{one_per_row} No squeeze: for one row it leaves a 0-d tensor."),
            ((X * w).sum(dim=1), f"{one_per_row} Your logits lack the bias b."),
        ],
    )


@pytest.mark.task(2)
def test_predict_logits_keeps_the_graph_back_to_w_and_b():
    X = torch.randn(random_int(5, 20), random_int(2, 6), dtype=torch.float64)
    w, b = leaf_parameters(X.shape[1])
    logits = training_loop.predict_logits(X, w, b)
    assert logits.requires_grad, (
        "predict_logits(X, w, b) returned a tensor without a graph back to w and b: compute it from w and b with "
        "torch operations, outside torch.no_grad() and without detach()."
    )
    logits.sum().backward()
    hint = "d(sum of logits)/dw is the sum of the rows of X, and d/db is the number of rows."
    expect_close(w.grad, X.sum(dim=0), "w.grad after predict_logits(X, w, b).sum().backward()", hint=hint)
    expect_close(b.grad, torch.tensor(float(len(X)), dtype=torch.float64), "b.grad after the same backward", hint=hint)


# Task 3: A loss that cannot overflow


@pytest.mark.task(3)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("ndim", [1, 2], ids=["1-d", "2-d"])
def test_bce_with_logits_is_the_mean_binary_cross_entropy(dtype, ndim):
    logits, targets = labelled_logits(dtype, extreme=[])
    if ndim == 2:  # same shape, any shape: the mean runs over every element
        rows = random_int(2, 5)
        logits, targets = 3 * torch.randn(rows, len(logits), dtype=dtype), targets.repeat(rows, 1)
    with by_hand(SHORTCUTS, advice=BY_HAND):
        got = training_loop.bce_with_logits(logits, targets)
    expected = F.binary_cross_entropy_with_logits(logits, targets)
    over_rows = F.binary_cross_entropy_with_logits(logits, targets, reduction="sum") / len(logits)
    expect_close(
        got,
        expected,
        f"bce_with_logits(logits, targets) for logits of shape {tuple(logits.shape)}",
        hint=f"{POINT_LOSS} Return the mean over every element.",
        mistakes=[
            (
                F.binary_cross_entropy_with_logits(logits, targets, reduction="sum"),
                f"{POINT_LOSS} Return the mean, not the sum.",
            ),
            *[(over_rows, "You divided the sum by len(logits), the number of rows: average over every element.")]
            * (ndim == 2),
        ],
    )


@pytest.mark.task(3)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_bce_with_logits_stays_exact_for_extreme_logits(dtype):
    logits, targets = labelled_logits(dtype, extreme=[100.0, -100.0, 1000.0, -1000.0])
    with by_hand(SHORTCUTS, advice=BY_HAND):
        got = training_loop.bce_with_logits(logits, targets)
    finite = isinstance(got, torch.Tensor) and bool(torch.isfinite(got).all())
    expect_close(
        got,
        F.binary_cross_entropy_with_logits(logits, targets),
        f"bce_with_logits(<{dtype} logits including ±100 and ±1000>, targets)",
        hint=(
            "A logit of 1000 with the wrong label costs 1000; clamping the probability, or anything that rounds "
            "sigmoid(z) on the way, gives a finite but wrong loss. "
            if finite
            else "sigmoid(100) rounds to exactly 1.0, so log(1 - sigmoid(z)) is log(0) = -inf, and 0 * -inf is nan. "
        )
        + "Use the stable form max(z, 0) - z * y + log1p(exp(-|z|)), which never takes exp of a large number.",
    )


@pytest.mark.task(3)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_bce_with_logits_has_gradient_sigmoid_minus_target_over_n(dtype):
    logits, targets = labelled_logits(dtype, extreme=[0.0, 100.0, -100.0, 1000.0, -1000.0])
    logits.requires_grad_()
    with by_hand(SHORTCUTS, advice=BY_HAND):
        training_loop.bce_with_logits(logits, targets).backward()
    expected = (torch.sigmoid(logits) - targets).detach() / len(logits)
    hint = "The gradient of the mean loss is (sigmoid(z) - y) / N."
    grad = logits.grad
    if isinstance(grad, torch.Tensor) and grad.shape == expected.shape:
        wrong = ~torch.isclose(grad, expected)
        if grad.isnan().any():
            hint += (
                " A nan here, with a finite loss, usually comes from torch.where: it computes both branches, and the "
                "gradient of the branch it did not pick (an exp that overflowed) still reaches z as 0 * inf = nan. "
                "Write one formula that is safe for every z."
            )
        elif wrong.any() and (logits.detach()[wrong] == 0).all():
            hint += (
                " It is wrong only where z is exactly 0: clamp(min=0) and abs() pick different slopes at their "
                "corners. Write max(z, 0) as (z + z.abs()) / 2."
            )
    expect_close(grad, expected, "d bce_with_logits / d logits (from backward)", hint=hint)


# Task 4: One step of gradient descent


@pytest.mark.task(4)
def test_sgd_step_moves_each_parameter_against_its_gradient_in_place():
    w, b = leaf_parameters(random_int(2, 6))
    w.grad, b.grad = torch.randn_like(w), torch.randn_like(b)
    before, grads = copy_of((w, b)), (w.grad.clone(), b.grad.clone())
    lr = 0.3
    with by_hand(SHORTCUTS, advice=BY_HAND):
        returned = explained_call(
            training_loop.sgd_step, [w, b], lr, call="sgd_step([w, b], lr)", explanations=UPDATE_OF_A_LEAF
        )
    for name, param, grad in (("w", w, grads[0]), ("b", b, grads[1])):
        why = ""
        if param.grad is None or not param.grad.any():
            why = " Resetting them is zero_grad's job."
        elif torch.allclose(param.grad, lr * grad):
            why = (
                f" {name}.grad.mul_(lr) or {name}.grad *= lr scales the gradient itself, where lr * {name}.grad "
                "makes a new tensor."
            )
        assert param.grad is not None and torch.equal(param.grad, grad), (
            f"sgd_step([w, b], lr) changed {name}.grad: it was {grad}, it is now {param.grad}. Leave the gradients "
            f"alone.{why}"
        )
    stepped = [old.detach() - lr * grad for old, grad in zip(before, grads)]
    returned_steps = isinstance(returned, list | tuple) and len(returned) == 2
    returned_steps = returned_steps and all(
        isinstance(new, torch.Tensor) and new.shape == want.shape and torch.allclose(new.detach(), want)
        for new, want in zip(returned, stepped)
    )
    for name, param, old, grad in (("w", w, before[0], grads[0]), ("b", b, before[1], grads[1])):
        if torch.equal(param.detach(), old.detach()):
            pytest.fail(
                f"sgd_step([w, b], lr) left {name} unchanged"
                + (": it returned the stepped tensors, but the caller keeps its own" if returned_steps else "")
                + ". Change the tensor you were given in place, with -= (or sub_): code that makes a new tensor, "
                f"such as `{name} = {name} - lr * {name}.grad`, only points a local name at it.",
                pytrace=False,
            )
        expect_close(
            param,
            old - lr * grad,
            f"{name} after sgd_step([w, b], lr={lr})",
            hint="Gradient descent steps *against* the gradient: new = old - lr * grad.",
            mistakes=[
                (
                    old + lr * grad,
                    "Gradient descent steps *against* the gradient: new = old - lr * grad. A + climbs the loss.",
                )
            ],
        )


@pytest.mark.task(4)
def test_sgd_step_updates_under_no_grad_so_parameters_stay_leaves():
    w, b = leaf_parameters(random_int(2, 6))
    w.grad, b.grad = torch.randn_like(w), torch.randn_like(b)
    with by_hand(SHORTCUTS, advice=BY_HAND):
        explained_call(training_loop.sgd_step, (w, b), 0.1, call="sgd_step((w, b), 0.1)", explanations=UPDATE_OF_A_LEAF)
    expect_leaf(w, "w", "sgd_step")
    expect_leaf(b, "b", "sgd_step")
    assert torch.is_grad_enabled(), (
        "After sgd_step, autograd is switched off for the rest of the program. `torch.set_grad_enabled(False)` as a "
        "plain call stays off; `with torch.no_grad():` switches it back on when the block ends."
    )


@pytest.mark.task(4)
def test_zero_grad_clears_the_gradients_but_not_the_parameters():
    X = torch.randn(random_int(5, 20), random_int(2, 6), dtype=torch.float64)
    w, b = leaf_parameters(X.shape[1])
    (X @ w + b).sum().backward()
    before = copy_of((w, b))
    with by_hand(SHORTCUTS, advice=BY_HAND):
        training_loop.zero_grad((w, b))
    for name, param, old in (("w", w, before[0]), ("b", b, before[1])):
        expect_close(param, old, f"{name} after zero_grad((w, b))", hint="zero_grad resets .grad, not the parameter.")
        assert param.grad is None or not param.grad.any(), (
            f"After zero_grad((w, b)), {name}.grad should be None or all zeros; it is {param.grad}. "
            f"Set {name}.grad = None, or call {name}.grad.zero_() (with the parentheses)."
        )


@pytest.mark.task(4)
def test_zero_grad_accepts_parameters_that_have_no_gradient_yet():
    w, b = leaf_parameters(random_int(2, 6))
    explained_call(
        training_loop.zero_grad,
        (w, b),
        call="zero_grad((w, b)) on parameters without gradients",
        explanations=NO_GRAD_YET,
    )
    assert w.grad is None or not w.grad.any(), f"zero_grad on fresh parameters gave w a gradient: {w.grad}."


@pytest.mark.task(4)
@pytest.mark.parametrize("case", ["no-grad-first", "no-grad-in-the-middle", "no-grad-last", "nan-and-inf-gradients"])
def test_zero_grad_resets_every_gradient_wherever_a_parameter_without_one_sits(case):
    params = leaf_parameters(random_int(2, 6)) + leaf_parameters(random_int(2, 6))[:1]  # w, b and a second w
    for param in params:
        param.grad = torch.randn_like(param)
    if case == "nan-and-inf-gradients":  # the gradients of a step that went wrong
        params[0].grad[0], params[-1].grad[-1] = math.nan, math.inf
        described = "parameters whose gradients hold nan and inf"
        without = None
    else:
        without = {"no-grad-first": 0, "no-grad-in-the-middle": 1, "no-grad-last": 2}[case]
        params[without].grad = None
        described = f"parameters, params[{without}] without a gradient"
    with by_hand(SHORTCUTS, advice=BY_HAND):
        explained_call(
            training_loop.zero_grad, params, call=f"zero_grad(params) on three {described}", explanations=NO_GRAD_YET
        )
    left = [index for index, param in enumerate(params) if param.grad is not None and param.grad.count_nonzero()]
    hint = "p.grad = None, or p.grad.zero_(), resets every gradient, whatever values it holds."
    if without is None and all(
        not grad[grad != 0].isfinite().any() for grad in (params[i].grad for i in left)
    ):  # only nan or inf left
        hint = "nan * 0 is nan, and so is inf - inf: " + hint
    elif without is not None and left == list(range(without + 1, len(params))):  # all after it, and only those
        hint = (
            f"Every gradient after params[{without}], the one without a gradient, was left as it was: a parameter "
            "without a gradient needs nothing, so skip it (continue) and go on with the next ones."
        )
    assert not left, (
        f"After zero_grad(params) on three {described}, the gradients of params{left} are not reset: "
        f"{[params[index].grad for index in left]}.\n{hint}"
    )


# Task 5: Noticing divergence


@pytest.mark.task(5)
@pytest.mark.parametrize(
    "losses",
    [
        [0.69, 0.5, math.nan],
        [0.69, 0.4, math.inf],
        [math.nan],
        [math.inf],
        [0.69, 0.9],
        [0.69, 0.3, 0.2, 0.8, 5.0],
        [math.nan, 0.5, 0.3],
        [0.69, math.inf, 0.5],
        [0.69, 0.5, -math.inf],
    ],
    ids=[
        "nan",
        "inf",
        "nan-from-the-start",
        "inf-from-the-start",
        "grew",
        "fell-then-grew",
        "nan-first-then-finite",
        "inf-in-the-middle",
        "minus-inf",
    ],
)
def test_diverged_spots_a_loss_that_is_not_finite_or_grew_above_the_first(losses):
    got = training_loop.diverged(losses)
    why = (
        "Note that nan > x and nan < x are both False: test every loss with math.isfinite."
        if not all(map(math.isfinite, losses))
        else "Compare the last loss with the first."
    )
    assert got is True, (
        f"diverged({losses}) should be True, but it returned {got!r}: a loss is nan or infinite (+inf or -inf, "
        "anywhere in the list), or the last ended above where it started. " + (another_kind_of(got, True) or why)
    )


@pytest.mark.task(5)
@pytest.mark.parametrize(
    "losses",
    [[0.69], [0.69, 0.5, 0.3], [0.69, 0.4, 0.45, 0.2], [0.69, 0.4, 0.45], [0.69, 0.9, 0.5], [0.69, 0.4, 0.69]],
    ids=["one-loss", "falling", "falling-with-a-bump", "ends-on-a-bump", "bump-above-the-start", "back-to-the-start"],
)
def test_diverged_is_false_for_a_loss_below_where_it_started(losses):
    got = training_loop.diverged(losses)
    assert got is False, (
        f"diverged({losses}) should be False, but it returned {got!r}: every loss is finite and the last is not "
        "above the first. "
        + (
            another_kind_of(got, False)
            or "A bump is normal in gradient descent; divergence means ending worse (larger, not equal) than you "
            "started."
        )
    )


# Task 6: The training loop


@pytest.mark.task(6)
def test_train_reaches_full_accuracy_on_separable_data():
    X, y = separable_data()
    w, b = training_loop.init_parameters(X.shape[1], torch.float64)
    start = copy_of((w, b))
    history = train_by_hand(X, y, (w, b), lr=1.0, max_steps=300, tol=1e-4)
    hit, loss = accuracy(X, y, w, b), loss_of(X, y, w, b)
    unchanged = all(torch.equal(param.detach(), old.detach()) for param, old in zip((w, b), start))
    assert hit == 1.0 and loss < 0.1, (
        f"train(X, y, (w, b), lr=1.0, max_steps=300, tol=1e-4) on data a plane separates should classify every point "
        f"and reach a loss below 0.1.\n  got: accuracy {hit:.1%}, loss {loss:.4f} after {len(history)} steps "
        f"(the history ends {history[-3:]}).\n"
        + (
            "The parameters you were given did not change: train should update w and b themselves, in place "
            "(sgd_step), not copies of them."
            if unchanged
            else "Each step: the loss of the current parameters, backward, sgd_step with lr, and fresh gradients."
        )
    )


@pytest.mark.task(6)
def test_train_takes_plain_gradient_descent_steps_with_fresh_gradients():
    X, y = separable_data()
    w, b = leaf_parameters(X.shape[1])
    start = copy_of((w, b))
    history = train_by_hand(X, y, (w, b), lr=0.3, max_steps=3, tol=0.0)
    assert isinstance(history, list) and all(type(loss) is float for loss in history), (
        f"train should return the losses as a list of Python floats (loss.item()); got {history!r:.200}. "
        "Keeping the loss tensors also keeps every step's graph alive."
    )
    summed = gradient_descent(X, y, *start, lr=0.3, steps=3, accumulate=True)
    for name, param, final, stale in zip("wb", (w, b), gradient_descent(X, y, *start, lr=0.3, steps=3), summed):
        expect_close(
            param,
            final,
            f"{name} after train(..., lr=0.3, max_steps=3, tol=0.0)",
            hint="Three steps of new = old - lr * grad, each with the gradient at the current parameters.",
            mistakes=[
                (
                    stale,
                    "Three steps of new = old - lr * grad, but backward *adds* to .grad: without zero_grad, step 2 "
                    "used the gradients of steps 1 and 2 together.",
                )
            ],
        )
    expected = [loss_of(X, y, *gradient_descent(X, y, *start, lr=0.3, steps=k)) for k in range(3)]
    expect_close(
        torch.tensor(history, dtype=torch.float64),
        torch.tensor(expected, dtype=torch.float64),
        "train(..., lr=0.3, max_steps=3, tol=0.0), the history,",
        hint="history[k] is the loss before update k + 1: compute the loss, record it, then backward and step.",
    )


@pytest.mark.task(6)
def test_train_leaves_the_parameters_leaves_that_require_grad():
    X, y = separable_data()
    params = leaf_parameters(X.shape[1])
    train_by_hand(X, y, params, lr=0.5, max_steps=20, tol=0.0)
    expect_leaf(params[0], "w", "train")
    expect_leaf(params[1], "b", "train")


@pytest.mark.task(6)
def test_train_stops_once_the_loss_improves_by_less_than_tol():
    X, y = separable_data()
    tol, max_steps = 1e-3, 300
    params = leaf_parameters(X.shape[1])
    start = copy_of(params)
    history = train_by_hand(X, y, params, lr=1.0, max_steps=max_steps, tol=tol)
    improvements = [earlier - later for earlier, later in zip(history, history[1:])]
    assert 2 < len(history) < max_steps, (
        f"train(..., max_steps={max_steps}, tol={tol}) recorded {len(history)} losses: it should run until the "
        f"loss improves by less than tol, here after a few dozen steps.\n  history starts {history[:4]}\n"
        + (
            "The improvement is previous loss - latest loss (positive while the loss falls), and there is none "
            "until there are two losses."
            if len(history) <= 2
            else "It never stopped: stop when previous loss - latest loss < tol."
        )
    )
    assert all(gain >= tol for gain in improvements[:-1]) and improvements[-1] < tol, (
        f"train(..., tol={tol}) should stop at the first step that improves the loss by less than tol.\n"
        f"  improvements per step: {[f'{gain:.2g}' for gain in improvements]}"
    )
    expect_stopped_without_updating(params, gradient_descent(X, y, *start, lr=1.0, steps=len(history) - 1), history)


@pytest.mark.task(6)
def test_train_stops_when_the_loss_rises_even_if_it_stays_below_the_first():
    X = torch.tensor([[1.0], [2.0], [-1.0], [-2.0], [0.5], [-0.5]], dtype=torch.float64)
    y = torch.tensor([1.0, 1.0, 0.0, 0.0, 0.0, 1.0], dtype=torch.float64)
    params = copy_of((torch.tensor([3.0], dtype=torch.float64), torch.tensor(0.0, dtype=torch.float64)))
    start = copy_of(params)
    history = train_by_hand(X, y, params, lr=15.0, max_steps=50, tol=1e-4)  # losses 0.584, 0.462, 0.463, ...
    assert len(history) == 3, (
        f"train(..., lr=15.0, tol=1e-4) recorded the losses {[round(loss, 4) for loss in history[:6]]}: the third "
        "is a little above the second (but below the first, so no divergence). An improvement is previous - latest, "
        "negative when the loss rises, and a negative improvement is less than tol: stop there, after 3 losses. "
        "(abs(previous - latest) would call a rise progress.)"
    )
    expect_stopped_without_updating(params, gradient_descent(X, y, *start, lr=15.0, steps=2), history)


@pytest.mark.task(6)
def test_train_keeps_going_while_the_loss_improves_by_exactly_tol():
    X, y = separable_data()
    try:
        history = train_by_hand(X, y, leaf_parameters(X.shape[1]), lr=0.0, max_steps=5, tol=0.0)
    except FloatingPointError as error:
        raised = f"FloatingPointError({error})"
    else:
        raised = None
    assert raised is None, (
        f"With lr=0.0 the loss stays exactly where it started, and train raised {raised}. Diverged means a loss "
        "that is not finite, or the latest *above* the first: equal is not above."
    )
    assert len(history) == 5, (
        f"train(..., lr=0.0, max_steps=5, tol=0.0) stopped after {len(history)} losses: with lr=0 each improvement "
        "is exactly 0.0, which is not less than tol=0.0, so it should run all 5 steps. Stop only when "
        "previous - latest < tol (strictly less)."
    )


@pytest.mark.task(6)
def test_train_can_stop_as_early_as_the_second_loss():
    X, y = separable_data()
    params = leaf_parameters(X.shape[1])
    history = train_by_hand(X, y, params, lr=0.0, max_steps=5, tol=1e-3)
    assert len(history) == 2, (
        f"train(..., lr=0.0, max_steps=5, tol=1e-3) recorded {len(history)} losses: with lr=0 the second loss "
        "equals the first, an improvement of 0, below tol, so train should stop right there, after 2 losses. "
        "The first improvement to measure is the one from the first loss to the second: "
        "check `len(history) > 1`, not more."
    )


@pytest.mark.task(6)
def test_a_too_small_learning_rate_makes_less_progress_in_the_same_number_of_steps():
    X, y = separable_data()
    params = leaf_parameters(X.shape[1])
    slow = train_by_hand(X, y, copy_of(params), lr=0.001, max_steps=50, tol=0.0)
    good = train_by_hand(X, y, copy_of(params), lr=1.0, max_steps=50, tol=0.0)
    assert good[-1] < slow[-1] < slow[0], (
        "From the same start, 50 steps at lr=1.0 should end lower than 50 steps at lr=0.001, and those should "
        f"still go down a little.\n  lr=1.0:   {good[0]:.4f} -> {good[-1]:.4f}\n  lr=0.001: {slow[0]:.4f} -> "
        f"{slow[-1]:.4f}\n"
        + ("Both runs gave the same losses: does train pass lr on to sgd_step?" if slow == good else "")
    )


@pytest.mark.task(6)
def test_a_too_large_learning_rate_raises_floating_point_error():
    X, y = noisy_data()
    try:
        history = train_by_hand(X, y, leaf_parameters(X.shape[1], scale=0.01), lr=100.0, max_steps=50, tol=0.0)
    except FloatingPointError as error:
        assert "100" in str(error), (
            f"train(..., lr=100.0) raised FloatingPointError({str(error)!r}): the message should give the learning "
            "rate, the setting to change, e.g. f'the loss diverged at learning rate {lr}'."
        )
        return
    pytest.fail(
        "With lr=100 each step overshoots and the loss grows, so train should raise FloatingPointError; it returned "
        f"the history {history[:5]}{'...' * (len(history) > 5)} ({len(history)} losses).\nCheck diverged(history) "
        "after recording each loss"
        + (
            ", before the stopping rule (a growing loss also 'improves by less than tol')."
            if 1 < len(history) < 50
            else "."
        ),
        pytrace=False,
    )


@pytest.mark.task(6)
def test_train_raises_instead_of_returning_a_nan_loss():
    X, y = separable_data()
    X[random_int(0, len(X) - 1), 0] = math.nan
    try:
        history = train_by_hand(X, y, leaf_parameters(X.shape[1]), lr=1.0, max_steps=20, tol=1e-4)
    except FloatingPointError:
        return
    pytest.fail(
        f"One nan in X makes every loss nan, and train returned {history[:5]}... instead of raising "
        "FloatingPointError. A nan loss is never a result: call diverged(history) after recording each loss.",
        pytrace=False,
    )


# --- Helpers ---

SHORTCUTS = [  # what "by hand" rules out: torch.nn's losses and torch.optim's SGD
    (F, "binary_cross_entropy_with_logits"),
    (F, "binary_cross_entropy"),
    (F, "softplus"),
    (F, "logsigmoid"),
    (torch, "binary_cross_entropy_with_logits"),
    (torch.optim, "SGD"),
]
POINT_LOSS = "The loss of a point is -[y log(sigmoid(z)) + (1 - y) log(1 - sigmoid(z))]."
BY_HAND = "This kata builds the loop from tensors, with no torch.nn and no torch.optim: README.md shows every piece."
NO_GRAD_YET = {
    "'NoneType' object has no attribute": "Before the first backward, .grad is None, and None has no zero_(). "
    "Skip those (`if p.grad is not None`), or simply set p.grad = None."
}

UPDATE_OF_A_LEAF = {
    "leaf Variable": "Autograd refuses to change a leaf that requires grad in place while it is recording. "
    "Do the update inside `with torch.no_grad():`."
}


def another_kind_of(got, want):
    """What to say when ``got`` equals the bool ``want`` but is no bool (numpy's bool, a tensor, 1); else ""."""
    try:
        alike = got is not want and bool(got == want)
    except (TypeError, RuntimeError, ValueError):  # a tensor of many values, say
        alike = False
    return f"Return Python's bool {want} itself, not {got!r}: bool(...) makes one." if alike else ""


def train_by_hand(X, y, params, **settings):
    """``training_loop.train(X, y, params, **settings)``, with torch.nn's losses and torch.optim's SGD refused."""
    with by_hand(SHORTCUTS, advice=BY_HAND):
        return training_loop.train(X, y, params, **settings)


def expect_stopped_without_updating(params, expected, history):
    """Fail unless ``params`` are ``expected``: one gradient step after each loss in ``history`` but the last."""
    __tracebackhide__ = True
    for name, param, final in zip("wb", params, expected):
        expect_close(
            param,
            final,
            f"{name} after train stopped with {len(history)} losses",
            hint=f"The parameters should have taken {len(history) - 1} steps: one after each loss but the last. "
            "When the improvement is below tol, stop before backward and sgd_step.",
        )


def expect_leaf(param, name, after):
    """Fail unless ``param`` is still a leaf that requires grad after ``after`` updated it."""
    __tracebackhide__ = True
    assert param.requires_grad, (
        f"After {after}, {name}.requires_grad is False, so the next backward will not reach it. Something detached "
        f"{name} (detach_()) or switched its requires_grad off: change only its values, inside torch.no_grad()."
    )
    assert param.is_leaf and param.grad_fn is None, (
        f"After {after}, {name} is no longer a leaf: it has grad_fn={param.grad_fn}. "
        f"`{name} = {name} - lr * {name}.grad` makes a new tensor with a graph behind it, and the next backward "
        f"leaves its .grad empty. Update in place (`{name} -= lr * {name}.grad`) inside `with torch.no_grad():`."
    )


def separable_data(margin=0.5):
    """Points in a few dimensions, labelled 0/1 by a random plane, kept at least ``margin`` away from it."""
    n, d = random_int(64, 128), random_int(2, 5)
    X = torch.randn(n, d, dtype=torch.float64)
    normal = F.normalize(torch.randn(d, dtype=torch.float64), dim=0)
    score = X @ normal + 0.5 * torch.randn((), dtype=torch.float64)
    X += margin * score.sign()[:, None] * normal
    return X, (score > 0).double()


def noisy_data():
    """Points with random 0/1 labels: no plane separates them, so the best loss is far above 0."""
    n, d = random_int(64, 128), random_int(2, 5)
    return torch.randn(n, d, dtype=torch.float64), torch.randint(0, 2, (n,)).double()


def labelled_logits(dtype, extreme):
    """Ordinary logits and 0/1 targets, followed by ``extreme`` logits with each label (right and wrong)."""
    n = random_int(5, 30)
    logits = torch.cat([3 * torch.randn(n, dtype=dtype), torch.tensor(extreme, dtype=dtype).repeat(2)])
    targets = torch.cat([torch.randint(0, 2, (n,)), torch.tensor([0, 1]).repeat_interleave(len(extreme))])
    return logits, targets.to(dtype)


def leaf_parameters(n_features, scale=0.5):
    """Random float64 weights ``w`` (one per feature) and bias ``b``, both leaves that require grad."""
    w = (scale * torch.randn(n_features, dtype=torch.float64)).requires_grad_()
    b = (scale * torch.randn((), dtype=torch.float64)).requires_grad_()
    return w, b


def copy_of(params):
    """New leaves with the values of ``params``, not connected to them."""
    return tuple(param.detach().clone().requires_grad_() for param in params)


def loss_of(X, y, w, b):
    """The mean binary cross-entropy of the plane ``w``, ``b`` on ``X``, ``y``, as a Python float."""
    return F.binary_cross_entropy_with_logits(X @ w + b, y).item()


def gradient_descent(X, y, w, b, lr, steps, accumulate=False):
    """The parameters after ``steps`` plain gradient-descent steps, with the gradients worked out by hand (or, with
    ``accumulate``, each step's gradients added to those before, as backward does without zero_grad)."""
    w, b = w.detach().clone(), b.detach().clone()
    grad_w, grad_b = torch.zeros_like(w), torch.zeros_like(b)
    for _ in range(steps):
        residual = (torch.sigmoid(X @ w + b) - y) / len(y)
        grad_w, grad_b = grad_w * accumulate + X.T @ residual, grad_b * accumulate + residual.sum()
        w, b = w - lr * grad_w, b - lr * grad_b
    return w, b


def accuracy(X, y, w, b):
    """The fraction of points that the plane ``w``, ``b`` puts on the side of their label."""
    return ((X @ w + b > 0) == (y == 1)).double().mean().item()
