"""Dataset and DataLoader. The lesson is README.md beside this file."""

import pickle

import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from katas.testing import (
    expect_close,
    expect_dtype,
    expect_equal,
    expect_number,
    expect_sequence,
    expect_shape,
    explained_call,
    global_generator_use,
    kata_module,
    random_int,
)

data = kata_module(__file__)


# Task 1: A Dataset of your own


@pytest.mark.task(1)
@pytest.mark.parametrize("sample_shape", [(3,), (2, 4, 5)], ids=["table", "images"])
def test_len_is_the_number_of_samples_along_the_first_dimension(sample_shape):
    n = random_int(7, 12)  # never equal to a sample dimension, so counting the wrong dimension shows
    inputs, targets = torch.randn(n, *sample_shape), torch.randint(0, 10, (n,))
    got = len(data.PairsDataset(inputs, targets))
    assert got == n, (
        f"len(PairsDataset(<inputs of shape {tuple(inputs.shape)}>, <targets of shape ({n},)>)) should be {n}, "
        f"the number of samples, but it is {got}.\n"
        "Samples run along the first dimension: inputs.shape[0] (or len(inputs)), not the number of features, "
        "not inputs.numel(), and not one less."
    )


@pytest.mark.task(1)
def test_an_item_is_a_tuple_of_the_input_row_and_its_target_like_tensor_dataset():
    n, features = random_int(5, 10), random_int(2, 5)
    inputs, targets = torch.randn(n, features), torch.randint(0, 10, (n,))
    dataset, reference = data.PairsDataset(inputs, targets), TensorDataset(inputs, targets)
    hint = (
        "Index the tensors: self.inputs[index] is row `index`, still a tensor, and so is self.targets[index]. "
        "Calling .tolist() or .item() turns a tensor into Python numbers."
    )
    for index in (0, random_int(1, n - 2), n - 1):
        item = dataset[index]
        assert isinstance(item, tuple) and len(item) == 2, (
            f"dataset[{index}] should be the tuple (input, target), like TensorDataset's items, "
            f"but it is a {type(item).__name__}{f' of length {len(item)}' if hasattr(item, '__len__') else ''}."
        )
        expected_x, expected_y = reference[index]
        expect_equal(item[0], expected_x, f"dataset[{index}][0] (the input)", hint=hint)
        expect_equal(item[1], expected_y, f"dataset[{index}][1] (the target, a 0-d tensor)", hint=hint)


@pytest.mark.task(1)
def test_a_dataloader_fetches_every_item_and_stacks_them_into_batches():
    n, features, batch_size = random_int(7, 12), random_int(2, 5), random_int(2, 4)
    inputs, targets = torch.randn(n, features), torch.randint(0, 10, (n,))
    batches = list(DataLoader(data.PairsDataset(inputs, targets), batch_size=batch_size))
    hint = (
        "A DataLoader calls dataset[i] for every i in range(len(dataset)) and stacks the items "
        "(its default collate_fn); both __len__ and __getitem__ must be right."
    )
    call = f"the first batch of DataLoader(dataset, batch_size={batch_size})"
    expect_shape(batches[0][0], (batch_size, features), call, hint=hint)
    got_x, got_y = torch.cat([x for x, _ in batches]), torch.cat([y for _, y in batches])
    expect_equal(got_x, inputs, "the inputs of every batch, concatenated", hint=hint)
    expect_equal(got_y, targets, "the targets of every batch, concatenated", hint=hint)


# Task 2: Transforms, item by item


@pytest.mark.task(2)
def test_the_transform_runs_on_one_sample_each_time_an_item_is_fetched():
    n, features = random_int(5, 10), random_int(2, 5)
    inputs, targets = torch.randn(n, features), torch.randint(0, 10, (n,))
    transform = CountingTransform()
    dataset = data.PairsDataset(inputs, targets, transform=transform)
    assert not transform.calls, (
        f"PairsDataset(inputs, targets, transform) called the transform while it was being built "
        f"(on inputs of shapes {transform.calls}). Store the transform in __init__ and call it in __getitem__, "
        "on one sample at a time: a random transform must give a new result every time a sample is fetched."
    )
    fetched = [random_int(0, n - 1), random_int(0, n - 1)]
    fetched.append(fetched[0])  # the same sample again
    for index in fetched:
        x, y = dataset[index]
        expect_equal(x, 2 * inputs[index] + 1, f"dataset[{index}][0] with transform = (x -> 2x + 1)")
        expect_equal(y, targets[index], f"dataset[{index}][1]", hint="The transform applies to the input only.")
    assert transform.calls == [(features,)] * len(fetched), (
        f"Fetching {len(fetched)} items should call the transform {len(fetched)} times, each on one input of "
        f"shape ({features},).\n  expected calls on: {[(features,)] * len(fetched)}\n"
        f"  got calls on:      {transform.calls}"
    )


@pytest.mark.task(2)
def test_a_random_transform_gives_a_new_draw_every_time_an_item_is_fetched():
    n, features = random_int(5, 10), random_int(2, 5)
    inputs, targets = torch.randn(n, features), torch.randint(0, 10, (n,))
    original = inputs.clone()
    dataset = data.PairsDataset(inputs, targets, transform=add_noise)
    index = random_int(0, n - 1)
    first, second = dataset[index][0], dataset[index][0]
    expect_shape(first, (features,), f"dataset[{index}][0] with a transform that adds noise")
    assert not torch.equal(first, second), (
        f"dataset[{index}] gave the same input twice, although the transform adds fresh random noise on every call. "
        "Was the transform applied once, in __init__? Apply it in __getitem__, so that every epoch sees a new "
        "random version of each sample (that is what data augmentation is)."
    )
    assert not torch.equal(first, inputs[index]), (
        f"dataset[{index}][0] is the raw input: the transform was not applied."
    )
    assert torch.equal(inputs, original), "Building or indexing the dataset changed the inputs tensor it was given."


# Task 3: Batches


@pytest.mark.task(3)
def test_make_loader_yields_batches_in_order_and_a_smaller_last_batch():
    batch_size, full, rest = batch_plan()
    n, features = full * batch_size + rest, random_int(2, 4)
    inputs, numbers = torch.randn(n, features), torch.arange(n)
    loader = data.make_loader(TensorDataset(inputs, numbers), batch_size)
    batches = list(loader)
    sizes = [len(batch[1]) for batch in batches]
    expected_sizes = [batch_size] * full + [rest]
    assert sizes == expected_sizes, (
        f"make_loader(<{n} samples>, batch_size={batch_size}) should yield batches of sizes {expected_sizes}: "
        f"full batches, then the {rest} samples left over.\n  got sizes: {sizes}"
    )
    assert len(loader) == len(expected_sizes), (
        f"len(loader) is {len(loader)}, but it yields {len(expected_sizes)} batches."
    )
    for number, (x, y) in enumerate(batches):
        rows = slice(number * batch_size, number * batch_size + sizes[number])
        hint = "Without shuffle=True, the loader keeps the order of the dataset."
        expect_equal(y, numbers[rows], f"batch {number}: the sample numbers", hint=hint)
        expect_equal(x, inputs[rows], f"batch {number}: the inputs")


@pytest.mark.task(3)
def test_drop_last_drops_the_incomplete_final_batch():
    batch_size, full, rest = batch_plan()
    n = full * batch_size + rest
    loader = data.make_loader(TensorDataset(torch.randn(n, 2), torch.arange(n)), batch_size, drop_last=True)
    sizes = [len(batch[1]) for batch in loader]
    assert sizes == [batch_size] * full, (
        f"make_loader(<{n} samples>, batch_size={batch_size}, drop_last=True) should yield {full} full batches "
        f"and drop the last {rest} samples, too few for a full batch.\n"
        f"  expected sizes: {[batch_size] * full}\n  got sizes:      {sizes}\nPass drop_last on to the DataLoader."
    )
    assert len(loader) == full, f"len(loader) with drop_last=True should be {full}, but it is {len(loader)}."


@pytest.mark.task(3)
@pytest.mark.parametrize("targets_kind", ["floats", "integers", "several-per-sample"])
@pytest.mark.parametrize("loader_kind", ["every-sample", "drop-last", "shuffled-drop-last"])
def test_epoch_average_weights_every_batch_by_its_size(loader_kind, targets_kind):
    batch_size, full, rest = batch_plan()
    n = full * batch_size + rest
    targets = epoch_targets(n, targets_kind)
    targets[-rest:] += 10  # the samples of the small last batch stand out
    drop_last, shuffle = loader_kind != "every-sample", loader_kind == "shuffled-drop-last"
    seed = random_int(0, 10_000)

    def loader():
        generator = torch.Generator().manual_seed(seed)
        dataset = TensorDataset(torch.randn(n, 2), targets)
        return DataLoader(dataset, batch_size=batch_size, drop_last=drop_last, shuffle=shuffle, generator=generator)

    yielded = torch.cat([batch[1] for batch in loader()])  # what one epoch of a twin loader yields
    expected = yielded.double().mean().item()
    described_loader = (
        f"<{n} samples, targets of shape {tuple(targets.shape)} and dtype {targets.dtype}, batches of {batch_size}, "
        f"drop_last={drop_last}, shuffle={shuffle}>"
    )
    call = f"epoch_average({described_loader})"
    result = explained_call(data.epoch_average, loader(), call=call, explanations=INTEGER_MEAN)
    value = expect_number(result, call)
    batch_means = [batch[1].double().mean().item() for batch in loader()]
    mean_of_means = sum(batch_means) / len(batch_means)
    assert abs(value - expected) <= 1e-5 * max(1.0, abs(expected)), (
        f"{call} returned the wrong mean.\n"
        f"  expected: {expected:.6f} (the mean of the {yielded.numel()} target values one epoch yields)\n"
        f"  got:      {value:.6f}\n"
        + (f"(The mean of the batch means would be {mean_of_means:.6f}.) " if not drop_last else "")
        + "The last batch may be "
        "smaller than the others: add up the targets and count them (targets.numel() counts every value, also "
        "when a sample has several), batch by batch, and divide at the end. With drop_last=True the loader yields "
        "fewer samples than len(loader.dataset), and a shuffled one drops different samples each epoch: go through "
        "the loader once."
    )
    assert isinstance(result, float), (
        f"epoch_average(...) returned {type(result).__name__} {result!r:.60}, not a Python float: "
        "turn each batch's sum into a number with .item() before adding it up."
    )


# Task 4: Shuffling you can reproduce


@pytest.mark.task(4)
@pytest.mark.parametrize("seed_kind", ["seed-0", "random-seed"])
def test_the_same_seed_gives_the_same_order_whatever_the_global_random_state(seed_kind):
    n, batch_size = random_int(20, 40), random_int(3, 6)
    seed = 0 if seed_kind == "seed-0" else random_int(1, 10_000)  # 0 is a seed too: `if seed:` skips it
    dataset = TensorDataset(torch.arange(n))
    state = torch.get_rng_state()
    first = order_of(data.make_loader(dataset, batch_size, shuffle=True, seed=seed))
    assert torch.equal(torch.get_rng_state(), state), (
        "make_loader(..., shuffle=True, seed=seed), and one epoch of it, changed torch's global random state: "
        + global_generator_use(state, seed, lambda g: torch.equal(first, unseeded_loader_order(n, g)))
        + "Shuffle with a generator of the loader's own, DataLoader(..., generator=torch.Generator().manual_seed(seed)): "
        "a DataLoader without one draws from the global generator, and torch.manual_seed reseeds every random draw "
        f"in the program. (Here seed={seed}: 0 is a seed too, test `seed is None`, not `not seed`.)"
    )
    assert not torch.equal(first, torch.arange(n)), "shuffle=True yielded the samples in their original order."
    torch.manual_seed(seed + 1)  # someone else uses the global generator ...
    torch.rand(5)
    second = order_of(data.make_loader(dataset, batch_size, shuffle=True, seed=seed))
    loader = data.make_loader(dataset, batch_size, shuffle=True, seed=seed)
    torch.manual_seed(seed + 2)  # ... even between building the loader and iterating it
    third = order_of(loader)
    for got in (second, third):
        assert torch.equal(got, first), (
            f"Two loaders with seed={seed} gave different orders when torch's global random state differed:\n"
            f"  first:  {described(first)}\n  later:  {described(got)}\n"
            "The order must depend on the seed alone: pass the DataLoader a generator seeded with it."
        )


@pytest.mark.task(4)
def test_without_a_seed_the_order_follows_torch_s_global_generator():
    n, batch_size, global_seed = random_int(20, 40), random_int(3, 6), random_int(0, 10_000)
    dataset = TensorDataset(torch.arange(n))
    orders = []
    for seed in (global_seed, global_seed, global_seed + 1):
        torch.manual_seed(seed)
        orders.append(order_of(data.make_loader(dataset, batch_size, shuffle=True)))
    hint = (
        "Without a seed, make_loader should pass no generator (generator=None), so that the loader draws from "
        "torch's global generator, as any DataLoader does. An unseeded torch.Generator() starts from the same "
        "fixed state every time, and a default seed of your own makes every run alike."
    )
    assert torch.equal(orders[0], orders[1]), (
        f"make_loader(..., shuffle=True) without a seed gave different orders after the same torch.manual_seed"
        f"({global_seed}):\n  first:  {described(orders[0])}\n  second: {described(orders[1])}\n{hint}"
    )
    assert not torch.equal(orders[0], orders[2]), (
        f"make_loader(..., shuffle=True) without a seed gave the same order, {described(orders[0])}, after "
        f"torch.manual_seed({global_seed}) and after torch.manual_seed({global_seed + 1}).\n{hint}"
    )


@pytest.mark.task(4)
def test_different_seeds_give_different_orders():
    n, batch_size, seed = random_int(20, 40), random_int(3, 6), random_int(0, 10_000)
    dataset = TensorDataset(torch.arange(n))
    first = order_of(data.make_loader(dataset, batch_size, shuffle=True, seed=seed))
    other = order_of(data.make_loader(dataset, batch_size, shuffle=True, seed=seed + 1))
    assert not torch.equal(first, other), (
        f"make_loader(..., shuffle=True) gave the same order for seed={seed} and seed={seed + 1}: "
        f"{described(first)}. Is the seed used at all?"
    )


@pytest.mark.task(4)
def test_every_epoch_visits_every_sample_once_in_a_new_order():
    n, batch_size, seed = random_int(20, 40), random_int(3, 6), random_int(0, 10_000)
    dataset = TensorDataset(torch.arange(n))
    loader = data.make_loader(dataset, batch_size, shuffle=True, seed=seed)
    epochs = [order_of(loader) for _ in range(3)]
    for number, order in enumerate(epochs):
        counts = torch.bincount(order, minlength=n)
        assert torch.all(counts == 1), (
            f"Epoch {number} should yield each of the {n} samples exactly once, in some order.\n"
            f"  missing: {torch.nonzero(counts == 0).flatten().tolist()}\n"
            f"  repeated: {torch.nonzero(counts > 1).flatten().tolist()}\n"
            "Shuffling permutes the indices; drawing random indices (with replacement) repeats some and misses others."
        )
    assert not torch.equal(epochs[0], epochs[1]), (
        f"Epochs 0 and 1 of the same loader came in the same order, {described(epochs[0])}. A shuffled loader draws a "
        "new permutation every epoch; a permutation drawn once, in make_loader, is not enough."
    )
    again = data.make_loader(dataset, batch_size, shuffle=True, seed=seed)
    for number, order in enumerate(epochs):
        assert torch.equal(order_of(again), order), (
            f"A second loader with seed={seed} gave a different epoch {number}: the whole sequence of epochs "
            "should follow from the seed."
        )


# Task 5: Padding sequences of different lengths


@pytest.mark.task(5)
@pytest.mark.parametrize("dtype", [torch.int64, torch.float32], ids=["token-ids", "floats"])
def test_pad_collate_pads_each_batch_to_its_own_longest_sequence(dtype):
    size = random_int(3, 5)
    pairs = sequence_batch(shuffled_lengths(size, 1, 5) + shuffled_lengths(size, 6, 12), dtype)
    loader = DataLoader(pairs, batch_size=size, collate_fn=data.pad_collate)
    for number, batch in enumerate(loader):
        sequences = [sequence for sequence, _ in pairs[number * size : (number + 1) * size]]
        longest = max(len(sequence) for sequence in sequences)
        call = f"batch {number} of DataLoader(pairs, batch_size={size}, collate_fn=pad_collate): padded"
        hint = "Pad to the longest sequence of this batch, not to a fixed length: batches differ."
        expect_shape(batch[0], (size, longest), call, hint=hint)
        expect_dtype(batch[0], dtype, call, hint="Keep the dtype of the sequences.")
        for row, sequence in enumerate(sequences):
            expect_equal(
                batch[0][row, : len(sequence)],
                sequence,
                f"{call}[{row}, :{len(sequence)}]",
                hint="Row i starts with the i-th sequence of the batch, in the batch's order.",
            )


@pytest.mark.task(5)
@pytest.mark.parametrize("pad_value", [None, -1, 99], ids=["default-0", "minus-1", "99"])
def test_pad_collate_fills_the_padding_with_pad_value(pad_value):
    batch = sequence_batch(shuffled_lengths(random_int(3, 6), 1, 8))
    padded, _, _ = collate(batch) if pad_value is None else collate(batch, pad_value=pad_value)
    fill = 0 if pad_value is None else pad_value
    call = "pad_collate(batch)" if pad_value is None else f"pad_collate(batch, pad_value={pad_value})"
    for row, (sequence, _) in enumerate(batch):
        tail = padded[row, len(sequence) :]
        expect_equal(
            tail,
            torch.full_like(tail, fill),
            f"{call}[0][{row}, {len(sequence)}:] (the padding)",
            hint=f"Everything after a sequence should be {fill}: pad_sequence(..., padding_value=pad_value).",
        )


@pytest.mark.task(5)
def test_pad_collate_returns_the_lengths_before_padding():
    lengths = shuffled_lengths(random_int(4, 6), 2, 9)
    batch = sequence_batch(lengths, low=0)
    for sequence, _ in batch:
        sequence[-1] = 0  # a real token that happens to equal the pad value
    _, got, _ = collate(batch)
    expect_equal(
        got,
        torch.tensor(lengths),
        "pad_collate(batch)[1] (the lengths)",
        hint="Take len(sequence) of each sequence before padding, in the order of the batch. Counting non-zero "
        "entries after padding goes wrong when a sequence itself contains the pad value, as every sequence here "
        "does at its end.",
    )


@pytest.mark.task(5)
@pytest.mark.parametrize("size", ["one-pair", "several-pairs"])
def test_pad_collate_keeps_the_order_of_the_batch_and_stacks_the_labels(size):
    lengths = [random_int(1, 9)] if size == "one-pair" else shuffled_lengths(random_int(4, 6), 1, 9)
    batch = sequence_batch(lengths)
    padded, got_lengths, labels = collate(batch)
    hint = (
        "Row i of every output belongs to batch[i]. Sorting the batch by length (for pack_padded_sequence) "
        "must not reorder what pad_collate returns. Every output keeps its batch dimension, also for a batch "
        "of one pair (the last batch of a loader often is): no .squeeze()."
    )
    expect_equal(labels, torch.stack([label for _, label in batch]), "pad_collate(batch)[2] (the labels)", hint=hint)
    expect_equal(got_lengths, torch.tensor(lengths), "pad_collate(batch)[1] (the lengths)", hint=hint)
    for row, (sequence, _) in enumerate(batch):
        call = f"pad_collate(batch)[0][{row}, :{len(sequence)}]"
        expect_equal(padded[row, : len(sequence)], sequence, call, hint=hint)


# Task 6: Train and validation sets


@pytest.mark.task(6)
@pytest.mark.parametrize("fraction", [0.25, 0.5])
def test_split_gives_val_fraction_of_the_samples_to_validation(fraction):
    n = 4 * random_int(8, 16) + 3  # n * fraction is never whole: round() and math.ceil() both differ from int()
    train, val = data.split(TensorDataset(torch.arange(n)), fraction, seed=random_int(0, 10_000))
    expected = (n - int(n * fraction), int(n * fraction))
    got = (len(train), len(val))
    assert got == expected, (
        f"split(<{n} samples>, val_fraction={fraction}, seed) should give (train, val) of sizes {expected}, not {got}.\n"
        f"{n} * {fraction} = {n * fraction}: val gets int({n * fraction}) = {expected[1]} samples (int() rounds down; "
        "not round() or math.ceil()), and train all the others."
    )


@pytest.mark.task(6)
def test_split_is_disjoint_and_covers_every_sample():
    n = 8 * random_int(4, 8)
    train, val = data.split(TensorDataset(torch.arange(n)), 0.25, seed=random_int(0, 10_000))
    train_numbers, val_numbers = numbers_in(train), numbers_in(val)
    both = sorted(set(train_numbers) & set(val_numbers))
    assert not both, (
        f"split(...) put samples {both} in both train and val. Validation samples must never be trained on: "
        "take the two sets from one random permutation (random_split does)."
    )
    together = sorted(train_numbers + val_numbers)
    missing = sorted(set(range(n)) - set(together))
    assert together == list(range(n)), (
        f"train and val together should hold each of the {n} samples exactly once.\n"
        f"  missing: {missing}\n  repeated: {sorted({k for k in together if together.count(k) > 1})}"
    )


@pytest.mark.task(6)
@pytest.mark.parametrize("seed_kind", ["seed-0", "random-seed"])
def test_split_depends_on_its_seed_alone(seed_kind):
    n = 8 * random_int(4, 8)
    seed = 0 if seed_kind == "seed-0" else random_int(1, 10_000)  # 0 is a seed too: `if seed:` skips it
    dataset = TensorDataset(torch.arange(n))
    state = torch.get_rng_state()
    train, val = data.split(dataset, 0.25, seed)
    assert torch.equal(torch.get_rng_state(), state), (
        "split(dataset, val_fraction, seed) changed torch's global random state: "
        + global_generator_use(
            state, seed, lambda g: torch.randperm(n, generator=g).tolist() in split_orders(train, val)
        )
        + "Give random_split a generator of its own, torch.Generator().manual_seed(seed): without one it draws from "
        f"the global generator, and torch.manual_seed reseeds it for everyone (here seed={seed}: 0 is a seed too)."
    )
    torch.manual_seed(seed + 1)
    torch.rand(5)
    train_again, val_again = data.split(dataset, 0.25, seed)
    assert numbers_in(val_again) == numbers_in(val) and numbers_in(train_again) == numbers_in(train), (
        f"split(dataset, 0.25, seed={seed}) gave a different split when torch's global random state differed.\n"
        f"  val first:  {numbers_in(val)}\n  val later:  {numbers_in(val_again)}\n"
        "The split must depend on the seed alone: use a generator seeded with it."
    )
    _, val_other = data.split(dataset, 0.25, seed + 1)
    assert set(numbers_in(val_other)) != set(numbers_in(val)), (
        f"split gave the same validation set for seed={seed} and seed={seed + 1}: {sorted(numbers_in(val))}. "
        "The split should be random, drawn from the seed."
    )


# Task 7: Worker processes


@pytest.mark.task(7)
def test_standardizer_subtracts_the_mean_and_divides_by_the_std():
    inputs, _, mean, std = standardization_data()
    transform = data.standardizer(mean, std)
    index = random_int(0, len(inputs) - 1)
    expect_close(transform(inputs[index]), (inputs[index] - mean) / std, f"standardizer(mean, std)(inputs[{index}])")
    expect_close(transform(inputs), (inputs - mean) / std, "standardizer(mean, std)(inputs)")


@pytest.mark.task(7)
def test_the_transform_and_the_dataset_survive_pickling():
    inputs, targets, mean, std = standardization_data()
    transform = data.standardizer(mean, std)
    with_transform = "PairsDataset(inputs, targets, transform=standardizer(mean, std))"
    candidates = {
        "standardizer(mean, std)": transform,
        "PairsDataset(inputs, targets)": data.PairsDataset(inputs, targets),
        with_transform: data.PairsDataset(inputs, targets, transform),
    }
    copies, problem = {}, None
    for name, candidate in candidates.items():
        try:
            copies[name] = pickle.loads(pickle.dumps(candidate))
        except Exception as error:  # pickle raises several kinds
            problem = f"pickle.dumps({name}) failed: {type(error).__name__}: {error}"
            break
    if problem:
        pytest.fail(
            f"{problem}\nWorker processes receive the dataset (and its transform) pickled on macOS and Windows, "
            "and on Linux from Python 3.14. A lambda, or a function defined inside another function, "
            "cannot be pickled. Use a module-level function with functools.partial, or an instance of a "
            "module-level class; for 'no transform', store None rather than `lambda x: x`.",
            pytrace=False,
        )
    index = random_int(0, len(inputs) - 1)
    copy = copies[with_transform]
    expect_close(copy[index][0], (inputs[index] - mean) / std, f"the unpickled dataset's item {index}, input")


@pytest.mark.task(7)
def test_a_loader_with_worker_processes_yields_the_same_batches_as_one_without():
    inputs, targets, mean, std = standardization_data()
    dataset = data.PairsDataset(inputs, targets, transform=data.standardizer(mean, std))
    batch_size, seed = random_int(3, 5), random_int(0, 10_000)
    loader = data.make_loader(dataset, batch_size, shuffle=True, seed=seed, num_workers=2)
    workers = getattr(loader, "num_workers", None)
    assert workers == 2, f"make_loader(..., num_workers=2) built a loader with num_workers={workers}: pass it on."
    with_workers = list(loader)
    default = data.make_loader(dataset, batch_size, shuffle=True, seed=seed)
    workers = getattr(default, "num_workers", None)
    assert workers == 0, (
        f"make_loader(dataset, {batch_size}, shuffle=True, seed={seed}), without num_workers, built a loader with "
        f"num_workers={workers}. The default is num_workers=0: load in the main process, as DataLoader does."
    )
    in_process = list(default)
    assert len(with_workers) == len(in_process), (
        f"With 2 workers the loader yielded {len(with_workers)} batches, without workers {len(in_process)}."
    )
    for number, ((x, y), (x0, y0)) in enumerate(zip(with_workers, in_process)):
        expect_equal(y, y0, f"batch {number} (targets) with num_workers=2, against num_workers=0")
        expect_close(x, x0, f"batch {number} (inputs) with num_workers=2, against num_workers=0")


# --- Helpers ---


INTEGER_MEAN = {
    "could not infer output dtype": "Integer targets (class labels, counts) have no .mean(): add them up with "
    ".sum() (or convert them with .double() first), and count them with .numel()."
}


def epoch_targets(n, kind):
    """``n`` targets of a kind: floats ``(n,)``, integers ``(n,)`` or floats ``(n, 3)`` (several per sample)."""
    if kind == "integers":
        return torch.randint(0, 5, (n,))
    return torch.rand(n, 3) if kind == "several-per-sample" else torch.rand(n)


def batch_plan():
    """``(batch_size, full_batches, remainder)`` with a remainder that is never 0 or a full batch."""
    batch_size = random_int(3, 6)
    return batch_size, random_int(2, 4), random_int(1, batch_size - 1)


def unseeded_loader_order(n, generator):
    """The order one epoch of ``DataLoader(TensorDataset(torch.arange(n)), shuffle=True)`` yields when torch's global
    generator is ``generator``: iterating draws a base seed for workers, then the sampler a seed for its permutation."""
    torch.empty((), dtype=torch.int64).random_(generator=generator)
    sampler_seed = int(torch.empty((), dtype=torch.int64).random_(generator=generator).item())
    return torch.randperm(n, generator=torch.Generator().manual_seed(sampler_seed))


def split_orders(train, val):
    """The permutations random_split may have drawn for a split into ``train`` and ``val``: either may come first."""
    train, val = list(train.indices), list(val.indices)
    return train + val, val + train


def order_of(loader):
    """The sample numbers one epoch of ``loader`` yields, over a ``TensorDataset(torch.arange(n))``."""
    return torch.cat([batch[0] for batch in loader])


def described(order):
    """``order`` as a plain list, for a failure message."""
    return str(order.tolist())


class CountingTransform:
    """Maps x to 2x + 1, and remembers the shape of every input it was called on."""

    def __init__(self):
        self.calls = []

    def __call__(self, x):
        self.calls.append(tuple(x.shape))
        return 2 * x + 1


def add_noise(x):
    """A random transform, like data augmentation: a new draw on every call."""
    return x + torch.randn_like(x)


def sequence_batch(lengths, dtype=torch.int64, low=1):
    """(sequence, label) pairs with sequences of ``lengths`` and distinct labels."""
    labels = torch.randperm(len(lengths) + 5)[: len(lengths)]
    if dtype.is_floating_point:
        sequences = [torch.randn(length) + 3 for length in lengths]
    else:
        sequences = [torch.randint(low, 10, (length,)) for length in lengths]
    return [(sequence, label) for sequence, label in zip(sequences, labels)]


def shuffled_lengths(count, low, high):
    """``count`` distinct lengths from ``low`` to ``high``, neither ascending nor descending."""
    lengths = (torch.randperm(high - low + 1)[:count] + low).tolist()
    if lengths in (sorted(lengths), sorted(lengths, reverse=True)):
        lengths[0], lengths[1] = lengths[1], lengths[0]
    return lengths


def collate(batch, **pad_value):
    """``pad_collate(batch, **pad_value)`` as a list, failing clearly unless it returns three things."""
    __tracebackhide__ = True
    return expect_sequence(
        data.pad_collate(batch, **pad_value), 3, "pad_collate(batch), meant as (padded, lengths, labels),"
    )


def numbers_in(subset):
    """The sample numbers in a split of ``TensorDataset(torch.arange(n))``, in the split's order."""
    return [subset[i][0].item() for i in range(len(subset))]


def standardization_data():
    """``(inputs, targets, mean, std)``: inputs whose features have different scales and offsets."""
    n, features = random_int(12, 20), random_int(2, 4)
    inputs = torch.randn(n, features) * torch.rand(features) * 5 + torch.randn(features) * 3
    return inputs, torch.randint(0, 10, (n,)), inputs.mean(0), inputs.std(0)
