"""MNIST. The lesson is README.md beside this file.

Every test but the last runs in a moment on made-up data. The last one trains your `fit` on the real
60,000 MNIST digits and checks its accuracy on the 10,000 test digits.
"""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from katas.testing import (
    expect_close,
    expect_dtype,
    expect_sequence,
    expect_shape,
    explained_call,
    kata_module,
    random_int,
)
from katas.testing.data import mnist_accuracy

mnist = kata_module(__file__)

CLASSES = 10


# Task 1: Inputs the network can learn from


@pytest.mark.task(1)
@pytest.mark.parametrize("kind", ["mnist-like", "dim-and-grey"])
def test_pixel_stats_are_the_mean_and_std_of_the_pixels_scaled_to_0_1(kind):
    images = made_up_images(random_int(20, 60), kind)
    stats = mnist.pixel_stats(images)
    assert isinstance(stats, tuple) and len(stats) == 2, (
        f"pixel_stats(images) should return (mean, std); got {stats!r:.100}"
    )
    pixels = images.double() / 255
    raw, by_largest = images.double(), images.double() / images.max()
    scale = "One mean and one std over every pixel of every image, after scaling 0..255 to 0..1 (divide by 255)."
    unscaled = f"{scale} Yours are those of the pixels as they are: divide by 255 first (after a cast to float)."
    largest = f"{scale} Yours divided by the largest pixel of these images: a dim image set has no 255."
    for name, got, expected, mistakes in (
        ("mean", stats[0], pixels.mean(), [(raw.mean(), unscaled), (by_largest.mean(), largest)]),
        (
            "std",
            stats[1],
            pixels.std(),
            [
                (raw.std(), unscaled),
                (by_largest.std(), largest),
            ],
        ),
    ):
        expect_close(
            torch.as_tensor(got, dtype=torch.float64),
            expected,
            f"pixel_stats(<{len(images)} {kind} images, pixels from {images.min()} to {images.max()}>), the {name},",
            hint=scale,
            mistakes=[(wrong, text) for wrong, text in mistakes if not torch.isclose(wrong, expected, 1e-4, 1e-6)],
            rtol=1e-4,
            atol=1e-6,
        )
    kinds = [type(value).__name__ for value in stats]
    assert all(isinstance(value, float) for value in stats), (
        f"pixel_stats(images) returned ({', '.join(kinds)}): the right numbers, but (mean, std) should be Python "
        "floats. .item() turns a 0-d tensor into one."
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("kind", ["mnist-like", "dim-and-grey", "one-image"])
def test_to_inputs_gives_float32_images_with_a_channel_dimension(kind):
    n = 1 if kind == "one-image" else random_int(2, 20)
    images = made_up_images(n, "dim-and-grey" if kind == "dim-and-grey" else "mnist-like")
    mean, std = 0.2 + 0.1 * torch.rand(()).item(), 0.3 + 0.1 * torch.rand(()).item()
    inputs = mnist.to_inputs(images, mean, std)
    call = (
        f"to_inputs(<{len(images)} images of 28x28 uint8, pixels from {images.min()} to {images.max()}>, "
        f"mean={mean:.3f}, std={std:.3f})"
    )
    expect_shape(
        inputs,
        (len(images), 1, 28, 28),
        call,
        hint="nn.Conv2d wants (N, C, H, W): add the channel dimension with unsqueeze(1)"
        + (
            ", and keep the batch dimension, also for a single image (no squeeze())."
            if isinstance(inputs, torch.Tensor) and inputs.ndim < 4
            else "."
        ),
    )
    expect_dtype(inputs, torch.float32, call)
    order = "Scale to 0..1 first (divide by 255), then subtract the mean and divide by the std you are given."
    expect_close(
        inputs,
        ((images.float() / 255 - mean) / std).unsqueeze(1),
        call,
        hint=order,
        mistakes=[
            (
                ((images.float() / images.max() - mean) / std).unsqueeze(1),
                f"{order} Yours divided by the largest pixel: these images may have no 255.",
            )
        ]
        if images.max() != 255
        else [],
    )


@pytest.mark.task(1)
def test_the_training_inputs_have_mean_0_and_std_1_and_the_images_are_untouched():
    images = random_images(random_int(20, 60))
    before = images.clone()
    inputs = mnist.to_inputs(images, *mnist.pixel_stats(images))
    assert torch.equal(images, before), (
        "to_inputs(images, ...) changed `images`: compute new tensors, don't write into them."
    )
    got = (inputs.double().mean().item(), inputs.double().std().item())
    assert math.isclose(got[0], 0, abs_tol=1e-4) and math.isclose(got[1], 1, rel_tol=1e-3), (
        f"to_inputs(images, *pixel_stats(images)) should have mean 0 and std 1; got mean {got[0]:.4f}, std {got[1]:.4f}."
    )


# Task 2: A small convolutional network


@pytest.mark.task(2)
@pytest.mark.parametrize("batch", ["one-digit", "a-batch"])
def test_build_model_maps_each_digit_to_ten_logits(batch):
    model = mnist.build_model()
    assert isinstance(model, nn.Module), f"build_model() should return an nn.Module; got {type(model).__name__}."
    other = mnist.build_model()
    shared = {id(parameter) for parameter in model.parameters()} & {id(parameter) for parameter in other.parameters()}
    assert other is not model and not shared, (
        "Two calls of build_model() returned "
        + ("the same model. " if other is model else f"models that share {len(shared)} parameter tensors. ")
        + "Build a fresh model on every call (nn.Sequential(...) inside the function), so that each training run "
        "starts from new random weights."
    )
    n = 1 if batch == "one-digit" else random_int(2, 33)
    inputs = torch.randn(n, 1, 28, 28)
    logits = model.eval()(inputs)
    expect_shape(
        logits,
        (n, CLASSES),
        f"build_model()(<inputs of shape ({n}, 1, 28, 28)>)",
        hint="One row of 10 logits per digit. Check the size of the first nn.Linear: print the shape after Flatten.",
    )
    expect_dtype(logits, torch.float32, "build_model()(inputs)")


@pytest.mark.task(2)
def test_build_model_gives_each_digit_its_own_logits_in_eval_mode():
    model = mnist.build_model().eval()
    inputs = torch.randn(random_int(3, 9), 1, 28, 28)
    with torch.no_grad():
        together, alone = model(inputs), torch.cat([model(inputs[i : i + 1]) for i in range(len(inputs))])
    expect_close(
        together,
        alone,
        "build_model()(batch), row by row, against each digit on its own",
        hint="In eval mode a digit's logits must not depend on the other digits in the batch. "
        "A reshape such as x.view(-1, 10) or x.view(1, -1) mixes digits: flatten with nn.Flatten() (or x.flatten(1)).",
        rtol=1e-4,
        atol=1e-4,
    )


@pytest.mark.task(2)
def test_build_model_returns_logits_not_probabilities():
    model = mnist.build_model().eval()
    with torch.no_grad():
        out = model(torch.randn(random_int(4, 16), 1, 28, 28))
    looks_like_probabilities = bool(
        (out >= 0).all() and torch.allclose(out.sum(dim=1), torch.ones(len(out)), atol=1e-4)
    )
    assert not looks_like_probabilities, (
        "build_model()'s rows are non-negative and sum to 1: the model ends with a softmax. F.cross_entropy "
        "applies log-softmax itself, so a softmax in the model squashes the gradients. End with the last nn.Linear."
    )
    assert (out < 0).any(), (
        f"All {out.numel()} logits of build_model() on {len(out)} random inputs are >= 0 (smallest: "
        f"{out.min().item():.4f}): the model ends with a ReLU, a sigmoid or another squashing layer. Logits are "
        "unbounded scores, negative ones included: end with the last nn.Linear."
    )


# Task 3: One epoch of training


@pytest.mark.task(3)
@pytest.mark.parametrize("last_batch", ["short", "full"])
def test_train_epoch_sees_every_sample_exactly_once_in_training_mode(last_batch):
    batch_size = random_int(4, 9)
    probe, _, _, _, _ = an_epoch_on_the_probe(batch_size, n=epoch_size(batch_size, last_batch))
    seen = probe.samples_seen()
    n = len(probe.table)
    assert sorted(seen) == list(range(n)), (
        f"train_epoch with {n} samples and batch_size={batch_size} should show the model every sample once; "
        f"it saw {len(seen)} samples, {len(set(seen))} of them different.\n"
        + (
            f"The last, smaller batch (n % batch_size = {n % batch_size} samples) is missing."
            if len(seen) == len(set(seen)) == n - n % batch_size and n % batch_size
            else "Each batch should start where the last ended, and the last, smaller one counts too."
        )
    )
    sizes = [len(indices) for indices, _, _ in probe.calls]
    expected_sizes = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    assert sizes == expected_sizes, (
        f"train_epoch(<{n} samples>, ..., batch_size={batch_size}) made batches of sizes {sizes}, not "
        f"{expected_sizes}. There are ceil(n / batch_size) batches: no empty batch at the end when n is a multiple "
        "of batch_size (range(0, n, batch_size) gives the start of each)."
    )
    modes = {training for _, training, _ in probe.calls}
    assert modes == {True}, (
        "train_epoch ran the model in eval mode. The model may arrive in eval mode (evaluate leaves it so): call "
        "model.train() first, or dropout and batch norm behave as in evaluation and the model does not learn as it should."
    )


@pytest.mark.task(3)
def test_train_epoch_shuffles_with_the_generator_it_is_given():
    orders = []
    for global_seed, seed in ((1, 7), (2, 7), (3, 8)):
        torch.manual_seed(global_seed)
        probe, *_ = an_epoch_on_the_probe(batch_size=5, n=40, seed=seed)
        orders.append(probe.samples_seen())
    assert orders[0] != list(range(40)), (
        "train_epoch showed the samples in their stored order: shuffle them every epoch."
    )
    assert orders[0] == orders[1], (
        "Two epochs with generators seeded alike (7) saw the samples in different orders, so a run cannot be repeated. "
        "Pass the generator to the shuffle: torch.randperm(n, generator=generator)."
    )
    assert orders[0] != orders[2], "Generators seeded 7 and 8 gave the same order: is the generator used at all?"


@pytest.mark.task(3)
def test_train_epoch_steps_once_per_batch_with_that_batch_s_gradient_alone():
    probe, optimizer, logits, labels, _ = an_epoch_on_the_probe(batch_size=random_int(4, 9))
    batches = [indices for indices, _, _ in probe.calls]
    assert len(optimizer.grads) == len(batches), (
        f"train_epoch made {len(batches)} batches but called optimizer.step() {len(optimizer.grads)} times: once per batch."
    )
    for number, (indices, grad) in enumerate(zip(batches, optimizer.grads), start=1):
        assert grad is not None, (
            f"At step {number}, the parameters had no .grad: call loss.backward() before optimizer.step(), "
            "and optimizer.zero_grad() before loss.backward(), not between it and the step (it clears the gradients)."
        )
        batch_logits = logits[indices].clone().requires_grad_()
        F.cross_entropy(batch_logits, labels[indices]).backward()
        expect_close(
            grad,
            batch_logits.grad.sum(dim=0),
            f"the gradient optimizer.step() used for batch {number}",
            hint="Each step should use the gradient of its own batch's mean cross-entropy. From batch 2 on, a sum of "
            "several batches' gradients means optimizer.zero_grad() is missing: backward adds to .grad.",
        )


@pytest.mark.task(3)
@pytest.mark.parametrize("last_batch", ["short", "full"])
def test_train_epoch_returns_the_mean_loss_over_every_sample_and_reports_each_batch(last_batch):
    reported, batch_size = [], random_int(4, 9)
    n = epoch_size(batch_size, last_batch)
    probe, _, logits, labels, loss = an_epoch_on_the_probe(batch_size, n=n, on_batch=reported.append)
    assert isinstance(loss, float), (
        f"train_epoch should return the mean loss as a Python float (loss.item()); got {loss!r:.80}"
    )
    expected = F.cross_entropy(logits, labels).item()
    means = [F.cross_entropy(logits[indices], labels[indices]).item() for indices, _, _ in probe.calls]
    of_means = bool(means) and math.isclose(loss, sum(means) / len(means), rel_tol=1e-5)
    assert math.isclose(loss, expected, rel_tol=1e-5), (
        f"train_epoch returned {loss:.6f}; the mean loss over all {len(labels)} samples is {expected:.6f}.\n"
        + "The last batch is smaller: the mean of the batch means weighs its samples too much. " * of_means
        + "Add loss.item() * batch size over the batches, and divide by the number of samples."
    )
    batches = len(probe.calls)
    assert len(reported) == batches and all(isinstance(value, float) for value in reported), (
        f"train_epoch(..., on_batch=callback) should call callback(loss as a float) after each of the {batches} batches; "
        f"it was called with {reported!r:.200}"
    )


@pytest.mark.task(3)
def test_train_epoch_lowers_the_loss_of_a_real_model():
    n = 256
    images = random_images(n)
    labels = (images.float().mean(dim=(1, 2)) > images.float().mean()).long()  # bright or dark: learnable
    inputs = ((images.float() / 255 - 0.1) / 0.3).unsqueeze(1)
    model = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, CLASSES))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    generator = torch.Generator().manual_seed(0)
    start = [param.detach().clone() for param in model.parameters()]
    losses = [mnist.train_epoch(model, inputs, labels, optimizer, 32, generator) for _ in range(3)]
    unchanged = all(torch.equal(param, old) for param, old in zip(model.parameters(), start))
    assert losses[-1] < losses[0], f"Three epochs of train_epoch did not lower the loss: {losses}. " + (
        "The model's parameters never changed: each batch needs loss.backward() and optimizer.step()."
        if unchanged
        else "Each batch: optimizer.zero_grad(), the loss of the batch, loss.backward(), optimizer.step()."
    )


# Task 4: Measuring accuracy


@pytest.mark.task(4)
def test_evaluate_returns_the_fraction_of_digits_classified_right():
    batch_size = random_int(6, 10)
    n = random_int(3, 6) * batch_size + random_int(1, batch_size - 1)  # a smaller last batch
    probe, labels = evaluation_probe(n)
    accuracy = mnist.evaluate(probe, indexed_inputs(n), labels, batch_size)
    expected = (probe.table.argmax(dim=1) == labels).double().mean().item()
    assert isinstance(accuracy, float), f"evaluate should return a Python float; got {accuracy!r:.80}"
    assert math.isclose(accuracy, expected, rel_tol=1e-9), (
        f"evaluate(model, <{n} digits>, labels, batch_size={batch_size}) returned {accuracy}; {expected:.4f} of them are "
        "right.\nA fraction between 0 and 1, not a percentage. The prediction is argmax over the 10 logits (dim=1). "
        "Count the right ones over all batches, then divide once: the last batch is smaller."
    )
    assert sorted(probe.samples_seen()) == list(range(n)), "evaluate should look at every digit once."
    expect_batches(probe, n, batch_size, f"evaluate(model, <{n} digits>, labels, batch_size={batch_size})")


@pytest.mark.task(4)
def test_evaluate_takes_batches_of_1000_digits_by_default():
    n = 1000 + random_int(1, 999)
    probe, labels = evaluation_probe(n)
    accuracy = mnist.evaluate(probe, indexed_inputs(n), labels)
    expected = (probe.table.argmax(dim=1) == labels).double().mean().item()
    assert isinstance(accuracy, float) and math.isclose(accuracy, expected, rel_tol=1e-9), (
        f"evaluate(model, <{n} digits>, labels) returned {accuracy!r:.60}; {expected:.4f} of them are right."
    )
    expect_batches(probe, n, 1000, f"evaluate(model, <{n} digits>, labels), without batch_size,")


@pytest.mark.task(4)
def test_evaluate_runs_the_model_in_eval_mode_without_recording_a_graph():
    n = random_int(10, 30)
    probe, labels = evaluation_probe(n)
    probe.train()
    mnist.evaluate(probe, indexed_inputs(n), labels, 8)
    modes = {training for _, training, _ in probe.calls}
    grad_modes = {grad for _, _, grad in probe.calls}
    assert modes == {False}, (
        "evaluate ran the model in training mode: call model.eval() first, so that dropout is off and batch norm "
        "uses the statistics it learned instead of the batch's."
    )
    assert grad_modes == {False}, (
        "evaluate ran the model with autograd recording: wrap it in `with torch.no_grad():` (or torch.inference_mode()) "
        "to skip building a graph nobody will backpropagate through."
    )


# Task 5: Putting it together


@pytest.mark.task(5)
def test_fit_returns_a_model_in_eval_mode_and_the_training_set_s_stats():
    images, labels = random_images(64), torch.randint(0, CLASSES, (64,))
    reported = []
    model, mean, std = mnist.fit(images, labels, torch.device("cpu"), epochs=1, on_batch=reported.append)
    assert isinstance(model, nn.Module) and not model.training, (
        "fit should return the trained model in eval mode (model.eval()), ready to predict."
    )
    expected = mnist.pixel_stats(images)
    assert math.isclose(mean, expected[0], rel_tol=1e-5) and math.isclose(std, expected[1], rel_tol=1e-5), (
        f"fit returned mean={mean}, std={std}; the training images have {expected}. Normalise with the statistics "
        "of the images fit was given (and use the same numbers for the test set), not constants from elsewhere."
    )
    assert reported and all(isinstance(value, float) for value in reported), (
        "fit(..., on_batch=callback) should pass the callback to train_epoch, so that a progress bar can follow it."
    )


@pytest.mark.task(5)
@pytest.mark.parametrize("settings", ["given", "defaults"])
def test_fit_trains_its_epochs_in_batches_of_batch_size(settings):
    if settings == "defaults":
        epochs, batch_size, given = 2, 128, {}  # the documented defaults: fit(..., epochs=2, batch_size=128)
    else:
        epochs, batch_size = 1 + 2 * random_int(0, 1), random_int(16, 40)  # 1 or 3 epochs: never the defaults
        given = {"epochs": epochs, "batch_size": batch_size}
    n = (random_int(1, 2) if given else 1) * batch_size + random_int(1, min(batch_size - 1, 32))  # a short last batch
    images, labels = random_images(n), torch.randint(0, CLASSES, (n,))
    reported = []
    mnist.fit(images, labels, torch.device("cpu"), **given, on_batch=reported.append)
    expected = epochs * math.ceil(n / batch_size)
    call = f"fit(<{n} images>, labels, torch.device('cpu'){''.join(f', {k}={v}' for k, v in given.items())})"
    assert len(reported) == expected, (
        f"{call} reported {len(reported)} batches to on_batch, not {expected}: {epochs} epochs of "
        f"ceil({n} / {batch_size}) = {math.ceil(n / batch_size)} batches each. Train exactly `epochs` epochs, in "
        "batches of `batch_size`: pass both on to your loop and to train_epoch, and keep no other numbers."
        + (" Without them, fit uses their defaults, epochs=2 and batch_size=128." if not given else "")
    )


@pytest.mark.task(5)
def test_fit_needs_no_on_batch_callback():
    images, labels = random_images(48), torch.randint(0, CLASSES, (48,))
    call = "fit(images, labels, torch.device('cpu'), epochs=1) (without on_batch)"
    result = explained_call(
        mnist.fit,
        images,
        labels,
        torch.device("cpu"),
        epochs=1,
        call=call,
        explanations={
            "'NoneType' object is not callable": "on_batch is None by default: call it only when it is given."
        },
    )
    model, _, _ = expect_sequence(result, 3, call)
    assert isinstance(model, nn.Module), f"{call} should return (model, mean, std); got a {type(model).__name__} first."


@pytest.mark.task(5)
@pytest.mark.slow(
    "training a small CNN takes well under 5 minutes on a laptop CPU (the reference: about 15 s on 2 cores)"
)
@pytest.mark.timeout(900)
def test_fit_reaches_98_percent_on_the_mnist_test_set(mnist_data, training_progress, record_property):
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    train, test = mnist_data["train"], mnist_data["test"]
    epochs, batch_size = 2, 128
    training_progress.plan(epochs, math.ceil(len(train.labels) / batch_size))  # `katas run` draws a bar
    model, mean, std = mnist.fit(train.images, train.labels, device, epochs, batch_size, on_batch=training_progress)
    accuracy = mnist_accuracy(model, test, mean, std, device)
    record_property("test accuracy", f"{accuracy:.2%} of the 10,000 test digits (the goal: 98%)")
    assert accuracy >= 0.98, (
        f"fit's model classifies {accuracy:.2%} of the 10,000 test digits right; the goal is 98%.\n"
        "Look at: a convolutional model (two Conv2d blocks with pooling), Adam with a learning rate near 1e-3, "
        "two epochs, batch size 64 to 256, inputs normalised with the training set's mean and std."
    )


# --- Helpers ---


def random_images(n):
    """``n`` made-up 28x28 grayscale digits: uint8, mostly dark like MNIST's."""
    return (torch.rand(n, 28, 28) ** 4 * 256).to(torch.uint8)


def made_up_images(n, kind):
    """``n`` random images: ``"mnist-like"`` (0 to 255, mostly dark) or ``"dim-and-grey"`` (about 20 to 200 only)."""
    if kind == "dim-and-grey":
        return (torch.rand(n, 28, 28) ** 2 * 180 + 20).to(torch.uint8)
    return random_images(n)


def epoch_size(batch_size, last_batch):
    """A number of samples whose last batch is ``"full"`` or ``"short"``."""
    return random_int(2, 4) * batch_size + (0 if last_batch == "full" else random_int(1, batch_size - 1))


def expect_batches(probe, n, batch_size, call):
    """Fail unless the probe saw the ``n`` digits in batches of ``batch_size``, the last one smaller."""
    sizes = [len(indices) for indices, _, _ in probe.calls]
    expected = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    assert sizes == expected, (
        f"{call} ran the model on batches of {sizes if len(sizes) <= 12 else f'{len(sizes)} sizes'}, not {expected}. "
        "Run the model on one slice of batch_size digits at a time (the last may be smaller): 10,000 digits at once "
        "can exhaust the memory of a GPU."
    )


class Probe(nn.Module):
    """A stand-in model that records what your loop does with it.

    Each input carries its own index in its first pixel; the probe answers with a fixed row of logits per index
    (plus a trainable bias, so there is something to train) and records, for every call, which samples it saw,
    whether it was in training mode, and whether autograd was recording.
    """

    def __init__(self, logits_by_index):
        super().__init__()
        self.register_buffer("table", logits_by_index)
        self.bias = nn.Parameter(torch.zeros(CLASSES))
        self.calls = []

    def forward(self, x):
        index = x[:, 0, 0, 0].round().long()
        self.calls.append((index.tolist(), self.training, torch.is_grad_enabled()))
        return self.table[index] + self.bias

    def samples_seen(self):
        return [i for indices, _, _ in self.calls for i in indices]


def indexed_inputs(n):
    """Inputs of shape (n, 1, 28, 28) whose first pixel is their own index, for the Probe."""
    inputs = torch.zeros(n, 1, 28, 28)
    inputs[:, 0, 0, 0] = torch.arange(n, dtype=torch.float32)
    return inputs


class RecordingSGD(torch.optim.SGD):
    """SGD that keeps a copy of the gradient it was asked to step with."""

    def __init__(self, params, lr):
        super().__init__(params, lr=lr)
        self.grads = []

    def step(self, closure=None):
        grad = self.param_groups[0]["params"][0].grad
        self.grads.append(None if grad is None else grad.clone())
        return super().step(closure)


def an_epoch_on_the_probe(batch_size, n=None, on_batch=None, seed=0):
    """Run ``train_epoch`` on a Probe with a learning rate of 0; the probe, its optimizer, logits and labels."""
    n = n if n is not None else 3 * batch_size + random_int(1, batch_size - 1)  # a last batch that is not full
    logits, labels = 3 * torch.randn(n, CLASSES), torch.randint(0, CLASSES, (n,))
    probe = Probe(logits)
    optimizer = RecordingSGD(probe.parameters(), lr=0.0)
    probe.eval()  # as evaluate() leaves a model: train_epoch must switch it back
    loss = mnist.train_epoch(
        probe, indexed_inputs(n), labels, optimizer, batch_size, torch.Generator().manual_seed(seed), on_batch
    )
    return probe, optimizer, logits, labels, loss


def evaluation_probe(n):
    """A Probe whose logits get about half of ``n`` digits right (all in the early batches), and the labels."""
    logits, labels = torch.randn(n, CLASSES), torch.randint(0, CLASSES, (n,))
    labels[: n // 2] = logits[: n // 2].argmax(dim=1)  # about half right, and all of them in the early batches
    return Probe(logits), labels
