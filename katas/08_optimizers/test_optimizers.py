"""Optimizers. The lesson is README.md beside this file."""

import copy
import importlib

import pytest
import torch
from torch import nn

from katas.testing import by_hand, expect_close, explained_call, kata_module, random_shape

optimizers = kata_module(__file__)

POSITIONS = ["first", "middle", "last"]  # where the parameter that often has no gradient sits in the list
MODELS = ["tanh-second", "layer-norm-second", "first-without-bias"]  # nn.Sequential models for slower_first_layer


# Task 1: SGD with momentum and weight decay


@pytest.mark.task(1)
def test_sgd_is_a_torch_optimizer_that_keeps_its_settings_in_param_groups():
    params = list(LeastSquares().fresh_parameters().values())
    settings = dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)
    optimizer = optimizers.SGD(params, **settings)
    assert isinstance(optimizer, torch.optim.Optimizer), "SGD should be a subclass of torch.optim.Optimizer."
    assert hasattr(optimizer, "param_groups"), (
        "SGD(...) has no param_groups: its __init__ must call super().__init__(params, defaults)."
    )
    group = optimizer.param_groups[0]
    same_params = len(group["params"]) == len(params) and all(p is q for p, q in zip(group["params"], params))
    assert len(optimizer.param_groups) == 1 and same_params, (
        "SGD(params, ...) should hold one parameter group with the parameters it was given, in order."
    )
    wrong = {key: group.get(key) for key, value in settings.items() if group.get(key) != value}
    assert not wrong, f"{describe('SGD', settings)}: the parameter group should hold each setting; it has {wrong}."
    for param in params:
        param.grad = torch.ones_like(param)
    optimizer.zero_grad()
    assert all(param.grad is None for param in params), "SGD's zero_grad() (inherited) should set every .grad to None."


@pytest.mark.task(1)
def test_sgd_without_momentum_moves_each_parameter_by_lr_times_its_gradient():
    problem = LeastSquares()
    params = problem.fresh_parameters()
    problem.compute_gradients(params)
    expected = {name: param.detach() - 0.1 * param.grad for name, param in params.items() if param.grad is not None}
    take_step(optimizers.SGD(list(params.values()), lr=0.1), "SGD(lr=0.1)")
    for name, value in expected.items():
        expect_close(params[name], value, f"the {name} after one step of SGD(lr=0.1)", hint="θ ← θ − γ·g.")


@pytest.mark.task(1)
@pytest.mark.parametrize(
    "settings",
    [
        dict(),
        dict(lr=0.05),
        dict(lr=0.05, momentum=0.9),
        dict(lr=0.05, weight_decay=1e-2),
        dict(lr=0.05, dampening=0.5),
        dict(lr=0.05, momentum=0.9, dampening=0.5, weight_decay=1e-2),
    ],
    ids=["defaults", "plain", "momentum", "weight-decay", "dampening-without-momentum", "everything"],
)
def test_sgd_follows_torch_optim_sgd_for_10_steps(settings):
    expect_same_steps("SGD", settings)


@pytest.mark.task(1)
def test_sgd_starts_the_momentum_buffer_at_the_first_gradient():
    expect_same_steps(
        "SGD",
        dict(lr=0.05, momentum=0.9, dampening=0.5),
        steps=3,
        hint="torch starts the momentum buffer at the first gradient, b₁ = g₁, not at zero: "
        "dampening only applies from step 2 on. Store a copy (clone) of it: the next backward may overwrite .grad.",
    )


@pytest.mark.task(1)
def test_sgd_adds_weight_decay_to_the_gradient_before_momentum():
    expect_same_steps(
        "SGD",
        dict(lr=0.05, momentum=0.9, weight_decay=0.1),
        steps=5,
        hint="g ← g + λ·θ comes first; the momentum buffer then averages this decayed gradient.",
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("position", POSITIONS)
def test_sgd_step_skips_parameters_without_a_gradient(position):
    expect_same_steps(
        "SGD",
        dict(lr=0.1, momentum=0.9, weight_decay=0.1),
        steps=4,
        position=position,
        hint=skip_hint(position),
    )


@pytest.mark.task(1)
def test_sgd_without_momentum_keeps_no_momentum_buffer():
    problem = LeastSquares()
    params = problem.fresh_parameters()
    settings = dict(lr=0.05)
    optimizer = optimizers.SGD(list(params.values()), **settings)
    for step in range(1, 4):
        problem.compute_gradients(params, step)
        take_step(optimizer, describe("SGD", settings))
    names = {param: name for name, param in params.items()}
    kept = {
        THE[names[p]]: sorted(k for k, v in state.items() if torch.is_tensor(v)) for p, state in optimizer.state.items()
    }
    kept = {name: keys for name, keys in kept.items() if keys}
    assert not kept, (
        f"your {describe('SGD', settings)} keeps tensors in its state after 3 steps: {kept}. With momentum 0 the "
        "update is θ ← θ − γ·g: torch keeps no buffer, and each one costs a copy of its parameter. "
        "Only touch self.state[p] when momentum ≠ 0."
    )


@pytest.mark.task(1)
def test_sgd_multiplies_the_momentum_buffer_by_the_current_learning_rate():
    expect_same_steps(
        "SGD",
        dict(lr=0.05, momentum=0.9, dampening=0.5),
        steps=12,
        lr_factor=lambda step: 0.5 ** (step // 4),
        hint="Here the lr halves every 4 steps, as a learning-rate scheduler changes group['lr']. "
        "θ ← θ − γ·b multiplies the buffer by the current γ; a buffer that takes in γ·g (b ← μ·b + γ·g) "
        "keeps the old learning rates in it, and agrees with torch only while γ stays the same.",
    )


@pytest.mark.task(1)
def test_sgd_step_changes_the_parameters_in_place_without_recording_autograd_history():
    problem = LeastSquares()
    params = problem.fresh_parameters()
    problem.compute_gradients(params)
    settings = dict(lr=0.1, momentum=0.9, weight_decay=0.1)
    optimizer = optimizers.SGD(list(params.values()), **settings)
    take_step(optimizer, describe("SGD", settings))
    assert not torch.equal(params["weight"].detach(), problem.start["weight"]), (
        "SGD.step() left the weight unchanged: change the parameter itself, with an in-place method such as "
        "p.add_(...). Code that makes a new tensor, such as `p = p - lr * grad`, only rebinds a local name."
    )
    assert all(param.is_leaf and param.requires_grad for param in params.values()), (
        "After SGD.step() the parameters should still be leaf tensors that require grad: "
        "do the update under torch.no_grad(), so that autograd does not record it."
    )
    assert torch.is_grad_enabled(), "SGD.step() switched grad mode off for everyone: use @torch.no_grad() on step."
    expect_state_without_autograd_history(optimizer, describe("SGD", settings))


# Task 2: RMSprop


@pytest.mark.task(2)
@pytest.mark.parametrize(
    "settings",
    [
        dict(),
        dict(lr=0.01),
        dict(lr=0.01, alpha=0.9),
        dict(lr=0.01, weight_decay=1e-2),
        dict(lr=0.01, alpha=0.9, eps=1e-3, weight_decay=1e-2),
    ],
    ids=["defaults", "default-alpha", "alpha-0.9", "weight-decay", "everything"],
)
def test_rmsprop_follows_torch_optim_rmsprop_for_10_steps(settings):
    expect_same_steps("RMSprop", settings)


@pytest.mark.task(2)
def test_rmsprop_keeps_a_fraction_alpha_of_the_old_square_average():
    expect_same_steps(
        "RMSprop",
        dict(lr=0.01, alpha=0.9),
        steps=3,
        hint="v ← α·v + (1 − α)·g²: alpha weighs the OLD average, so after the first step v = (1 − α)·g².",
    )


@pytest.mark.task(2)
@pytest.mark.parametrize("position", POSITIONS)
def test_rmsprop_step_skips_parameters_without_a_gradient(position):
    expect_same_steps("RMSprop", dict(lr=0.01, weight_decay=0.1), steps=4, position=position, hint=skip_hint(position))


@pytest.mark.task(2)
def test_rmsprop_adds_eps_after_the_square_root():
    expect_same_steps(
        "RMSprop",
        dict(lr=0.01, eps=0.1),
        steps=3,
        hint="θ ← θ − γ·g / (√v + ε): ε is added to the square root, not under it.",
    )


# Task 3: Adam


@pytest.mark.task(3)
@pytest.mark.parametrize(
    "settings",
    [
        dict(),
        dict(lr=0.01),
        dict(lr=0.01, betas=(0.8, 0.99)),
        dict(lr=0.01, weight_decay=1e-2),
        dict(lr=0.01, betas=(0.5, 0.9), eps=1e-3, weight_decay=1e-2),
    ],
    ids=["defaults", "default-betas", "other-betas", "weight-decay", "everything"],
)
def test_adam_follows_torch_optim_adam_for_10_steps(settings):
    expect_same_steps("Adam", settings)


@pytest.mark.task(3)
def test_adams_first_step_moves_every_parameter_by_about_lr():
    problem = LeastSquares()
    params = problem.fresh_parameters()
    problem.compute_gradients(params)
    lr, eps = 0.01, 1e-8
    expected = {name: lr * p.grad.abs() / (p.grad.abs() + eps) for name, p in params.items() if p.grad is not None}
    take_step(optimizers.Adam(list(params.values()), lr=lr, eps=eps), "Adam(lr=0.01)")
    corrected = "After bias correction m̂₁ = g₁ and v̂₁ = g₁², so the first step moves by about γ."
    uncorrected = (1 - 0.9) / (1 - 0.999) ** 0.5  # how much larger a first step without bias correction is
    for name, distance in expected.items():
        expect_close(
            (params[name] - problem.start[name]).abs(),
            distance,
            f"how far the {name} moved in the first step of Adam(lr=0.01)",
            **TOLERANCE,
            hint=corrected,
            mistakes=[
                (
                    distance * uncorrected,
                    f"{corrected} Your step is (1 − β₁)/√(1 − β₂) ≈ 3.2 times larger, as without it: divide m by "
                    "1 − β₁ᵗ and v by 1 − β₂ᵗ.",
                )
            ],
        )


@pytest.mark.task(3)
def test_adam_counts_steps_from_one_in_the_bias_correction():
    expect_same_steps(
        "Adam",
        dict(lr=0.01, betas=(0.5, 0.9)),
        steps=5,
        hint="t is 1 on the first step, 2 on the second, ... for each parameter: "
        "keep the count in self.state[p] and add 1 before you use it.",
    )


@pytest.mark.task(3)
@pytest.mark.parametrize("position", POSITIONS)
def test_adam_step_skips_parameters_without_a_gradient(position):
    expect_same_steps("Adam", dict(lr=0.01, weight_decay=0.1), steps=4, position=position, hint=skip_hint(position))


@pytest.mark.task(3)
def test_adam_adds_eps_after_the_square_root():
    expect_same_steps(
        "Adam",
        dict(lr=0.01, eps=0.1),
        steps=3,
        hint="θ ← θ − γ·m̂ / (√v̂ + ε): ε is added to the square root, not under it.",
    )


# Task 4: Parameter groups


@pytest.mark.task(4)
@pytest.mark.parametrize("kind", MODELS)
def test_slower_first_layer_puts_every_parameter_in_exactly_one_group(kind):
    model = three_layer_model(kind)
    optimizer = slower_first_layer_of(model)
    assert isinstance(optimizer, torch.optim.Optimizer), (
        f"slower_first_layer(...) should return a torch.optim.SGD, not {type(optimizer).__name__}."
    )
    grouped = [param for group in optimizer.param_groups for param in group["params"]]
    missing = [name for name, param in model.named_parameters() if not any(param is other for other in grouped)]
    assert not missing, f"slower_first_layer(...) left these parameters out of every group; they never train: {missing}"
    assert len(grouped) == len(list(model.parameters())), (
        f"slower_first_layer(...)'s groups hold {len(grouped)} tensors for the model's "
        f"{len(list(model.parameters()))} parameters: each belongs to exactly one group."
    )


@pytest.mark.task(4)
@pytest.mark.parametrize("kind", MODELS)
def test_slower_first_layer_steps_the_first_layer_with_its_own_learning_rate(kind):
    model = three_layer_model(kind)
    optimizer = slower_first_layer_of(model)
    lrs = {name: 0.01 if name.startswith("0.") else 0.1 for name, _ in model.named_parameters()}
    for step in (1, 2):
        for param in model.parameters():
            param.grad = torch.randn_like(param)
        expected = {name: p.detach() - lrs[name] * p.grad for name, p in model.named_parameters()}
        optimizer.step()
        for name, param in model.named_parameters():
            expect_close(
                param,
                expected[name],
                f"model.{name} after step {step} of slower_first_layer(model, lr=0.1, first_layer_lr=0.01)",
                hint="model[0]'s parameters move with lr 0.01, every other parameter with 0.1, each step by "
                "lr times its own gradient: plain SGD, no momentum.",
            )


@pytest.mark.task(4)
@pytest.mark.parametrize(
    ("name", "settings", "group_settings"),
    [
        ("SGD", dict(lr=0.05, momentum=0.9), dict(lr=0.01, momentum=0.5)),
        ("RMSprop", dict(lr=0.01), dict(lr=0.002, alpha=0.9)),
        ("Adam", dict(lr=0.01), dict(lr=0.05, betas=(0.5, 0.9))),
    ],
    ids=["SGD", "RMSprop", "Adam"],
)
def test_your_optimizers_take_lr_and_other_settings_from_each_param_group(name, settings, group_settings):
    def two_groups(params):
        return [{"params": [params["weight"], params["sometimes"]]}, {"params": [params["bias"]], **group_settings}]

    expect_same_steps(
        name,
        settings,
        steps=20,
        groups=two_groups,
        hint=f"Here the bias is in a second group with {group_settings}. Read every setting from `group`, "
        "the dict you loop over: self.defaults only fills in what a group leaves out.",
    )


# Task 5: Optimizer state and checkpoints


@pytest.mark.task(5)
@pytest.mark.parametrize("name", ["SGD", "RMSprop", "Adam"])
def test_state_dict_holds_each_parameters_state_under_torchs_names(name):
    problem = LeastSquares()
    yours, torchs = problem.fresh_parameters(), problem.fresh_parameters()
    settings = STATEFUL_SETTINGS[name]
    your_optimizer, torch_optimizer = yours_and_torchs(name, settings, (yours, torchs))
    for step in range(1, 4):
        problem.compute_gradients(yours, step)
        take_step(your_optimizer, name)
        problem.compute_gradients(torchs, step)
        torch_optimizer.step()
    expect_state_without_autograd_history(your_optimizer, name)
    your_state, torch_state = your_optimizer.state_dict()["state"], torch_optimizer.state_dict()["state"]
    for index, param in enumerate(yours):
        if index not in torch_state:
            continue  # a parameter that never had a gradient has no state
        assert index in your_state, (
            f"your {name}'s state_dict()['state'] has nothing for parameter {index} ({THE[param]}). "
            "Keep a parameter p's state in the dict self.state[p]: that is what state_dict() saves."
        )
        for key in STATE_KEYS[name]:
            assert key in your_state[index], (
                f"your {name}'s state for {THE[param]} has no '{key}'; it has {sorted(your_state[index])}. "
                f"Use torch's names: {', '.join(STATE_KEYS[name])}."
            )
            expect_close(
                torch.as_tensor(your_state[index][key], dtype=torch.float64),
                torch_state[index][key].double(),
                f"your {describe(name, settings)}'s state['{key}'] for {THE[param]} after 3 steps",
            )


@pytest.mark.task(5)
@pytest.mark.parametrize("name", ["SGD", "RMSprop", "Adam"])
def test_a_fresh_optimizer_that_loads_the_state_dict_continues_the_run_exactly(name):
    problem = LeastSquares()
    settings = STATEFUL_SETTINGS[name]
    label = describe(name, settings)
    original = problem.fresh_parameters()
    optimizer = getattr(optimizers, name)(list(original.values()), **settings)
    for step in range(1, 11):
        problem.compute_gradients(original, step)
        take_step(optimizer, label)
    expect_state_without_autograd_history(optimizer, label)
    checkpoint = copy.deepcopy(optimizer.state_dict())
    resumed = {param: value.detach().clone().requires_grad_() for param, value in original.items()}
    resumed_optimizer = getattr(optimizers, name)(list(resumed.values()), **settings)
    resumed_optimizer.load_state_dict(checkpoint)
    for step in range(11, 21):
        for params, runner in [(original, optimizer), (resumed, resumed_optimizer)]:
            problem.compute_gradients(params, step)
            take_step(runner, label)
        for param in original:
            expect_close(
                resumed[param],
                original[param],
                f"{THE[param]} after step {step} of a fresh {label} that loaded the state_dict saved at step 10",
                hint="Expected is where the original optimizer, never interrupted, put it. The fresh one can only "
                "continue the same way if every buffer and step count lives in self.state, which state_dict() saves.",
            )


@pytest.mark.task(5)
def test_save_checkpoint_is_a_snapshot_that_later_training_leaves_alone():
    model, batch = linear_regression()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    descend(model, optimizer, batch, steps=3)
    expected = copy.deepcopy({"model": model.state_dict(), "optimizer": optimizer.state_dict()})
    checkpoint = optimizers.save_checkpoint(model, optimizer)
    descend(model, optimizer, batch, steps=3)
    assert isinstance(checkpoint, dict) and {"model", "optimizer"} <= set(checkpoint), (
        "save_checkpoint(model, optimizer) should return a dict with the keys 'model' and 'optimizer'."
    )
    hint = "The checkpoint should hold the values as they were when it was saved."
    live = (
        f"{hint} It holds the values of 3 steps later: state_dict() hands out the live tensors, which the next steps overwrite in "
        "place. copy.deepcopy them."
    )
    now = {"model": model.state_dict(), "optimizer": optimizer.state_dict()}
    for key, value in expected["model"].items():
        call = f"checkpoint['model']['{key}'], 3 steps after saving"
        expect_close(checkpoint["model"][key], value, call, hint=hint, mistakes=[(now["model"][key], live)])
    for index, state in expected["optimizer"]["state"].items():
        for key, value in state.items():
            call = f"checkpoint['optimizer']['state'][{index}]['{key}'], 3 steps after saving"
            mistakes = [(now["optimizer"]["state"][index][key], live)]
            expect_close(checkpoint["optimizer"]["state"][index][key], value, call, hint=hint, mistakes=mistakes)


@pytest.mark.task(5)
def test_load_checkpoint_lets_a_fresh_model_and_optimizer_continue_the_run_exactly():
    model, batch = linear_regression()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    descend(model, optimizer, batch, steps=5)
    checkpoint = copy.deepcopy({"model": model.state_dict(), "optimizer": optimizer.state_dict()})
    descend(model, optimizer, batch, steps=5)
    fresh_model = nn.Linear(model.in_features, model.out_features).double()
    fresh_optimizer = torch.optim.Adam(fresh_model.parameters(), lr=0.01)
    optimizers.load_checkpoint(fresh_model, fresh_optimizer, checkpoint)
    unloaded = [
        what
        for what, loaded in [
            (
                "the model's",
                all(torch.equal(fresh_model.state_dict()[key], value) for key, value in checkpoint["model"].items()),
            ),
            ("the optimizer's", bool(fresh_optimizer.state_dict()["state"])),
        ]
        if not loaded
    ]
    descend(fresh_model, fresh_optimizer, batch, steps=5)
    hint = "Expected is the original model after its 10 uninterrupted steps. Load both state dicts"
    if "the optimizer's" in unloaded:
        hint += ": without the optimizer's, Adam restarts its averages and its step count"
    if unloaded:
        hint += f". After load_checkpoint, {' and '.join(unloaded)} state was not the checkpoint's"
    for (name, param), fresh in zip(model.named_parameters(), fresh_model.parameters()):
        expect_close(
            fresh,
            param,
            f"the {name} of a fresh model and Adam that loaded a step-5 checkpoint and took 5 more steps",
            hint=hint + ".",
        )


# Task 6: The training loop


@pytest.mark.task(6)
def test_train_returns_the_loss_of_every_batch_of_every_epoch_as_a_float():
    model, loss_fn, batches, recorder, history = run_train(epochs=3)
    assert isinstance(history, list) and len(history) == 3 * len(batches), (
        f"train(..., epochs=3) with {len(batches)} batches should return a list of {3 * len(batches)} losses, "
        f"one per batch per epoch; it returned {type(history).__name__} {history!r:.200}."
    )
    assert all(type(loss) is float for loss in history), (
        f"train(...) should return plain Python floats: append loss.item(), not a {type(history[0]).__name__}."
    )
    assert all(module.training for module in model.modules()), (
        "train(...) left the model in eval mode (it came in that way, as after an evaluation). Call model.train() "
        "first: dropout and batch norm behave differently in training."
    )
    assert len(recorder.params) == len(history), (
        f"train(..., epochs=3) called optimizer.step() {len(recorder.params)} times for {len(history)} batches: "
        "once per batch."
    )
    expected = [
        loss_and_gradients(model, loss_fn, params, batches[step % len(batches)])[0]
        for step, params in enumerate(recorder.params)
    ]
    expect_close(
        torch.tensor(history),
        torch.tensor(expected),
        "train(...)'s loss history",
        hint="Each entry is the loss of one batch, computed before that batch's optimizer.step().",
    )


@pytest.mark.task(6)
def test_train_calls_step_after_backward_so_every_step_has_gradients():
    model, loss_fn, batches, recorder, _ = run_train(epochs=1)
    expect_steps_saw_their_own_gradients(
        model, loss_fn, batches, recorder, steps=1, hint=f"backward() fills .grad, then step() uses it. {LOOP_ORDER}"
    )


@pytest.mark.task(6)
def test_train_zeroes_the_gradients_so_each_step_sees_only_its_own_batch():
    model, loss_fn, batches, recorder, _ = run_train(epochs=2)
    expect_steps_saw_their_own_gradients(
        model,
        loss_fn,
        batches,
        recorder,
        steps=len(recorder.grads),
        hint="backward() ADDS to .grad: optimizer.zero_grad() before each backward() leaves each step its own batch's.",
    )


@pytest.mark.task(6)
def test_train_with_adam_lowers_the_loss_epoch_after_epoch():
    epochs = 25
    _, _, batches, recorder, history = run_train(epochs, torch.optim.Adam, dict(lr=0.02))
    first, last = sum(history[: len(batches)]) / len(batches), sum(history[-len(batches) :]) / len(batches)
    steps = len(recorder.params)
    assert last < first / 4, (
        f"train(..., epochs={epochs}) with torch.optim.Adam(lr=0.02) barely lowered the loss: "
        f"{first:.4g} on average in the first epoch, {last:.4g} in the last. "
        + (
            f"optimizer.step() ran {steps} times for {epochs * len(batches)} batches: every batch gets one."
            if steps != epochs * len(batches)
            else LOOP_ORDER
        )
    )


# --- Helpers ---


# How the failure messages name the parameters of LeastSquares.
THE = {"weight": "the weight", "bias": "the bias", "sometimes": "the parameter that has a gradient every third step"}
# Loose enough for any correct float64 optimizer (even one that, like torch, counts Adam's steps in a float32
# tensor), tight enough for every mistake these tests look for.
TOLERANCE = dict(rtol=1e-5, atol=1e-5)
STEP_ERRORS = {  # what torch's errors (and by_hand's refusal) mean in a first optimizer's step()
    "write it by hand": (
        "Subclass torch.optim.Optimizer (not torch.optim.SGD, RMSprop or Adam) and update the parameters yourself."
    ),
    "leaf Variable that requires grad": (
        "step() changed a parameter in place while autograd was recording, which torch forbids for tensors that "
        "require grad. Decorate step with @torch.no_grad()."
    ),
    "NoneType": (
        "step() failed on a parameter whose .grad is None (the loss never used it). "
        "Skip such parameters: `if p.grad is None: continue`."
    ),
    "by zero": "Is a step counter 0 on the first step? t counts from 1, so 1 − βᵗ is never 0.",
}
STEP_ERRORS["cannot be raised to a negative power"] = STEP_ERRORS["by zero"]  # 0.0 ** -0.5: a ZeroDivisionError too
SETTINGS = {  # what each optimizer's param groups hold, under the names of its arguments
    "SGD": ("lr", "momentum", "dampening", "weight_decay"),
    "RMSprop": ("lr", "alpha", "eps", "weight_decay"),
    "Adam": ("lr", "betas", "eps", "weight_decay"),
}
STATE_KEYS = {"SGD": ("momentum_buffer",), "RMSprop": ("square_avg",), "Adam": ("step", "exp_avg", "exp_avg_sq")}
STATEFUL_SETTINGS = {"SGD": dict(lr=0.05, momentum=0.9), "RMSprop": dict(lr=0.01), "Adam": dict(lr=0.01)}
LOOP_ORDER = "The order is: optimizer.zero_grad(), forward, loss, loss.backward(), optimizer.step()."
ADDED_UP = (
    "It is the sum of the gradients of every batch so far: backward() ADDS to .grad, so clear it with "
    "optimizer.zero_grad() before each backward()"
)
LEFTOVER_TOO = ", the first one included (it also holds what .grad held before train began)."
LEFTOVER = (
    "Step 1 used the gradients the model came in with plus batch 1's: clear them with optimizer.zero_grad() "
    "before each loss.backward(), the first one included: a zero_grad() after step() comes too late for the first."
)


class LeastSquares:
    """Minibatch least squares in float64: at step t, mean((inputs[t] @ weight + bias - targets[t]) ** 2).

    Ten minibatches, taken in turn, keep the gradients noisy: they never die out near the optimum, where
    rounding differences between two correct optimizers could grow. ``sometimes`` gets a gradient only on
    every third step (as a layer that a batch may not use), so its .grad is None on the other steps and it
    takes fewer steps than the others. ``position`` (one of POSITIONS) is where it sits among the parameters.
    """

    def __init__(self, batches=10, position="last"):
        samples, features, outputs = random_shape(3, low=2, high=5)
        self.inputs = torch.randn(batches, samples + 4, features, dtype=torch.float64)
        self.targets = torch.randn(batches, samples + 4, outputs, dtype=torch.float64)
        self.sometimes_grads = torch.randn(batches, 2, dtype=torch.float64)
        start = {
            "weight": torch.randn(features, outputs, dtype=torch.float64),
            "bias": torch.randn(outputs, dtype=torch.float64),
            "sometimes": torch.randn(2, dtype=torch.float64),
        }
        order = ["weight", "bias"]
        order.insert(POSITIONS.index(position), "sometimes")
        self.start = {name: start[name] for name in order}

    def fresh_parameters(self):
        """A new copy of the starting point: {name: leaf tensor that requires grad}."""
        return {name: value.clone().requires_grad_() for name, value in self.start.items()}

    def compute_gradients(self, params, step=1):
        """Set the .grad of each parameter for minibatch ``step`` (by formula: what backward() gives, faster).

        It writes into an existing .grad in place, as zero_grad(set_to_none=False) does: an optimizer
        must copy a gradient it keeps.
        """
        batch = step % len(self.inputs)
        inputs, targets = self.inputs[batch], self.targets[batch]
        weight, bias = params["weight"].detach(), params["bias"].detach()
        residuals = (inputs @ weight + bias - targets) * (2 / targets.numel())
        grads = {"weight": inputs.T @ residuals, "bias": residuals.sum(dim=0)}
        grads["sometimes"] = self.sometimes_grads[batch] if step % 3 == 0 else None
        for name, grad in grads.items():
            if grad is None or params[name].grad is None:
                params[name].grad = None if grad is None else grad.clone()
            else:
                params[name].grad.copy_(grad)


def describe(name, settings):
    """How a learner would write the call: ``Adam(lr=0.01, betas=(0.8, 0.99))``."""
    return f"{name}({', '.join(f'{key}={value}' for key, value in settings.items())})"


def take_step(optimizer, label):
    """Your ``optimizer.step()``: torch's own updates refused, the errors of first optimizers explained; then grad
    mode, the parameters and their .grad must be as torch's step leaves them."""
    __tracebackhide__ = True
    params = [param for group in optimizer.param_groups for param in group["params"]]
    decays = [group.get("weight_decay", 0) for group in optimizer.param_groups for _ in group["params"]]
    grads = [None if param.grad is None else param.grad.clone() for param in params]
    before = [param.detach().clone() for param in params]
    with by_hand(torchs_own_updates(), advice="That is torch.optim's own update."):
        explained_call(optimizer.step, call=f"{label}.step()", explanations=STEP_ERRORS)
    assert torch.is_grad_enabled(), f"{label}.step() switched grad mode off for everyone: use @torch.no_grad() on step."
    assert all(param.is_leaf and param.requires_grad for param in params), (
        f"After {label}.step() the parameters should still be leaf tensors that require grad: "
        "do the update under torch.no_grad(), so that autograd does not record it."
    )
    expect_state_without_autograd_history(optimizer, label)
    changed = [
        index
        for index, (param, grad) in enumerate(zip(params, grads))
        if (param.grad is None) != (grad is None) or (grad is not None and not torch.equal(param.grad, grad))
    ]
    why = "Work on new tensors (grad = p.grad + weight_decay * p, buffer = p.grad.clone()), never on p.grad in place."
    if changed:
        index = changed[0]
        now, grad, decay = params[index].grad, grads[index], decays[index]
        if now is None:
            why = "Clearing .grad is zero_grad()'s job, not step()'s."
        elif grad is not None and decay and torch.allclose(now, grad + decay * before[index]):
            why = "It now holds g + λ·θ: compute that as a new tensor (grad = p.grad + weight_decay * p), not with "
            why += "p.grad.add_(...)."
    assert not changed, (
        f"{label}.step() changed the .grad of parameter {changed[0]}; torch's step leaves .grad as backward() left it. "
        + why
    )


def torchs_own_updates():
    """The functions in which torch.optim's SGD, RMSprop and Adam update the parameters: by_hand refuses them."""
    modules = map(importlib.import_module, ["torch.optim.sgd", "torch.optim.rmsprop", "torch.optim.adam"])
    return [
        (module, name)
        for module in modules
        for name in dir(module)
        if name.startswith(("_single_tensor_", "_multi_tensor_", "_fused_"))
    ]


def yours_and_torchs(name, settings, params, groups=None):
    """Your optimizer and torch's of the same name, with the same settings, over ``params`` (two copies)."""
    yours, torchs = params
    arrange = groups or (lambda tensors: list(tensors.values()))
    your_class, torch_class = getattr(optimizers, name), getattr(torch.optim, name)
    return your_class(arrange(yours), **settings), torch_class(arrange(torchs), **settings)


def expect_same_steps(name, settings, steps=10, hint="", groups=None, position="last", lr_factor=None):
    """Run your optimizer and torch's from one starting point; their settings, and after every step the
    parameters, must agree. ``position`` places the parameter that often has no gradient; ``lr_factor(step)``,
    if given, scales every group's learning rate before that step, as a scheduler would."""
    __tracebackhide__ = True
    problem = LeastSquares(position=position)
    yours, torchs = problem.fresh_parameters(), problem.fresh_parameters()
    your_optimizer, torch_optimizer = yours_and_torchs(name, settings, (yours, torchs), groups)
    label = describe(name, settings)
    expect_same_settings(your_optimizer, torch_optimizer, name, label)
    runs = [
        (optimizer, [group["lr"] for group in optimizer.param_groups])
        for optimizer in (your_optimizer, torch_optimizer)
    ]
    for step in range(1, steps + 1):
        for optimizer, lrs in runs if lr_factor else ():
            for group, lr in zip(optimizer.param_groups, lrs):
                group["lr"] = lr * lr_factor(step)
        problem.compute_gradients(yours, step)
        before = {name: param.detach().clone() for name, param in yours.items()}
        take_step(your_optimizer, label)
        problem.compute_gradients(torchs, step)
        torch_before = {name: param.detach().clone() for name, param in torchs.items()}
        torch_optimizer.step()
        if all(torch.allclose(yours[param], torchs[param], **TOLERANCE) for param in yours):
            continue  # a quick check first: expect_close is slower, and explains a difference
        agreed = f"the first {step - 1} steps agreed" if step > 1 else "this was the very first step"
        order, without = list(yours), yours["sometimes"].grad is None
        for param in yours:
            stayed, torch_stayed = (
                torch.equal(yours[param], before[param]),
                torch.equal(torchs[param], torch_before[param]),
            )
            seen = ""
            if stayed and not torch_stayed:
                seen = f" Your step left {THE[param]} where it was."
                if without and order.index(param) > order.index("sometimes"):
                    seen += " It comes after the parameter without a .grad: `break` or `return` there stops the step."
            elif torch_stayed and not stayed and yours[param].grad is None:
                seen = f" Your step moved {THE[param]}, which has no .grad this step: it stays as it is, weight decay "
                seen += "or not."
            expect_close(
                yours[param],
                torchs[param],
                f"{THE[param]} after step {step} of your {label}",
                **TOLERANCE,
                hint=f"Expected is where torch.optim.{label} put it; {agreed}. {hint}{seen}".rstrip(),
            )


def expect_same_settings(yours, torchs, name, label):
    """Each of your optimizer's param groups holds the settings of torch's, the defaults included."""
    __tracebackhide__ = True
    for index, (group, torch_group) in enumerate(zip(yours.param_groups, torchs.param_groups)):
        for key in SETTINGS[name]:
            got, wanted = group.get(key, "nothing"), torch_group[key]
            both_pairs = isinstance(wanted, tuple | list) and isinstance(got, tuple | list)
            assert list(got) == list(wanted) if both_pairs else got == wanted, (
                f"your {label}'s param_groups[{index}] holds {key}={got!r}; torch.optim.{label} has {key}={wanted!r}. "
                f"Keep every setting in the group under its argument's name ({', '.join(SETTINGS[name])}), "
                "with the defaults that optimizers.py's signature gives (torch's own)."
            )


def skip_hint(position):
    """What a step must do with a parameter whose .grad is None, here ``position`` in the list."""
    return (
        f"Here the parameter that gets a gradient only every third step comes {position} in the list; on the other "
        "steps its .grad is None: skip it, and go on with the parameters after it."
    )


def expect_state_without_autograd_history(optimizer, label):
    """Every tensor in the optimizer's state is plain data, not the end of an autograd graph."""
    __tracebackhide__ = True
    tensors = [
        (key, value) for state in optimizer.state.values() for key, value in state.items() if torch.is_tensor(value)
    ]
    recording = sorted({key for key, value in tensors if value.requires_grad})
    assert not recording, (
        f"your {label}'s state {recording} requires grad: it was computed while autograd was recording, "
        "so each step's graph keeps all the earlier ones alive. Do the whole update under torch.no_grad()."
    )


def three_layer_model(kind="tanh-second"):
    """A float64 stack of three nn.Linear layers of random sizes, with Tanh between them; ``kind`` (one of MODELS)
    puts a LayerNorm, which has parameters, in place of the first Tanh, or drops the first layer's bias."""
    sizes = random_shape(4, low=2, high=5)
    first = nn.Linear(sizes[0], sizes[1], bias=kind != "first-without-bias")
    second = nn.LayerNorm(sizes[1]) if kind == "layer-norm-second" else nn.Tanh()
    layers = [first, second, nn.Linear(sizes[1], sizes[2]), nn.Tanh()]
    return nn.Sequential(*layers, nn.Linear(sizes[2], sizes[3])).double()


def slower_first_layer_of(model):
    """Your ``slower_first_layer(model, lr=0.1, first_layer_lr=0.01)``, torch's errors explained."""
    __tracebackhide__ = True
    explanations = {
        "NoneType": "Here model[0] has no bias (nn.Linear(..., bias=False)): model[0].parameters() gives whatever "
        "parameters the first layer has.",
        "more than one parameter group": "A parameter is in two groups: model[0]'s belong in the first group only, "
        "the other layers' (model[1:]) in the second.",
    }
    call = "slower_first_layer(model, lr=0.1, first_layer_lr=0.01)"
    return explained_call(
        optimizers.slower_first_layer, model, lr=0.1, first_layer_lr=0.01, call=call, explanations=explanations
    )


def linear_regression():
    """A float64 nn.Linear and one batch (inputs, targets) for it."""
    features, outputs = random_shape(2, low=2, high=5)
    inputs = torch.randn(16, features, dtype=torch.float64)
    return nn.Linear(features, outputs).double(), (inputs, torch.randn(16, outputs, dtype=torch.float64))


def descend(model, optimizer, batch, steps):
    """``steps`` steps of ``optimizer`` on the mean squared error of ``batch``."""
    inputs, targets = batch
    for _ in range(steps):
        loss = nn.functional.mse_loss(model(inputs), targets)
        for param, grad in zip(model.parameters(), torch.autograd.grad(loss, list(model.parameters()))):
            param.grad = grad
        optimizer.step()


def regression_batches():
    """Four batches (inputs, targets) of a noisy linear map, in float64, and the sizes of the map."""
    features, outputs = random_shape(2, low=2, high=5)
    true_weight = torch.randn(features, outputs, dtype=torch.float64)
    inputs = [torch.randn(8, features, dtype=torch.float64) for _ in range(4)]
    batches = [(x, x @ true_weight + 0.1 * torch.randn(8, outputs, dtype=torch.float64)) for x in inputs]
    return batches, features, outputs


def small_network(features, outputs):
    """A float64 network with one hidden layer of 8 units."""
    return nn.Sequential(nn.Linear(features, 8), nn.Tanh(), nn.Linear(8, outputs)).double()


class StepRecorder:
    """Records, as each optimizer.step() begins, the model's parameters and the gradients the step will use."""

    def __init__(self, model, optimizer):
        self.model, self.params, self.grads = model, [], []
        optimizer.register_step_pre_hook(self.record)

    def record(self, optimizer, args, kwargs):
        self.params.append([param.detach().clone() for param in self.model.parameters()])
        self.grads.append([None if p.grad is None else p.grad.clone() for p in self.model.parameters()])


def loss_and_gradients(model, loss_fn, params, batch):
    """The loss of ``batch`` at ``params`` (not the model's own) and its gradients."""
    names = [name for name, _ in model.named_parameters()]
    leaves = [param.clone().requires_grad_() for param in params]
    inputs, targets = batch
    loss = loss_fn(torch.func.functional_call(model, dict(zip(names, leaves)), (inputs,)), targets)
    return loss.item(), torch.autograd.grad(loss, leaves)


def run_train(epochs, optimizer_class=torch.optim.SGD, settings=None):
    """Your train(...) on a small network; the model, loss, batches, step recorder and loss history."""
    __tracebackhide__ = True
    batches, features, outputs = regression_batches()
    model, loss_fn = small_network(features, outputs), PredictionFirst()
    optimizer = optimizer_class(model.parameters(), **(settings or dict(lr=0.05, momentum=0.9)))
    recorder = StepRecorder(model, optimizer)
    for param in model.parameters():  # left over from earlier, as after a gradient check or the last batch of a run
        param.grad = torch.randn_like(param)
    recorder.leftover = [param.grad.clone() for param in model.parameters()]
    model.eval()  # as it would be after an evaluation: train(...) must switch training mode back on
    explanations = {
        "modified by an inplace operation": "loss.backward() found the parameters changed since the forward pass: "
        f"optimizer.step() ran before backward(). {LOOP_ORDER}"
    }
    history = explained_call(
        optimizers.train, model, optimizer, loss_fn, batches, epochs, call="train(...)", explanations=explanations
    )
    return model, loss_fn, batches, recorder, history


def expect_steps_saw_their_own_gradients(model, loss_fn, batches, recorder, steps, hint):
    """Every step found gradients, and the first ``steps`` steps those of their own batch's loss alone."""
    __tracebackhide__ = True
    names = [name for name, _ in model.named_parameters()]
    for step, grads in enumerate(recorder.grads, start=1):
        missing = [name for name, grad in zip(names, grads) if grad is None]
        assert not missing, (
            f"train(...): optimizer.step() number {step} found no gradient in {', '.join(missing)}: step() uses "
            f"the .grad that loss.backward() fills, so nothing may clear it between them. {LOOP_ORDER}"
        )
    added = [torch.zeros_like(leftover) for leftover in recorder.leftover]  # the sum of every batch's gradients
    for step, (params, grads) in enumerate(zip(recorder.params[:steps], recorder.grads), start=1):
        batch = (step - 1) % len(batches) + 1
        _, expected = loss_and_gradients(model, loss_fn, params, batches[batch - 1])
        added = [total + grad for total, grad in zip(added, expected)]
        for name, grad, wanted, leftover, total in zip(names, grads, expected, recorder.leftover, added):
            call = f"the {name}.grad that optimizer.step() number {step} (batch {batch}) used"
            mistakes = (
                [(wanted + leftover, LEFTOVER)]
                if step == 1
                else [(total + leftover, ADDED_UP + LEFTOVER_TOO), (total, ADDED_UP + ".")]
            )
            expected_hint = f"Expected is the gradient of batch {batch}'s loss alone. {hint}"
            expect_close(grad, wanted, call, hint=expected_hint, mistakes=mistakes)


class PredictionFirst(nn.MSELoss):
    """nn.MSELoss that fails the test when called with the targets first: loss_fn(targets, model(inputs))."""

    def forward(self, prediction, target):
        if target.requires_grad and not prediction.requires_grad:
            pytest.fail(
                "train(...) called loss_fn(targets, model(inputs)): the model's output comes first, "
                "loss_fn(model(inputs), targets). Many losses are not symmetric (cross-entropy takes logits first).",
                pytrace=False,
            )
        return super().forward(prediction, target)
