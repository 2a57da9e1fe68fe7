"""Stack vs cat, and broadcasting. The lesson is README.md beside this file."""

import pytest
import torch

from katas.testing import (
    by_hand,
    distinct_sizes,
    expect_close,
    expect_equal,
    expect_raises,
    explained_call,
    kata_module,
    random_int,
    random_shape,
)

module = kata_module(__file__)


# Task 1: stack adds a dimension


@pytest.mark.task(1)
@pytest.mark.parametrize("count", [1, 5], ids=["one-image", "five-images"])
def test_batch_images_puts_the_images_along_a_new_leading_batch_dimension(count):
    shape = random_shape(3)
    images = [torch.randn(shape) for _ in range(count)]
    joined = "torch.cat joined them along C instead, giving (N * C, H, W); torch.stack adds the new dimension."
    expect_close(
        module.batch_images(images),
        torch.stack(images),
        f"batch_images(images) with {count} image{'s' * (count > 1)} of shape (C, H, W) = {shape}",
        rtol=0,
        atol=0,
        hint="A batch of N images of shape (C, H, W) has shape (N, C, H, W): a new dimension in front.",
        mistakes=[(torch.cat(images), "A batch of N images of shape (C, H, W) has shape (N, C, H, W): " + joined)],
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("ndim", [0, 1, 2, 3])
def test_pair_up_puts_each_x_beside_its_y_in_a_new_last_dimension(ndim):
    shape = random_shape(ndim, low=2)
    xs, ys = torch.randn(shape), torch.randn(shape)
    last = "The pair is a new *last* dimension of size 2: result[..., 0] is xs and result[..., 1] is ys."
    at = {0: "stack's default dim=0 puts the pair first"} | {
        dim: f"dim={dim} puts the pair at position {dim}: a fixed positive dim is only last for one number of "
        "dimensions"
        for dim in range(1, ndim)
    }
    expect_close(
        module.pair_up(xs, ys),
        torch.stack([xs, ys], dim=-1),
        f"pair_up(xs, ys) with xs and ys of shape {shape}",
        rtol=0,
        atol=0,
        hint=last,
        mistakes=[
            (
                torch.stack([xs, ys], dim=dim),
                f"{last} Your result is torch.stack([xs, ys], dim={dim}): {text}; dim=-1 is last for all of them.",
            )
            for dim, text in at.items()
        ],
    )


# Task 2: cat extends a dimension


@pytest.mark.task(2)
@pytest.mark.parametrize("case", ["different-batch-sizes", "equal-batch-sizes", "equal-sized-batches-of-labels"])
def test_join_batches_makes_one_longer_batch(case):
    sizes = [2, 5, 3] if case == "different-batch-sizes" else [random_int(2, 6)] * 3
    rest = () if case.endswith("labels") else random_shape(2)  # labels: one number per example, shape (B,)
    batches = [torch.randn(size, *rest) for size in sizes]
    call = f"join_batches(batches) with batches of shapes {[(size, *rest) for size in sizes]}"
    one = "Joined batches have one batch dimension, B_1 + B_2 + ... long"
    stacked = f"{one}; torch.stack adds a second one (and needs equal shapes): torch.cat extends the first."
    elsewhere = "torch.cat needs every size but the one at dim to agree: the batches differ only in the first, dim=0."
    expect_close(
        explained_call(
            module.join_batches,
            batches,
            call=call,
            explanations={"stack expects each tensor": stacked, "Sizes of tensors must match": elsewhere},
        ),
        torch.cat(batches),
        call,
        rtol=0,
        atol=0,
        hint=f"{one}: result[:B_1] is the first batch, the next B_2 rows the second, and so on.",
        mistakes=[(torch.stack(batches), stacked)] if len(set(sizes)) == 1 else [],
    )


@pytest.mark.task(2)
@pytest.mark.parametrize(
    ("leading_ndim", "equal_widths"),
    [(1, False), (1, True), (2, False)],
    ids=["N-by-d1-and-N-by-d2", "equal-widths", "batch-time-features"],
)
def test_concat_features_lengthens_the_last_dimension(leading_ndim, equal_widths):
    leading = random_shape(leading_ndim, low=2)
    d1 = random_int(1, 4)
    d2 = d1 if equal_widths else d1 + random_int(1, 3)
    a, b = torch.randn(*leading, d1), torch.randn(*leading, d2)
    call = f"concat_features(a, b) with a of shape {tuple(a.shape)} and b of shape {tuple(b.shape)}"
    last = "Features are the last dimension: cat along dim=-1."
    elsewhere = (
        f"{last} torch.cat needs every size but the one at dim to agree, and here only the last sizes "
        "differ (dim=1 is the last dimension only for 2-D inputs)."
    )
    expect_close(
        explained_call(
            module.concat_features, a, b, call=call, explanations={"Sizes of tensors must match": elsewhere}
        ),
        torch.cat([a, b], dim=-1),
        call,
        rtol=0,
        atol=0,
        hint=last,
        mistakes=[(torch.cat([a, b]), f"{last} Along dim=0 you get more rows, not wider ones.")]
        if equal_widths
        else [],
    )


# Task 3: Shape rules and negative dims


@pytest.mark.task(3)
@pytest.mark.parametrize("ndim", [0, 1, 3])
def test_stack_shape_inserts_the_count_at_dim_for_every_dim_including_negative_ones(ndim):
    shape = random_shape(ndim)
    shapes = [shape] * random_int(7, 9)  # more tensors than any size: every position of the count is visible
    expect_returned_shape(
        module.stack_shape,
        (shapes,),
        torch.stack(empty_tensors(shapes)).shape,
        f"stack_shape([{shape}] * {len(shapes)}) with no dim",
        hint="Without a dim, stack_shape(shapes) works like torch.stack(tensors): dim=0, the count in front.",
    )
    for dim in range(-ndim - 1, ndim + 1):
        expect_returned_shape(
            module.stack_shape,
            (shapes, dim),
            torch.stack(empty_tensors(shapes), dim).shape,
            f"stack_shape([{shape}] * {len(shapes)}, dim={dim})",
            hint="stack's dim counts in the result, which has one dimension more than the inputs: "
            f"for {ndim}-d inputs dim runs from {-ndim - 1} to {ndim}, and dim=-1 puts the new dimension last.",
        )


@pytest.mark.task(3)
@pytest.mark.parametrize(
    ("shapes", "naming"),
    [
        ([(2, 3), (3, 2)], ()),
        ([(4, 5), (4, 5), (4, 6)], ()),
        ([(12, 34), (12, 35), (12, 34)], ("34", "35")),
        ([(4,), (4, 1)], ()),
    ],
    ids=["same-number-of-elements", "the-last-one-differs", "the-middle-one-differs", "an-extra-dimension"],
)
def test_stack_shape_raises_value_error_unless_every_shape_is_the_same(shapes, naming):
    expect_raises(
        ValueError,
        module.stack_shape,
        shapes,
        0,
        call=f"stack_shape({shapes}, dim=0)",
        hint="torch.stack needs every tensor to have exactly the same shape; compare each shape with the first, and "
        "say in the message which shapes clash (their sizes, in any format).",
        naming=naming,
    )


@pytest.mark.task(3)
@pytest.mark.parametrize("ndim", [1, 3])
def test_cat_shape_adds_up_the_sizes_at_dim_for_every_dim_including_negative_ones(ndim):
    base = random_shape(ndim)
    shapes = [(size, *base[1:]) for size in distinct_sizes(3, low=7)]  # sizes at dim 0 unlike any other size
    expect_returned_shape(
        module.cat_shape,
        (shapes,),
        torch.cat(empty_tensors(shapes)).shape,
        f"cat_shape({shapes}) with no dim",
        hint="Without a dim, cat_shape(shapes) works like torch.cat(tensors): dim=0, the sizes in front add up.",
    )
    for dim in range(-ndim, ndim):
        cat_sizes = (7 + torch.randperm(4)[: 2 + dim % 3]).tolist()  # 2, 3 or 4 distinct sizes, unlike any of base
        shapes = [base[:dim] + (size,) + base[dim:][1:] for size in cat_sizes]
        expect_returned_shape(
            module.cat_shape,
            (shapes, dim),
            torch.cat(empty_tensors(shapes), dim).shape,
            f"cat_shape({shapes}, dim={dim})",
            hint="cat's dim counts in the inputs, which have as many dimensions as the result: for "
            f"{ndim}-d inputs dim runs from {-ndim} to {ndim - 1}. The sizes at dim add up; the others must agree.",
        )


@pytest.mark.task(3)
@pytest.mark.parametrize(
    ("shapes", "dim", "naming"),
    [
        ([(2, 3), (3, 4)], 1, ()),
        ([(2, 3), (2, 4)], 0, ()),
        ([(5, 2, 3), (5, 2, 4)], -2, ()),
        ([(12, 34), (15, 35), (9, 34)], 0, ("34", "35")),
        ([(2, 3), (2, 3, 1)], 0, ()),
        ([(5, 2, 3), (5, 2)], -1, ()),
    ],
    ids=[
        "rows-differ-in-a-column-cat",
        "columns-differ-in-a-row-cat",
        "last-differs-at-dim-minus-2",
        "the-middle-one-differs",
        "an-extra-dim",
        "a-missing-last-dim",
    ],
)
def test_cat_shape_raises_value_error_when_shapes_differ_outside_dim(shapes, dim, naming):
    expect_raises(
        ValueError,
        module.cat_shape,
        shapes,
        dim,
        call=f"cat_shape({shapes}, dim={dim})",
        hint="torch.cat needs the same number of dimensions and equal sizes everywhere except at dim: compare the "
        "number of dimensions first. Say in the message which shapes clash (their sizes, in any format).",
        naming=naming,
    )


# Task 4: stack from unsqueeze and cat


@pytest.mark.task(4)
def test_my_stack_matches_torch_stack_for_every_dim_including_negative_ones(device):
    shape = random_shape(3, low=2)
    tensors = [torch.randn(shape, device=device) for _ in range(random_int(2, 4))]
    inputs = f"with {len(tensors)} tensors of shape {shape} on {device.type}"
    hint = "stack's dim counts in the result, which has one dimension more than the inputs; unsqueeze's dim does too."
    expect_equal(module.my_stack(tensors), torch.stack(tensors), f"my_stack(tensors) {inputs}", hint)
    for dim in range(-len(shape) - 1, len(shape) + 1):
        result = module.my_stack(tensors, dim)
        expect_equal(result, torch.stack(tensors, dim), f"my_stack(tensors, dim={dim}) {inputs}", hint)
        where = result.device
        assert where.type == device.type, f"my_stack(tensors, dim={dim}) {inputs} put the result on {where}."


@pytest.mark.task(4)
@pytest.mark.parametrize("shapes", [[(2, 3), (3, 2)], [(2, 3), (2, 4)]], ids=["same-number-of-elements", "2x3-and-2x4"])
def test_my_stack_refuses_tensors_of_different_shapes(shapes):
    tensors = [torch.randn(shape) for shape in shapes]
    refuses = "torch.stack refuses tensors of different shapes, and so should my_stack."
    try:
        returned = module.my_stack(tensors)
    except Exception:  # the refusal wanted (or not written yet): expect_raises says which
        returned = None
    in_order = torch.cat([tensor.flatten() for tensor in tensors])
    if isinstance(returned, torch.Tensor) and torch.equal(returned.flatten().cpu(), in_order):
        refuses += " It returned their numbers in order, as if flattened or reshaped: equal numbers of elements "
        refuses += "are not equal shapes."
    expect_raises(
        Exception,
        module.my_stack,
        tensors,
        call=f"my_stack(tensors) with tensors of shapes {shapes}",
        hint=refuses,
    )


@pytest.mark.task(4)
def test_my_stack_works_without_calling_torch_stack():
    shape = random_shape(2)
    tensors = [torch.randn(shape) for _ in range(3)]
    expected = torch.stack(tensors, dim=1)
    with by_hand([(torch, "stack")], advice="Build my_stack from unsqueeze and cat."):
        result = module.my_stack(tensors, 1)
    expect_equal(result, expected, f"my_stack(tensors, dim=1) with 3 tensors of shape {shape}")


# Task 5: Broadcasting

RULE = (
    "Line the shapes up from the right and pad the shorter one on the left with 1s; in each position the sizes "
    "must be equal or one of them 1, and the result takes the other (not the larger: a 1 against a 0 gives 0)."
)
CLASH = "Two sizes in the same position (counted from the right) clash when they differ and neither is 1."


@pytest.mark.task(5)
@pytest.mark.parametrize(
    ("shape_a", "shape_b", "expected"),
    [
        ((2, 3), (2, 3), (2, 3)),
        ((3, 1), (3, 4), (3, 4)),
        ((2, 3, 4), (4,), (2, 3, 4)),
        ((3, 1), (4,), (3, 4)),
        ((5, 1, 4), (3, 1), (5, 3, 4)),
        ((), (2, 3), (2, 3)),
        ((3, 1), (0,), (3, 0)),
    ],
    ids=[
        "equal",
        "a-size-1-stretches",
        "missing-leading-dims-count-as-1",
        "both-stretch",
        "3-d-and-2-d",
        "0-d",
        "a-size-1-stretches-to-0",
    ],
)
def test_broadcast_shape_lines_shapes_up_from_the_right_and_stretches_sizes_of_1(shape_a, shape_b, expected):
    call = f"broadcast_shape({shape_a}, {shape_b})"
    expect_returned_shape(module.broadcast_shape, (shape_a, shape_b), expected, call, hint=RULE)


@pytest.mark.task(5)
@pytest.mark.parametrize(
    ("shape_a", "shape_b", "naming"),
    [
        ((3,), (4,), ()),
        ((2, 3), (3, 2), ()),
        ((3,), (3, 2), ()),
        ((2, 1, 4), (3, 5), ()),
        ((0,), (3,), ()),
        ((5, 13), (17,), ("13", "17")),
    ],
    ids=[
        "different-sizes",
        "neither-size-is-1",
        "aligned-from-the-right-not-the-left",
        "a-1-elsewhere-does-not-help",
        "0-is-not-1",
        "13-against-17",
    ],
)
def test_broadcast_shape_raises_value_error_for_shapes_that_clash(shape_a, shape_b, naming):
    call = f"broadcast_shape({shape_a}, {shape_b})"
    hint = f"{CLASH} Say in the message which sizes clash."
    expect_raises(ValueError, module.broadcast_shape, shape_a, shape_b, call=call, hint=hint, naming=naming)


@pytest.mark.task(5)
def test_broadcast_shape_agrees_with_torch_broadcast_shapes_on_random_shapes():
    for _ in range(50):
        a, b = random_broadcast_pair()
        expected, call = torch_broadcast_shape(a, b), f"broadcast_shape({a}, {b})"
        if expected is None:
            expect_raises(ValueError, module.broadcast_shape, a, b, call=call, hint=CLASH)
        else:
            expect_returned_shape(module.broadcast_shape, (a, b), expected, call, hint=RULE)


@pytest.mark.task(5)
@pytest.mark.parametrize("square", [False, True], ids=["wide", "square"])
def test_add_column_bias_adds_bias_j_to_every_entry_of_column_j(square):
    n = random_int(2, 5)
    x, bias = torch.randn(n, n if square else n + 1), torch.randn(n if square else n + 1)
    expected = x.clone()
    for j, value in enumerate(bias):
        expected[:, j] += value
    call = f"add_column_bias(x, bias) with x of shape {tuple(x.shape)} and bias of shape {tuple(bias.shape)}"
    columns = "A (D,) bias lines up with the last dimension of an (N, D) matrix: with the columns."
    reshaped = f"{columns} `x + bias` already does it: a bias of shape (D, 1) lines up with the rows instead."
    as_it_is = f"{columns} `x + bias` already does it, with the bias as it is."
    expect_close(
        explained_call(module.add_column_bias, x, bias, call=call, explanations={"must match the size": as_it_is}),
        expected,
        call,
        hint=f"{columns} Entry [i, j] is x[i, j] + bias[j].",
        mistakes=[(x + bias[:, None], reshaped)] if square else [],
    )


@pytest.mark.task(5)
@pytest.mark.parametrize("square", [False, True], ids=["tall", "square"])
def test_scale_rows_multiplies_every_entry_of_row_i_by_weight_i(square):
    n = random_int(2, 5)
    x, weights = torch.randn(n + (0 if square else 1), n), torch.randn(n + (0 if square else 1))
    expected = x.clone()
    for i, weight in enumerate(weights):
        expected[i] *= weight
    call = f"scale_rows(x, weights) with x of shape {tuple(x.shape)} and weights of shape {tuple(weights.shape)}"
    rows = "Give the weights shape (N, 1) so that the 1 stretches along each row."
    columns = "Lined up from the right, an (N,) vector meets the columns of an (N, D) matrix, not the rows"
    expect_close(
        explained_call(
            module.scale_rows, x, weights, call=call, explanations={"must match the size": f"{columns}. {rows}"}
        ),
        expected,
        call,
        hint=f"Entry [i, j] is x[i, j] * weights[i]. {rows}",
        mistakes=[(x * weights, f"{columns} (for a square matrix that is silently wrong). {rows}")] if square else [],
    )


# --- Helpers ---


def expect_returned_shape(function, args, expected, call, hint):
    """Fail unless ``function(*args)`` returns a tuple (a torch.Size is one) equal to ``expected``."""
    __tracebackhide__ = True
    expected = tuple(expected)
    fine = f"These shapes are fine: expected {expected}.\n{hint}"
    got = explained_call(function, *args, call=call, explanations={"": fine})  # "": whatever it raised
    assert isinstance(got, tuple), f"{call} should return a tuple, like {expected}, but it returned {got!r}."
    assert tuple(got) == expected, f"{call} should return {expected}, but it returned {got!r}.\n{hint}"


def empty_tensors(shapes):
    """Small tensors of these shapes, whose values do not matter: torch tells us the shape of a result from them."""
    return [torch.empty(shape) for shape in shapes]


def random_broadcast_pair():
    """Two shapes that broadcast (tails of one shape, some sizes set to 1); half the time one size of b then clashes."""
    common = random_shape(random_int(1, 4), low=2)

    def tail_with_some_ones():
        tail = common[random_int(0, len(common)) :]
        return tuple(1 if torch.rand(()) < 0.3 else size for size in tail)

    a, b = tail_with_some_ones(), list(tail_with_some_ones())
    if b and torch.rand(()) < 0.5:
        b[random_int(0, len(b) - 1)] = random_int(7, 9)  # unlike any size of common
    return a, tuple(b)


def torch_broadcast_shape(shape_a, shape_b):
    """What torch.broadcast_shapes says about two shapes, as a tuple; None where it refuses them."""
    try:
        return tuple(torch.broadcast_shapes(shape_a, shape_b))
    except RuntimeError:
        return None
