"""katas.learner.pictures, drawn headless on the reference solutions: PNG files of the right size, never an error."""

import os
import shutil
from pathlib import Path

import pytest

from katas.core.curriculum import INSTALLED_ROOT, PICTURE_TOPICS, find_kata, load_curriculum
from katas.datasets import DataUnavailable
from tests import warm_command
from tests.test_cli import clone  # noqa: F401  (a fixture: a git copy of the repository)

pytest.importorskip("matplotlib", reason="pictures come with the [notebook] extra")
Image = pytest.importorskip("PIL.Image")  # matplotlib's own dependency

from katas.learner import pictures  # noqa: E402  (after the skips: matplotlib is imported when a picture is drawn)

pytestmark = pytest.mark.timeout(300)  # the MNIST pictures train a model


def test_the_katas_drawn_are_those_the_curriculum_says_have_pictures():
    assert set(pictures.PICTURES) == PICTURE_TOPICS, "katas.core.curriculum.PICTURE_TOPICS names the drawn katas"
    assert {kata.topic for kata in load_curriculum(INSTALLED_ROOT) if kata.has_pictures} == PICTURE_TOPICS


def png_size(path: Path) -> tuple[int, int]:
    assert path.is_file() and path.stat().st_size > 0, f"{path} should be a non-empty file"
    with Image.open(path) as image:
        assert image.format == "PNG", f"{path} is {image.format}, not PNG"
        return image.size


@pytest.mark.parametrize("name", ["03", "04"])
def test_a_computation_graph_is_drawn_by_dot_or_shown_as_a_text_tree_saying_what_to_install(name, tmp_path):
    found = pictures.pictures(find_kata(name, INSTALLED_ROOT), reference=True)
    if shutil.which("dot") is None:
        tree, note = found
        assert isinstance(tree.drawing, str), "without Graphviz's dot, the graph should be a text tree"
        assert "AccumulateGrad" in tree.drawing and "←" in tree.drawing, tree.drawing
        assert "Graphviz" in note.drawing and "apt install graphviz" in note.drawing, note.drawing
    else:
        (path,) = pictures.save(found, tmp_path)
        width, height = png_size(path)
        assert width > 50 and height > 50, f"the graph's PNG is only {width}x{height}"


def test_the_command_names_graphviz_when_dot_is_missing(clone, tmp_path):  # noqa: F811
    no_dot = tmp_path / "bin"  # no dot on this PATH
    no_dot.mkdir()
    completed = warm_command.run(["pictures", "04", "--reference"], clone, os.environ | {"PATH": str(no_dot)})
    assert completed.returncode == 1, "no PNG was written: the command says so with its exit status"
    assert "sudo apt install graphviz" in completed.stdout and "brew install graphviz" in completed.stdout, (
        completed.stdout
    )


def test_the_mnist_pictures_without_the_data_say_where_to_put_it_in_a_few_lines(clone, tmp_path):  # noqa: F811
    env = os.environ | {"KATAS_DATA_DIR": str(tmp_path / "no-data"), "KATAS_OFFLINE": "1"}
    completed = warm_command.run(["pictures", "mnist", "--reference"], clone, env)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 1 and "Traceback" not in output, output
    assert "MNIST" in output and len(output.splitlines()) <= 6, output


def test_the_mnist_pictures_report_their_training_as_a_training_test_does():
    fed = []
    try:
        pictures.pictures(find_kata("mnist", INSTALLED_ROOT), True, fed.extend, epochs=1, train_size=300)
    except DataUnavailable as error:
        pytest.skip(str(error))
    plan, *losses = fed
    assert (plan.epochs, plan.batches) == (1, 3) and len(losses) == 3, fed
    assert all(line.loss is not None for line in losses), fed


def test_the_text_tree_names_each_leaf_under_the_operation_that_uses_it():
    import torch

    w, x = torch.ones(2, requires_grad=True), torch.ones(2)
    tree = pictures.graph_text((w * x).sum(), {id(w): "w"})
    assert tree.splitlines() == [
        "SumBackward0  → shape ()",
        "└─ MulBackward0",
        "   └─ AccumulateGrad  ← w shape (2,)",
    ], tree


def test_the_loss_curves_at_three_learning_rates_are_a_600_by_400_png(tmp_path):
    found = pictures.pictures(find_kata("05", INSTALLED_ROOT), reference=True)
    assert [picture.name for picture in found] == ["loss_curves"]
    (path,) = pictures.save(found, tmp_path)
    assert png_size(path) == (600, 400)


def test_the_activation_scale_per_layer_of_three_initializations_is_a_600_by_400_png(tmp_path):
    found = pictures.pictures(find_kata("normalization", INSTALLED_ROOT), reference=True)
    assert [picture.name for picture in found] == ["activation_scale"], found
    (path,) = pictures.save(found, tmp_path)
    assert png_size(path) == (600, 400)


def test_the_mnist_loss_curve_and_misclassified_digits_are_pngs(tmp_path):
    try:
        found = pictures.pictures(find_kata("mnist", INSTALLED_ROOT), reference=True, epochs=1, train_size=2000)
    except DataUnavailable as error:
        pytest.skip(str(error))
    paths = pictures.save(found, tmp_path)
    assert [path.name for path in paths] == ["loss_curve.png", "misclassified.png"]
    assert [png_size(path) for path in paths] == [(600, 400), (800, 460)]


def test_the_straight_through_estimator_is_a_600_by_400_png(tmp_path):
    found = pictures.pictures(find_kata("custom_autograd", INSTALLED_ROOT), reference=True)
    assert [picture.name for picture in found] == ["straight_through"], found
    (path,) = pictures.save(found, tmp_path)
    assert png_size(path) == (600, 400)


def test_two_hand_set_filters_and_their_feature_maps_are_a_900_by_600_png(tmp_path):
    found = pictures.pictures(find_kata("convolution", INSTALLED_ROOT), reference=True)
    assert [picture.name for picture in found] == ["filters_and_feature_maps"], found
    (path,) = pictures.save(found, tmp_path)
    assert png_size(path) == (900, 600)


def test_the_attention_map_and_the_causal_mask_are_pngs(tmp_path):
    found = pictures.pictures(find_kata("attention", INSTALLED_ROOT), reference=True)
    paths = pictures.save(found, tmp_path)
    assert [path.name for path in paths] == ["attention_map.png", "causal_mask.png"]
    assert [png_size(path) for path in paths] == [(550, 450), (1000, 450)]


def test_the_transformer_loss_curve_and_its_sorted_samples_are_pngs(tmp_path):
    found = pictures.pictures(find_kata("transformer", INSTALLED_ROOT), reference=True)
    paths = pictures.save(found, tmp_path)
    assert [path.name for path in paths] == ["loss_curve.png", "sorted_by_your_model.png"]
    assert [png_size(path) for path in paths] == [(600, 400), (700, 460)]


def test_a_function_still_to_write_gives_a_note_not_an_error():
    (note,) = pictures.pictures(find_kata("05", INSTALLED_ROOT))  # the untouched stub
    assert note.drawing.startswith("No picture yet: Task 1: write init_parameters"), note.drawing


def test_the_command_writes_png_files_and_prints_their_paths(clone):  # noqa: F811
    completed = warm_command.run(["pictures", "05", "--reference"], clone, os.environ)
    assert completed.returncode == 0, completed.stderr
    (printed,) = [line for line in completed.stdout.splitlines() if line and not line.startswith("running ")]
    assert Path(printed) == clone / ".katas/pictures/05_training_loop/loss_curves.png", completed.stdout
    assert png_size(Path(printed)) == (600, 400)
