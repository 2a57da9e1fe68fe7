"""What the katas command prints while a kata trains: a bar with epochs and batches once the test plans them."""

import io

from rich.console import Console

from katas.learner.report import Running
from katas.runtime.runner import Progress


def test_a_planned_training_run_shows_its_epoch_batch_and_loss():
    output = io.StringIO()
    running = Running(Console(file=output, width=120), "pytest the MNIST kata")
    running.on_progress([Progress(epochs=2, batches=3), *(Progress(loss=loss) for loss in (2.0, 1.5, 1.0, 0.75))])
    (task,) = running.bar.tasks
    running.stop()
    assert (task.completed, task.total) == (4, 6)
    assert task.fields["training"] == "epoch 2/2  batch 1/3  loss 0.7500", task.fields
    assert "training: 2 epochs of 3 batches" in output.getvalue(), output.getvalue()
