"""Embeddings and attention by hand. The lesson is README.md beside this file."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from katas.testing import (
    by_hand,
    by_hand_caller,
    distinct_sizes,
    expect_close,
    expect_equal,
    expect_raises,
    expect_shape,
    expect_tensor,
    explained_call,
    kata_module,
    random_int,
)

attention = kata_module(__file__)

DOUBLE = torch.float64


# Task 1: An embedding is a lookup


IDS = {  # the shapes of ids the tests embed
    "1-d": lambda: (random_int(4, 7),),
    "2-d": lambda: distinct_sizes(2),
    "0-d": lambda: (),
    "empty": lambda: (0,),
}


@pytest.mark.task(1)
@pytest.mark.parametrize("shape", IDS)
def test_one_hot_puts_a_1_at_each_id_and_0_elsewhere_like_torch(shape):
    ids, classes = token_ids(IDS[shape]())
    got = yours(attention.one_hot, ids, classes)
    call = f"one_hot(<{shape} ids of shape {tuple(ids.shape)}>, {classes})"
    expected = F.one_hot(ids, classes)
    hint = f"The result has the shape of ids plus a last dim of num_classes: {tuple(expected.shape)}."
    mistakes = [(expected, "F.one_hot returns int64 (.long()): 1s and 0s to count with, or to cast where needed.")]
    expect_close(got, expected, call, rtol=0, atol=0, hint=hint, mistakes=mistakes)


@pytest.mark.task(1)
@pytest.mark.parametrize("where", ["negative", "too-large"])
def test_one_hot_refuses_an_id_outside_0_to_num_classes_minus_1(where):
    ids, classes = token_ids((5,))
    wrong = -1 if where == "negative" else classes
    ids[random_int(0, 4)] = wrong
    hint = (
        f"ids must lie in 0 to {classes - 1}: an id of {wrong} would become a row of zeros, and its token would "
        "silently embed as zeros. Raise ValueError naming it."
    )
    call = f"one_hot(<ids holding {wrong}>, {classes})"
    with by_hand(EMBEDDING_SHORTCUTS, advice=BY_HAND):
        expect_raises(ValueError, attention.one_hot, ids, classes, call=call, hint=hint, naming=(str(wrong),))


@pytest.mark.task(1)
@pytest.mark.parametrize("shape", IDS)
def test_embed_picks_the_row_of_weight_that_each_id_names(shape):
    ids, classes = token_ids(IDS[shape]())
    weight = torch.randn(classes, random_int(2, 5), dtype=DOUBLE)
    got = yours(attention.embed, weight, ids)
    call = f"embed(<{tuple(weight.shape)} weight>, <{shape} ids of shape {tuple(ids.shape)}>)"
    hint = "Each id picks a row: the result has the shape of ids plus a last dim of embedding_dim, weight[ids]."
    expect_close(got, F.embedding(ids, weight), call, hint=hint)


@pytest.mark.task(1)
@pytest.mark.parametrize("name", ["embed", "embed_one_hot"])
def test_embed_sends_gradient_only_to_the_rows_used_adding_up_repeats(name):
    ids, classes = token_ids((3, 4), repeats=True)
    weight = torch.randn(classes, 3, dtype=DOUBLE)
    upstream = torch.randn(*ids.shape, 3, dtype=DOUBLE)
    leaf = weight.detach().requires_grad_()
    got = expect_tensor(yours(getattr(attention, name), leaf, ids), f"{name}(weight, ids)")
    assert got.requires_grad, f"{name}(weight, ids) returned a tensor cut off from weight: build it from weight."
    (got_grad,) = torch.autograd.grad(got, leaf, upstream)
    expected = F.embedding(ids, weight)
    expected_grad = autograd_weight_grad(ids, upstream, classes)
    call = f"{name}(<{tuple(weight.shape)} weight>, <ids {ids.tolist()}>)"
    expect_close(got, expected, call)
    expect_close(
        got_grad,
        expected_grad,
        f"the gradient for weight of {call}",
        hint="Row r gets the sum of the upstream rows at every position where ids is r, and the rows no id names "
        "get zeros: build the output from weight with tensor operations, and autograd does this for you.",
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("shape", IDS)
def test_embed_one_hot_gives_the_same_embedding_as_the_lookup(shape):
    ids, classes = token_ids(IDS[shape]())
    dtype = torch.float32 if shape == "2-d" else DOUBLE  # float32 too: cast the one-hot to weight's dtype
    weight = torch.randn(classes, random_int(2, 5), dtype=dtype)
    got = yours(attention.embed_one_hot, weight, ids)
    call = f"embed_one_hot(<{tuple(weight.shape)} {dtype} weight>, <{shape} ids of shape {tuple(ids.shape)}>)"
    expect_close(
        got, F.embedding(ids, weight), call, hint="one_hot(ids, num_embeddings), cast to weight's dtype, @ weight."
    )


@pytest.mark.task(1)
def test_embed_one_hot_is_a_matrix_product_not_a_lookup():
    ids, classes = token_ids((2, 5))
    weight = torch.randn(classes, 4, dtype=DOUBLE, requires_grad=True)
    got = expect_tensor(yours(attention.embed_one_hot, weight, ids), "embed_one_hot(weight, ids)")
    assert got.requires_grad, "embed_one_hot(weight, ids) returned a tensor cut off from weight's gradient."
    lookups = sorted({name for name in graph_names(got) if name.startswith(LOOKUPS)})
    assert not lookups, (
        f"embed_one_hot(weight, ids) reaches weight through {', '.join(lookups)}: that is a lookup, as in embed. "
        "Here the embedding is a matrix product: one_hot(ids, num_embeddings).to(weight.dtype) @ weight."
    )


@pytest.mark.task(1)
def test_one_hot_works_on_the_device_of_its_ids(device):
    ids, classes = token_ids((2, 5))
    ids = ids.to(device)
    call = f"one_hot(<ids on {device}>, {classes})"
    hint = "Compare with classes on the device of ids: torch.arange(num_classes, device=ids.device)."
    got = expect_tensor(yours(attention.one_hot, ids, classes), call, hint=hint)
    assert got.device == ids.device, f"{call} returned a tensor on {got.device}. {hint}"
    expect_equal(got, F.one_hot(ids, classes), call, hint=hint)


@pytest.mark.task(1)
def test_embed_and_embed_one_hot_take_a_non_contiguous_weight():
    ids, classes = token_ids((2, 3))
    weight = torch.randn(4, classes, dtype=DOUBLE).t()  # a transposed view: (classes, 4), not contiguous
    for name in ("embed", "embed_one_hot"):
        call = f"{name}(<transposed {tuple(weight.shape)} weight>, ids)"
        expect_close(yours(getattr(attention, name), weight, ids), F.embedding(ids, weight), call)


# Task 2: The gradient of an embedding, and padding_idx


@pytest.mark.task(2)
@pytest.mark.parametrize("case", ["1-d", "2-d", "2-d-with-padding"])
def test_embedding_weight_grad_sums_the_upstream_rows_of_each_id_and_none_into_padding(case):
    ids, classes = token_ids(IDS[case[:3]](), repeats=True)
    padding_idx = int(ids.reshape(-1)[0]) if case.endswith("padding") else None  # a padding id that occurs
    upstream = torch.randn(*ids.shape, random_int(2, 5), dtype=DOUBLE)
    got = yours(attention.embedding_weight_grad, ids, upstream, classes, padding_idx)
    call = f"embedding_weight_grad(<ids {ids.tolist()}>, grad_output, {classes}, padding_idx={padding_idx})"
    expected = autograd_weight_grad(ids, upstream, classes, padding_idx)
    expect_close(got, expected, call, mistakes=weight_grad_mistakes(ids, upstream, classes, padding_idx))


@pytest.mark.task(2)
def test_embedding_weight_grad_of_no_tokens_is_zeros():
    classes, dim = distinct_sizes(2)
    ids, upstream = torch.zeros(0, dtype=torch.long), torch.zeros(0, dim, dtype=DOUBLE)
    got = yours(attention.embedding_weight_grad, ids, upstream, classes)
    hint = "No token used any row: the gradient is zeros of shape (num_embeddings, dim), grad_output's dtype."
    expect_equal(got, torch.zeros(classes, dim, dtype=DOUBLE), f"embedding_weight_grad(<no ids>, ..., {classes})", hint)


@pytest.mark.task(2)
def test_embedding_weight_grad_works_on_the_device_of_grad_output(device):
    ids, classes = token_ids((3, 4), repeats=True)
    ids, upstream = ids.to(device), torch.randn(3, 4, 2, device=device)
    call = f"embedding_weight_grad(<ids and grad_output on {device}>, ...)"
    hint = "Start from zeros on grad_output's device: torch.zeros(..., device=grad_output.device)."
    got = expect_tensor(yours(attention.embedding_weight_grad, ids, upstream, classes), call, hint=hint)
    assert got.device == upstream.device, f"{call} returned a tensor on {got.device}. {hint}"
    expect_close(got, autograd_weight_grad(ids, upstream, classes), call, hint=hint)


@pytest.mark.task(2)
@pytest.mark.parametrize("padding_idx", [None, -300], ids=["no-padding", "padding-minus-300-row-0"])
def test_embedding_starts_as_a_normal_table_whose_padding_row_is_zeros(padding_idx):
    classes, dim = 300, 50  # 15000 values: their std is within 4% of 1
    module = yours(attention.Embedding, classes, dim, padding_idx)
    call = f"Embedding({classes}, {dim}, padding_idx={padding_idx})"
    weight = dict(module.named_parameters()).get("weight")
    assert isinstance(weight, nn.Parameter), (
        f"{call} has no parameter named weight; it has {sorted(dict(module.named_parameters()))}: "
        "self.weight = nn.Parameter(...)."
    )
    expect_shape(weight, (classes, dim), f"{call}.weight", hint="One row of embedding_dim values per id.")
    normalised = None if padding_idx is None else padding_idx % classes
    assert module.padding_idx == normalised, (
        f"{call}.padding_idx is {module.padding_idx!r}; expected {normalised!r}. Keep it, and as nn.Embedding does, "
        f"turn a negative one into the row it counts back to: {padding_idx} of {classes} rows is row {normalised}."
    )
    rest = weight.detach()
    if normalised is not None:
        expect_equal(
            rest[normalised],
            torch.zeros(dim),
            f"row {normalised} (the padding row) of {call}.weight",
            hint="The padding row starts as zeros: set it inside `with torch.no_grad():`.",
        )
        rest = torch.cat([rest[:normalised], rest[normalised + 1 :]])
    std, mean = float(rest.std()), float(rest.mean())
    assert abs(std - 1) < 0.04 and abs(mean) < 0.05, (
        f"{call}.weight holds values of mean {mean:.3g} and std {std:.3g}: nn.Embedding draws them from N(0, 1), "
        "torch.randn."
    )


@pytest.mark.task(2)
@pytest.mark.parametrize("padding_idx", [None, 1, -2], ids=["no-padding", "padding-1", "padding-minus-2"])
def test_embedding_matches_nn_embedding_in_value_and_gradient(padding_idx):
    ids, classes = token_ids((3, 5), repeats=True)
    if padding_idx is not None:
        ids[:, -2:] = padding_idx % classes  # padded ends
    dim = random_int(2, 4)
    module = yours(attention.Embedding, classes, dim, padding_idx).double()
    theirs = nn.Embedding(classes, dim, padding_idx=padding_idx).double()
    with torch.no_grad():
        table = torch.randn(classes, dim, dtype=DOUBLE)  # the padding row too: its output is its row, as it is
        module.weight.copy_(table)
        theirs.weight.copy_(table)
    call = f"Embedding({classes}, {dim}, padding_idx={padding_idx}) on ids {ids.tolist()}"
    got = expect_tensor(yours(module, ids), call)
    expected = theirs(ids)
    mistakes = []
    if padding_idx is not None:
        zeroed = expected * (ids != padding_idx % classes).unsqueeze(-1)
        mistakes.append((zeroed, ZEROED_PADDING))
    expect_close(got, expected, call, mistakes=mistakes)
    upstream = upstream_for(expected)
    assert got.requires_grad, f"{call} returned a tensor cut off from self.weight: look the rows up from it."
    (got_grad,) = torch.autograd.grad(got, module.weight, upstream)
    (expected_grad,) = torch.autograd.grad(expected, theirs.weight, upstream)
    no_padding = autograd_weight_grad(ids, upstream, classes)
    hint = "The padding row must get no gradient, however often it is used: take its output from a detached row."
    mistakes = [(no_padding, hint)] if padding_idx is not None else []
    expect_close(got_grad, expected_grad, f"the gradient for weight of {call}", hint=hint, mistakes=mistakes)


@pytest.mark.task(2)
@pytest.mark.parametrize("padding_idx", [5, -6])
def test_embedding_refuses_a_padding_idx_outside_the_table(padding_idx):
    call = f"Embedding(5, 3, padding_idx={padding_idx})"
    hint = "A table of 5 rows has padding rows 0 to 4, or -5 to -1 counted from the end: raise ValueError naming it."
    with by_hand(EMBEDDING_SHORTCUTS, advice=BY_HAND):
        expect_raises(
            ValueError, attention.Embedding, 5, 3, padding_idx, call=call, hint=hint, naming=(str(padding_idx),)
        )


# Task 3: Positions


POSITIONS = {"10x16": (10, 16), "50x6": (50, 6), "1x2": (1, 2)}


@pytest.mark.task(3)
@pytest.mark.parametrize("size", POSITIONS)
def test_sinusoidal_positions_follow_the_formula_sin_at_even_columns_cos_at_odd(size):
    count, dim = POSITIONS[size]
    got = yours(attention.sinusoidal_positions, count, dim)
    call = f"sinusoidal_positions({count}, {dim})"
    expected = sinusoidal_spec(count, dim)
    expect_close(got, expected, call, mistakes=lambda: sinusoidal_mistakes(count, dim))


@pytest.mark.task(3)
def test_sinusoidal_positions_of_no_positions_is_an_empty_table():
    got = yours(attention.sinusoidal_positions, 0, 6)
    expect_close(got, torch.zeros(0, 6), "sinusoidal_positions(0, 6)", hint="No positions: a float32 table (0, dim).")


@pytest.mark.task(3)
def test_sinusoidal_positions_give_dot_products_that_depend_only_on_the_distance():
    table = expect_tensor(yours(attention.sinusoidal_positions, 20, 8), "sinusoidal_positions(20, 8)").double()
    gram = table @ table.T  # gram[p, q] = sum_i cos((p - q) * frequency_i)
    for distance in (1, 3, 7):
        along = torch.diagonal(gram, distance)
        expect_close(
            along,
            along[:1].expand_as(along).contiguous(),
            f"table[p] @ table[p + {distance}] for every p of sinusoidal_positions(20, 8)",
            rtol=0,
            atol=1e-5,
            hint="sin(a) sin(b) + cos(a) cos(b) = cos(a - b): when each sin column has its cos beside it, at the same "
            "frequency, the dot product of two positions depends on their distance only. Pair them that way.",
        )


@pytest.mark.task(3)
def test_sinusoidal_positions_refuse_an_odd_dim():
    dim = 5
    hint = "Each frequency fills a pair of columns, a sin and a cos: an odd dim has no partner for its last one."
    call = f"sinusoidal_positions(4, {dim})"
    expect_raises(ValueError, attention.sinusoidal_positions, 4, dim, call=call, hint=hint, naming=(str(dim),))


@pytest.mark.task(3)
def test_learned_positions_start_as_one_normal_parameter_table():
    count, dim = 200, 60  # 12000 values: their std is within 4% of 1
    module = yours(attention.LearnedPositions, count, dim)
    parameters = dict(module.named_parameters())
    call = f"LearnedPositions({count}, {dim})"
    assert list(parameters) == ["weight"], (
        f"{call} has the parameters {sorted(parameters)}; expected one, weight: self.weight = nn.Parameter(...)."
    )
    weight = parameters["weight"].detach()
    expect_shape(weight, (count, dim), f"{call}.weight", hint="One row of dim values per position.")
    std, mean = float(weight.std()), float(weight.mean())
    assert abs(std - 1) < 0.04 and abs(mean) < 0.05, (
        f"{call}.weight holds values of mean {mean:.3g} and std {std:.3g}: draw them from N(0, 1), torch.randn, "
        "as nn.Embedding does."
    )


@pytest.mark.task(3)
@pytest.mark.parametrize("layout", ["B,T,D", "T,D", "T=max"])
def test_learned_positions_add_the_vectors_of_positions_0_to_t_minus_1(layout):
    most, dim = 8, random_int(2, 5)
    module = yours(attention.LearnedPositions, most, dim).double()
    with torch.no_grad():
        module.weight.copy_(torch.randn(most, dim, dtype=DOUBLE))
    length = most if layout == "T=max" else random_int(2, most - 2)
    x = torch.randn((3, length, dim) if layout == "B,T,D" else (length, dim), dtype=DOUBLE)
    call = f"LearnedPositions({most}, {dim}) on an x of shape {tuple(x.shape)}"
    got = yours(module, x)
    table = module.weight.detach()
    mistakes = [(x + table[0], "Each position has its own row: add self.weight[:T], not row 0 to every token.")]
    if length < most:
        mistakes += [
            (x + table[1 : length + 1], "Positions start at 0: the first token gets row 0, self.weight[:T]."),
            (x + table[most - length :], "Take the first T rows, self.weight[:T], not the last."),
        ]
    hint = "x + self.weight[:T], T = x.shape[-2]: position t gets row t."
    expect_close(got, x + table[:length], call, hint=hint, mistakes=mistakes)
    assert got.requires_grad, f"{call} returned a tensor cut off from self.weight: add the rows of self.weight."
    (grad,) = torch.autograd.grad(got, module.weight, torch.ones_like(x))
    expected = torch.zeros(most, dim, dtype=DOUBLE)
    expected[:length] = x.numel() / (length * dim)
    expect_close(
        grad,
        expected,
        f"the gradient for weight of {call}",
        hint="The rows of positions 0 to T - 1 get the gradient (once per sequence); the rows beyond T get none.",
    )


@pytest.mark.task(3)
def test_learned_positions_refuse_a_sequence_longer_than_max_positions():
    module = yours(attention.LearnedPositions, 4, 3)
    x = torch.randn(2, 6, 3)
    hint = "There are vectors for 4 positions only: raise ValueError naming the length (6) and the maximum (4)."
    call = "LearnedPositions(4, 3) on an x of shape (2, 6, 3)"
    expect_raises(ValueError, module, x, call=call, hint=hint, naming=("6", "4"))


# Task 4: Scaled dot-product attention


@pytest.mark.task(4)
@pytest.mark.parametrize("sizes", [(4, 4), (3, 5), (5, 2)], ids=["square", "wide", "tall"])
def test_causal_mask_lets_each_query_see_the_keys_up_to_its_own_position(sizes):
    queries, keys = sizes
    got = yours(attention.causal_mask, queries, keys)
    expected = torch.ones(queries, keys, dtype=torch.bool).tril()
    call = f"causal_mask({queries}, {keys})"
    mistakes = [
        (expected.float(), "Return a bool mask (True: may look), as F.scaled_dot_product_attention takes it."),
        (
            torch.ones(queries, keys, dtype=torch.bool).tril(-1),
            "Off by one: query i may look at key i too (itself): tril(), the diagonal included.",
        ),
        (
            torch.ones(queries, keys, dtype=torch.bool).triu(),
            "That lets each query see the keys after it: the future. Keep j <= i, the lower triangle, tril().",
        ),
        (
            ~expected,
            "That is the mask inverted: True marks what a query may look at, key j <= query i.",
        ),
        (
            torch.zeros(queries, keys).masked_fill(~expected, -math.inf),
            "That is an additive float mask (nn.Transformer.generate_square_subsequent_mask's): return the bool mask, "
            "True where query i may look at key j, j <= i.",
        ),
    ]
    expect_close(got, expected, call, rtol=0, atol=0, mistakes=mistakes, hint="Keep key j for query i when j <= i.")


@pytest.mark.task(4)
def test_causal_mask_is_square_by_default():
    size = random_int(2, 6)
    got = yours(attention.causal_mask, size)
    expect_equal(
        got,
        torch.ones(size, size, dtype=torch.bool).tril(),
        f"causal_mask({size})",
        "num_keys defaults to num_queries.",
    )


SHAPES = {  # the leading dims of query, key and value, and their dtype
    "unbatched": ((), DOUBLE),
    "batched-float32": ((2,), torch.float32),
    "batch-and-heads": ((2, 3), DOUBLE),
}


@pytest.mark.task(4)
@pytest.mark.parametrize("leading", SHAPES)
def test_scaled_dot_product_attention_matches_torch_without_a_mask(leading):
    q, k, v = qkv(*SHAPES[leading])
    got = yours(attention.scaled_dot_product_attention, q, k, v)
    call = f"scaled_dot_product_attention(<query {shape_of(q)}>, <key {shape_of(k)}>, <value {shape_of(v)}>)"
    expect_close(got, F.scaled_dot_product_attention(q, k, v), call, mistakes=lambda: attention_mistakes(q, k, v))


@pytest.mark.task(4)
def test_scaled_dot_product_attention_uses_the_scale_it_is_given():
    q, k, v = qkv((2,))
    scale = float(torch.empty(()).uniform_(0.1, 2.0))
    got = yours(attention.scaled_dot_product_attention, q, k, v, scale=scale)
    expected = F.scaled_dot_product_attention(q, k, v, scale=scale)
    call = f"scaled_dot_product_attention(query, key, value, scale={scale:.3g})"
    hint = f"With scale given, multiply the scores by it ({scale:.3g}) instead of 1 / sqrt(E)."
    expect_close(got, expected, call, mistakes=lambda: attention_mistakes(q, k, v, scale=scale), hint=hint)


MASKS = {  # a bool mask's shape, for a (2, 3, L, S) attention
    "L,S": lambda length, keys: (length, keys),
    "key-padding B,1,1,S": lambda length, keys: (2, 1, 1, keys),
}


@pytest.mark.task(4)
@pytest.mark.parametrize("shape", MASKS)
def test_scaled_dot_product_attention_with_a_bool_mask_lets_only_true_pairs_take_part(shape):
    q, k, v = qkv((2, 3))
    mask = torch.rand(MASKS[shape](q.shape[-2], k.shape[-2])) < 0.6
    mask[..., 0] = True  # every query keeps a key: fully masked rows have a test of their own
    got = yours(attention.scaled_dot_product_attention, q, k, v, mask)
    expected = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    call = f"scaled_dot_product_attention(query, key, value, <bool mask {tuple(mask.shape)}>) on {shape_of(q)} queries"
    expect_close(got, expected, call, mistakes=lambda: attention_mistakes(q, k, v, mask=mask))


@pytest.mark.task(4)
def test_scaled_dot_product_attention_adds_a_float_mask_to_the_scaled_scores():
    q, k, v = qkv((2,))
    mask = torch.randn(q.shape[-2], k.shape[-2], dtype=DOUBLE) * 2
    mask[0, -1] = -math.inf
    got = yours(attention.scaled_dot_product_attention, q, k, v, mask)
    expected = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    call = f"scaled_dot_product_attention(query, key, value, <float mask {tuple(mask.shape)}>)"
    hint = "A float mask is a bias: add it to the scaled scores, before the softmax."
    expect_close(got, expected, call, mistakes=lambda: attention_mistakes(q, k, v, mask=mask), hint=hint)


@pytest.mark.task(4)
@pytest.mark.parametrize("sizes", [(5, 5), (3, 6), (6, 3)], ids=["square", "fewer-queries", "more-queries"])
def test_scaled_dot_product_attention_is_causal_like_torch(sizes):
    q, k, v = qkv((2, 2), sizes=sizes)
    got = yours(attention.scaled_dot_product_attention, q, k, v, is_causal=True)
    expected = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    call = f"scaled_dot_product_attention(<query {shape_of(q)}>, <key {shape_of(k)}>, value, is_causal=True)"
    hint = "is_causal=True masks with causal_mask(L, S)."
    expect_close(got, expected, call, mistakes=lambda: causal_mistakes(q, k, v), hint=hint)


@pytest.mark.task(4)
def test_scaled_dot_product_attention_refuses_a_mask_and_is_causal_together():
    q, k, v = qkv(())
    mask = torch.ones(q.shape[-2], k.shape[-2], dtype=torch.bool)
    call = "scaled_dot_product_attention(query, key, value, attn_mask, is_causal=True)"
    hint = "torch refuses to guess how to combine them: raise ValueError (put the causal part into attn_mask instead)."
    with by_hand(ATTENTION_SHORTCUTS, advice=BY_HAND):
        error = expect_raises(
            ValueError, attention.scaled_dot_product_attention, q, k, v, mask, True, call=call, hint=hint
        )
    assert "causal" in str(error), (
        f"{call} raised ValueError({str(error)!r}): say that is_causal clashes with attn_mask."
    )


@pytest.mark.task(4)
@pytest.mark.parametrize("kind", ["bool", "float"])
def test_scaled_dot_product_attention_gives_zeros_for_a_query_that_may_look_at_no_key(kind):
    q, k, v, mask = fully_masked_inputs(kind)
    got = yours(attention.scaled_dot_product_attention, q, k, v, mask)
    expected = attention_without_query_1(q, k, v, mask)
    call = f"scaled_dot_product_attention(query, key, value, <{kind} mask whose row 1 masks every key>)"
    nan_row = expected.clone()
    nan_row[..., 1, :] = math.nan
    mean_row = expected.clone()
    mean_row[..., 1, :] = v.mean(-2)
    hint = (
        "Query 1 may look at no key: every score of its row is -inf, and softmax gives exp(-inf) / sum = 0 / 0 = nan. "
        "torch returns zeros for such a row: find the rows whose scores are all -inf (torch.isneginf(...).all(-1, "
        "keepdim=True)), give them finite scores (0) before the softmax, and zeros as weights after it."
    )
    mistakes = [
        (nan_row, hint),
        (
            mean_row,
            "You masked with a large finite number (-1e9?) instead of -inf: a row that masks every key then "
            "weighs them all equally and returns the mean of the values. Mask with -inf, and give a row of -inf "
            "zero weights.",
        ),
    ]
    expect_close(got, expected, call, hint=hint, mistakes=mistakes)


@pytest.mark.task(4)
@pytest.mark.parametrize("kind", ["bool", "float"])
def test_scaled_dot_product_attention_back_propagates_a_zero_gradient_through_a_fully_masked_row(kind):
    q, k, v, mask = fully_masked_inputs(kind)
    upstream = torch.randn(*q.shape[:-1], v.shape[-1], dtype=DOUBLE)
    grads = []
    for function in (lambda *args: yours(attention.scaled_dot_product_attention, *args), attention_without_query_1):
        leaves = [t.detach().requires_grad_() for t in (q, k, v)]
        out = expect_tensor(function(*leaves, mask), "scaled_dot_product_attention(query, key, value, mask)")
        assert out.requires_grad, "scaled_dot_product_attention returned a tensor cut off from autograd."
        grads.append(torch.autograd.grad(out, leaves, upstream, allow_unused=True))
    for name, got, expected in zip(("query", "key", "value"), *grads):
        call = (
            f"the gradient for {name} of scaled_dot_product_attention(..., <{kind} mask whose row 1 masks every key>)"
        )
        assert got is not None, f"{call} is None: the output must depend on {name}."
        if not bool(torch.isfinite(got).all()):
            pytest.fail(
                f"{call} holds nan ({int(got.isnan().sum())} of its {got.numel()} values).\n" + NAN_GRADIENT,
                pytrace=False,
            )
        expect_close(got, expected, call)


@pytest.mark.task(4)
def test_scaled_dot_product_attention_stays_finite_for_large_scores():
    q, k, v = qkv((2,), dtype=torch.float32)
    q, k = q * 30, k * 30  # scores in the thousands: exp overflows float32 beyond 88
    got = yours(attention.scaled_dot_product_attention, q, k, v)
    expected = F.scaled_dot_product_attention(q, k, v)
    hint = (
        "exp of a score in the thousands is inf, and inf / inf is nan. Softmax is unchanged when you subtract the "
        "row's max from every score (then the largest exponent is 0): torch.softmax does it for you."
    )
    expect_close(got, expected, "scaled_dot_product_attention(<float32 query and key, scores ~1e3>)", hint=hint)


@pytest.mark.task(4)
@pytest.mark.parametrize("case", ["non-contiguous", "single-key", "zero-query", "one-query"])
def test_scaled_dot_product_attention_takes_non_contiguous_single_key_and_constant_inputs(case):
    sizes = {"single-key": (4, 1), "one-query": (1, 5)}.get(case)
    q, k, v = qkv((2, 3), sizes=sizes)
    hint = ""
    if case == "non-contiguous":
        q, k, v = (t.transpose(1, 2).contiguous().transpose(1, 2) for t in (q, k, v))  # heads split from (B, L, H, E)
    elif case == "zero-query":
        q = torch.zeros_like(q)
        hint = "A zero query scores every key 0: equal weights, the mean of the values."
    elif case == "single-key":
        hint = "With one key, its weight is 1: every query gets that key's value."
    got = yours(attention.scaled_dot_product_attention, q, k, v)
    expected = F.scaled_dot_product_attention(q, k, v)
    call = f"scaled_dot_product_attention(<{case} query {shape_of(q)}>, <key {shape_of(k)}>, <value {shape_of(v)}>)"
    expect_close(got, expected, call, hint=hint)


@pytest.mark.task(4)
def test_scaled_dot_product_attention_is_causal_on_the_device_of_its_inputs(device):
    q, k, v = (t.float().to(device) for t in qkv((2,)))
    call = f"scaled_dot_product_attention(<tensors on {device}>, is_causal=True)"
    got = expect_tensor(yours(attention.scaled_dot_product_attention, q, k, v, is_causal=True), call)
    hint = "Build the causal mask where the scores are: causal_mask(L, S).to(query.device)."
    assert got.device == q.device, f"{call} returned a tensor on {got.device}. {hint}"
    expect_close(got, F.scaled_dot_product_attention(q, k, v, is_causal=True), call, hint=hint)


# Task 5: Multi-head attention


MODULES = {  # self- or cross-attention, heads, bias
    "self-1-head": ("self", 1, True),
    "self-2-heads-no-bias": ("self", 2, False),
    "cross-4-heads": ("cross", 4, True),
    "cross-2-heads-no-bias": ("cross", 2, False),
}


@pytest.mark.task(5)
@pytest.mark.parametrize("case", MODULES)
def test_multi_head_attention_matches_nn_multiheadattention(case):
    kind, heads, bias = MODULES[case]
    mha, query, key, value = mha_inputs(heads, bias=bias, cross=kind == "cross")
    got = yours(attention.multi_head_attention, mha, query, key, value)
    expected = mha(query, key, value, need_weights=False)[0]
    call = (
        f"multi_head_attention(<nn.MultiheadAttention({mha.embed_dim}, {heads}, bias={bias})>, "
        f"<query {shape_of(query)}>, <key {shape_of(key)}>, <value {shape_of(value)}>)"
    )
    expect_close(got, expected, call, mistakes=lambda: mha_mistakes(mha, query, key, value))


@pytest.mark.task(5)
@pytest.mark.parametrize("kind", ["self", "cross"])
def test_multi_head_attention_with_is_causal_matches_torch_with_a_causal_mask(kind):
    mha, query, key, value = mha_inputs(2, cross=kind == "cross")
    got = yours(attention.multi_head_attention, mha, query, key, value, True)
    mask = torch.ones(query.shape[1], key.shape[1], dtype=torch.bool).tril()
    expected = mha(query, key, value, attn_mask=~mask, need_weights=False)[0]  # MHA's bool mask: True = masked out
    call = f"multi_head_attention(mha, <query {shape_of(query)}>, <key {shape_of(key)}>, value, is_causal=True)"
    expect_close(
        got,
        expected,
        call,
        mistakes=lambda: [
            (
                mha(query, key, value, need_weights=False)[0],
                "is_causal=True: let each query see the keys up to its own.",
            ),
            *mha_mistakes(mha, query, key, value, causal=True),
        ],
    )


@pytest.mark.task(5)
def test_multi_head_attention_back_propagates_to_every_parameter_like_torch():
    mha, query, key, value = mha_inputs(2, cross=True)
    got = expect_tensor(yours(attention.multi_head_attention, mha, query, key, value), "multi_head_attention(...)")
    assert got.requires_grad, "multi_head_attention(...) returned a tensor cut off from the module's parameters."
    expected = mha(query, key, value, need_weights=False)[0]
    upstream = upstream_for(expected)
    names, parameters = zip(*mha.named_parameters())
    got_grads = torch.autograd.grad(got, parameters, upstream, allow_unused=True)
    expected_grads = torch.autograd.grad(expected, parameters, upstream)
    for name, got_grad, expected_grad in zip(names, got_grads, expected_grads):
        call = f"the gradient for mha.{name} of multi_head_attention(mha, query, key, value)"
        assert got_grad is not None, f"{call} is None: compute the output from mha.{name}."
        expect_close(got_grad, expected_grad, call)


@pytest.mark.task(5)
def test_multi_head_attention_splits_and_merges_heads_with_reshapes_not_loops():
    sizes = {}
    for heads in (2, 4):
        mha, query, key, value = mha_inputs(heads, embed_dim=8)
        got = expect_tensor(yours(attention.multi_head_attention, mha, query, key, value), "multi_head_attention(...)")
        sizes[heads] = len(graph_names(got, unique=False))
    assert sizes[2] == sizes[4], (
        f"multi_head_attention builds a graph of {sizes[2]} steps for 2 heads and {sizes[4]} for 4: it does work per "
        "head. Split all the heads at once, (B, L, E) -> reshape (B, L, H, d) -> transpose (B, H, L, d), attend with "
        "one batched call, and merge them back with transpose and reshape."
    )


@pytest.mark.task(5)
def test_multi_head_attention_takes_float32_and_a_batch_of_one():
    mha, query, key, value = mha_inputs(4, cross=True, dtype=torch.float32, batch=1)
    got = yours(attention.multi_head_attention, mha, query, key, value)
    expected = mha(query, key, value, need_weights=False)[0]
    call = f"multi_head_attention(<float32 module, 4 heads>, <query {shape_of(query)}>, key, value)"
    expect_close(got, expected, call, mistakes=lambda: mha_mistakes(mha, query, key, value))


# --- Helpers ---

EMBEDDING_SHORTCUTS = [  # what "by hand" rules out in Tasks 1 and 2
    (F, "embedding"),
    (F, "one_hot"),
    (torch, "embedding"),
    (nn.Embedding, "forward"),
    (torch.autograd, "grad"),
    (torch.autograd, "backward"),
    (torch.Tensor, "backward"),
]
ATTENTION_SHORTCUTS = [  # and in Tasks 4 and 5
    (F, "scaled_dot_product_attention"),
    (F, "multi_head_attention_forward"),
    (torch, "_native_multi_head_attention"),
    (nn.MultiheadAttention, "forward"),
]
SHORTCUTS = EMBEDDING_SHORTCUTS + ATTENTION_SHORTCUTS
NAN_GRADIENT = (
    "The fully masked row's softmax is 0 / 0 = nan, and backward multiplies by it: replacing the nan after the "
    "softmax (torch.where, nan_to_num) hides it forward only. Give the fully masked rows finite scores (0) before "
    "the softmax, then zero their weights."
)
ZEROED_PADDING = (
    "padding_idx only stops the gradient: the output of a padding id is its row as it is (zeros as it starts, since "
    "it never learns, but whatever it was set to). Don't multiply the output by a mask."
)
BY_HAND = "README.md lists the building blocks you may use."
LOOKUPS = ("Index", "Embedding", "Gather", "Take")  # the grad_fn names of a lookup
EXPLANATIONS = {
    "view size is not compatible": "view needs a tensor laid out contiguously in memory, and a transposed one (the "
    "heads of a split, say) is not: use reshape, which copies when it must.",
    "same dtype": "Both sides of a matrix product need the same dtype: cast the int64 one-hot to weight.dtype first.",
    "expected scalar type": "Both sides of a matrix product need the same dtype: cast the int64 one-hot to weight.dtype "
    "first.",
    "cannot be multiplied": "The shapes do not chain: query @ key.transpose(-2, -1) is (..., L, E) @ (..., E, S), and "
    "the weights (..., L, S) @ value (..., S, Ev).",
}


yours = by_hand_caller(SHORTCUTS, BY_HAND, EXPLANATIONS)  # your module's functions, the shortcuts refused


def shape_of(tensor):
    return tuple(tensor.shape)


def upstream_for(output):
    """A random gradient from above, shaped like ``output``: every output element counts differently."""
    return torch.randn(output.shape, dtype=output.dtype)


def token_ids(shape, repeats=False):
    """Random ids of ``shape`` and a vocabulary size that leaves some rows unused; with ``repeats``, ids that
    repeat (the first id occurs twice at least)."""
    classes = random_int(6, 9)
    ids = torch.randint(0, classes - 2, shape)  # the last two rows are never used
    if repeats and ids.numel() > 1:
        ids.reshape(-1)[-1] = ids.reshape(-1)[0]
    return ids, classes


def graph_names(output, unique=True):
    """The names of the autograd nodes behind ``output``, once each; with ``unique=False`` one per node."""
    seen, stack, names = set(), [output.grad_fn], []
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        names.append(node.name())
        stack.extend(child for child, _ in node.next_functions)
    return set(names) if unique else names


def autograd_weight_grad(ids, upstream, classes, padding_idx=None):
    weight = torch.zeros(classes, upstream.shape[-1], dtype=upstream.dtype, device=upstream.device, requires_grad=True)
    return torch.autograd.grad(F.embedding(ids, weight, padding_idx), weight, upstream)[0]


def weight_grad_mistakes(ids, upstream, classes, padding_idx):
    flat, rows = ids.reshape(-1), upstream.reshape(-1, upstream.shape[-1])
    right = autograd_weight_grad(ids, upstream, classes, padding_idx)
    overwritten = torch.zeros_like(right)
    overwritten[flat] = rows  # a repeated id keeps one of its upstream rows
    counts = torch.bincount(flat, minlength=classes).clamp(min=1).unsqueeze(1).to(right.dtype)
    mistakes = [
        (
            overwritten if padding_idx is None else overwritten.index_fill(0, torch.tensor([padding_idx]), 0),
            "An id that occurs twice must get the sum of both upstream rows: grad[ids] = grad_output writes "
            "one of them over the other, and so does grad[ids] += grad_output. Use grad.index_add_(0, ids, rows).",
        ),
        (
            rows.sum(0).expand_as(right),
            "Every row got the sum of all the upstream rows: only the rows that ids name get gradient, each the sum "
            "of the upstream rows at its positions; the others stay 0.",
        ),
        (right / counts, "An id used twice gets the sum of its upstream rows, not their mean."),
    ]
    if padding_idx is not None:
        mistakes.append(
            (
                autograd_weight_grad(ids, upstream, classes),
                f"The padding row ({padding_idx}) must get no gradient, however often it occurs: set it to 0.",
            )
        )
    return mistakes


def sinusoidal_spec(count, dim, start=0, swap=False, halves=False, exponent=2, base=10000.0):
    """The sinusoidal table, written as slowly as it is defined (the right one with the defaults)."""
    table = torch.zeros(count, dim, dtype=DOUBLE)
    for p in range(count):
        for i in range(dim // 2):
            angle = (p + start) / base ** (exponent * i / dim)
            first, second = (math.cos(angle), math.sin(angle)) if swap else (math.sin(angle), math.cos(angle))
            columns = (i, dim // 2 + i) if halves else (2 * i, 2 * i + 1)
            table[p, columns[0]], table[p, columns[1]] = first, second
    return table.float()


def sinusoidal_mistakes(count, dim):
    return [
        (sinusoidal_spec(count, dim, swap=True), "sin and cos are swapped: sin at the even columns 2i, cos at 2i + 1."),
        (
            sinusoidal_spec(count, dim, halves=True),
            "That is sin in the first half of the columns and cos in the second: this lesson interleaves them, sin "
            "at column 2i and cos at 2i + 1 (stack them on a last dim of 2, then reshape).",
        ),
        (sinusoidal_spec(count, dim, start=1), "Positions start at 0: row 0 is sin(0), cos(0) = 0, 1, 0, 1, ..."),
        (
            sinusoidal_spec(count, dim, exponent=1),
            "The pair i has frequency 1 / 10000 ** (2i / dim): the exponent counts columns (2i), not pairs (i).",
        ),
        (
            sinusoidal_spec(count, dim, exponent=4),
            "The pair i has frequency 1 / 10000 ** (2i / dim): you doubled 2i again, "
            "torch.arange(0, dim, 2) already holds the 2i.",
        ),
    ]


def qkv(leading, dtype=DOUBLE, sizes=None):
    """Query ``(*leading, L, E)``, key ``(*leading, S, E)`` and value ``(*leading, S, Ev)``, L, S, E and Ev all
    different unless ``sizes`` gives (L, S)."""
    length, keys, embed, value_dim = distinct_sizes(4, low=2)
    if sizes is not None:
        length, keys = sizes
    q = torch.randn(*leading, length, embed, dtype=dtype)
    k = torch.randn(*leading, keys, embed, dtype=dtype)
    v = torch.randn(*leading, keys, value_dim, dtype=dtype)
    return q, k, v


def attention_variant(q, k, v, mask=None, causal=False, scale=None, **wrong):
    """Attention as a learner might write it (the right one without ``wrong``)."""
    scale = wrong.get("scale", 1 / math.sqrt(q.shape[-1]) if scale is None else scale)
    if causal:
        mask = torch.ones(q.shape[-2], k.shape[-2], dtype=torch.bool).tril(wrong.get("diagonal", 0))
    if wrong.get("inverted"):
        mask = ~mask
    scores = q @ k.transpose(-2, -1) * scale
    if "dim" in wrong:  # the softmax over another dim
        if mask is not None:
            scores = scores.masked_fill(~mask, -math.inf) if mask.dtype == torch.bool else scores + mask
        return torch.softmax(scores, dim=wrong["dim"]) @ v
    if "fill" in wrong:  # masked scores set to a number
        return torch.softmax(scores.masked_fill(~mask, wrong["fill"]), dim=-1) @ v
    if wrong.get("mask_after_softmax"):
        weights = torch.softmax(scores, dim=-1)
        return (weights * mask if mask.dtype == torch.bool else weights + mask) @ v
    if wrong.get("mask_before_scale"):
        return torch.softmax((q @ k.transpose(-2, -1) + mask) * scale, dim=-1) @ v
    return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=scale)


def attention_mistakes(q, k, v, mask=None, causal=False, scale=None):
    same = dict(mask=mask, causal=causal, scale=scale)
    embed = q.shape[-1]
    wrong = [
        (
            dict(scale=1.0),
            f"Scale the scores by 1 / sqrt(E), E = query.shape[-1] = {embed}: without it, large dot "
            "products saturate the softmax.",
        ),
        (dict(scale=1 / embed), "Divide the scores by sqrt(E), not by E."),
        (
            dict(scale=1 / math.sqrt(v.shape[-1])),
            "E is the size of the last dim of query and key (the dot "
            "product's), not of value: scale by 1 / sqrt(query.shape[-1]).",
        ),
        (
            dict(scale=1 / math.sqrt(k.shape[-2])),
            "sqrt of the number of keys S is the wrong size: scale by 1 / sqrt(E), E = query.shape[-1].",
        ),
        (
            dict(dim=-2),
            "The softmax runs over the keys, the last dim of the scores (..., L, S), so that each "
            "query's weights sum to 1: dim=-1.",
        ),
    ]
    if scale is not None:
        wrong.append(
            (
                dict(scale=1 / math.sqrt(embed)),
                f"Use the scale you are given ({scale:.3g}); 1 / sqrt(E) is only for scale=None.",
            )
        )
    if mask is not None and mask.dtype == torch.bool:
        wrong += [
            (
                dict(inverted=True),
                "torch's bool mask is True where a query may look at a key (take part), the "
                "opposite of nn.MultiheadAttention's masks: fill the scores where the mask is False.",
            ),
            (
                dict(fill=0.0),
                "A masked score becomes -inf, not 0: exp(0) = 1 still gives that key weight, and exp(-inf) = 0.",
            ),
            (
                dict(mask_after_softmax=True),
                "Mask before the softmax: zeroing weights after it leaves rows that no longer sum to 1.",
            ),
        ]
    elif mask is not None:
        wrong += [
            (dict(mask_before_scale=True), "Add the float mask after scaling: softmax(query @ key^T * scale + mask)."),
            (
                dict(mask_after_softmax=True),
                "Add the float mask to the scores, before the softmax, not to the weights after it.",
            ),
        ]
    if causal:
        wrong += [
            (dict(diagonal=-1), "Off by one: query i may look at key i too (itself): tril(), the diagonal included."),
            (dict(diagonal=1), "Off by one: query i may look at keys 0 to i, not up to i + 1."),
            (
                dict(inverted=True),
                "That lets each query see only the future: keep key j for query i when j <= i, the lower triangle.",
            ),
        ]
    return [(attention_variant(q, k, v, **{**same, **changes}), text) for changes, text in wrong]


def causal_mistakes(q, k, v):
    mistakes = attention_mistakes(q, k, v, causal=True)
    length, keys = q.shape[-2], k.shape[-2]
    if keys > length:
        bottom_right = torch.ones(length, keys, dtype=torch.bool).tril(keys - length)
        mistakes.append(
            (
                F.scaled_dot_product_attention(q, k, v, attn_mask=bottom_right),
                "torch aligns the causal mask top-left: query i sees keys 0 to i, "
                "torch.ones(L, S, dtype=torch.bool).tril(), whatever S is.",
            )
        )
    return mistakes


def attention_without_query_1(q, k, v, mask):
    """torch's attention for every query but query 1, and zeros for query 1, which may look at no key: a query that
    takes part in nothing gives nothing and gets no gradient. (torch itself returns zeros for it since 2.5, nan
    before.)"""
    others = [i for i in range(q.shape[-2]) if i != 1]
    rest = F.scaled_dot_product_attention(q[..., others, :], k, v, attn_mask=mask[others])
    return torch.cat([rest[..., :1, :], torch.zeros_like(rest[..., :1, :]), rest[..., 1:, :]], dim=-2)


def fully_masked_inputs(kind):
    """Query, key, value (2, 4, E) and a mask whose row 1 masks every key (the others keep key 0)."""
    q, k, v = qkv((2,), sizes=(4, 5))
    allowed = torch.rand(4, 5) < 0.6
    allowed[:, 0] = True
    allowed[1] = False
    mask = allowed if kind == "bool" else torch.zeros(4, 5, dtype=DOUBLE).masked_fill(~allowed, -math.inf)
    return q, k, v, mask


def mha_inputs(heads, embed_dim=None, bias=True, cross=False, dtype=DOUBLE, batch=2):
    """An nn.MultiheadAttention (batch_first, no dropout) with random parameters, biases included, and its inputs."""
    head_dim = random_int(2, 3)
    embed_dim = embed_dim or heads * head_dim
    mha = nn.MultiheadAttention(embed_dim, heads, bias=bias, batch_first=True).to(dtype)
    with torch.no_grad():
        for parameter in mha.parameters():
            parameter.normal_(0, 0.5)
    length, keys = distinct_sizes(2, low=3) if cross else (random_int(3, 5),) * 2
    query = torch.randn(batch, length, embed_dim, dtype=dtype)
    key = torch.randn(batch, keys, embed_dim, dtype=dtype) if cross else query
    value = torch.randn(batch, keys, embed_dim, dtype=dtype) if cross else query
    return mha, query, key, value


def mha_variant(mha, query, key, value, causal=False, **wrong):
    """Multi-head attention as a learner might write it (the right one without ``wrong``)."""
    batch, length, embed_dim = query.shape
    heads, head_dim = mha.num_heads, embed_dim // mha.num_heads
    weights = list(mha.in_proj_weight.chunk(3))
    biases = [None] * 3
    if mha.in_proj_bias is not None and not wrong.get("no_in_bias"):
        biases = list(mha.in_proj_bias.chunk(3))
    order = wrong.get("order", (0, 1, 2))
    projected = []
    for x, index in zip((query, key, value), order):
        x = F.linear(x, weights[index].T if wrong.get("untransposed") else weights[index], biases[index])
        if wrong.get("split") == "reshape":
            x = x.reshape(batch, heads, x.shape[1], head_dim)
        elif wrong.get("split") == "d-major":
            x = x.reshape(batch, x.shape[1], head_dim, heads).permute(0, 3, 1, 2)
        else:
            x = x.reshape(batch, x.shape[1], heads, head_dim).transpose(1, 2)
        projected.append(x)
    scale = 1 / math.sqrt(embed_dim) if wrong.get("scale") == "embed" else None
    mask = torch.ones(length, key.shape[1], dtype=torch.bool).tril(wrong.get("diagonal", 0)) if causal else None
    out = F.scaled_dot_product_attention(*projected, attn_mask=mask, scale=scale)
    if wrong.get("merge") == "reshape":
        out = out.reshape(batch, length, embed_dim)
    elif wrong.get("merge") == "d-major":
        out = out.permute(0, 2, 3, 1).reshape(batch, length, embed_dim)
    else:
        out = out.transpose(1, 2).reshape(batch, length, embed_dim)
    if wrong.get("no_out_proj"):
        return out
    return F.linear(out, mha.out_proj.weight, None if wrong.get("no_out_bias") else mha.out_proj.bias)


def mha_mistakes(mha, query, key, value, causal=False):
    head_dim = mha.embed_dim // mha.num_heads
    variants = [
        (
            dict(scale="embed"),
            f"Each head attends in its own head_dim = embed_dim / num_heads = {head_dim} dims: scale by "
            f"1 / sqrt({head_dim}), not 1 / sqrt(embed_dim) (your scaled_dot_product_attention does this by itself "
            "when it is given the split heads).",
        ),
        (
            dict(split="reshape"),
            "Splitting (B, L, E) straight into (B, H, L, d) with reshape mixes tokens between heads: reshape to "
            "(B, L, H, d), then transpose(1, 2) to (B, H, L, d).",
        ),
        (
            dict(split="d-major"),
            "Head h owns the features h * d to (h + 1) * d - 1, a block: reshape to (B, L, H, d), not (B, L, d, H).",
        ),
        (
            dict(merge="reshape"),
            "Merging (B, H, L, d) straight into (B, L, E) with reshape mixes tokens: transpose(1, 2) to (B, L, H, d) "
            "first, then reshape to (B, L, E).",
        ),
        (
            dict(merge="d-major"),
            "The heads are merged in the wrong order: head h's d values go to features h * d to (h + 1) * d - 1, "
            "so (B, H, L, d) -> transpose(1, 2) -> (B, L, H, d) -> reshape (B, L, E).",
        ),
        (
            dict(order=(1, 0, 2)),
            "in_proj_weight stacks the query, key and value projections in that order: chunk(3) gives Wq, Wk, Wv.",
        ),
        (
            dict(untransposed=True),
            "A Linear's weight is (out, in): project with x @ W.T + b (F.linear(x, W, b)), not x @ W.",
        ),
        (dict(no_out_proj=True), "Finish with the output projection, mha.out_proj, after merging the heads."),
    ]
    if mha.out_proj.bias is not None:
        variants.append(
            (dict(no_out_bias=True), "mha.out_proj has a bias too: apply the whole layer, mha.out_proj(x).")
        )
    if mha.in_proj_bias is not None:
        variants.append(
            (
                dict(no_in_bias=True),
                "Add in_proj_bias (chunked like in_proj_weight) to the projected query, key, value.",
            )
        )
    if causal:
        variants.append((dict(diagonal=-1), "Off by one: query i may look at key i too (itself): tril(), diagonal 0."))
    return [(mha_variant(mha, query, key, value, causal, **wrong), text) for wrong, text in variants]
