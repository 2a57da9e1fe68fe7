"""Data-parallel training with torch.distributed. The lesson is README.md beside this file.

Most tests start real ranks: processes that meet in a gloo group (katas.testing.distributed.run_ranks). The
code that runs in a rank is a scenario below (``*_on_a_rank``): it calls your function there, and returns
what the test then checks, rank by rank.
"""

import datetime
import random
import time
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

from katas.testing import expect_raises, expect_sequence, kata_module
from katas.testing.distributed import LIMITS, run_ranks, run_torchrun

distributed = kata_module(__file__)

# Ranks are processes that start in a few hundredths of a second, but a rank that hangs is stopped only after
# LIMITS.hang_seconds (torchrun: plus its start; a later test that calls a function that hung fails at once).
# Under pytest-xdist the file's tests share a worker (--dist loadfile).
pytestmark = pytest.mark.timeout(90)

# Task 1: Process groups


@pytest.mark.task(1)
@pytest.mark.parametrize("world_size", [2, 3])
def test_start_group_joins_the_group_it_is_told_to(tmp_path, world_size):
    seen = run_ranks(distributed, start_group_on_a_rank, folder=tmp_path, world_size=world_size, start_group=False)
    call = "start_group(rank, world_size, init_method, timeout)"
    for rank, found in enumerate(seen):
        assert found["initialized"], (
            f"After {call}, dist.is_initialized() is False on rank {rank}: call dist.init_process_group there."
        )
        assert (found["rank"], found["world_size"]) == (rank, world_size), (
            f"After {call} with rank={rank} and world_size={world_size}, the group says this is rank "
            f"{found['rank']} of {found['world_size']}. Pass rank and world_size on to dist.init_process_group."
        )
        assert found["backend"] == "gloo", (
            f"Rank {rank} joined a {found['backend']!r} group: this kata runs on the CPU, with the 'gloo' backend."
        )
        assert found["met_through_the_file"], (
            f"Rank {rank} did not meet the others through the init_method it was given ({found['init_method']}). "
            "A fixed address and port (tcp://...:29500, or MASTER_PORT) collides with any other group on the "
            "machine: two test runs, two jobs, two users. Pass init_method on to dist.init_process_group."
        )
        assert found["timeout"] in (None, GROUP_TIMEOUT), (
            f"Rank {rank}'s group gives up on a collective after {found['timeout']}, not after the timeout it was "
            f"given ({GROUP_TIMEOUT}). Pass timeout on: the default, 30 minutes, is how long a mistake would hang."
        )


@pytest.mark.task(1)
@pytest.mark.parametrize("world_size", [2, 3])
def test_mean_across_ranks_gives_every_rank_the_mean(tmp_path, world_size):
    shape = (random.randint(1, 3), random.randint(2, 4))
    tensors = [torch.randn(shape) for _ in range(world_size)]
    results = run_ranks(distributed, mean_on_a_rank, tensors, folder=tmp_path, world_size=world_size)
    expected = torch.stack(tensors).double().mean(dim=0).float()
    total = expected * world_size
    expect_on_every_rank(
        [result["mean"] for result in results],
        expected,
        f"mean_across_ranks(tensor) on {world_size} ranks",
        mistakes=[
            (total, "That is the sum over the ranks: all_reduce adds by default (ReduceOp.SUM); divide it by "
             "the number of ranks."),
            (total / 2, "That is the sum divided by 2: divide by the number of ranks there are, "
             "dist.get_world_size(), not by a number written in the code."),
        ] if world_size != 2 else [(total, "That is the sum over the ranks: all_reduce adds by default "
                                    "(ReduceOp.SUM); divide it by the number of ranks.")],
    )  # fmt: skip
    changed = [rank for rank, result in enumerate(results) if not torch.equal(result["tensor"], tensors[rank])]
    assert not changed, (
        f"mean_across_ranks(tensor) changed the caller's tensor on ranks {changed}. all_reduce works in place, on "
        "the tensor you give it: give it a copy (tensor.clone())."
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("slow_rank", [0, 1], ids=["rank-0-slow", "rank-1-slow"])
def test_share_from_rank_zero_gives_every_rank_what_rank_zero_saved(tmp_path, slow_rank):
    tensors = [torch.randn(random.randint(2, 5)) for _ in range(2)]
    path = tmp_path / "shared.pt"
    results = run_ranks(distributed, share_on_a_rank, tensors, path, slow_rank, folder=tmp_path)
    early = [rank for rank, result in enumerate(results) if isinstance(result, str)]
    assert not early, (
        f"share_from_rank_zero(tensor, path): rank {early[0]} read the file before rank 0 had finished writing "
        f"it ({results[early[0]]}). Rank {slow_rank} was slow on purpose: ranks run at their own pace. Make "
        "every rank wait for rank 0's save before loading: dist.barrier() returns on a rank only once every "
        "rank has called it."
    )
    own = [rank for rank in (0, 1) if torch.equal(results[rank], tensors[1])]
    assert not own, (
        f"share_from_rank_zero(tensor, path) returned rank 1's tensor on ranks {own}: rank 1 saved it over rank 0's "
        f"(rank {slow_rank} was slow on purpose). Only rank 0 should save (dist.get_rank() == 0), and every rank "
        "load what it saved."
    )
    expect_on_every_rank(results, tensors[0], "share_from_rank_zero(tensor, path)")


# Task 2: Averaging gradients by hand


@pytest.mark.task(2)
@pytest.mark.parametrize("world_size", [2, 3])
def test_average_gradients_leaves_every_rank_with_the_full_batch_gradient(tmp_path, world_size):
    problem = linear_problem(samples=4 * world_size)
    results = run_ranks(distributed, gradients_on_a_rank, problem, folder=tmp_path, world_size=world_size)
    model = model_of(problem)
    F.mse_loss(model(problem["inputs"]), problem["targets"]).backward()
    expected = flat_gradients(model)
    unused = [rank for rank, grads in enumerate(results) if isinstance(grads, str)]
    assert not unused, (
        f"The model has a parameter that no loss depends on: its .grad is None. On rank {unused[0]}, "
        f"average_gradients(model) {results[unused[0]]}. Skip the parameters whose .grad is None, on every rank "
        "alike."
    )
    expect_on_every_rank(
        results,
        expected,
        f"On {world_size} ranks, each with its shard, backward() then average_gradients(model): the gradients",
        hint="Averaged over the ranks, the gradients of the shards' mean losses are the gradient of the whole "
        "batch's mean loss.",
        mistakes=averaging_mistakes(expected, world_size),
    )


@pytest.mark.task(2)
def test_train_step_keeps_the_ranks_in_step_with_full_batch_training(tmp_path):
    world_size, steps, lr = 2, 3, 0.1
    problem = linear_problem(samples=6)
    results = run_ranks(distributed, train_steps_on_a_rank, problem, steps, lr, folder=tmp_path)
    expected = full_batch_training(problem, steps, lr)
    for step in range(steps):
        expect_on_every_rank(
            [weights[step] for weights in results],
            expected[step],
            f"After {step + 1} train_step(model, optimizer, inputs, targets) on {world_size} ranks, the weights",
            hint="Average the gradients after backward() has made them and before optimizer.step() uses them: "
            "averaged any earlier, there is nothing (or last step's zeros) to average.",
            mistakes=averaging_mistakes(expected[step], world_size, update_of=flat(model_of(problem).parameters())),
        )


# Task 3: DistributedSampler


@pytest.mark.task(3)
def test_distributed_loader_pads_5_samples_to_3_per_rank_over_2_ranks():
    dataset = TensorDataset(torch.arange(5))
    shares = [loader_indices(rank, 2, dataset, epoch=0, seed=0) for rank in range(2)]
    for rank, share in enumerate(shares):
        assert len(share) == 3, (
            f"distributed_loader(<5 samples>, batch_size=2, rank={rank}, world_size=2) gave {len(share)} samples "
            f"({share}): 3 expected. Each rank gets ceil(5 / 2) = 3: DistributedSampler pads the dataset with "
            "samples from its start, so that every rank has as many (a rank with fewer would leave the others "
            "waiting in a collective)." + (" Did you pass sampler= to the DataLoader?" if len(share) == 5 else "")
        )
    assert set(shares[0]) | set(shares[1]) == set(range(5)), (
        f"Over 2 ranks, distributed_loader gave the shares {shares}: together they should cover all 5 samples."
    )
    expect_shares(shares, dataset, epoch=0, seed=0)


@pytest.mark.task(3)
@pytest.mark.parametrize("world_size", [2, 3, 4])
def test_distributed_loader_gives_each_rank_its_own_share_of_the_dataset(world_size):
    size, seed = world_size * random.randint(3, 6), random.randint(0, 1000)
    dataset = TensorDataset(torch.arange(size) * 10)
    shares = [
        [index // 10 for index in loader_indices(rank, world_size, dataset, 0, seed)] for rank in range(world_size)
    ]
    seen = [index for share in shares for index in share]
    assert sorted(seen) == list(range(size)), (
        f"Over {world_size} ranks, distributed_loader(<{size} samples>, ..., seed={seed}) gave the shares "
        f"{shares}: each sample should go to exactly one rank"
        + (
            ". Every rank got the whole dataset: give the DataLoader a DistributedSampler (sampler=...) that "
            "knows the rank and the world size."
            if all(len(share) == size for share in shares)
            else ". Every rank must pass the same seed: the ranks shuffle alike, then take their own slices."
        )
    )
    expect_shares([[index * 10 for index in share] for share in shares], dataset, epoch=0, seed=seed)


@pytest.mark.task(3)
def test_batches_of_epoch_shuffles_each_epoch_differently_and_the_same_way_on_every_run():
    dataset, seed = TensorDataset(torch.arange(12)), random.randint(0, 1000)
    epochs = {epoch: [loader_indices(rank, 2, dataset, epoch, seed) for rank in range(2)] for epoch in (0, 1, 2)}
    assert epochs[0] != epochs[1] != epochs[2], (
        f"batches_of_epoch(loader, epoch) gave the same order in epochs 0, 1 and 2 ({epochs[0]}). A "
        "DistributedSampler shuffles with seed + epoch, and it learns the epoch only from "
        "loader.sampler.set_epoch(epoch): without it, every epoch repeats epoch 0's order."
    )
    again = [loader_indices(rank, 2, dataset, 1, seed) for rank in range(2)]
    assert again == epochs[1], (
        f"batches_of_epoch(loader, 1) gave {epochs[1]} the first time and {again} the second. The same epoch "
        "should always give the same order: let the sampler shuffle (set_epoch), with no random draws of your own."
    )
    for epoch, shares in epochs.items():
        expect_shares(shares, dataset, epoch, seed)


# Task 4: DistributedDataParallel


@pytest.mark.task(4)
def test_train_ddp_keeps_the_ranks_identical_and_matches_full_batch_training(tmp_path):
    steps, lr = 4, 0.1
    problem = linear_problem(samples=8)
    others = [linear_problem(samples=8)["state"]]  # rank 1 starts from weights of its own
    results = run_ranks(distributed, ddp_on_a_rank, problem, others, steps, lr, folder=tmp_path)
    expect_on_every_rank(
        results,
        full_batch_training(problem, steps, lr)[-1],
        f"After train_ddp(model, inputs, targets, steps={steps}, lr={lr}) on 2 ranks, each with its shard and "
        "rank 1 with different starting weights, the weights",
        hint="Wrap the model in DistributedDataParallel(model) (no device_ids on the CPU): it copies rank 0's "
        "weights to every rank when it is made, and averages the gradients during backward(). Then train the "
        "wrapped model (the optimizer may hold model.parameters(): they are the same tensors).",
    )


@pytest.mark.task(4)
@pytest.mark.gpu(count=2)
def test_train_ddp_runs_on_two_gpus_with_nccl(tmp_path):
    if not (dist.is_available() and dist.is_nccl_available()):
        pytest.skip("this build of torch has no nccl backend")
    steps, lr = 4, 0.1
    problem = linear_problem(samples=8)
    results = run_ranks(distributed, ddp_on_a_gpu, problem, steps, lr, folder=tmp_path, backend="nccl")
    expect_on_every_rank(
        results,
        full_batch_training(problem, steps, lr)[-1],
        f"After train_ddp(model, inputs, targets, steps={steps}, lr={lr}) on 2 GPUs (nccl), the weights",
    )


# Task 5: Launching with torchrun


@pytest.mark.task(5)
def test_launched_rank_reads_the_rank_from_the_environment_torchrun_sets(monkeypatch):
    world_size = random.randint(4, 8)
    rank, local_rank = random.randint(world_size // 2, world_size - 1), random.randint(0, world_size // 2 - 1)
    environment = {"RANK": rank, "LOCAL_RANK": local_rank, "WORLD_SIZE": world_size, "LOCAL_WORLD_SIZE": 2}
    for name, value in environment.items():
        monkeypatch.setenv(name, str(value))
    call = f"launched_rank() with {', '.join(f'{name}={value}' for name, value in environment.items())}"
    found = expect_sequence(distributed.launched_rank(), 3, call)
    assert found == [rank, local_rank, world_size] and all(type(value) is int for value in found), (
        f"{call} returned {found!r}: expected ({rank}, {local_rank}, {world_size}), three ints. The environment "
        "holds strings: int(os.environ['RANK']). RANK is the rank in the whole group; LOCAL_RANK is the rank "
        "among the processes of this machine (the one to choose a GPU with)."
    )


@pytest.mark.task(5)
def test_launched_rank_outside_torchrun_says_how_to_launch(monkeypatch):
    for name in ("RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(name, raising=False)
    expect_raises(
        RuntimeError,
        distributed.launched_rank,
        call="launched_rank() outside torchrun (RANK, LOCAL_RANK and WORLD_SIZE not set)",
        hint="Say what to do: launch the script with torchrun.",
        naming=("torchrun",),
    )


@pytest.mark.task(5)
def test_main_under_torchrun_trains_like_full_batch_training(tmp_path):
    problem = linear_problem(samples=8)
    steps, lr = 3, 0.1
    problem_path, out_path = tmp_path / "problem.pt", tmp_path / "trained.pt"
    torch.save(problem | {"steps": steps, "lr": lr}, problem_path)
    calls = run_torchrun(distributed, str(problem_path), str(out_path), folder=tmp_path, nproc=2)
    for rank, made in enumerate(calls):
        assert len(made) == 1, (
            f"Under torchrun, rank {rank} of main(problem_path, out_path) called dist.init_process_group "
            f"{len(made)} times: join the group once, at the start."
        )
        (call,) = made
        chosen = call.get("init_method", call["args"][1] if len(call["args"]) > 1 else "env://")
        assert chosen == "env://" and "store" not in call, (
            f"Under torchrun, rank {rank} joined its group with dist.init_process_group({call}). torchrun has "
            "already chosen a free address and port and put them in the environment (MASTER_ADDR, MASTER_PORT), "
            'with RANK and WORLD_SIZE: dist.init_process_group("gloo") reads them all (init_method "env://", '
            "the default). An address of your own collides with any other group on the machine."
        )
    assert out_path.exists(), (
        f"Under torchrun with 2 ranks, main(problem_path, out_path) wrote nothing to {out_path}: rank 0 should "
        "save the trained model's state_dict there (torch.save)."
    )
    model = nn.Linear(3, 2)
    model.load_state_dict(torch.load(out_path))
    expect_on_every_rank(
        [flat(model.parameters())],
        full_batch_training(problem, steps, lr)[-1],
        f"Under torchrun with 2 ranks, the weights that main(problem_path, out_path) saved (steps={steps}, lr={lr})",
        hint="Each rank trains with train_ddp on its own equal share of the data: inputs.chunk(world_size)[rank].",
    )


# --- What runs on each rank ---


def start_group_on_a_rank(kata, setup):
    rendezvous = Path(setup.init_method.removeprefix("file://"))
    kata.start_group(setup.rank, setup.world_size, setup.init_method, setup.timeout)
    found = {"initialized": dist.is_initialized(), "init_method": setup.init_method}
    if not found["initialized"]:
        return found
    return found | {
        "rank": dist.get_rank(),
        "world_size": dist.get_world_size(),
        "backend": dist.get_backend(),
        "met_through_the_file": rendezvous.exists(),
        "timeout": group_timeout(),
    }


def mean_on_a_rank(kata, setup, tensors):
    tensor = tensors[setup.rank]
    mean = kata.mean_across_ranks(tensor)
    return {"mean": mean, "tensor": tensor}


def share_on_a_rank(kata, setup, tensors, path, slow_rank):
    if setup.rank == slow_rank:
        time.sleep(0.2)  # a rank that does not wait for a slow rank 0 reads too early (all left a barrier together)
    try:
        return kata.share_from_rank_zero(tensors[setup.rank], path)
    except (FileNotFoundError, EOFError) as error:
        return f"{type(error).__name__}: {error}"
    except RuntimeError as error:
        if "PytorchStreamReader" in str(error) or "zip archive" in str(error):  # a file half written
            return f"RuntimeError: {error}"
        raise


def gradients_on_a_rank(kata, setup, problem):
    model = model_of(problem)
    model.register_parameter("unused", nn.Parameter(torch.zeros(1)))  # no loss depends on it: .grad stays None
    inputs, targets = shard(problem, setup.rank, setup.world_size)
    F.mse_loss(model(inputs), targets).backward()
    try:
        kata.average_gradients(model)
    except TypeError as error:
        if "NoneType" in str(error):
            return "raised TypeError: it passed that None to all_reduce, which takes only tensors"
        raise
    if model.unused.grad is not None:
        return "a .grad for the unused parameter"
    return flat_gradients(model, without="unused")


def train_steps_on_a_rank(kata, setup, problem, steps, lr):
    model = model_of(problem)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    inputs, targets = shard(problem, setup.rank, setup.world_size)
    weights = []
    for _ in range(steps):
        kata.train_step(model, optimizer, inputs, targets)
        weights.append(flat(model.parameters()))
    return weights


def ddp_on_a_rank(kata, setup, problem, others, steps, lr):
    model = nn.Linear(3, 2)
    model.load_state_dict(problem["state"] if setup.rank == 0 else others[setup.rank - 1])
    inputs, targets = shard(problem, setup.rank, setup.world_size)
    kata.train_ddp(model, inputs, targets, steps, lr)
    return flat(model.parameters())


def ddp_on_a_gpu(kata, setup, problem, steps, lr):
    device = torch.device("cuda", setup.rank)
    torch.cuda.set_device(device)
    model = model_of(problem).to(device)
    inputs, targets = (tensor.to(device) for tensor in shard(problem, setup.rank, setup.world_size))
    kata.train_ddp(model, inputs, targets, steps, lr)
    return flat(model.parameters()).cpu()


# --- Helpers ---

GROUP_TIMEOUT = datetime.timedelta(seconds=LIMITS.group_timeout)  # what run_ranks gives start_group


def linear_problem(samples):
    """An nn.Linear(3, 2)'s starting weights ("state") and a dataset for it, as plain data (it goes to the ranks)."""
    return {
        "state": nn.Linear(3, 2).state_dict(),
        "inputs": torch.randn(samples, 3),
        "targets": torch.randn(samples, 2),
    }


def model_of(problem):
    model = nn.Linear(3, 2)
    model.load_state_dict(problem["state"])
    return model


def shard(problem, rank, world_size):
    """This rank's equal share of the problem's dataset."""
    return problem["inputs"].chunk(world_size)[rank], problem["targets"].chunk(world_size)[rank]


def flat(tensors):
    return torch.cat([tensor.detach().flatten() for tensor in tensors])


def flat_gradients(model, without=""):
    return flat(parameter.grad for name, parameter in model.named_parameters() if name != without)


def full_batch_training(problem, steps, lr):
    """The flat weights after each step of plain SGD on the whole batch, in one process."""
    model = model_of(problem)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    weights = []
    for _ in range(steps):
        optimizer.zero_grad()
        F.mse_loss(model(problem["inputs"]), problem["targets"]).backward()
        optimizer.step()
        weights.append(flat(model.parameters()))
    return weights


def averaging_mistakes(expected, world_size, update_of=None):
    """The results of summing instead of averaging, and of dividing by 2 whatever the number of ranks.

    For weights after one step, ``update_of`` is the weights before it: the mistake scales the update."""
    start = torch.zeros_like(expected) if update_of is None else update_of
    step = expected - start
    mistakes = [
        (
            start + step * world_size,
            "That is the sum of the ranks' gradients: all_reduce adds (ReduceOp.SUM); divide by the number of ranks.",
        )
    ]
    if world_size != 2:
        mistakes.append(
            (
                start + step * world_size / 2,
                "That is the sum divided by 2: divide by the number of "
                "ranks there are, dist.get_world_size(), not by a number written in the code.",
            )
        )
    return mistakes  # fmt: skip


def group_timeout():
    """How long this rank's group waits in a collective, where torch tells (None where it does not)."""
    try:
        return dist.group.WORLD._get_backend(torch.device("cpu")).options._timeout
    except (AttributeError, RuntimeError):
        return None


def loader_indices(rank, world_size, dataset, epoch, seed):
    """The samples (first tensor of each) that distributed_loader's loader gives ``rank`` in ``epoch``."""
    loader = distributed.distributed_loader(dataset, batch_size=2, rank=rank, world_size=world_size, seed=seed)
    call = f"distributed_loader(dataset, batch_size=2, rank={rank}, world_size={world_size}, seed={seed})"
    assert isinstance(loader, DataLoader), f"{call} returned {type(loader).__name__}: return a DataLoader."
    assert isinstance(loader.sampler, DistributedSampler), (
        f"The DataLoader of {call} draws its samples with a {type(loader.sampler).__name__}, which gives every rank "
        "the whole dataset. Give it sampler=DistributedSampler(dataset, num_replicas=world_size, rank=rank, "
        "shuffle=True, seed=seed): each rank gets its own share."
    )
    batches = distributed.batches_of_epoch(loader, epoch)
    assert isinstance(batches, list), (
        f"batches_of_epoch(loader, {epoch}) returned {type(batches).__name__}: return the batches as a list."
    )
    return [int(value) for batch in batches for value in batch[0]]


def expect_shares(shares, dataset, epoch, seed):
    """Fail unless each rank's share is what a DistributedSampler (shuffle, ``seed``) gives it in ``epoch``."""
    world_size = len(shares)
    for rank, share in enumerate(shares):
        sampler = DistributedSampler(dataset, num_replicas=world_size, rank=rank, shuffle=True, seed=seed)
        sampler.set_epoch(epoch)
        expected = [int(dataset[index][0]) for index in sampler]
        assert share == expected, (
            f"In epoch {epoch} over {world_size} ranks (seed={seed}), rank {rank}'s loader gave {share}; "
            f"DistributedSampler(dataset, num_replicas={world_size}, rank={rank}, shuffle=True, seed={seed}) "
            f"gives {expected}. Give the DataLoader that sampler (sampler=..., and no shuffle=True: the sampler "
            "shuffles), with the seed it is given (the same on every rank), and set the sampler's epoch "
            "(loader.sampler.set_epoch) before each epoch."
        )


def expect_on_every_rank(results, expected, call, hint="", mistakes=()):
    """Fail unless every rank's tensor is close to ``expected``; the failure shows the value of each rank."""
    __tracebackhide__ = True
    wrong = [rank for rank, got in enumerate(results) if not close(got, expected)]
    if not wrong:
        return
    known = [text for value, text in mistakes if all(close(results[rank], value) for rank in wrong)]
    ranks_disagree = len(results) > 1 and not all(close(got, results[0]) for got in results)
    per_rank = "\n".join(f"  rank {rank}:     {preview(got)}" for rank, got in enumerate(results))
    message = f"{call}, rank by rank:\n{per_rank}\n  expected: {preview(expected)}"
    if ranks_disagree:
        message += (
            "\nThe ranks disagree: in data-parallel training every rank must end each step with the same "
            "weights (and after an average, with the same values)."
        )
    pytest.fail(f"{message}\n{known[0] if known else hint}".rstrip(), pytrace=False)


def close(got, expected):
    return (
        isinstance(got, torch.Tensor)
        and got.shape == expected.shape
        and torch.allclose(got.double(), expected.double(), rtol=1e-4, atol=1e-5)
    )


def preview(value):
    if not isinstance(value, torch.Tensor):
        return f"{type(value).__name__}: {value!r:.100}"
    return (
        "["
        + ", ".join(f"{number:.4f}" for number in value.flatten().tolist()[:12])
        + (", ...]" if value.numel() > 12 else "]")
    )
