"""Unsqueeze, views and reshapes. The lesson is README.md beside this file."""

import pytest
import torch

from katas.testing import (
    by_hand,
    distinct_sizes,
    expect_close,
    expect_equal,
    explained_call,
    kata_module,
    random_int,
    random_shape,
)

module = kata_module(__file__)

CLOSE = {"rtol": 1e-5, "atol": 1e-5}  # for results of arithmetic; rearranged numbers must come back exactly
DIFFERENCES = (
    "Give p shape (N, 1, D) and q shape (1, M, D): their difference is (N, M, D), every p[i] - q[j]. Then square, "
    "sum over the last dimension (D) and take the square root."
)
OWN_ROW = "Each row is normalized with its own mean and std: reduce over dim=1, keeping it (keepdim=True)."
LINED_UP = "x.mean(dim=1) has shape (N,), which broadcasting lines up with the columns"
OUTER = (
    "result[i, j] is a[i] * b[j]: a varies down the rows, so it needs shape (N, 1), and b along the columns, "
    "shape (1, M)."
)
MOVED = "result[n, c, h, w] must be images[n, h, w, c]."
PIXEL = "Each row holds one pixel's C values, so C must be the last dimension before you reshape to (-1, C)."
ROWS = "The result has shape (n, D), and each of its rows is `row`."
PER_EXAMPLE = "Only the dimensions after the batch merge: (N, ...) becomes (N, values per example), for N = 1 too."
FIRST = "A batch of one x has shape (1, *x.shape): the new dimension goes first."
NAME_IT = "Name the dimension to remove (and mind that squeeze(d) does nothing when it is not of size 1)."
CHANNELS = "Give mean and std shape (C, 1, 1), so they meet the channels."
VIEW_REFUSED = "view size is not compatible"  # what torch's view says when it cannot merge dimensions
CANNOT_MERGE = (
    "view cannot merge dimensions that are not one after the other in memory (after t(), permute or a step slice); "
    "reshape can, copying when it must. x.clone().view(-1) fails too: a clone keeps the strides."
)


# Task 1: unsqueeze and squeeze


@pytest.mark.task(1)
@pytest.mark.parametrize("ndim", [0, 1, 3], ids=["0-d", "1-d", "3-d"])
def test_add_batch_dim_puts_a_new_dimension_of_size_one_in_front(ndim):
    x = torch.randn(random_shape(ndim, low=2))
    expect_returns(
        torch.stack([x]),
        module.add_batch_dim,
        x,
        call=f"add_batch_dim({described(x)})",
        hint=FIRST,
        mistakes=[(x.unsqueeze(-1), f"{FIRST} unsqueeze(-1) appends it last.")],
    )


@pytest.mark.task(1)
@pytest.mark.parametrize(
    "sizes_of_one",
    ["", "N", "H", "W", "NHW"],
    ids=["a-batch-of-images", "a-batch-of-one", "images-one-pixel-high", "images-one-pixel-wide", "one-single-pixel"],
)
def test_squeeze_channel_removes_only_the_channel_even_when_other_sizes_are_one(sizes_of_one):
    n, h, w = (1 if name in sizes_of_one else size for name, size in zip("NHW", random_shape(3, low=2)))
    x = torch.randn(n, 1, h, w)
    expect_returns(
        x[:, 0].clone(),
        module.squeeze_channel,
        x,
        call=f"squeeze_channel({described(x)})",
        hint=NAME_IT,
        mistakes=[
            (
                x.squeeze(),
                "x.squeeze() with no dim removes *every* dimension of size 1: a batch of one, or an H or W of 1, "
                f"goes too. {NAME_IT}",
            )
        ],
    )


# Task 2: Indexing with None


@pytest.mark.task(2)
@pytest.mark.parametrize("layout", ["all-sizes-different", "square-images-with-as-many-channels", "a-batch-of-one"])
def test_normalize_channels_uses_each_channels_own_mean_and_std(layout):
    side = random_int(2, 5)
    c, h, w = (side, side, side) if layout.startswith("square") else distinct_sizes(3)
    images = torch.randn(1 if layout == "a-batch-of-one" else random_int(2, 4), c, h, w)
    mean, std = torch.randn(c), torch.rand(c) + 0.5
    expect_returns(
        torch.stack([(images[:, k] - mean[k]) / std[k] for k in range(c)], dim=1),
        module.normalize_channels,
        images,
        mean,
        std,
        call=f"normalize_channels({described(images)}, mean, std) with mean and std of shape ({c},)",
        hint=f"Broadcasting lines shapes up from the right. {CHANNELS}",
        mistakes=[
            (
                (images - mean) / std,
                "Broadcasting lines shapes up from the right: on its own, a (C,) vector meets W, not C (wrong numbers "
                f"without an error when W == C). {CHANNELS}",
            )
        ]
        if w == c
        else [],
        **CLOSE,
    )


# Task 3: view vs reshape


@pytest.mark.task(3)
def test_can_view_says_yes_for_any_shape_of_a_contiguous_tensor_and_when_no_dimensions_merge():
    rows, cols = random_shape(2, low=2)
    x = torch.randn(rows, 2 * cols)
    for shape in [(2 * cols * rows,), (2 * cols, rows), (rows, 2, cols), (1, 2 * rows * cols, 1)]:
        expect_can_view(x, "x", shape, True, "A contiguous tensor can be viewed as every shape of the same size.")
    not_merging = "A non-contiguous tensor can still be viewed as shapes that keep, split or add dimensions of size 1."
    for shape in [(2 * cols, rows), (2, cols, rows), (2 * cols, 1, rows)]:
        expect_can_view(x.t(), "x.t()", shape, True, f"{not_merging} is_contiguous() alone cannot tell.")
    every_other = torch.randn(4 * cols)[::2]
    expect_can_view(every_other, "torch.randn(4 * cols)[::2]", (2, cols), True, not_merging)


@pytest.mark.task(3)
def test_can_view_says_no_when_dimensions_that_are_apart_in_memory_must_merge():
    rows, cols = random_shape(2, low=4)
    x = torch.randn(rows, cols)
    reason = "view cannot merge dimensions that are not laid out one after the other in memory."
    expect_can_view(x.t(), "x.t()", (rows * cols,), False, f"{reason} The columns of x are not.")
    expect_can_view(x[::2], "x[::2]", (x[::2].numel(),), False, f"{reason} Every other row leaves gaps.")
    expanded = torch.randn(1, cols).expand(rows, cols)
    expect_can_view(expanded, "torch.randn(1, cols).expand(rows, cols)", (rows * cols,), False, reason)
    images = torch.randn(rows, cols, 3, 2).permute(0, 3, 1, 2)
    expect_can_view(images, "x_nhwc.permute(0, 3, 1, 2)", (rows, 2 * cols * 3), False, reason)


@pytest.mark.task(3)
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "every-other-row", "permuted-3-d", "0-d"])
def test_flatten_all_reads_any_tensor_in_row_major_order(layout):
    rows, cols = random_shape(2, low=3)
    x = torch.randn(rows, cols)
    x = {
        "contiguous": x,
        "transposed": x.t(),
        "every-other-row": x[::2],
        "permuted-3-d": torch.randn(random_shape(3, low=2)).permute(2, 0, 1),
        "0-d": x[0, 0],
    }[layout]
    expect_returns(
        torch.tensor(x.tolist()).reshape(-1),  # tolist reads x in row-major order, whatever its memory layout
        module.flatten_all,
        x,
        call=f"flatten_all({described(x)})",
        hint="The numbers in row-major order: reshape(-1) reads any tensor so, copying when it must.",
        raised={VIEW_REFUSED: CANNOT_MERGE},
    )


@pytest.mark.task(3)
def test_flatten_all_of_a_contiguous_tensor_is_a_view_not_a_copy():
    x = torch.randn(random_shape(3, low=2))
    call = f"flatten_all({described(x)})"
    result = module.flatten_all(x)
    expect_equal(result, x.reshape(-1).clone(), call)
    x[0, 0, 0] = 42.0
    assert result[0].item() == 42.0, (
        f"After x[0, 0, 0] = 42, {call} still holds the old value: it copied x. A contiguous tensor can always be "
        "flattened without copying; reshape copies only when it must (and .contiguous() only when x is not)."
    )


# Task 4: Let -1 work out a size


@pytest.mark.task(4)
@pytest.mark.parametrize("sizes", ["all-different", "B-equals-T", "one-sequence", "one-step-each"])
def test_split_into_sequences_cuts_consecutive_rows_into_batch_by_time(sizes):
    b, t, d = distinct_sizes(3)
    b, t = {"all-different": (b, t), "B-equals-T": (b, b), "one-sequence": (1, t), "one-step-each": (b, 1)}[sizes]
    x = torch.randn(b * t, d)
    expect_returns(
        torch.stack([x[i * t : (i + 1) * t] for i in range(b)]),
        module.split_into_sequences,
        x,
        b,
        call=f"split_into_sequences({described(x)}, batch_size={b})",
        hint=f"Rows 0 to T - 1 are sequence 0, and so on: the result has shape (B, T, D) = ({b}, {t}, {d}). "
        "reshape keeps the order of the numbers, so no transpose is needed; a -1 in the shape stands for T.",
    )


# Task 5: flatten


@pytest.mark.task(5)
@pytest.mark.parametrize("batch", ["images", "one-image", "one-1x1-grey-image", "vectors"])
def test_flatten_per_example_keeps_the_batch_dimension_even_for_a_batch_of_one(batch):
    n, c, h, w = random_shape(4, low=2)
    shapes = {"images": (n, c, h, w), "one-image": (1, c, h, w), "one-1x1-grey-image": (1, 1, 1, 1), "vectors": (n, c)}
    x = torch.randn(shapes[batch])
    expect_returns(
        torch.stack([example.reshape(-1) for example in x]),
        module.flatten_per_example,
        x,
        call=f"flatten_per_example({described(x)})",
        hint=PER_EXAMPLE,
        mistakes=[(x.flatten(), f"{PER_EXAMPLE} x.flatten() merges N too.")],
    )


@pytest.mark.task(5)
@pytest.mark.parametrize("batch", ["one", "several"])
def test_flatten_per_example_works_on_a_non_contiguous_batch(batch):
    n, h, w, c = random_shape(4, low=2)
    x = torch.randn(1 if batch == "one" else n, h, w, c).permute(0, 3, 1, 2)
    expect_returns(
        torch.stack([example.reshape(-1) for example in x]),
        module.flatten_per_example,
        x,
        call=f"flatten_per_example({described(x)}), a channels-last batch permuted to (N, C, H, W)",
        hint=PER_EXAMPLE,
        raised={
            VIEW_REFUSED: "After permute, C, H and W are not one after the other in memory, so x.view(len(x), -1) "
            "cannot merge them. reshape and flatten can: they copy when they must."
        },
    )


# Task 6: permute


@pytest.mark.task(6)
@pytest.mark.parametrize("layout", ["all-sizes-different", "square-images", "a-batch-of-one"])
def test_nhwc_to_nchw_moves_the_channels_without_scrambling_the_pixels(layout):
    h, w, c = distinct_sizes(3)
    w = h if layout == "square-images" else w
    images = torch.randn(1 if layout == "a-batch-of-one" else random_int(2, 3), h, w, c)
    expect_returns(
        torch.stack([images[..., k] for k in range(c)], dim=1),
        module.nhwc_to_nchw,
        images,
        call=f"nhwc_to_nchw({described(images)})",
        hint=f"{MOVED} Only permute moves a dimension.",
        mistakes=[
            (
                images.reshape(len(images), c, h, w),
                f"{MOVED} reshape or view to (N, C, H, W) gives the right shape but re-cuts the numbers in their old "
                "order, scrambling the pixels; only permute moves a dimension.",
            ),
            (images.transpose(1, 3), f"{MOVED} transpose(1, 3) swaps H and W as well: permute(0, 3, 1, 2)."),
        ],
    )


@pytest.mark.task(6)
@pytest.mark.parametrize("batch", ["one", "several"])
def test_pixel_rows_lists_each_pixels_channel_values_in_reading_order(batch):
    c, h, w = distinct_sizes(3)
    images = torch.randn(1 if batch == "one" else random_int(2, 3), c, h, w)
    n = len(images)
    expect_returns(
        torch.stack([images[i, :, y, x] for i in range(n) for y in range(h) for x in range(w)]),
        module.pixel_rows,
        images,
        call=f"pixel_rows({described(images)})",
        hint=PIXEL,
        mistakes=[
            (images.reshape(-1, c), f"{PIXEL} reshape alone re-cuts the numbers in their (N, C, H, W) order."),
        ],
        raised={VIEW_REFUSED: f"{PIXEL} After permute, view cannot merge; reshape can."},
    )


# Task 7: expand vs repeat


@pytest.mark.task(7)
@pytest.mark.parametrize("sizes", ["n-differs-from-D", "n-equals-D", "one-row"])
def test_tile_view_has_n_rows_equal_to_the_row(sizes):
    d, n = distinct_sizes(2)
    n = {"n-differs-from-D": n, "n-equals-D": d, "one-row": 1}[sizes]
    row = torch.randn(d)
    expect_returns(
        torch.stack([row] * n),
        module.tile_view,
        row,
        n,
        call=f"tile_view({described(row)}, n={n})",
        hint=ROWS,
        mistakes=[  # for n == D the two give the same numbers
            (
                row.repeat_interleave(n).reshape(n, -1),
                f"{ROWS} repeat_interleave repeats each entry in place ([1, 2] -> [1, 1, 2, 2])"
                + (", and expanding row[:, None] gives the transpose, (D, n)." if n == d else "."),
            ),
            (row[:, None].expand(-1, n), f"{ROWS} Expanding row[:, None] gives the transpose, (D, n)."),
        ],
    )


@pytest.mark.task(7)
@pytest.mark.parametrize("layout", ["contiguous-row", "every-other-entry-row"])
def test_tile_view_shares_the_rows_memory_instead_of_copying_it(layout):
    d, n = distinct_sizes(2)
    row = torch.randn(d) if layout == "contiguous-row" else torch.randn(2 * d)[::2]
    call = f"tile_view({described(row)}, n={n})"
    result = module.tile_view(row, n)
    row += 1
    expect_equal(
        result,
        torch.stack([row] * n),
        f"{call}, looked at after `row += 1`,",
        hint="A view of row's memory would show the change in every row; this result holds the old values, so it "
        "is a copy (repeat, tile, stack and clone all copy). expand makes a view, with stride 0: nothing is copied.",
    )


@pytest.mark.task(7)
@pytest.mark.parametrize("rows", ["several", "one"])
def test_tile_copy_has_rows_that_change_independently(rows):
    d, n = distinct_sizes(2)
    n = 1 if rows == "one" else n
    row = torch.randn(d)
    call = f"tile_copy({described(row)}, n={n})"
    result = expect_returns(torch.stack([row] * n), module.tile_copy, row, n, call=call, hint="")
    original = row.clone()
    result[0] += 1
    shared = "the result shares memory with row, as expand's view does. A copy (repeat) gives each row its own memory."
    assert torch.equal(row, original), (
        f"After result = {call} and result[0] += 1, row changed too: {shared} (.contiguous() copies only a tensor "
        "that is not contiguous already, and n = 1 rows of a row already are.)"
    )
    assert torch.equal(result[1:], row.expand(n - 1, -1)), (
        f"After result = {call} and result[0] += 1, the other rows of the result changed too: {shared}"
    )


# Task 8: Broadcasting with unsqueeze


@pytest.mark.task(8)
@pytest.mark.parametrize("sizes", ["wide", "tall", "square", "one-row"])
def test_normalize_rows_uses_each_rows_own_mean_and_std(sizes):
    small, large = sorted(distinct_sizes(2))
    shapes = {"wide": (small, large), "tall": (large, small), "square": (small, small), "one-row": (1, large)}
    n, d = shapes[sizes]
    x = torch.randn(n, d) * 3 + 1
    expect_returns(
        torch.stack([(row - row.mean()) / row.std() for row in x]),
        module.normalize_rows,
        x,
        call=f"normalize_rows({described(x)})",
        hint=OWN_ROW,
        mistakes=[
            *(
                [((x - x.mean(0)) / x.std(0), f"{OWN_ROW} Yours used each column's: reduce over dim=1, not dim=0.")]
                if n > 1  # one row has no spread down a column
                else []
            ),
            (
                (x - x.mean(1, keepdim=True)) / x.std(1, keepdim=True, correction=0),
                f"{OWN_ROW} torch.std's default divides by D - 1; yours divided by D.",
            ),
            *(
                [((x - x.mean(1)) / x.std(1), f"{OWN_ROW} {LINED_UP} (wrong numbers without an error when N == D).")]
                if n == d
                else []
            ),
        ],
        raised={"must match the size": f"{OWN_ROW} {LINED_UP}."},
        **CLOSE,
    )


@pytest.mark.task(8)
@pytest.mark.parametrize("sizes", ["N-differs-from-M", "N-equals-M", "a-of-length-one"])
def test_outer_product_multiplies_every_entry_of_a_by_every_entry_of_b(sizes):
    n, m = distinct_sizes(2)
    n = {"N-differs-from-M": n, "N-equals-M": m, "a-of-length-one": 1}[sizes]
    a, b = torch.randn(n), torch.randn(m)
    expect_returns(
        torch.stack([a_i * b for a_i in a]),
        module.outer_product,
        a,
        b,
        call=f"outer_product({described(a)}, {described(b)})",
        hint=OUTER,
        mistakes=[
            (a[None] * b[:, None], f"{OUTER} Yours is the other way round: the transpose, (M, N)."),
            *([(a * b, f"{OUTER} a * b pairs a[i] with b[i] only.")] if n == m else []),
        ],
        **CLOSE,
    )


@pytest.mark.task(8)
@pytest.mark.parametrize("sizes", ["all-different", "all-equal", "on-a-line", "one-point-in-p", "points-in-both"])
def test_pairwise_distances_match_torch_cdist(sizes):
    n, m, d = distinct_sizes(3)
    shapes = {"all-different": (n, m, d), "all-equal": (d, d, d), "on-a-line": (n, m, 1), "one-point-in-p": (1, m, d)}
    n, m, d = shapes.get(sizes, (n, m, d))
    p, q = torch.randn(n, d) * 10, torch.randn(m, d) * 10
    if sizes == "points-in-both":
        p[0], p[-1] = q[-1], q[0]  # distance exactly 0
    expected = torch.cdist(p, q)
    call = f"pairwise_distances({described(p)}, {described(q)})"
    squared = p.pow(2).sum(1)[:, None] + q.pow(2).sum(1) - 2 * p @ q.T  # |p|² + |q|² - 2 p·q, rounded
    expanded = (
        "Expanding |p - q|² into |p|² + |q|² - 2 p·q loses the small distances to rounding (and the square root of "
        "a tiny negative number is nan): subtract first."
    )
    mistakes = [
        (torch.cdist(q, p), f"{DIFFERENCES} Swapping the new dimensions gives the transpose, (M, N)."),
        (squared.sqrt(), f"{DIFFERENCES} {expanded}"),
        (squared.clamp(min=0).sqrt(), f"{DIFFERENCES} {expanded}"),
    ]
    with by_hand(
        [(torch, "cdist")], advice="Write it with broadcasting: p[:, None] - q[None] holds every p[i] - q[j]."
    ):
        expect_returns(
            expected,
            module.pairwise_distances,
            p,
            q,
            call=call + (", where p[0] is q[-1] and p[-1] is q[0]," if sizes == "points-in-both" else ""),
            hint=DIFFERENCES,
            mistakes=mistakes,
            rtol=1e-4,
            atol=1e-4,
        )


# --- Helpers ---


def expect_returns(expected, function, *args, call, hint, rtol=0.0, atol=0.0, mistakes=(), raised=None):
    """Fail unless ``function(*args)`` returns ``expected`` (within ``rtol`` and ``atol``), and return what it did.
    ``mistakes`` are known wrong results with their advice; ``raised`` maps text in an error to what it means
    (any other error gets ``hint``)."""
    __tracebackhide__ = True
    explanations = {**(raised or {}), "": hint}  # "": whatever else it raised
    got = explained_call(function, *args, call=call, explanations=explanations)
    expect_close(got, expected, call, rtol=rtol, atol=atol, hint=hint, mistakes=mistakes)
    return got


def expect_can_view(x, name, shape, expected, hint):
    """Fail unless ``can_view(x, shape)`` returns ``expected``; ``name`` is how the message shows ``x``."""
    __tracebackhide__ = True
    call = f"can_view({name}, {shape})"
    cannot = "view raises a RuntimeError when it cannot: catch it and say no."
    got = explained_call(module.can_view, x, shape, call=call, explanations={"": cannot})  # "": whatever it raised
    assert got is expected, (
        f"{call} should return {expected}, but it returned {got!r}, where {name} is {described(x)}.\n{hint}"
    )


def described(x):
    """How the messages name a tensor argument: its shape, and whether it is contiguous."""
    layout = "" if x.is_contiguous() else ", not contiguous"
    return f"<tensor of shape {tuple(x.shape)}{layout}>"
