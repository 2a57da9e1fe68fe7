"""Pictures of what a kata is about: views for the learner, never part of a verdict.

In a notebook, ``k.pictures()`` shows them inline; ``katas pictures 05`` writes them as PNG files
(``.katas/pictures/<folder>/``) and prints their paths; ``--reference`` draws the reference solution's.
Pictures that run the learner's code load it afresh from its file; a function still to write gives a line saying
so, not an error. matplotlib and torchviz come with the ``[notebook]`` extra. A computation graph is drawn by
Graphviz's ``dot`` where it is installed, else shown as a text tree of its ``grad_fn``s, with a note that says what
to install. Pictures that train (the MNIST ones) report their progress to ``on_progress``, as a training test does.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import torch

from katas.core.curriculum import Kata
from katas.core.feed import Progress
from katas.datasets import CorruptDataFile, DataUnavailable
from katas.learner.medium import in_a_kernel
from katas.learner.state import state_dir
from katas.runtime.runner import ProgressCallback
from katas.runtime.solution import load_module

DPI = 100


@dataclass
class Picture:
    """One picture: a matplotlib Figure, a Graphviz graph, or text (a graph where ``dot`` is missing, or a note)."""

    name: str
    drawing: object


# --- Computation graphs (the autograd and VJP katas) -------------------------------------------------------------


def graph_text(output: torch.Tensor, names: dict[int, str]) -> str:
    """The graph behind ``output`` as a tree of ``grad_fn``s; a leaf is named from ``names`` (by ``id``)."""
    lines = [f"{output.grad_fn.name()}  → {_described(output)}"]

    def walk(function, prefix: str) -> None:
        children = [child for child, _ in function.next_functions if child is not None]
        for index, child in enumerate(children):
            last = index == len(children) - 1
            label = child.name().removeprefix("torch::autograd::")
            if hasattr(child, "variable"):  # AccumulateGrad: a leaf that requires grad
                label += f"  ← {names.get(id(child.variable), 'leaf')} {_described(child.variable)}"
            lines.append(f"{prefix}{'└─ ' if last else '├─ '}{label}")
            walk(child, prefix + ("   " if last else "│  "))

    walk(output.grad_fn, "")
    return "\n".join(lines)


def _described(tensor: torch.Tensor) -> str:
    return f"shape {tuple(tensor.shape)}"


NO_TORCHVIZ = 'The graph is shown as text: drawing it needs torchviz, which comes with pip install -e ".[notebook]".'
NO_DOT = (
    "The graph is shown as text, not drawn: drawing it needs Graphviz's dot program, which is not installed. "
    "Install Graphviz (Debian, Ubuntu: sudo apt install graphviz; macOS: brew install graphviz; conda: conda install "
    "graphviz; Windows: the installer on https://graphviz.org/download/), then draw again."
)


def graph_picture(name: str, output: torch.Tensor, leaves: dict[str, torch.Tensor]) -> list[Picture]:
    """torchviz's drawing of the graph where ``dot`` runs; else :func:`graph_text`, and a note on what to install."""
    as_text = Picture(name, graph_text(output, {id(tensor): leaf for leaf, tensor in leaves.items()}))
    try:
        from torchviz import make_dot
    except ImportError:
        return [as_text, Picture("note", NO_TORCHVIZ)]
    graph = make_dot(output, params=leaves)
    try:
        graph.pipe(format="svg")
    except Exception:  # graphviz.ExecutableNotFound where dot is missing, or a dot that fails
        return [as_text, Picture("note", NO_DOT)]
    return [Picture(name, graph)]


def autograd_pictures(module: ModuleType, on_progress: ProgressCallback | None = None) -> list[Picture]:
    """The graph that the mean squared error of a linear model builds (Task 1's ``mse_gradients``)."""
    torch.manual_seed(0)
    w, b = torch.randn(3, requires_grad=True), torch.zeros((), requires_grad=True)
    inputs, targets = torch.randn(5, 3), torch.randn(5)
    loss = ((inputs @ w + b - targets) ** 2).mean()
    return graph_picture("mse_graph", loss, {"w": w, "b": b})


def vjp_pictures(module: ModuleType, on_progress: ProgressCallback | None = None) -> list[Picture]:
    """The graph of a vector function, ``tanh(W @ x) * x``: backward with ``v`` walks it from the output down."""
    torch.manual_seed(0)
    W, x = torch.randn(3, 3), torch.randn(3, requires_grad=True)
    y = torch.tanh(W @ x) * x
    return graph_picture("vector_function_graph", y, {"x": x})


# --- Loss curves ------------------------------------------------------------------------------------------------


def figure(width: float = 6, height: float = 4):
    from matplotlib.figure import Figure  # no pyplot: no GUI backend, headless everywhere

    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


LEARNING_RATES = (0.1, 1.0, 10.0)  # small, right, too large for the data below


def training_loop_pictures(module: ModuleType, on_progress: ProgressCallback | None = None) -> list[Picture]:
    """The loss, step by step, of your training step (Tasks 1-4) at three learning rates, one of them too large."""
    torch.manual_seed(0)
    X = torch.randn(200, 2) * torch.tensor([1.0, 4.0])
    y = ((X @ torch.tensor([2.0, -0.5]) + 0.3 + 2 * torch.randn(200)) > 0).float()  # noisy: not separable
    curves = {}
    for lr in LEARNING_RATES:
        w, b = module.init_parameters(2)
        losses = []
        for _ in range(40):
            loss = module.bce_with_logits(module.predict_logits(X, w, b), y)
            losses.append(loss.item())
            loss.backward()
            module.sgd_step((w, b), lr)
            module.zero_grad((w, b))
        curves[lr] = losses
    drawing = figure()
    axes = drawing.add_subplot()
    for lr, losses in curves.items():
        axes.plot(losses, label=f"lr = {lr:g}" + ("  (too large)" if lr == max(LEARNING_RATES) else ""))
    axes.axhline(curves[LEARNING_RATES[0]][0], color="gray", linestyle=":", label="the loss at the start")
    axes.set(xlabel="step", ylabel="loss (BCE with logits)", yscale="log", title="The same loop, three learning rates")
    axes.legend(loc="center right")
    return [Picture("loss_curves", drawing)]


MNIST_BATCH_SIZE = 128


def mnist_pictures(
    module: ModuleType,
    on_progress: ProgressCallback | None = None,
    epochs: int = 2,
    train_size: int | None = None,
) -> list[Picture]:
    """Your ``fit``'s loss per batch, and test digits your model gets wrong, with its guess and the true label."""
    from katas.datasets import load_mnist

    train, test = load_mnist(train=True), load_mnist(train=False)
    losses: list[float] = []
    images, labels = train.images[:train_size], train.labels[:train_size]

    def on_batch(loss: float) -> None:
        losses.append(loss)
        if on_progress is not None:
            on_progress([Progress(loss=float(loss))])

    if on_progress is not None:
        on_progress([Progress(epochs=epochs, batches=-(-len(images) // MNIST_BATCH_SIZE))])
    device = torch.device("cpu")
    model, mean, std = module.fit(images, labels, device, epochs=epochs, batch_size=MNIST_BATCH_SIZE, on_batch=on_batch)
    with torch.no_grad():
        predicted = model(module.to_inputs(test.images, mean, std)).argmax(dim=1)
    wrong = (predicted != test.labels).nonzero().flatten()[:32]

    curve = figure()
    axes = curve.add_subplot()
    axes.plot(losses)
    axes.set(xlabel="batch", ylabel="loss (cross-entropy)", yscale="log", title=f"Training, {epochs} epochs")

    grid = figure(8, 4.6)
    accuracy = 1 - (predicted != test.labels).float().mean().item()
    grid.suptitle(
        f"{len(wrong)} of the {int((predicted != test.labels).sum())} test digits your model gets wrong "
        f"(accuracy {accuracy:.2%}): guess / true"
    )
    for place, index in enumerate(wrong.tolist()):
        axes = grid.add_subplot(4, 8, place + 1)
        axes.imshow(test.images[index].numpy(), cmap="gray_r")
        axes.set_title(f"{predicted[index].item()} / {test.labels[index].item()}", fontsize=9, color="red")
        axes.axis("off")
    return [Picture("loss_curve", curve), Picture("misclassified", grid)]


# --- Gradients that lie on purpose (the custom autograd kata) ------------------------------------------------


def custom_autograd_pictures(module: ModuleType, on_progress: ProgressCallback | None = None) -> list[Picture]:
    """Your ``StraightThroughRound`` (Task 3): its forward is round's staircase, its backward lets the gradient
    through with slope 1, where torch.round's own derivative is 0 almost everywhere."""
    x = torch.linspace(-2.5, 2.5, 501, requires_grad=True)
    y = module.StraightThroughRound.apply(x)
    (yours,) = torch.autograd.grad(y.sum(), x)
    plain = x.detach().requires_grad_()
    (rounds,) = torch.autograd.grad(torch.round(plain).sum(), plain)
    drawing = figure()
    axes = drawing.add_subplot()
    axes.plot(x.detach(), y.detach(), label="forward: round(x)")
    axes.plot(x.detach(), yours, linestyle="--", label="your backward: the gradient passes straight through")
    axes.plot(x.detach(), rounds, linestyle=":", label="torch.round's own derivative: 0, nothing to learn from")
    axes.set(xlabel="x", title="Straight through: round forward, slope 1 backward")
    axes.legend(loc="lower right", fontsize="small")
    return [Picture("straight_through", drawing)]


# --- Activation scale through a deep ReLU stack ---------------------------------------------------------------


def normalization_pictures(module: ModuleType, on_progress: ProgressCallback | None = None) -> list[Picture]:
    """The std of the activations, layer by layer, of a deep ReLU stack initialised by your ``kaiming_normal_`` and
    ``xavier_uniform_`` (Task 5), and by weights of std 1: kept, collapsing, exploding."""
    torch.manual_seed(0)
    depth, width = 30, 128
    inits = {
        "Kaiming: std = sqrt(2 / fan_in)": module.kaiming_normal_,
        "Xavier: a = sqrt(6 / (fan_in + fan_out))": module.xavier_uniform_,
        "std 1": lambda weight: weight.normal_(0.0, 1.0),
    }
    x = torch.randn(256, width)
    drawing = figure()
    axes = drawing.add_subplot()
    with torch.no_grad():
        for label, init in inits.items():
            h, stds = x, []
            for _ in range(depth):
                h = torch.relu(h @ init(torch.empty(width, width)).T)
                stds.append(h.std().item())
            axes.plot(range(1, depth + 1), stds, marker=".", label=label)
    axes.axhline(x.std().item(), color="gray", linestyle=":", label="the input's std")
    axes.set(
        xlabel="layer (Linear, then ReLU)",
        ylabel="std of the activations",
        yscale="log",
        title=f"{depth} layers of width {width}, three initializations",
    )
    axes.legend(loc="upper left")
    return [Picture("activation_scale", drawing)]


# --- Edges found by hand-set filters (the convolution kata) ------------------------------------------------------


SOBEL = {  # the change from left to right, and from top to bottom
    "Sobel x: left to right": [[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]],
    "Sobel y: top to bottom": [[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]],
}


def shapes_image(size: int = 48) -> torch.Tensor:
    """A grey picture ``(1, 1, size, size)``: a bright disc and a darker square on black."""
    rows, columns = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    disc = ((rows - size * 0.35) ** 2 + (columns - size * 0.35) ** 2) < (size * 0.22) ** 2
    square = (rows > size * 0.55) & (rows < size * 0.9) & (columns > size * 0.5) & (columns < size * 0.85)
    return (disc * 1.0 + square * 0.5).float().reshape(1, 1, size, size)


def convolution_pictures(module: ModuleType, on_progress: ProgressCallback | None = None) -> list[Picture]:
    """Two hand-set 3x3 filters (Sobel), their feature maps from your ``conv2d`` (Task 2, padding 1), and the edge
    strength after your ``max_pool2d`` (Task 3): what a first convolutional layer learns looks much like them."""
    image = shapes_image()
    weight = torch.tensor(list(SOBEL.values())).unsqueeze(1)  # (2, 1, 3, 3): two filters of one channel
    with torch.no_grad():
        maps = module.conv2d(image, weight, padding=1)[0]
        pooled = module.max_pool2d(maps.pow(2).sum(0, keepdim=True).sqrt().unsqueeze(0), 2)[0, 0]
    drawing = figure(9, 6)
    grid = drawing.subplots(2, 3)
    grid[0, 0].imshow(image[0, 0].numpy(), cmap="gray")
    grid[0, 0].set_title("the image (48 x 48)")
    for column, (name, taps) in enumerate(SOBEL.items(), start=1):
        axes = grid[0, column]
        axes.imshow(torch.tensor(taps).numpy(), cmap="coolwarm", vmin=-2, vmax=2)
        for (row, col), tap in zip(((r, c) for r in range(3) for c in range(3)), torch.tensor(taps).flatten()):
            axes.text(col, row, f"{tap:g}", ha="center", va="center")
        axes.set_title(f"filter {name}")
        feature = grid[1, column - 1]
        strongest = float(maps.abs().max())
        feature.imshow(maps[column - 1].numpy(), cmap="coolwarm", vmin=-strongest, vmax=strongest)
        feature.set_title(f"conv2d with {name.split(':')[0]}")
    grid[1, 2].imshow(pooled.numpy(), cmap="magma")
    grid[1, 2].set_title("max_pool2d(2) of both: 24 x 24")
    for axes in grid.flat:
        axes.axis("off")
    drawing.suptitle("Feature maps of two hand-set filters: red where brightness rises, blue where it falls")
    return [Picture("filters_and_feature_maps", drawing)]


# --- Who looks at whom (the attention kata) ----------------------------------------------------------------------


def attention_pictures(module: ModuleType, on_progress: ProgressCallback | None = None) -> list[Picture]:
    """The attention weights of your ``scaled_dot_product_attention`` (Task 4) for a short sentence, embedded by your
    ``embed`` (Task 1) plus your ``sinusoidal_positions`` (Task 3), as a heat map; then your ``causal_mask`` beside
    the weights it leaves. The weights come out of attention itself: with the identity as the values, each query's
    output is its row of weights."""
    words = ["the", "cat", "sat", "on", "the", "mat"]
    vocabulary = sorted(set(words))
    ids = torch.tensor([vocabulary.index(word) for word in words])
    dim = 16
    table = torch.randn(len(vocabulary), dim, generator=torch.Generator().manual_seed(0))
    x = module.embed(table, ids) + module.sinusoidal_positions(len(words), dim)
    identity = torch.eye(len(words))
    weights = module.scaled_dot_product_attention(x, x, identity)
    mask = module.causal_mask(len(words))
    causal = module.scaled_dot_product_attention(x, x, identity, is_causal=True)

    def heat_map(axes, values, title, colour_map="viridis", limits=(0.0, 1.0)):
        image = axes.imshow(values.detach().float().numpy(), cmap=colour_map, vmin=limits[0], vmax=limits[1])
        axes.set_xticks(range(len(words)), words, rotation=45)
        axes.set_yticks(range(len(words)), words)
        axes.set(xlabel="key (looked at)", ylabel="query (looking)", title=title)
        return image

    attention_map = figure(5.5, 4.5)
    axes = attention_map.add_subplot()
    image = heat_map(axes, weights, "Who looks at whom: each row of weights sums to 1")
    attention_map.colorbar(image, ax=axes, label="weight")
    causal_figure = figure(10, 4.5)
    left, right = causal_figure.subplots(1, 2)
    heat_map(left, mask.float(), "causal_mask(6): True (light) = may look", colour_map="gray")
    image = heat_map(right, causal, "Causal attention: nothing above the diagonal")
    causal_figure.colorbar(image, ax=right, label="weight")
    return [Picture("attention_map", attention_map), Picture("causal_mask", causal_figure)]


# --- A small transformer learning to sort (the transformer kata) ------------------------------------------------

SORT_DIGITS, SORT_SEP = 6, 10  # the kata's task: sort 6 digits; 10 separates a prompt from its answer


def transformer_pictures(
    module: ModuleType, on_progress: ProgressCallback | None = None, steps: int = 300
) -> list[Picture]:
    """Your ``TinyGPT`` trained by your ``train`` for ``steps`` steps (the kata's test trains 500) on sorting 6 digits:
    its loss per step, and what your ``generate`` makes of prompts it never saw, greedy and at temperature 3."""
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(2024)
    codes = torch.randint(10**SORT_DIGITS, (30_000,), generator=generator).unique()  # distinct: none seen twice
    codes = codes[torch.randperm(len(codes), generator=generator)]
    digits = codes.unsqueeze(1) // 10 ** torch.arange(SORT_DIGITS - 1, -1, -1) % 10
    held_out, seen = digits[:500], digits[500:20_500]
    model = module.TinyGPT(SORT_SEP + 1, 2 * SORT_DIGITS)
    losses: list[float] = []

    def on_step(loss: float) -> None:
        losses.append(loss)
        if on_progress is not None:
            on_progress([Progress(loss=float(loss))])

    if on_progress is not None:
        on_progress([Progress(epochs=1, batches=steps)])
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # matrices this small: one thread is fastest, and a busy machine cannot stall it
    try:
        module.train(model, module.make_sequences(seen), SORT_DIGITS + 1, steps, 64, 1e-2, generator, on_step)
        prompts = module.make_sequences(held_out)[:, : SORT_DIGITS + 1]
        greedy = module.generate(model, prompts, SORT_DIGITS)[:, SORT_DIGITS + 1 :]
        sampled = module.generate(model, prompts[:4], SORT_DIGITS, 3.0, torch.Generator().manual_seed(0))
    finally:
        torch.set_num_threads(threads)
    right = (greedy == held_out.sort(dim=1).values).all(dim=1)

    curve = figure()
    axes = curve.add_subplot()
    axes.plot(losses)
    axes.set(
        xlabel="step",
        ylabel="loss on the answer tokens (cross-entropy)",
        yscale="log",
        title=f"Training to sort 6 digits, {steps} steps (the test trains 500)",
    )

    def spelled(tokens: torch.Tensor) -> str:
        return " ".join(str(token) for token in tokens.tolist())

    samples = figure(7, 4.6)
    axes = samples.add_subplot()
    axes.axis("off")
    axes.set_title(
        f"Prompts it never saw: {right.double().mean().item():.1%} of {len(right)} sorted right by greedy decoding",
        fontsize=10,
    )
    lines = [(f"{spelled(held_out[i])}  →  {spelled(greedy[i])}", "green" if right[i] else "red") for i in range(8)]
    lines.append(("At temperature 3 (flatter: its doubts show; a generator seeded 0):", "black"))
    lines += [(f"{spelled(held_out[i])}  →  {spelled(sampled[i, SORT_DIGITS + 1 :])}", "gray") for i in range(4)]
    for row, (text, color) in enumerate(lines):
        axes.text(0.02, 1 - (row + 0.5) / len(lines), text, family="monospace", fontsize=11, color=color, va="center")
    return [Picture("loss_curve", curve), Picture("sorted_by_your_model", samples)]


PICTURES: dict[str, Callable[..., list[Picture]]] = {  # by topic, those of curriculum.PICTURE_TOPICS
    "autograd": autograd_pictures,
    "vjp": vjp_pictures,
    "training_loop": training_loop_pictures,
    "custom_autograd": custom_autograd_pictures,
    "normalization": normalization_pictures,
    "convolution": convolution_pictures,
    "attention": attention_pictures,
    "transformer": transformer_pictures,
    "mnist": mnist_pictures,
}


def pictures(
    kata: Kata, reference: bool = False, on_progress: ProgressCallback | None = None, **options
) -> list[Picture]:
    """The pictures of ``kata``, drawn with the learner's module (or the reference); a note for a task still to do,
    or for data that is missing."""
    path = kata.reference_path if reference else kata.stub_path
    try:
        module = load_module(path)
    except Exception as error:
        return [Picture("note", f"No pictures: {kata.shown(path)} could not be imported ({error!r}).")]
    try:
        return PICTURES[kata.topic](module, on_progress, **options)
    except NotImplementedError as error:
        return [Picture("note", f"No picture yet: {error}. Draw again once it is written.")]
    except (DataUnavailable, CorruptDataFile) as error:
        return [Picture("note", f"No pictures: {error}")]


# --- Showing and saving ---------------------------------------------------------------------------------------


def png(picture: Picture) -> bytes:
    """The picture as PNG bytes (a Figure or a graph; text is not a picture)."""
    if hasattr(picture.drawing, "savefig"):
        buffer = io.BytesIO()
        picture.drawing.savefig(buffer, format="png", dpi=DPI)
        return buffer.getvalue()
    return picture.drawing.pipe(format="png")


def show(found: list[Picture]) -> None:
    """Show ``found`` in the notebook: figures and graphs as images, text as text."""
    from IPython.display import SVG, Image, display

    for picture in found:
        if isinstance(picture.drawing, str):
            print(picture.drawing)
        elif hasattr(picture.drawing, "savefig"):
            display(Image(data=png(picture)))
        else:
            display(SVG(picture.drawing.pipe(format="svg")))


def save(found: list[Picture], folder: Path) -> list[Path]:
    """Write ``found`` into ``folder`` as PNG files (text is printed instead); their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for picture in found:
        if isinstance(picture.drawing, str):
            print(picture.drawing)
            continue
        path = folder / f"{picture.name}.png"
        path.write_bytes(png(picture))
        written.append(path)
    return written


def draw(kata: Kata, reference: bool = False, on_progress: ProgressCallback | None = None, **options) -> list[Path]:
    """Show the pictures of ``kata`` inline in a notebook; elsewhere, write them as PNG files and print their paths
    (which it returns)."""
    found = pictures(kata, reference, on_progress, **options)
    if in_a_kernel():
        show(found)
        return []
    written = save(found, state_dir(kata.root) / "pictures" / kata.folder)
    for path in written:
        print(path)
    return written
