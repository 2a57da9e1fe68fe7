"""nn.Module. The lesson is README.md beside this file."""

import pickle
from pathlib import Path

import pytest
import torch
from torch import nn

from katas.testing import (
    distinct_sizes,
    expect_close,
    expect_dtype,
    expect_equal,
    expect_raises,
    expect_shape,
    explained_call,
    kata_module,
    random_int,
    random_shape,
)

nn_module = kata_module(__file__)


# Task 1: Subclassing nn.Module


@pytest.mark.task(1)
def test_mlp_is_an_nn_module_that_maps_in_features_to_out_features():
    n_in, hidden, n_out = distinct_sizes(3)
    batch = random_int(1, 6)
    model = build(nn_module.MLP, n_in, hidden, n_out)
    assert isinstance(model, nn.Module), "MLP should subclass nn.Module: class MLP(nn.Module)."
    expect_shape(model(torch.randn(batch, n_in)), (batch, n_out), f"MLP({n_in}, {hidden}, {n_out})(<batch of {batch}>)")


@pytest.mark.task(1)
def test_mlp_parameters_are_the_weights_and_biases_of_its_two_linear_layers():
    n_in, hidden, n_out = distinct_sizes(3)
    model = build(nn_module.MLP, n_in, hidden, n_out)
    got = {name: tuple(param.shape) for name, param in model.named_parameters()}
    expected = {
        "hidden.weight": (hidden, n_in),
        "hidden.bias": (hidden,),
        "output.weight": (n_out, hidden),
        "output.bias": (n_out,),
    }
    assert got == expected, (
        f"MLP({n_in}, {hidden}, {n_out}).named_parameters() gave the wrong names or shapes.\n"
        f"  expected: {expected}\n  got:      {got}\n"
        "Assigning an nn.Linear(in_features, out_features) to self.hidden registers its weight, of shape "
        "(out_features, in_features), as 'hidden.weight'."
    )


@pytest.mark.task(1)
def test_calling_the_mlp_runs_its_forward_linear_relu_linear():
    n_in, hidden, n_out = distinct_sizes(3)
    model = build(nn_module.MLP, n_in, hidden, n_out)
    calls = []
    model.register_forward_hook(lambda module, inputs, output: calls.append(output))
    x = torch.randn(16, n_in)
    result = model(x)
    assert calls, (
        "model(x) did not go through nn.Module's call machinery (its hooks never ran). "
        "Define forward() and let nn.Module.__call__ call it; do not override __call__."
    )
    expected = through_linear_layers(x, [model.hidden, model.output])
    hint = "forward should compute self.output(relu(self.hidden(x))), with no activation after the output layer."
    expect_close(result, expected, f"MLP({n_in}, {hidden}, {n_out})(x)", hint=hint)


# Task 2: Modules and torch.nn.functional


@pytest.mark.task(2)
def test_functional_mlp_matches_the_same_network_built_from_modules():
    n_in, hidden, n_out = distinct_sizes(3)
    params = {
        "hidden.weight": torch.randn(hidden, n_in),
        "hidden.bias": torch.randn(hidden),
        "output.weight": torch.randn(n_out, hidden),
        "output.bias": torch.randn(n_out),
    }
    modules = nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, n_out))
    modules.load_state_dict({name.replace("hidden", "0").replace("output", "2"): p for name, p in params.items()})
    x = torch.randn(16, n_in)
    hint = "F.linear(x, weight, bias) computes x @ weight.T + bias, like nn.Linear; F.relu is what nn.ReLU calls."
    expect_close(nn_module.functional_mlp(x, params), modules(x), "functional_mlp(x, params)", hint=hint)


# Task 3: nn.Sequential


@pytest.mark.task(3)
@pytest.mark.parametrize("depth", [1, 2, 4], ids=["one-layer", "two-layers", "four-layers"])
def test_make_sequential_puts_a_relu_between_two_linear_layers(depth):
    sizes = list(random_shape(depth + 1, high=9))
    model = nn_module.make_sequential(sizes)
    assert isinstance(model, nn.Sequential), (
        f"make_sequential({sizes}) should return an nn.Sequential, not {type(model).__name__}."
    )
    expected, got = describe_layers(linear_stack(sizes)), describe_layers(model)
    assert got == expected, (
        f"make_sequential({sizes}) holds the wrong layers.\n  expected: {expected}\n  got:      {got}\n"
        "A ReLU goes between two Linear layers; none goes after the last one."
    )


@pytest.mark.task(3)
def test_make_sequential_ends_with_a_linear_layer_so_outputs_can_be_negative():
    sizes = [*random_shape(2, low=2, high=9), 8]
    model = nn_module.make_sequential(sizes)
    x = torch.randn(64, sizes[0])
    result = model(x)
    last = [type(layer).__name__ for layer in model.children()][-1:]
    ends = f" the network ends with nn.{last[0]}()." if last and last[0] != "Linear" else ""
    assert (result < 0).any(), (
        f"Every output of make_sequential({sizes}) is >= 0:{ends} A classifier's logits or "
        "a regression's predictions must be free to be negative; end with the last nn.Linear."
    )
    linears = [layer for layer in model if isinstance(layer, nn.Linear)]
    expect_close(result, through_linear_layers(x, linears), f"make_sequential({sizes})(x)")


# Task 4: Counting and freezing parameters


@pytest.mark.task(4)
def test_count_parameters_counts_every_weight_and_bias():
    sizes = random_shape(4, high=9)
    expected = sum(n_in * n_out + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))
    got = nn_module.count_parameters(linear_stack(sizes))
    assert isinstance(got, int) and got == expected, (
        f"count_parameters(<Linear layers through {list(sizes)}>) should be the int {expected}, got {got!r}. "
        "An nn.Linear(n_in, n_out) has n_in * n_out weights and n_out biases; param.numel() counts a tensor's numbers."
    )


@pytest.mark.task(4)
def test_count_parameters_leaves_out_frozen_parameters_and_buffers():
    n_in, width, n_out = random_shape(3, low=2, high=9)
    model = nn.Sequential(nn.Linear(n_in, width), nn.BatchNorm1d(width), nn.ReLU(), nn.Linear(width, n_out))
    model[0].requires_grad_(False)
    frozen, buffers = n_in * width + width, 2 * width + 1  # BatchNorm: running_mean, running_var, num_batches_tracked
    trainable = 2 * width + width * n_out + n_out
    mistakes = {
        trainable + frozen: "It counted the frozen first layer: skip parameters whose requires_grad is False.",
        trainable + buffers: "It counted BatchNorm's buffers: count model.parameters(), not the state_dict().",
        trainable + frozen + buffers: "It counted everything in the state_dict(): frozen parameters and buffers too.",
    }
    got = nn_module.count_parameters(model)
    assert got == trainable, (
        f"count_parameters(<Linear, BatchNorm1d, ReLU, Linear with the first Linear frozen>) should be {trainable}, "
        f"but it returned {got!r}. " + mistakes.get(got, "")
    )


@pytest.mark.task(4)
def test_count_parameters_counts_parameters_at_every_depth_of_any_module():
    width, n_in, n_out, scales = random_shape(4, low=2, high=9)
    model = Nested(width, n_in, n_out, scales)
    model.body[2].bias.requires_grad_(False)  # one frozen tensor in a layer whose weight still trains
    top, first, last_weight, frozen_bias = scales, n_in * width + width, width * n_out, n_out
    trainable = top + first + last_weight
    mistakes = {
        first + last_weight: "It missed model.scale, a parameter of the model itself: count model.parameters(), "
        "which walks the model and every submodule, not only model.children().",
        top + first: "It skipped the whole last layer because its bias is frozen: requires_grad belongs to each "
        "tensor, so decide parameter by parameter.",
        trainable + frozen_bias: "It counted the frozen bias: skip parameters whose requires_grad is False.",
    }
    described = f"<a module with a parameter of {scales}, and Linear({n_in}, {width}), ReLU, Linear({width}, {n_out}) "
    described += "whose bias is frozen>"
    got = explained_call(
        nn_module.count_parameters,
        model,
        call=f"count_parameters({described})",
        explanations={
            "is not iterable": "count_parameters gets any nn.Module, not only an nn.Sequential: model.parameters() "
            "yields the parameters of the model and of every submodule."
        },
    )
    assert got == trainable, f"count_parameters({described}) should be {trainable}, but it returned {got!r}. " + (
        mistakes.get(got, "")
    )


@pytest.mark.task(4)
@pytest.mark.parametrize("layers", ["relu-between", "no-activations", "last-without-bias"])
def test_freeze_all_but_last_leaves_only_the_last_layer_trainable(layers):
    sizes = random_shape(4, low=2, high=9)
    model = FREEZABLE[layers](sizes)
    last = len(model) - 1
    nn_module.freeze_all_but_last(model)
    trainable = [name for name, param in model.named_parameters() if param.requires_grad]
    expected = [name for name, _ in model.named_parameters() if name.startswith(f"{last}.")]
    assert trainable == expected, (
        f"After freeze_all_but_last({describe_layers(model)}), the trainable parameters should be {expected}, but "
        f"they are {trainable}. Freeze a tensor with param.requires_grad_(False), or a whole module with "
        "module.requires_grad_(False). Every layer before model[-1] may hold parameters, however many it holds: "
        "freeze model[:-1], or all of model and then unfreeze model[-1]."
    )
    model(torch.randn(8, sizes[0])).sum().backward()
    with_grad = [name for name, param in model.named_parameters() if param.grad is not None]
    assert with_grad == expected, f"After backward(), only {expected} should have a .grad; these do: {with_grad}."


# Task 5: nn.ModuleList


@pytest.mark.task(5)
def test_deep_mlp_registers_every_layer_so_named_parameters_and_state_dict_see_them():
    sizes = deep_sizes()
    model = build(nn_module.DeepMLP, sizes)
    expected = [f"layers.{index}.{kind}" for index in range(len(sizes) - 1) for kind in ("weight", "bias")]
    names = [name for name, _ in model.named_parameters()]
    assert names == expected, (
        f"DeepMLP({sizes}).named_parameters() should name {expected}, but names {names}.\n{layers_hint(model)}"
    )
    assert list(model.state_dict()) == expected, (
        f"DeepMLP({sizes}).state_dict() should hold {expected}, but holds {list(model.state_dict())}."
        f"\n{layers_hint(model)}"
    )


@pytest.mark.task(5)
def test_a_gradient_step_over_deep_mlp_parameters_trains_every_layer():
    sizes = deep_sizes()
    model = build(nn_module.DeepMLP, sizes)
    params = list(model.parameters())
    assert params, (
        f"DeepMLP({sizes}).parameters() is empty, so torch.optim.SGD(model.parameters()) would have nothing to train."
        f"\n{layers_hint(model)}"
    )
    before = [layer.weight.detach().clone() for layer in model.layers]
    model(torch.randn(32, sizes[0])).square().mean().backward()
    with torch.no_grad():
        for param in params:  # what an optimizer's step() does with the parameters it was given
            param -= 0.1 * param.grad
    untrained = [index for index, layer in enumerate(model.layers) if torch.equal(layer.weight, before[index])]
    assert not untrained, (
        f"After one gradient step on DeepMLP({sizes}).parameters(), the weights of layers {untrained} had not changed: "
        f"an optimizer given model.parameters() would never train them.\n{layers_hint(model)}"
    )


@pytest.mark.task(5)
def test_deep_mlp_to_moves_every_layer(device):
    sizes = deep_sizes()
    model = build(nn_module.DeepMLP, sizes).to(device, torch.float64)
    left_behind = [
        f"layers[{index}] ({layer.weight.dtype} on {layer.weight.device})"
        for index, layer in enumerate(model.layers)
        if layer.weight.dtype != torch.float64 or layer.weight.device.type != device.type
    ]
    assert not left_behind, (
        f"DeepMLP({sizes}).to({device.type!r}, torch.float64) did not move {left_behind}.\n{layers_hint(model)}"
    )
    result = model(torch.randn(4, sizes[0], dtype=torch.float64, device=device))
    expect_dtype(result, torch.float64, f"DeepMLP({sizes}).to({device.type!r}, torch.float64)(x)")


@pytest.mark.task(5)
@pytest.mark.parametrize("depth", ["several-layers", "one-layer"])
def test_deep_mlp_applies_relu_between_layers_but_not_after_the_last(depth):
    sizes = deep_sizes() if depth == "several-layers" else list(distinct_sizes(2))
    model = build(nn_module.DeepMLP, sizes)
    x = torch.randn(16, sizes[0])
    hint = "Apply ReLU after every layer but the last: the network must be able to output negative numbers."
    call = f"DeepMLP({sizes})(x)"
    one_layer = "With one layer there is no ReLU at all: run every layer once, the last one without ReLU."
    explanations = {"cannot be multiplied": one_layer} if depth == "one-layer" else {}
    got = explained_call(model, x, call=call, explanations=explanations)
    expect_close(got, through_linear_layers(x, list(model.layers)), call, hint=hint)


# Task 6: Buffers


@pytest.mark.task(6)
def test_running_mean_is_a_buffer_saved_in_the_state_dict_but_not_a_parameter():
    n = random_int(2, 9)
    model = build(nn_module.RunningMean, n)
    params = [name for name, _ in model.named_parameters()]
    assert not params, (
        f"RunningMean({n}) has parameters {params}. An nn.Parameter is something the optimizer learns, and it would "
        "change the running mean with gradient steps; register the mean with self.register_buffer('mean', ...)."
    )
    assert list(model.state_dict()) == ["mean"], (
        f"RunningMean({n}).state_dict() should hold 'mean' and nothing else; it holds {list(model.state_dict())}. "
        + (
            "A tensor kept as a plain attribute (self.mean = torch.zeros(...)) is not saved; register_buffer saves it."
            if "mean" not in model.state_dict()
            else "Register the mean, and only the mean: self.register_buffer('mean', ...)."
        )
    )
    expect_equal(model.mean, torch.zeros(n), f"RunningMean({n}).mean before any batch")


@pytest.mark.task(6)
def test_running_mean_updates_with_momentum_in_training_mode_only_and_outside_autograd():
    n, batch = random_shape(2, low=2, high=9)
    momentum = 0.25
    model = build(nn_module.RunningMean, n, momentum)
    call = f"RunningMean({n}, momentum={momentum})"
    expected_mean = torch.zeros(n)
    for step in range(2):
        x = torch.randn(batch, n, requires_grad=True)
        result = model(x)
        expected_mean = (1 - momentum) * expected_mean + momentum * x.detach().mean(dim=0)
        expect_close(model.mean, expected_mean, f"{call}.mean after {step + 1} batch(es) in training mode")
        assert model.mean.grad_fn is None, (
            f"{call}.mean was recorded by autograd: the update ran on a tensor that requires grad. Update it "
            "inside `with torch.no_grad():` (or from x.detach()): it is statistics, not part of the graph."
        )
        hint = "In training mode, update the mean first, then subtract it."
        expect_close(result, x.detach() - expected_mean, f"{call}(x) in training mode", hint=hint)
    model.eval()
    x = torch.randn(batch, n)
    result = model(x)
    hint = "In evaluation mode (self.training is False) the running mean must not change."
    expect_close(model.mean, expected_mean, f"{call}.mean after a batch in evaluation mode", hint=hint)
    expect_close(result, x - expected_mean, f"{call}(x) in evaluation mode")


@pytest.mark.task(6)
def test_running_mean_momentum_defaults_to_one_tenth():
    n, batch = random_shape(2, low=2, high=9)
    model = build(nn_module.RunningMean, n)
    x = torch.randn(batch, n)
    model(x)
    expect_close(
        model.mean,
        0.1 * x.mean(dim=0),
        f"RunningMean({n}).mean after one batch, with momentum left at its default",
        hint="momentum=0.1 is the documented default: (1 - 0.1) * 0 + 0.1 * x.mean(dim=0).",
    )


@pytest.mark.task(6)
def test_running_mean_follows_the_mode_not_whether_autograd_is_recording():
    n, batch = random_shape(2, low=2, high=9)
    model = build(nn_module.RunningMean, n, 0.5)
    x = torch.randn(batch, n)
    with torch.no_grad():  # training mode, but nothing records (say, a forward pass to warm up the statistics)
        model(x)
    hint = (
        "self.training is the mode, and only the mode decides: torch.no_grad() switches off recording, not "
        "training mode (README.md, Task 7)."
    )
    expect_close(
        model.mean, 0.5 * x.mean(dim=0), "RunningMean(n, 0.5).mean after a batch under torch.no_grad()", hint=hint
    )
    model.eval()
    model(torch.randn(batch, n, requires_grad=True))  # evaluation mode, with autograd recording
    expect_close(
        model.mean, 0.5 * x.mean(dim=0), "RunningMean(n, 0.5).mean after a batch in evaluation mode", hint=hint
    )


@pytest.mark.task(6)
def test_running_mean_moves_with_the_module(device):
    n = random_int(2, 9)
    model = build(nn_module.RunningMean, n).to(device, torch.float64)
    mean = model.mean
    assert mean.dtype == torch.float64 and mean.device.type == device.type, (
        f"After RunningMean({n}).to({device.type!r}, torch.float64), its mean is still {mean.dtype} on {mean.device}. "
        ".to() moves parameters and buffers, not plain tensor attributes: use self.register_buffer('mean', ...)."
    )


# Task 7: Training and evaluation modes


@pytest.mark.task(7)
def test_predict_switches_dropout_off_and_builds_no_graph():
    n_in = random_int(2, 9)
    model = dropout_model(n_in)  # a new module starts in training mode
    recording = []
    model[0].register_forward_hook(lambda module, inputs, output: recording.append(output.requires_grad))
    x = torch.randn(16, n_in)
    first, second = nn_module.predict(model, x), nn_module.predict(model, x)
    detached = isinstance(first, torch.Tensor) and not first.requires_grad
    assert not any(recording), (
        "predict(model, x) ran the model with autograd recording: its first layer's output required grad. "
        + "Detaching the result afterwards still builds the whole graph first. " * detached
        + "Run the model inside `with torch.no_grad():`."
    )
    with torch.no_grad():
        expected = model.eval()(x)
    hint = (
        "In training mode, dropout zeroes random activations and scales the others by 1 / (1 - p), so two calls "
        "disagree. model.eval() turns dropout into the identity."
    )
    expect_close(first, expected, "predict(model, x) for a model with dropout", hint=hint)
    expect_equal(second, first, "predict(model, x) called twice", hint=hint)
    assert not first.requires_grad, (
        "predict(model, x) returned a tensor that requires grad: autograd recorded a graph nobody will use. "
        "Run the model inside `with torch.no_grad():`."
    )
    assert torch.is_grad_enabled(), (
        "After predict(model, x), gradient tracking is still off for everybody. `with torch.no_grad():` "
        "switches it back on at the end of the block; torch.set_grad_enabled(False) on its own does not."
    )


@pytest.mark.task(7)
@pytest.mark.parametrize("training", [True, False], ids=["training-mode", "evaluation-mode"])
def test_predict_puts_the_model_back_in_the_mode_it_found(training):
    n_in = random_int(2, 9)
    model = dropout_model(n_in).train(training)
    nn_module.predict(model, torch.randn(4, n_in))
    wrong = [name or "model" for name, module in model.named_modules() if module.training != training]
    found, left = ("training", "evaluation") if training else ("evaluation", "training")
    assert not wrong, (
        f"predict(model, x) was given a model in {found} mode and left it in {left} mode (modules {wrong}). "
        "Remember model.training before switching to eval, and restore it with model.train(was_training)."
    )


# Task 8: Convolution output shapes


@pytest.mark.task(8)
@pytest.mark.parametrize(
    "settings",
    [
        {"size": 28, "kernel_size": 5, "stride": 1, "padding": 0, "dilation": 1},
        {"size": 32, "kernel_size": 3, "stride": 1, "padding": 1, "dilation": 1},
        {"size": 10, "kernel_size": 3, "stride": 2, "padding": 0, "dilation": 1},
        {"size": 11, "kernel_size": 3, "stride": 2, "padding": 0, "dilation": 1},
        {"size": 20, "kernel_size": 3, "stride": 1, "padding": 0, "dilation": 3},
        {"size": 17, "kernel_size": 4, "stride": 3, "padding": 2, "dilation": 2},
        {"size": 28, "kernel_size": 5},
        {"size": 11, "kernel_size": 3, "stride": 2},
        {"size": 20, "kernel_size": 3, "padding": 2},
        {"size": 20, "kernel_size": 3, "dilation": 3},
    ],
    ids=[
        "valid",
        "same-padding",
        "stride-rounds-down",
        "stride-divides",
        "dilation",
        "everything",
        "defaults",
        "default-padding-and-dilation",
        "default-stride-and-dilation",
        "default-stride-and-padding",
    ],
)
def test_conv2d_output_size_follows_the_formula_of_the_conv2d_docs(settings):
    expected = real_conv2d_output_size(**settings)
    got = nn_module.conv2d_output_size(**settings)
    left_out = [key for key in ("stride", "padding", "dilation") if key not in settings]
    defaults = f" ({', '.join(left_out)} left at the defaults: stride=1, padding=0, dilation=1)" if left_out else ""
    assert type(got) is int and got == expected, (
        f"conv2d_output_size({settings_text(settings)}){defaults} should be the int {expected}, but it is {got!r}. "
        "A dilated kernel spans dilation * (kernel_size - 1) + 1 inputs, and a stride that does not fit "
        "evenly rounds down (floor division //)."
    )


@pytest.mark.task(8)
def test_conv2d_output_size_matches_a_real_conv2d_on_random_settings():
    for _ in range(20):
        settings = random_conv_settings()
        expected = real_conv2d_output_size(**settings)
        got = nn_module.conv2d_output_size(**settings)
        assert type(got) is int and got == expected, (
            f"conv2d_output_size({settings_text(settings)}) should be the int {expected}, as nn.Conv2d says, "
            f"but it is {got!r}."
        )


@pytest.mark.task(8)
def test_conv2d_output_shape_matches_what_the_conv2d_returns():
    # First rows and columns that differ in every setting, so that mixing any of them up changes the shape.
    unlike = {"size": 23, "kernel_size": 2, "stride": 3, "padding": 0, "dilation": 1}
    unlike_too = {"size": 16, "kernel_size": 3, "stride": 1, "padding": 2, "dilation": 2}
    random_pairs = [(random_conv_settings(), random_conv_settings()) for _ in range(10)]
    for rows, cols in [(unlike, unlike_too), (unlike_too, unlike), *random_pairs]:
        channels_in, channels_out = distinct_sizes(2)
        conv = nn.Conv2d(
            channels_in,
            channels_out,
            **{key: (rows[key], cols[key]) for key in ("kernel_size", "stride", "padding", "dilation")},
            device="meta",
        )
        input_shape = (random_int(1, 6), channels_in, rows["size"], cols["size"])
        expected = tuple(conv(torch.empty(input_shape, device="meta")).shape)
        got = nn_module.conv2d_output_shape(conv, input_shape)
        assert tuple(got) == expected and all(type(size) is int for size in got), (
            f"conv2d_output_shape({conv}, {input_shape}) should be {expected}, but it is {got!r}. "
            "The channels come from conv.out_channels; each spatial size follows its own entry of "
            "conv.kernel_size, conv.stride, conv.padding and conv.dilation (tuples: rows, then columns)."
        )


# Task 9: Saving and loading a state_dict


@pytest.mark.task(9)
def test_weights_survive_a_round_trip_through_a_file(tmp_path):
    sizes = random_shape(3, low=2, high=9)
    model = batchnorm_model(*sizes)
    batchnorm = model[1]
    batchnorm.running_mean.normal_()  # the buffers that training would have moved away from their start
    batchnorm.running_var.uniform_(0.5, 2.0)
    path = tmp_path / "weights.pt"
    nn_module.save_weights(model, path)
    fresh = batchnorm_model(*sizes)
    nn_module.load_weights(fresh, path)
    x = torch.randn(8, sizes[0])
    hint = "Save model.state_dict() with torch.save; load it with torch.load, then fresh.load_state_dict(...)."
    expect_equal(fresh.eval()(x), model.eval()(x), "a fresh model after load_weights(fresh, path), in eval mode", hint)


@pytest.mark.task(9)
def test_save_weights_writes_a_state_dict_of_tensors_not_the_model_object(tmp_path):
    model = batchnorm_model(*random_shape(3, low=2, high=9))
    path = tmp_path / "weights.pt"
    nn_module.save_weights(model, path)
    try:
        saved = torch.load(path, weights_only=True)
    except pickle.UnpicklingError:
        saved = None
    if saved is None:  # fail outside the except block, so that the failure does not repeat torch's long error
        pytest.fail(
            "save_weights(model, path) pickled the model object itself: loading it needs the class's code, and "
            "torch.load(path, weights_only=True) refuses it. Save model.state_dict() instead.",
            pytrace=False,
        )
    expected = model.state_dict()
    keys = list(saved) if isinstance(saved, dict) else saved
    assert isinstance(saved, dict) and keys == list(expected), (
        f"save_weights(model, path) should save model.state_dict(), with keys {list(expected)}; "
        f"it saved {keys!r:.300}."
        + (
            " (named_parameters() leaves out the buffers, BatchNorm's running statistics.)"
            if keys == [name for name, _ in model.named_parameters()]
            else ""
        )
    )
    for key, tensor in expected.items():
        expect_equal(saved[key], tensor, f"the saved {key!r}")


@pytest.mark.task(9)
def test_load_weights_refuses_weights_whose_names_do_not_match(tmp_path):
    n_in, width = random_shape(2, low=2, high=9)
    small = nn.Sequential(nn.Linear(n_in, width), nn.ReLU(), nn.Linear(width, width))
    large = nn.Sequential(nn.Linear(n_in, width), nn.ReLU(), nn.Linear(width, width), nn.Linear(width, width))
    mismatches = [
        (small, large, "'3.weight' and '3.bias' missing"),
        (large, small, "the extra keys '3.weight' and '3.bias'"),
    ]  # load_state_dict's RuntimeError lists the names that do not match (README.md, Task 9)
    for source, target, problem in mismatches:
        path = tmp_path / "weights.pt"
        torch.save(source.state_dict(), path)
        expect_raises(
            RuntimeError,
            nn_module.load_weights,
            target,
            path,
            call=f"load_weights(<a model with the keys {list(target.state_dict())}>, <a state_dict with {problem}>)",
            hint="load_state_dict's default, strict=True, raises a RuntimeError that names the keys that do not match; "
            "strict=False skips them and leaves random weights in place.",
            naming=("3.weight", "3.bias"),
        )


@pytest.mark.task(9)
def test_load_weights_never_runs_code_that_the_file_carries(tmp_path):
    model = batchnorm_model(*random_shape(3, low=2, high=9))
    ran = tmp_path / "the-file-ran-code"
    path = tmp_path / "weights.pt"
    torch.save({**model.state_dict(), "payload": RunsOnLoad(ran)}, path)  # unpickling it creates the file `ran`
    try:
        nn_module.load_weights(model, path)
    except NotImplementedError:
        raise
    except Exception:  # refusing the file is right; running its code is not
        pass
    assert not ran.exists(), (
        "load_weights(model, path) unpickled an object that the file carried, and so ran its code: a downloaded "
        "weights file could do anything. Load with torch.load(path, weights_only=True), which accepts only "
        "tensors and plain containers (README.md, Task 9)."
    )


# --- Helpers ---


class RunsOnLoad:
    """Pickles into a call of ``Path.touch(path)``: loading it with plain pickle creates ``path``."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return Path.touch, (self.path,)


def layers_hint(model):
    """What to say of a DeepMLP whose layers nn.Module does not see: the plain list it keeps them in, if it does."""
    in_a_list = any(
        isinstance(value, list | tuple) and any(isinstance(item, nn.Module) for item in value)
        for value in vars(model).values()
    )
    return PLAIN_LIST_HINT if in_a_list else "Keep the layers in an nn.ModuleList assigned to self.layers."


PLAIN_LIST_HINT = (
    "Layers kept in a plain Python list are invisible to nn.Module: model.parameters() and state_dict() skip them, "
    "so an optimizer would not train them and .to() would not move them. Use nn.ModuleList."
)


def build(cls, *args):
    """``cls(*args)``, failing with a pointer to ``super().__init__()`` when the learner's __init__ forgot it."""
    __tracebackhide__ = True
    super_init = (
        f"The first line of {cls.__name__}.__init__ must be super().__init__(): it sets up the dictionaries "
        "in which nn.Module records layers, parameters and buffers."
    )
    call = f"{cls.__name__}({', '.join(map(repr, args))})"
    return explained_call(cls, *args, call=call, explanations={"before Module.__init__() call": super_init})


def linear_stack(sizes):
    """Linear layers through ``sizes`` with a ReLU between two layers: what make_sequential should build."""
    layers = [nn.Linear(n_in, n_out) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    return nn.Sequential(*[module for layer in layers for module in (layer, nn.ReLU())][:-1])


def through_linear_layers(x, linears):
    """``x`` through ``linears``, with ReLU between two layers, computed here by hand."""
    for layer in linears[:-1]:
        x = torch.relu(x @ layer.weight.T + layer.bias)
    return x @ linears[-1].weight.T + linears[-1].bias


def back_to_back_model(sizes):
    """Linear layers through ``sizes`` with nothing between them: every layer holds parameters."""
    return nn.Sequential(*[nn.Linear(n_in, n_out) for n_in, n_out in zip(sizes[:-1], sizes[1:])])


def no_bias_model(sizes):
    """Dropout, Linear, BatchNorm1d, ReLU, then a last Linear without bias: a last layer with a single parameter."""
    n_in, width, _, n_out = sizes
    return nn.Sequential(
        nn.Dropout(0.1), nn.Linear(n_in, width), nn.BatchNorm1d(width), nn.ReLU(), nn.Linear(width, n_out, bias=False)
    )


FREEZABLE = {"relu-between": linear_stack, "no-activations": back_to_back_model, "last-without-bias": no_bias_model}


class Nested(nn.Module):
    """A model with a parameter of its own (scale) beside a submodule (body): not an nn.Sequential."""

    def __init__(self, width, n_in, n_out, scales):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(scales))
        self.body = nn.Sequential(nn.Linear(n_in, width), nn.ReLU(), nn.Linear(width, n_out))


def describe_layers(model):
    """The layers of ``model`` in a form that shows their kind and, for Linear layers, their sizes."""
    return [
        f"Linear({layer.in_features}, {layer.out_features})" if isinstance(layer, nn.Linear) else type(layer).__name__
        for layer in model
    ]


def deep_sizes():
    """The sizes of a DeepMLP with 3 to 5 layers."""
    return list(random_shape(random_int(3, 5) + 1, low=3, high=9))


def dropout_model(n_in):
    """A small network with dropout in the middle."""
    return nn.Sequential(nn.Linear(n_in, 32), nn.ReLU(), nn.Dropout(p=0.5), nn.Linear(32, 4))


def real_conv2d_output_size(size, **settings):
    """The output size that nn.Conv2d itself produces (with its own defaults for the settings left out)."""
    conv = nn.Conv2d(1, 1, **settings, device="meta")  # meta: shapes only, no numbers
    return conv(torch.empty(1, 1, size, size, device="meta")).shape[-1]


def random_conv_settings():
    """The settings of a random convolution along one dimension, with an input long enough for it."""
    kernel_size, stride, padding, dilation = random_int(1, 5), random_int(1, 3), random_int(0, 2), random_int(1, 3)
    reach = dilation * (kernel_size - 1) + 1  # how many inputs one output's kernel spans
    size = max(1, reach - 2 * padding) + random_int(0, 8)
    return {"size": size, "kernel_size": kernel_size, "stride": stride, "padding": padding, "dilation": dilation}


def settings_text(settings):
    """``settings`` as keyword arguments, for a failure message."""
    return ", ".join(f"{key}={value}" for key, value in settings.items())


def batchnorm_model(n_in, width, n_out):
    """A small network with both parameters and buffers (BatchNorm's running statistics)."""
    return nn.Sequential(nn.Linear(n_in, width), nn.BatchNorm1d(width), nn.ReLU(), nn.Linear(width, n_out))
