"""Losses by hand. The lesson is README.md beside this file."""

import re

import pytest
import torch
import torch.nn.functional as F

from katas.testing import (
    by_hand,
    distinct_sizes,
    expect_close,
    expect_raises,
    expect_shape,
    expect_tensor,
    kata_module,
    random_int,
    random_shape,
)

losses = kata_module(__file__)

REDUCTIONS = ["mean", "sum", "none", None]  # None: the call leaves `reduction` out, so the default applies
REDUCTION_IDS = ["mean", "sum", "none", "default"]
UNKNOWN_REDUCTIONS = ["average", "Mean", "", None]
EXTREMES = ["spread-by-1e4", "rows-1e4-apart", "all-near+1e4", "all-near-1e4"]
LOSSES = ["mse", "cross_entropy", "soft_cross_entropy", "bce_with_logits"]


# Task 1: Reductions and mean squared error


@pytest.mark.task(1)
@pytest.mark.parametrize("reduction", REDUCTIONS, ids=REDUCTION_IDS)
def test_reduce_loss_averages_sums_or_keeps_the_losses(reduction):
    for shape in [distinct_sizes(2), (random_int(2, 6),), ()]:  # one loss per item, in any shape: even one item
        items = torch.rand(shape, dtype=torch.float64, requires_grad=True)
        got = yours(losses.reduce_loss, items, reduction)
        mistakes = reduction_mixups(lambda x, _, reduction: reduced(x, reduction), items, None, reduction)
        call = f"reduce_loss(<{shape} losses>{shown(reduction)})"
        expect_loss(got, reduced(items, reduction), call, mistakes=mistakes)


@pytest.mark.task(1)
@pytest.mark.parametrize("reduction", UNKNOWN_REDUCTIONS, ids=repr)
def test_reduce_loss_rejects_an_unknown_reduction(reduction):
    items = torch.rand(3, dtype=torch.float64)
    hint = (
        "Only 'mean', 'sum' and 'none' are valid; a typo must not fall through to one of them silently, "
        "and the message names the value that came in."
    )
    call = f"reduce_loss(losses, {reduction!r})"
    expect_raises(ValueError, losses.reduce_loss, items, reduction, call=call, hint=hint, naming=(str(reduction),))


@pytest.mark.task(1)
@pytest.mark.parametrize("reduction", REDUCTIONS, ids=REDUCTION_IDS)
def test_mse_matches_torch_for_every_reduction(reduction):
    prediction, target = regression()
    prediction.requires_grad_()
    got = yours(losses.mse, prediction, target, reduction)
    mistakes = reduction_mixups(F.mse_loss, prediction, target, reduction)
    mistakes.append(
        (F.l1_loss(prediction, target, reduction=or_mean(reduction)), "Square the differences, not |difference|.")
    )
    expected = F.mse_loss(prediction, target, reduction=or_mean(reduction))
    call = f"mse(prediction, target{shown(reduction)}) on shape {tuple(prediction.shape)}"
    expect_loss(got, expected, call, mistakes=mistakes)


@pytest.mark.task(1)
def test_mse_of_column_vectors_compares_row_by_row():
    n = random_int(2, 6)
    prediction, target = torch.randn(n, 1, dtype=torch.float64), torch.randn(n, 1, dtype=torch.float64)
    for reduction in ("none", "mean"):
        got = yours(losses.mse, prediction, target, reduction)
        expected = F.mse_loss(prediction, target, reduction=reduction)
        expect_close(got, expected, f"mse(<({n}, 1) prediction>, <({n}, 1) target>, {reduction!r})")


@pytest.mark.task(1)
@pytest.mark.parametrize(
    ("prediction_shape", "target_shape"),
    [((5, 1), (5,)), ((5,), (5, 1)), ((4, 3), (3,)), ((4, 3), (1, 3))],
    ids=["column-vs-vector", "vector-vs-column", "matrix-vs-row", "matrix-vs-1-row-matrix"],
)
def test_mse_refuses_prediction_and_target_of_different_shapes(prediction_shape, target_shape):
    prediction, target = torch.randn(prediction_shape), torch.randn(target_shape)
    hint = (
        "Broadcasting would make (5, 1) - (5,) a 5 x 5 matrix of every pair and average that, silently. "
        "Compare the shapes themselves (not only their number of dims) and raise ValueError when they differ."
    )
    call = f"mse(<{prediction_shape} prediction>, <{target_shape} target>)"
    with by_hand(SHORTCUTS, advice=BUILDING_BLOCKS):
        error = expect_raises(ValueError, losses.mse, prediction, target, call=call, hint=hint)
    expect_message_gives_shapes(error, call, prediction_shape, target_shape)


@pytest.mark.task(1)
def test_mse_rejects_an_unknown_reduction():
    prediction, target = regression()
    call = "mse(prediction, target, 'average')"
    expect_raises(ValueError, losses.mse, prediction, target, "average", call=call, hint=LET_REDUCE_LOSS, naming=BAD)


# Task 2: Log-sum-exp and log-softmax, stable


@pytest.mark.task(2)
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_logsumexp_matches_torch_along_any_dim(dim):
    hint = (
        "Reduce along `dim` only; it disappears from the shape, and every other dim stays, even one of size 1 "
        "(keepdim=True while you compute, then squeeze(dim))."
    )
    for x in shapes_with_a_size_1_dim(dim):
        got = yours(losses.logsumexp, x, dim)
        expect_close(got, torch.logsumexp(x, dim), f"logsumexp(<{tuple(x.shape)} tensor>, dim={dim})", hint=hint)


@pytest.mark.task(2)
@pytest.mark.parametrize("kind", EXTREMES)
def test_logsumexp_stays_finite_for_huge_and_tiny_values(kind):
    x = extreme_rows(kind)
    got, expected = yours(losses.logsumexp, x, 1), torch.logsumexp(x, 1)
    largest = x.max()
    one_maximum = largest + (x - largest).exp().sum(1).log()  # the whole tensor's maximum, not each row's
    shared = "Yours subtracted one maximum for the whole tensor, which leaves the other rows underflowing."
    expect_close(
        got,
        expected,
        f"logsumexp(<{kind} values>, dim=1)",
        hint=unstable_hint(got, expected, UNSTABLE),
        mistakes=[(one_maximum, f"{UNSTABLE} {shared}")] if not torch.equal(one_maximum, expected) else [],
    )


@pytest.mark.task(2)
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_log_softmax_matches_torch_along_any_dim(dim):
    hint = "log_softmax(x) = x - logsumexp(x), with logsumexp kept as a size-1 dim so that it broadcasts back."
    for x in shapes_with_a_size_1_dim(dim):
        got = yours(losses.log_softmax, x, dim)
        expect_close(got, F.log_softmax(x, dim), f"log_softmax(<{tuple(x.shape)} tensor>, dim={dim})", hint=hint)


@pytest.mark.task(2)
@pytest.mark.parametrize("kind", EXTREMES)
def test_log_softmax_stays_finite_for_huge_and_tiny_logits(kind):
    x = extreme_rows(kind)
    got, expected = yours(losses.log_softmax, x, 1), F.log_softmax(x, 1)
    hint = UNSTABLE + " log(softmax(x)) fails too: softmax rounds tiny probabilities to 0. Use x - logsumexp(x)."
    expect_close(got, expected, f"log_softmax(<{kind} values>, dim=1)", hint=unstable_hint(got, expected, hint))


# Task 3: Cross-entropy with class indices


@pytest.mark.task(3)
@pytest.mark.parametrize("reduction", REDUCTIONS, ids=REDUCTION_IDS)
def test_cross_entropy_matches_torch_for_every_reduction(reduction):
    logits, labels = labelled()
    logits.requires_grad_()
    got = yours(losses.cross_entropy, logits, labels, reduction)
    expected = F.cross_entropy(logits, labels, reduction=or_mean(reduction))
    every_class = "You used the log-probabilities of every class; take only the one of each sample's label."
    picked_columns = -F.log_softmax(logits, 1)[:, labels]
    over_batch = -F.log_softmax(logits, 0).gather(1, labels[:, None]).squeeze(1)
    mistakes = reduction_mixups(F.cross_entropy, logits, labels, reduction) + [
        (-expected, NEGATIVE),
        (reduced(picked_columns, reduction), "log_probs[:, labels] is N x N; take one entry per row."),
        (reduced(over_batch, reduction), "Softmax over dim 1, the classes, not dim 0, the batch."),
        (reduced(-F.log_softmax(logits, 1).mean(1), reduction), every_class),
        (reduced(-F.log_softmax(logits, 1).sum(1), reduction), every_class),
    ]
    n, c = logits.shape
    if or_mean(reduction) == "mean":
        mistakes.append(
            (expected / c, f"You divided by N x C = {n * c}, the number of logits; 'mean' divides by N = {n}.")
        )
    call = f"cross_entropy(<{n} x {c} logits>, <{n} labels>{shown(reduction)})"
    expect_loss(got, expected, call, mistakes=mistakes)


@pytest.mark.task(3)
def test_cross_entropy_of_a_one_sample_batch_is_minus_its_log_probability():
    logits, labels = labelled(batch=1)
    dim_0 = "Softmax over dim 0 of a 1 x C batch gives probability 1 everywhere: use dim 1."
    for reduction in ("mean", "none"):
        got = yours(losses.cross_entropy, logits, labels, reduction)
        expected = F.cross_entropy(logits, labels, reduction=reduction)
        mistakes = [(torch.zeros_like(expected), dim_0)] + [(expected.squeeze(), SQUEEZE_ALL)] * (reduction == "none")
        call = f"cross_entropy(<1 x {logits.shape[1]} logits>, <1 label>, {reduction!r})"
        expect_close(got, expected, call, mistakes=mistakes)


@pytest.mark.task(3)
def test_cross_entropy_stays_finite_for_extreme_logits(device):
    logits, labels = labelled(scale=1e4, device=device)
    got = yours(losses.cross_entropy, logits, labels, "none")
    expected = F.cross_entropy(logits, labels, reduction="none")
    n, c = logits.shape
    call = f"cross_entropy(<{n} x {c} logits of size ~1e4>, labels, 'none')"
    expect_close(got, expected, call, hint=unstable_hint(got, expected, UNSTABLE))


@pytest.mark.task(3)
def test_cross_entropy_rejects_an_unknown_reduction():
    logits, labels = labelled()
    call = "cross_entropy(logits, labels, 'average')"
    expect_raises(
        ValueError, losses.cross_entropy, logits, labels, "average", call=call, hint=LET_REDUCE_LOSS, naming=BAD
    )


# Task 4: Cross-entropy with class probabilities


@pytest.mark.task(4)
@pytest.mark.parametrize("reduction", REDUCTIONS, ids=REDUCTION_IDS)
def test_soft_cross_entropy_matches_torch_for_every_reduction(reduction):
    logits, probabilities = soft_labelled()
    logits.requires_grad_()
    got = yours(losses.soft_cross_entropy, logits, probabilities, reduction)
    expected = F.cross_entropy(logits, probabilities, reduction=or_mean(reduction))
    as_hard_labels = F.cross_entropy(logits, probabilities.argmax(1), reduction=or_mean(reduction))
    mistakes = reduction_mixups(F.cross_entropy, logits, probabilities, reduction) + [
        (-expected, NEGATIVE),
        (as_hard_labels, "The targets are probabilities: weight every class's log-probability, don't take the argmax."),
    ]
    if or_mean(reduction) == "mean":
        mistakes.append((expected / logits.shape[1], "'mean' averages the N per-sample losses, not the N x C terms."))
    n, c = logits.shape
    call = f"soft_cross_entropy(<{n} x {c} logits>, <{n} x {c} probabilities>{shown(reduction)})"
    expect_loss(got, expected, call, mistakes=mistakes)


@pytest.mark.task(4)
def test_soft_cross_entropy_with_one_hot_targets_equals_cross_entropy_with_indices():
    logits, labels = labelled()
    one_hot = F.one_hot(labels, logits.shape[1]).to(logits.dtype)
    got = yours(losses.soft_cross_entropy, logits, one_hot, "none")
    expected = F.cross_entropy(logits, labels, reduction="none")
    call = "soft_cross_entropy(logits, one_hot(labels), 'none')"
    expect_close(
        got, expected, call, hint="Probability 1 on the label and 0 elsewhere is the same target as the index."
    )


@pytest.mark.task(4)
def test_soft_cross_entropy_stays_finite_for_extreme_logits_and_zero_probabilities():
    logits, labels = labelled(scale=1e4)
    other = torch.randint(logits.shape[1], labels.shape)
    c = logits.shape[1]
    probabilities = 0.7 * F.one_hot(labels, c).to(logits.dtype) + 0.3 * F.one_hot(other, c).to(logits.dtype)
    got = yours(losses.soft_cross_entropy, logits, probabilities, "none")
    expected = F.cross_entropy(logits, probabilities, reduction="none")
    nan = isinstance(got, torch.Tensor) and bool(got.isnan().any())
    hint = UNSTABLE + " A probability of 0 times log(0) = -inf is nan, too." * nan
    call = "soft_cross_entropy(<logits of size ~1e4>, <probabilities with zeros>, 'none')"
    expect_close(got, expected, call, hint=unstable_hint(got, expected, hint))


@pytest.mark.task(4)
def test_soft_cross_entropy_rejects_an_unknown_reduction():
    logits, probabilities = soft_labelled()
    call = "soft_cross_entropy(logits, probabilities, 'average')"
    expect_raises(
        ValueError,
        losses.soft_cross_entropy,
        logits,
        probabilities,
        "average",
        call=call,
        hint=LET_REDUCE_LOSS,
        naming=BAD,
    )


# Task 5: Binary cross-entropy with logits, stable


@pytest.mark.task(5)
@pytest.mark.parametrize("reduction", REDUCTIONS, ids=REDUCTION_IDS)
def test_bce_with_logits_matches_torch_for_every_reduction(reduction):
    logits, targets = binary(scale=3.0)
    logits[1, 0], targets[0, 0], targets[0, 1] = 0.0, 0.0, 1.0  # a logit of exactly 0, and targets of exactly 0 and 1
    logits.requires_grad_()
    got = yours(losses.bce_with_logits, logits, targets, reduction)
    expected = F.binary_cross_entropy_with_logits(logits, targets, reduction=or_mean(reduction))
    mistakes = reduction_mixups(F.binary_cross_entropy_with_logits, logits, targets, reduction) + [
        (-expected, NEGATIVE)
    ]
    call = f"bce_with_logits(<{tuple(logits.shape)} logits>, <targets>{shown(reduction)})"
    expect_loss(got, expected, call, mistakes=mistakes)


@pytest.mark.task(5)
def test_bce_with_logits_stays_finite_for_extreme_logits(device):
    corners = torch.tensor([[1e4, 0.0], [1e4, 1.0], [-1e4, 0.0], [-1e4, 1.0]], dtype=torch.float64)
    random_logits = torch.randn(8, dtype=torch.float64) * 1e4
    random_targets = torch.randint(0, 2, (8,)).to(torch.float64)
    logits = torch.cat([corners[:, 0], random_logits]).to(device)
    targets = torch.cat([corners[:, 1], random_targets]).to(device)
    got = yours(losses.bce_with_logits, logits, targets, "none")
    expected = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    finite = isinstance(got, torch.Tensor) and bool(torch.isfinite(got).all())
    hint = (
        "Clamping the probability, or anything that rounds sigmoid(z) on the way, gives finite but wrong losses "
        "(a logit of 1e4 with the wrong label costs 1e4). "
        if finite
        else "1 - sigmoid(1e4) is exactly 0 and sigmoid(-1e4) is 0, so log gives -inf, and 0 * -inf is nan. "
    ) + "Use max(z, 0) - z * y + log1p(exp(-|z|)), whose exp never sees a positive number."
    call = "bce_with_logits(<logits ±1e4>, <targets 0 or 1>, 'none')"
    expect_close(got, expected, call, hint=unstable_hint(got, expected, hint))


@pytest.mark.task(5)
def test_bce_with_logits_rejects_an_unknown_reduction():
    logits, targets = binary()
    call = "bce_with_logits(logits, targets, 'average')"
    expect_raises(
        ValueError, losses.bce_with_logits, logits, targets, "average", call=call, hint=LET_REDUCE_LOSS, naming=BAD
    )


# Task 6: Gradients, even at the extremes


@pytest.mark.task(6)
@pytest.mark.parametrize("scale", [1.0, 1e4], ids=["ordinary", "extreme-1e4"])
@pytest.mark.parametrize("name", LOSSES)
def test_gradients_match_torch_for_ordinary_and_extreme_inputs(name, scale):
    torch_loss, problem, task = PROBLEMS[name]
    inputs, targets = problem(scale)
    got = gradient(getattr(losses, name), inputs, targets, f"{name}(inputs, targets)", refuse_shortcuts=True)
    expected = gradient(torch_loss, inputs, targets, f"torch's {name}")
    if torch.isfinite(got).all():
        hint = f"A wrong gradient usually comes from a wrong value: make the Task {task} tests of {name} pass first."
        wrong = ~torch.isclose(got, expected) if got.shape == expected.shape else None
        if name == "bce_with_logits" and wrong is not None and wrong.any() and (inputs[wrong] == 0).all():
            hint = "Wrong only where z is exactly 0: write max(z, 0) as (z + z.abs()) / 2 (see the lesson)."
    else:
        hint = (
            "A nan or inf gradient: something inside your formula overflows, even if the loss itself is finite. "
            "torch.where(c, a, b) back-propagates 0 * (gradient of the unused branch), and 0 * inf is nan. "
            "Compute only finite terms."
        )
    expect_close(got, expected, f"the gradient of {name}(inputs ~{scale:g}, targets).backward()", hint=hint)


# --- Helpers ---

SHORTCUTS = [  # what "by hand" rules out: the losses themselves and the functions Task 2 asks you to write
    (owner, name)
    for owner, names in [
        (torch, ("logsumexp", "log_softmax", "softmax")),
        (torch.Tensor, ("logsumexp", "log_softmax", "softmax")),
        (torch.special, ("logsumexp", "log_softmax", "softmax")),
        (F, ("mse_loss", "cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits")),
        (F, ("log_softmax", "softmax", "logsigmoid", "softplus")),
        (torch, ("binary_cross_entropy_with_logits",)),
    ]
    for name in names
]
BUILDING_BLOCKS = "README.md lists the building blocks you may use."
LET_REDUCE_LOSS = "Let reduce_loss do the reducing: its error names the bad value."
BAD = ("average",)  # what the error of an unknown reduction names: the value that came in
SQUEEZE_ALL = "squeeze() without a dim drops every size-1 dim, here the batch of one too: squeeze(1) drops only dim 1."
NEGATIVE = "A loss is never negative here: did you forget the minus sign in -log(p)?"
UNSTABLE = (
    "At logits like ±1e4, exp overflows to inf or underflows to 0, and log(0) is -inf. "
    "Subtract the largest logit of each row before exp (README.md, Task 2)."
)


def yours(function, *args):
    """``function(*args)`` from your module, with the shortcuts refused; a last argument None (a reduction) is left
    out of the call, so that the default applies."""
    __tracebackhide__ = True
    if args and args[-1] is None:
        args = args[:-1]
    with by_hand(SHORTCUTS, advice=BUILDING_BLOCKS):
        return function(*args)


def shown(reduction):
    """How the reduction argument appears in a call: nothing at all for the default."""
    return "" if reduction is None else f", {reduction!r}"


def or_mean(reduction):
    """The reduction that applies: 'mean' when the call leaves it out."""
    return "mean" if reduction is None else reduction


def expect_loss(got, expected, call, **kwargs):
    """``expect_close``, after checking that ``got`` is still connected to the inputs that require grad."""
    __tracebackhide__ = True
    if isinstance(got, torch.Tensor) and expected.requires_grad and not got.requires_grad:
        raise AssertionError(
            f"{call} returned a tensor that autograd cannot trace back to its inputs (it has no grad_fn). "
            "Build the loss from tensor operations only: no .item(), float(...), .detach() or torch.tensor(...) "
            "of computed numbers (README.md, Task 6)."
        )
    expect_close(got, expected, call, **kwargs)


def expect_message_gives_shapes(error, call, *shapes):
    """Fail unless the message of ``error`` gives the sizes of each shape, in order, in any notation."""
    __tracebackhide__ = True
    numbers = [int(number) for number in re.findall(r"\d+", str(error))]
    runs = {tuple(numbers[start : start + length]) for length in range(1, 5) for start in range(len(numbers))}
    missing = [shape for shape in shapes if shape and tuple(shape) not in runs]
    assert not missing, (
        f"{call} raised ValueError({str(error)!r}): say which shapes differ. The message should give both shapes, "
        f"{' and '.join(map(str, shapes))}, in any notation (it does not give {', '.join(map(str, missing))})."
    )


def reduced(values, reduction):
    """``values`` reduced the way torch does it (to build the wrong answers learners give)."""
    return {"mean": values.mean, "sum": values.sum, "none": lambda: values}[or_mean(reduction)]()


def reduction_mixups(torch_loss, inputs, targets, reduction):
    """The wrong answers of mixing up 'mean' and 'sum' (and of a default that is not 'mean'), each with its hint."""
    if reduction is None:
        default = "Called without a reduction, a loss takes the default, 'mean' (README.md, Task 1): "
        return [
            (torch_loss(inputs, targets, reduction="sum"), default + "you returned the sum."),
            (torch_loss(inputs, targets, reduction="none"), default + "you returned the losses unreduced."),
        ]
    if reduction == "mean":
        return [(torch_loss(inputs, targets, reduction="sum"), "'mean' averages the losses; you returned their sum.")]
    if reduction == "sum":
        return [(torch_loss(inputs, targets, reduction="mean"), "'sum' adds the losses up; you returned their mean.")]
    return []


def unstable_hint(got, expected, hint):
    """``hint`` when ``got`` has the right shape (a wrong shape explains itself), else none."""
    return hint if isinstance(got, torch.Tensor) and got.shape == expected.shape else ""


def gradient(loss, inputs, targets, call, refuse_shortcuts=False):
    """The gradient of ``loss(inputs, targets)`` (a scalar) with respect to ``inputs`` (your ``loss``: by hand)."""
    inputs = inputs.detach().requires_grad_()
    value = yours(loss, inputs, targets) if refuse_shortcuts else loss(inputs, targets)
    value = expect_tensor(value, call, hint="Autograd needs a tensor: don't turn the loss into a number.")
    expect_shape(value, (), call, hint="With the default reduction, 'mean', a loss is one number: a 0-d tensor.")
    assert value.requires_grad, (
        f"{call} returned a loss that autograd cannot trace back to its inputs. "
        "Build it from tensor operations only: no .item(), .detach() or torch.tensor(...) of computed numbers."
    )
    return torch.autograd.grad(value, inputs)[0]


def regression(scale=1.0):
    """A prediction and a target of one random 2-d shape."""
    shape = random_shape(2)
    return torch.randn(shape, dtype=torch.float64) * scale, torch.randn(shape, dtype=torch.float64) * scale


def labelled(scale=1.0, batch=None, device="cpu"):
    """Logits (N x C) and N class indices; C (7 to 10) is never N (2 to 6), so a mixed-up dim shows."""
    n, c = random_int(2, 6), random_int(7, 10)
    n = batch or n
    logits, labels = torch.randn(n, c, dtype=torch.float64) * scale, torch.randint(c, (n,))
    return logits.to(device), labels.to(device)


def soft_labelled(scale=1.0):
    """Logits (N x C) and target probabilities (N x C, each row sums to 1)."""
    logits, _ = labelled(scale)
    return logits, torch.softmax(torch.randn_like(logits) * 2, dim=1)


def binary(scale=1.0):
    """Logits of both signs and soft targets between 0 and 1, of the same shape."""
    shape = random_shape(2, low=2)
    logits = torch.randn(shape, dtype=torch.float64) * scale
    logits[0], logits[1] = logits[0].abs(), -logits[1].abs()  # both signs, whatever the draw
    logits[0, 0] = 0.0  # where max(z, 0) and |z| have corners: the gradient must still be sigmoid(0) - y
    return logits, torch.rand(shape, dtype=torch.float64)


def shapes_with_a_size_1_dim(dim):
    """Three random 3-d float64 tensors: sizes 2 to 6, then the same with size 1 along ``dim``, then elsewhere."""
    shape = list(random_shape(3, low=2))
    along, elsewhere = shape.copy(), shape.copy()
    along[dim], elsewhere[(dim + 2) % 3] = 1, 1
    return [torch.randn(size, dtype=torch.float64) * 3 for size in (shape, along, elsewhere)]


def extreme_rows(kind):
    """Rows of float64 values far beyond what a naive exp survives."""
    noise = torch.randn(random_shape(2, low=3), dtype=torch.float64)
    row_heights = 1e4 * torch.arange(noise.shape[0], dtype=torch.float64).unsqueeze(1)
    return {
        "spread-by-1e4": noise * 1e4,
        "rows-1e4-apart": noise + row_heights,
        "all-near+1e4": noise + 1e4,
        "all-near-1e4": noise - 1e4,
    }[kind]


PROBLEMS = {  # name (one of LOSSES): (torch's loss, inputs and targets, the task that writes it)
    "mse": (F.mse_loss, regression, 1),
    "cross_entropy": (F.cross_entropy, labelled, 3),
    "soft_cross_entropy": (F.cross_entropy, soft_labelled, 4),
    "bce_with_logits": (F.binary_cross_entropy_with_logits, binary, 5),
}
