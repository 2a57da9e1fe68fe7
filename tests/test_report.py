"""What the katas command prints while a kata trains, and what the learner's state keeps of a verdict."""

import io
import json

from rich.console import Console

from katas.core.curriculum import INSTALLED_ROOT, find_kata
from katas.core.feed import Progress
from katas.core.outcomes import KataResult
from katas.core.results import TestResult
from katas.learner.report import Running
from katas.learner.state import State

KATA = find_kata("01", INSTALLED_ROOT)


def test_a_planned_training_run_shows_its_epoch_batch_and_loss():
    output = io.StringIO()
    running = Running(Console(file=output, width=120), "pytest the MNIST kata")
    running.on_progress([Progress(epochs=2, batches=3), *(Progress(loss=loss) for loss in (2.0, 1.5, 1.0, 0.75))])
    (task,) = running.bar.tasks
    running.stop()
    assert (task.completed, task.total) == (4, 6)
    assert task.fields["training"] == "epoch 2/2  batch 1/3  loss 0.7500", task.fields
    assert "training: 2 epochs of 3 batches" in output.getvalue(), output.getvalue()


def failing(message: str = "expected 3, got 4") -> TestResult:
    return TestResult(f"katas/{KATA.folder}/test_x.py::test_b", KATA.folder, 2, "failed", message=message, output="x")


def test_the_state_keeps_the_verdict_the_counts_and_the_first_failure_s_task_not_its_message(tmp_path):
    verdict = KataResult.of([TestResult(f"katas/{KATA.folder}/test_x.py::test_a", KATA.folder, 1, "passed"), failing()])
    state = State(tmp_path)
    state.record(KATA, verdict, "digest")
    state.save()
    kept = State.load(tmp_path).result(KATA)
    assert (kept.all_passed, kept.passed, kept.total) == (False, 1, 2)
    assert (kept.first_failure.id, kept.first_failure.task, kept.first_failure.outcome) == (failing().id, 2, "failed")
    entry = json.loads(State(tmp_path).path.read_text(encoding="utf-8"))["katas"][KATA.folder]
    assert entry == {
        "last_run": {
            "all_passed": False,
            "passed": 1,
            "failed": 1,
            "first_failure": {"id": failing().id, "task": 2, "outcome": "failed"},
        },
        "digest": "digest",
    }


def test_a_state_file_of_an_older_version_still_loads(tmp_path):
    whole = {"passed": 3, "failed": 0, "skipped": 1, "tasks": {"1": [3, 3]}, "first_failure": None, "notes": {}}
    failed = whole | {"passed": 0, "failed": 1, "first_failure": failing().__dict__ | {"outcome": "failed"}}
    katas = {
        KATA.folder: {"result": whole, "digest": "a"},
        "02_unsqueeze": {"result": failed},
        "03_autograd": {"result": {"passed": "x"}},
    }
    State(tmp_path).path.parent.mkdir()
    State(tmp_path).path.write_text(json.dumps({"last": None, "katas": katas}), encoding="utf-8")
    state = State.load(tmp_path)
    assert (state.result(KATA).all_passed, state.result(KATA).total) == (True, 3)
    assert state.result(find_kata("02", INSTALLED_ROOT)).first_failure.task == 2
    assert state.result(find_kata("03", INSTALLED_ROOT)) is None, "what cannot be read is as if never run"
    state.record(KATA, KataResult.of([failing()]), "b")
    state.save()
    entry = json.loads(state.path.read_text(encoding="utf-8"))["katas"][KATA.folder]
    assert "result" not in entry and entry["digest"] == "b", "a new run replaces what the older version kept"
