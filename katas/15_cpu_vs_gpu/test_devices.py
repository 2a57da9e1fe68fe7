"""Devices, and a CPU-vs-GPU benchmark. The lesson is README.md beside this file."""

import copy
import random
import statistics
import sys
import time
import timeit

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode

from katas.testing import (
    by_hand,
    expect_close,
    expect_equal,
    expect_number,
    expect_raises,
    expect_tensor,
    explained_call,
    kata_module,
    random_shape,
)

devices = kata_module(__file__)

# Task 1: Choosing a device


@pytest.mark.task(1)
@pytest.mark.parametrize(
    ("cuda", "mps", "expected"),
    [(True, True, "cuda"), (True, False, "cuda"), (False, True, "mps"), (False, False, "cpu")],
    ids=["cuda-and-mps", "cuda-only", "mps-only", "neither"],
)
def test_pick_device_prefers_cuda_then_mps_then_cpu(monkeypatch, cuda, mps, expected):
    fake_availability(monkeypatch, cuda, mps)
    result = devices.pick_device()
    assert isinstance(result, torch.device), (
        f"pick_device() should return a torch.device, but returned {type(result).__name__} {result!r}. "
        f"Wrap the name: torch.device({expected!r})."
    )
    assert result.type == expected, (
        f"With torch.cuda.is_available() returning {cuda} and torch.backends.mps.is_available() returning {mps} "
        f"(this test fakes both answers), pick_device() should choose {expected!r}, but chose {result.type!r}. "
        "Ask those two functions, in the order CUDA, then MPS, then fall back to the CPU."
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("name", ["cpu", "cuda", "cuda:0", "mps"])
def test_pick_device_uses_a_device_name_it_is_given(monkeypatch, name):
    fake_availability(monkeypatch, cuda=True, mps=True)
    result = devices.pick_device(name)
    assert isinstance(result, torch.device) and result == torch.device(name), (
        f"With CUDA and MPS both available (faked), pick_device({name!r}) should return torch.device({name!r}), "
        f"but returned {result!r}. A name given by the caller wins over the automatic choice."
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("name", ["tpu", "cdua", "cuda", "cuda:1", "mps", "xpu"])
def test_pick_device_refuses_an_unknown_or_unavailable_name_with_a_clear_error(monkeypatch, name):
    fake_availability(monkeypatch, cuda=False, mps=False)
    kind = "unknown to torch" if name in ("tpu", "cdua") else "not available here"
    error = expect_raises(
        ValueError,
        devices.pick_device,
        name,
        call=f"With neither CUDA nor MPS available (faked), pick_device({name!r})",
        hint=f"{name!r} is {kind}. Refuse a name that is unknown, or names a device this machine does not have "
        "(ask the is_available() of its type: 'cuda:1' is a cuda device, and torch knows types such as 'xpu' that "
        "this kata's machines never have), with a ValueError that names it: otherwise the program fails much later, "
        "far from the cause. torch.device(name) raises a RuntimeError for an unknown name: turn it into a ValueError.",
    )
    named = name.split(":")[0]
    assert named in str(error).lower(), (
        f"pick_device({name!r}) raised ValueError({str(error)!r}), a message that does not name the device that was "
        f"asked for ({name!r}): say what the caller should fix."
    )


# Task 2: Moving tensors, models and batches


@pytest.mark.task(2)
def test_to_device_returns_the_moved_tensor():
    x = torch.randn(random_shape(2))
    result = expect_tensor(devices.to_device(x, META), "to_device(x, torch.device('meta'))")
    assert result.device.type == "meta", (
        f"to_device(x, torch.device('meta')) returned a tensor on {result.device}. "
        "x.to(device) does not move x in place: it returns a moved copy, and x stays where it was. "
        "Return that copy."
    )
    assert result.shape == x.shape and result.dtype == x.dtype, (
        f"to_device(x, 'meta') changed the tensor: expected shape {tuple(x.shape)} and dtype {x.dtype}, "
        f"got {tuple(result.shape)} and {result.dtype}."
    )


@pytest.mark.task(2)
def test_to_device_moves_every_tensor_of_a_nested_batch():
    n = random.randint(2, 6)
    batch = {
        "image": torch.randn(n, *random_shape(2)),
        "label": torch.randint(0, 10, (n,)),
        "views": [torch.randn(n, 3), (torch.randn(n, 2), torch.randn(n))],
        "extra": {"mask": torch.rand(n) > 0.5, "weights": [torch.rand(n, dtype=torch.float64)]},
        "tagged": ("id", torch.randn(n)),  # not a tensor first
        "loss": torch.tensor(random.random()),  # a 0-d tensor
        "empty": [[], (), {}],
    }
    call = "to_device(batch, torch.device('meta'))"
    moved = explained_call(devices.to_device, batch, META, call=call, explanations=NO_TO)
    pairs = expect_same_structure(moved, batch, call)
    expect_tensors_on([pair for pair in pairs if isinstance(pair[2], torch.Tensor)], META, call)


@pytest.mark.task(2)
def test_to_device_keeps_tuples_as_tuples_and_lists_as_lists():
    n = random.randint(2, 6)
    batch = (
        torch.randn(n, 4),
        [torch.randn(n), (torch.randn(n, 2), torch.randint(0, 5, (n,)))],
        {"pair": (torch.randn(n), torch.randn(n)), "list": [torch.randn(n)]},
        ([], ("name", torch.randn(n))),  # an empty list, and a tuple whose first item is not a tensor
    )
    call = "to_device(batch, torch.device('meta'))"
    moved = explained_call(devices.to_device, batch, META, call=call, explanations=NO_TO)
    expect_same_structure(moved, batch, call)
    got = dict(containers(moved))
    changed = [
        f"{path} ({expected.__name__} became {got[path].__name__})"
        for path, expected in containers(batch)
        if got.get(path) is not expected
    ]
    assert not changed, (
        f"{call} changed the type of containers: {', '.join(changed)}. Code downstream unpacks a batch "
        "as it was made (inputs, targets = batch), and a tuple is often a fixed record: "
        "build a tuple from a tuple and a list from a list (type(obj)(...) does both)."
    )


@pytest.mark.task(2)
def test_to_device_leaves_everything_that_is_not_a_tensor_alone():
    batch = {
        "pixels": torch.randn(random_shape(2)),
        "id": random.randint(1000, 9999),
        "path": "images/cat.png",
        "scale": random.random(),
        "note": None,
        "array": np.arange(random.randint(2, 6)),
        "names": ["cat", "dog"],
        "size": (random.randint(2, 9), random.randint(2, 9)),
    }
    call = "to_device(batch, torch.device('meta'))"
    moved = explained_call(devices.to_device, batch, META, call=call, explanations=NO_TO)
    pairs = expect_same_structure(moved, batch, call)
    changed = [
        f"{path} ({type(original).__name__} {original!r:.30} came back as {type(moved).__name__} {moved!r:.40})"
        for path, moved, original in pairs
        if not isinstance(original, torch.Tensor) and moved is not original
    ]
    assert not changed, (
        f"{call} changed values that are not tensors: {'; '.join(changed)}. "
        "Numbers, strings, None and NumPy arrays stay as they are, the very same objects."
    )
    expect_tensors_on([pair for pair in pairs if isinstance(pair[2], torch.Tensor)], META, call)


@pytest.mark.task(2)
def test_to_device_moves_a_model_with_its_parameters_and_buffers():
    n_in, hidden, n_out = random_shape(3, low=2, high=8)
    model = nn.Sequential(nn.Linear(n_in, hidden), nn.BatchNorm1d(hidden), nn.ReLU(), nn.Linear(hidden, n_out))
    call = "to_device(model, torch.device('meta'))"
    moved = explained_call(devices.to_device, model, META, call=call, explanations=NO_TO)
    assert isinstance(moved, nn.Module), (
        f"{call} should return the model, but returned {type(moved).__name__}. "
        "model.to(device) moves the module in place and returns it."
    )
    tensors = [*moved.named_parameters(), *moved.named_buffers()]
    left_behind = [f"{name} (on {tensor.device})" for name, tensor in tensors if tensor.device.type != "meta"]
    assert not left_behind, (
        f"{call} left these parameters and buffers behind: {', '.join(left_behind)}. "
        "A module is not a tensor, but it has .to(device) too: it moves every parameter and buffer."
    )
    shapes = {name: tuple(tensor.shape) for name, tensor in [*model.named_parameters(), *model.named_buffers()]}
    moved_shapes = {name: tuple(tensor.shape) for name, tensor in tensors}
    assert moved_shapes == shapes, f"{call} changed the model's parameters: expected {shapes}, got {moved_shapes}."


@pytest.mark.task(2)
def test_to_device_and_back_gives_the_same_values_and_the_same_model_outputs(device):
    n, n_in, n_out = random_shape(3, low=2, high=8)
    batch = {"inputs": torch.randn(n, n_in), "targets": torch.randint(0, n_out, (n,)), "pair": (torch.randn(n), 7)}
    model = nn.Sequential(nn.Linear(n_in, n_out), nn.Tanh())
    expected_out = model(batch["inputs"])

    call = f"to_device(batch, {device})"
    moved_batch = explained_call(devices.to_device, batch, device, call=call, explanations=NO_TO)
    pairs = expect_same_structure(moved_batch, batch, call)
    expect_tensors_on([pair for pair in pairs if isinstance(pair[2], torch.Tensor)], device, call)
    call = f"to_device(model, {device})"
    moved_model = explained_call(devices.to_device, copy.deepcopy(model), device, call=call, explanations=NO_TO)
    out = moved_model(moved_batch["inputs"])

    call = "to_device({'out': out, 'batch': moved_batch}, cpu)"
    back = explained_call(devices.to_device, {"out": out, "batch": moved_batch}, CPU, call=call, explanations=NO_TO)
    call = f"the model moved by to_device(model, {device}), then its output moved back"
    expect_close(back["out"], expected_out, call, rtol=1e-4, atol=1e-5)
    back_pairs = expect_same_structure(back["batch"], batch, "to_device(moved_batch, cpu)")
    for path, back_value, value in back_pairs:
        if isinstance(value, torch.Tensor):
            expect_equal(back_value, value, f"{path} after to_device to {device} and back to the cpu")


# Task 3: Back to the CPU, and to NumPy


@pytest.mark.task(3)
@pytest.mark.parametrize("kind", ["leaf", "computed"])
def test_to_numpy_detaches_and_brings_the_tensor_to_the_cpu(device, kind):
    x = torch.randn(random_shape(2), device=device, requires_grad=True)
    if kind == "computed":
        x = x * 2 + 1  # a tensor with a grad_fn
    where = f"a {device.type} tensor that requires grad" + (" (the result of x * 2 + 1)" if kind == "computed" else "")
    result = devices.to_numpy(x)
    assert isinstance(result, np.ndarray), (
        f"to_numpy(<{where}>) should return a numpy.ndarray, got {type(result).__name__}."
    )
    expected = x.detach().cpu().numpy()
    np.testing.assert_allclose(result, expected, err_msg=f"to_numpy(<{where}>) returned the wrong values.")
    assert result.dtype == expected.dtype, (
        f"to_numpy(<{where}>, dtype {x.dtype}) returned an array of dtype {result.dtype}, not {expected.dtype}. "
        ".numpy() keeps the tensor's dtype; going through Python numbers (.tolist(), np.array of them) makes float64."
    )
    assert x.requires_grad and x.device.type == device.type, (
        f"to_numpy(x) changed x itself: it now has requires_grad={x.requires_grad} and lives on {x.device}. "
        "Leave the caller's tensor alone: detach() and cpu() return new tensors."
    )


# Task 4: Timing GPU code


@pytest.mark.task(4)
@pytest.mark.parametrize("settings", ["given", "no-warm-up", "defaults"])
def test_time_it_calls_fn_for_the_warm_up_and_then_once_per_repeat(monkeypatch, settings):
    if settings == "defaults":
        warmup, repeats, given = 3, 11, {}  # the documented defaults: time_it(fn, device, *, warmup=3, repeats=11)
    else:
        warmup = 0 if settings == "no-warm-up" else random.choice([1, 2, 4])  # never the default 3
        repeats = odd_repeats()
        given = {"warmup": warmup, "repeats": repeats}
    _, workload = time_with_a_fake_clock(monkeypatch, [0.001] * (warmup + repeats), **given)
    assert workload.calls == warmup + repeats, (
        f"{time_it_call(**given)} called fn {workload.calls} times. "
        f"It should call it {warmup} times to warm up (not timed), then once per timed repeat: "
        f"{warmup + repeats} times in all."
        + (" Without warmup and repeats, time_it uses their defaults, 3 and 11." if not given else "")
        + (" warmup=0 means no warm-up call at all." if warmup == 0 else "")
    )


@pytest.mark.task(4)
def test_time_it_does_not_time_the_warm_up_calls(monkeypatch):
    repeats = random.choice([3, 5, 7])
    warmup = repeats + random.randint(1, 3)  # more slow warm-up calls than timed ones
    timed = distinct_durations(repeats)
    result, _ = time_with_a_fake_clock(monkeypatch, [1000.0] * warmup + timed, warmup=warmup, repeats=repeats)
    assert result < 1, (
        f"time_it(fn, torch.device('cpu'), warmup={warmup}, repeats={repeats}) returned {result:g} s. "
        f"Here each of the {warmup} warm-up calls took 1000 s (first calls are slow: lazy initialisation, caches), "
        "and no timed call took more than 1 s. Either the warm-up calls were timed, or there were none and the "
        "slow first calls were timed instead. Call fn `warmup` times before the timed loop, outside the clock."
    )


@pytest.mark.task(4)
def test_time_it_returns_the_median_not_the_mean_or_the_fastest(monkeypatch):
    warmup, repeats = random.randint(1, 3), odd_repeats()
    timed = distinct_durations(repeats)
    result, _ = time_with_a_fake_clock(monkeypatch, [0.5] * warmup + timed, warmup=warmup, repeats=repeats)
    expected = statistics.median(timed)
    wrong_answers = {
        "their mean: one slow call drags the mean, the median ignores it": statistics.mean(timed),
        "the fastest call (min)": min(timed),
        "the slowest call (max)": max(timed),
        "the middle call in the order they ran: sort the times first": timed[repeats // 2],
        "the median of all calls, warm-up included": statistics.median([0.5] * warmup + timed),
        "their total": sum(timed),
        "the last call": timed[-1],
    }
    took = f"The {repeats} timed calls took {[round(t, 4) for t in timed]} s: time_it should return their median."
    expect_close(
        seconds_tensor(result),
        seconds_tensor(expected),
        f"time_it(fn, torch.device('cpu'), warmup={warmup}, repeats={repeats})",
        rtol=0,
        atol=1e-6,
        hint=took,
        mistakes=[(seconds_tensor(value), f"{took}\nThat is {name}.") for name, value in wrong_answers.items()],
    )


@pytest.mark.task(4)
@pytest.mark.parametrize("gpu_here", [False, True], ids=["no-gpu-here", "a-gpu-here"])
def test_time_it_on_the_cpu_does_not_touch_cuda(monkeypatch, gpu_here):
    synchronized = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: gpu_here)  # faked: a machine with or without a GPU
    monkeypatch.setattr(torch.cuda, "synchronize", lambda *args, **kwargs: synchronized.append(args))
    a = torch.randn(32, 32)
    with by_hand(timing_shortcuts(), advice=BY_HAND):
        result = devices.time_it(lambda: a @ a, CPU, warmup=1, repeats=3)
    assert not synchronized, (
        f"time_it(fn, torch.device('cpu')) called torch.cuda.synchronize(), with torch.cuda.is_available() "
        f"returning {gpu_here} (faked). "
        + (
            "On a machine without a GPU that raises an error. "
            if not gpu_here
            else "fn's work runs on the CPU: synchronising the GPU would add CUDA's start-up, and whatever else "
            "runs on the GPU, to the CPU's time. "
        )
        + "Synchronise only when the device you are given is a CUDA device (device.type == 'cuda'), "
        "whatever the machine has."
    )
    seconds = expect_number(result, "time_it(lambda: a @ a, torch.device('cpu'), warmup=1, repeats=3)", SECONDS)
    assert 0 < seconds < 5, f"time_it(...) returned {seconds!r} s for one 32x32 matrix product on the CPU."


@pytest.mark.task(4)
@pytest.mark.gpu
def test_time_it_waits_for_the_gpu_to_finish(gpu):
    if hasattr(torch.cuda, "_sleep"):  # a kernel that spins for a number of GPU clock cycles
        gpu_seconds(lambda: torch.cuda._sleep(1000), gpu)
        per_million = gpu_seconds(lambda: torch.cuda._sleep(1_000_000), gpu)
        cycles = int(1_000_000 * 0.02 / max(per_million, 1e-6))  # about 20 ms of GPU work

        def workload():
            torch.cuda._sleep(cycles)

    else:
        a = torch.randn(4096, 4096, device=gpu)

        def workload():
            return a @ a

    workload()
    expected = gpu_seconds(workload, gpu)
    measured = expect_number(devices.time_it(workload, gpu, warmup=1, repeats=5), f"time_it(fn, {gpu})", SECONDS)
    assert measured >= 0.5 * expected, (
        f"The GPU work of fn takes {expected * 1000:.2f} ms (measured with CUDA events), but "
        f"time_it(fn, {gpu}) reported {measured * 1000:.3f} ms. GPU calls return as soon as the work is queued: "
        "without torch.cuda.synchronize() after fn (before reading the clock) you time the launch, not the work."
    )


@pytest.mark.task(4)
@pytest.mark.parametrize("device", ["cuda", "mps"])
def test_time_it_waits_for_the_queued_work_before_reading_the_clock(monkeypatch, device):
    warmup, repeats = random.randint(1, 3), odd_repeats()
    timed = distinct_durations(repeats)
    settings = {"warmup": warmup, "repeats": repeats}
    result, _ = time_with_a_fake_clock(monkeypatch, [0.5] * warmup + timed, torch.device(device), **settings)
    expect_close(
        seconds_tensor(result),
        seconds_tensor(statistics.median(timed)),
        time_it_call(torch.device(device), **settings),
        rtol=0,
        atol=1e-6,
        hint=f"The {repeats} timed calls queued {[round(t, 4) for t in timed]} s of work: time_it should return the "
        "median of what each took, once the queue is done.",
        mistakes=[
            (
                seconds_tensor(0.0),
                f"That is the time of the launch alone. On a {device} device fn only queues its work and returns at "
                f"once (faked here: the fake clock moves on only when torch.{device}.synchronize() waits for the "
                "queue). After each call, synchronise before reading the clock: "
                f"`if device.type == '{device}': torch.{device}.synchronize()`.",
            )
        ],
    )


# Task 5: The crossover


@pytest.mark.task(5)
def test_matmul_on_gives_the_same_product_on_every_device(device):
    n, k, m = random_shape(3, low=2, high=40)
    a, b = torch.randn(n, k), torch.randn(k, m)
    a_before, b_before = a.clone(), b.clone()
    call = f"matmul_on(<{n}x{k}>, <{k}x{m}>, {device})"
    result = expect_tensor(devices.matmul_on(a, b, device), call)
    assert result.device.type == "cpu", (
        f"{call} returned its result on {result.device}: bring it back to the CPU (.cpu()) for the caller."
    )
    expected = (a.double() @ b.double()).float()
    hint = "a @ b is the matrix product; a * b is element by element."
    expect_close(result, expected, call, rtol=1e-3, atol=1e-3, hint=hint)
    assert torch.equal(a, a_before) and torch.equal(b, b_before) and a.device.type == b.device.type == "cpu", (
        f"{call} changed its inputs: a and b must stay as they were, on the CPU."
    )


@pytest.mark.task(5)
@pytest.mark.gpu
def test_matmul_on_multiplies_on_the_gpu_not_on_the_cpu(gpu):
    n, k, m = random_shape(3, low=8, high=64)
    a, b = torch.randn(n, k), torch.randn(k, m)
    call = f"matmul_on(a, b, {gpu})"
    with RecordDevices() as recorder:
        devices.matmul_on(a, b, gpu)
    computed = [(name, types) for name, types in recorder.ops if name not in MOVES_AND_VIEWS]
    on_cpu = sorted({name for name, types in computed if "cpu" in types})
    assert not on_cpu, (
        f"{call} computed on the CPU: {on_cpu} ran on CPU tensors. a.to(device) does not move a: "
        "it returns a moved copy. Multiply the copies."
    )
    assert any(gpu.type in types for _, types in computed), f"{call} ran nothing on the GPU: {recorder.ops}"


@pytest.mark.task(5)
@pytest.mark.parametrize(
    "size",
    [
        pytest.param(64, marks=pytest.mark.benchmark(group="matmul 64x64")),
        pytest.param(1024, marks=pytest.mark.benchmark(group="matmul 1024x1024")),
    ],
)
def test_benchmark_matmul_on_the_cpu_and_on_the_gpu(benchmark, device, size):
    a, b = torch.randn(size, size), torch.randn(size, size)
    call = f"matmul_on(<{size}x{size}>, <{size}x{size}>, {device})"
    expected = (a.to(device) @ b.to(device)).cpu()  # also warms the device up: CUDA starts on first use
    result = expect_tensor(benchmark(devices.matmul_on, a, b, device), call)
    assert result.device.type == "cpu", f"{call} returned its result on {result.device}: bring it back with .cpu()."
    expect_close(result, expected, call, rtol=1e-3, atol=1e-3)


# --- Helpers ---

META = torch.device("meta")  # every machine has it: a meta tensor has a shape and a dtype, but no data
CPU = torch.device("cpu")


def leaves(obj, path="batch"):
    """Each (path, value) of a nested batch whose value is not a dict, list or tuple."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield from leaves(value, f"{path}[{key!r}]")
    elif isinstance(obj, (list, tuple)):
        for index, value in enumerate(obj):
            yield from leaves(value, f"{path}[{index}]")
    else:
        yield path, obj


def containers(obj, path="batch"):
    """Each (path, type) of the dicts, lists and tuples of a nested batch."""
    if isinstance(obj, (dict, list, tuple)):
        yield path, type(obj)
        items = obj.items() if isinstance(obj, dict) else enumerate(obj)
        for key, value in items:
            yield from containers(value, f"{path}[{key!r}]")


def expect_same_structure(moved, batch, call):
    """Fail unless ``moved`` has exactly the items (paths) of ``batch``; the pairs of leaves."""
    got, expected = dict(leaves(moved)), dict(leaves(batch))
    assert list(got) == list(expected), (
        f"{call} changed the shape of the batch: it should hold the same items, in the same places.\n"
        f"  expected items: {list(expected)}\n  got items:      {list(got)}"
    )
    return [(path, got[path], value) for path, value in expected.items()]


def expect_tensors_on(pairs, device, call):
    """Fail unless every tensor leaf was moved to ``device``, keeping its shape and dtype."""
    left_behind = [f"{path} (on {moved.device})" for path, moved, _ in pairs if moved.device.type != device.type]
    assert not left_behind, (
        f"{call} left these tensors off {device.type}: {', '.join(left_behind)}. "
        "Every tensor, however deep in dicts, lists and tuples, must be moved."
    )
    for path, moved, original in pairs:
        assert moved.shape == original.shape and moved.dtype == original.dtype, (
            f"{call} changed {path}: expected shape {tuple(original.shape)} and dtype {original.dtype}, "
            f"got {tuple(moved.shape)} and {moved.dtype}. Moving must not change a tensor's shape or dtype."
        )


NO_TO = {"has no attribute": "Only tensors (and modules) have .to(device): leave every other value as it is."}


def fake_availability(monkeypatch, cuda, mps):
    """Make torch.cuda.is_available() answer ``cuda`` and torch.backends.mps.is_available() answer ``mps``."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)


SECOND_CLOCKS = [(time, "perf_counter"), (time, "time"), (time, "monotonic"), (timeit, "default_timer")]
NANOSECOND_CLOCKS = [(time, "perf_counter_ns"), (time, "time_ns"), (time, "monotonic_ns")]


class FakeClock:
    """Stands in for Python's clocks while time_it runs: it moves on only when the fake workload runs."""

    def __init__(self):
        self.now = 1000.0

    def seconds(self):
        return self.now

    def nanoseconds(self):
        return round(self.now * 1e9)


class Workload:
    """A stand-in for ``fn``: its k-th call takes ``durations[k]`` seconds on the fake clock."""

    def __init__(self, clock, durations):
        self.clock, self.durations, self.calls = clock, list(durations), 0

    def __call__(self):
        self.clock.now += self.durations[self.calls] if self.calls < len(self.durations) else 0.777
        self.calls += 1


class QueuedWorkload(Workload):
    """``fn`` on a fake GPU: each call queues its work and returns at once; ``synchronize`` waits for the queue."""

    def __init__(self, clock, durations):
        super().__init__(clock, durations)
        self.queued = 0.0

    def __call__(self):
        started = self.clock.now
        super().__call__()
        self.queued += self.clock.now - started
        self.clock.now = started

    def synchronize(self, *args, **kwargs):
        self.clock.now += self.queued
        self.queued = 0.0


def time_it_call(device=CPU, **settings):
    """How the test called time_it, for a message."""
    return f"time_it(fn, torch.device({str(device)!r}){''.join(f', {key}={value}' for key, value in settings.items())})"


BY_HAND = "Time each call with time.perf_counter() yourself, as the lesson shows."


def timing_shortcuts():
    """The library timers that would do time_it's work: the lesson asks for it by hand."""
    shortcuts = [(timeit, "timeit"), (timeit, "repeat"), (timeit, "Timer")]
    benchmark = sys.modules.get("torch.utils.benchmark")  # only if imported: importing it is slow, and noisy
    return shortcuts + [(benchmark, "Timer")] if benchmark is not None else shortcuts


def time_with_a_fake_clock(monkeypatch, durations, device=CPU, **settings):
    """Run ``time_it(workload, device, **settings)`` while every Python clock is a fake one; return (seconds,
    workload). On a GPU device (CUDA or MPS, faked) the workload only queues its work, as a GPU's does."""
    clock = FakeClock()
    on_gpu = device.type != "cpu"
    workload = (QueuedWorkload if on_gpu else Workload)(clock, durations)
    fakes = [(module, name, clock.seconds) for module, name in SECOND_CLOCKS]
    fakes += [(module, name, clock.nanoseconds) for module, name in NANOSECOND_CLOCKS]
    real = [(getattr(module, name), fake) for module, name, fake in fakes]
    learner_globals = devices.time_it.__globals__  # `from time import perf_counter` binds a name there
    with monkeypatch.context() as patch:
        patch.setattr(torch.cuda, "is_available", lambda: device.type == "cuda")  # a machine with that device only
        patch.setattr(torch.backends.mps, "is_available", lambda: device.type == "mps")
        for backend in ("cuda", "mps"):  # the device's own synchronize waits for the fake queue
            wait = workload.synchronize if backend == device.type else (lambda *args, **kwargs: None)
            patch.setattr(getattr(torch, backend), "synchronize", wait)
        for module, name, fake in fakes:
            patch.setattr(module, name, fake)
        for key, value in list(learner_globals.items()):
            for clock_function, fake in real:
                if value is clock_function:
                    patch.setitem(learner_globals, key, fake)
        with by_hand(timing_shortcuts(), advice=BY_HAND):
            result = devices.time_it(workload, device, **settings)
    return expect_number(result, time_it_call(device, **settings), SECONDS), workload


SECONDS = "a number of seconds (a float)"


def seconds_tensor(seconds):
    """A number of seconds as a 0-d float64 tensor, for expect_close."""
    return torch.tensor(seconds, dtype=torch.float64)


def odd_repeats():
    """An odd number of timed repeats, so that the median is one of the times."""
    return random.choice([5, 7, 9])


def distinct_durations(count):
    """``count`` different durations in seconds (one slow outlier among them), in an unsorted order."""
    durations = [ms / 1000 for ms in random.sample(range(1, 100), count - 1)] + [random.uniform(0.5, 0.9)]
    while durations == sorted(durations) or durations[count // 2] == statistics.median(durations):
        random.shuffle(durations)
    return durations


def gpu_seconds(fn, gpu):
    """How long ``fn``'s GPU work takes, measured on the GPU itself with CUDA events."""
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    torch.cuda.synchronize(gpu)
    start.record()
    fn()
    end.record()
    end.synchronize()
    return start.elapsed_time(end) / 1000


MOVES_AND_VIEWS = {
    "_to_copy", "copy_", "_copy_from", "_copy_from_and_resize", "empty", "empty_strided", "empty_like", "detach",
    "alias", "lift_fresh", "clone", "view", "_unsafe_view", "_reshape_alias", "reshape", "t", "transpose", "permute",
    "expand", "contiguous", "as_strided", "unsqueeze", "squeeze", "resize_", "is_pinned", "_pin_memory", "set_",
}  # fmt: skip


class RecordDevices(TorchDispatchMode):
    """Records, for each operation torch runs, its name and the device types of its tensor inputs."""

    def __init__(self):
        super().__init__()
        self.ops = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        inputs = [*args, *kwargs.values()]
        inputs += [item for value in inputs if isinstance(value, (list, tuple)) for item in value]
        self.ops.append((func.overloadpacket.__name__, {t.device.type for t in inputs if isinstance(t, torch.Tensor)}))
        return func(*args, **kwargs)
