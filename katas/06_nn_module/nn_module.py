"""nn.Module.

Replace each `raise NotImplementedError(...)` with your code; the kata's tests check it.
The lesson (README.md beside this file) explains every task.
"""

import torch
import torch.nn.functional as F
from torch import nn

# Task 1: Subclassing nn.Module


class MLP(nn.Module):
    """A two-layer perceptron: Linear, then ReLU, then Linear.

    >>> MLP(4, 16, 3)(torch.randn(10, 4)).shape
    torch.Size([10, 3])
    """

    def __init__(self, in_features, hidden_features, out_features):
        """Create the layers: ``self.hidden``, an ``nn.Linear`` from ``in_features`` to ``hidden_features``,
        and ``self.output``, an ``nn.Linear`` from ``hidden_features`` to ``out_features``."""
        raise NotImplementedError("Task 1: write MLP.__init__ (see README.md)")

    def forward(self, x):
        """``output(relu(hidden(x)))`` for a batch ``x`` of shape ``(batch, in_features)``."""
        raise NotImplementedError("Task 1: write MLP.forward (see README.md)")


# Task 2: Modules and torch.nn.functional


def functional_mlp(x, params):
    """The same computation as ``MLP.forward``, written with ``torch.nn.functional`` and no modules.

    ``params`` maps the names that ``MLP.named_parameters()`` gives to tensors:
    ``"hidden.weight"``, ``"hidden.bias"``, ``"output.weight"`` and ``"output.bias"``.
    """
    raise NotImplementedError("Task 2: write functional_mlp (see README.md)")


# Task 3: nn.Sequential


def make_sequential(sizes):
    """An ``nn.Sequential`` of ``nn.Linear`` layers through ``sizes``, with an ``nn.ReLU`` between two layers.

    There is no activation after the last layer.

    >>> make_sequential([4, 8, 2])
    Sequential(
      (0): Linear(in_features=4, out_features=8, bias=True)
      (1): ReLU()
      (2): Linear(in_features=8, out_features=2, bias=True)
    )
    """
    raise NotImplementedError("Task 3: write make_sequential (see README.md)")


# Task 4: Counting and freezing parameters


def count_parameters(model):
    """How many numbers an optimizer would train in ``model``: the elements of its trainable parameters, an int."""
    raise NotImplementedError("Task 4: write count_parameters (see README.md)")


def freeze_all_but_last(model):
    """Freeze, in place, every parameter of the ``nn.Sequential`` ``model`` except those of its last layer."""
    raise NotImplementedError("Task 4: write freeze_all_but_last (see README.md)")


# Task 5: nn.ModuleList


class DeepMLP(nn.Module):
    """An MLP of any depth: ``nn.Linear`` layers through ``sizes``, with ReLU between two layers, none after the last.

    >>> DeepMLP([4, 8, 8, 2])(torch.randn(10, 4)).shape
    torch.Size([10, 2])
    """

    def __init__(self, sizes):
        """Keep the ``len(sizes) - 1`` linear layers in an ``nn.ModuleList`` called ``self.layers``."""
        raise NotImplementedError("Task 5: write DeepMLP.__init__ (see README.md)")

    def forward(self, x):
        """Run ``x`` through every layer, with ReLU between two layers."""
        raise NotImplementedError("Task 5: write DeepMLP.forward (see README.md)")


# Task 6: Buffers


class RunningMean(nn.Module):
    """Centres its input with a running mean of the batches it has seen, like the running stats of BatchNorm."""

    def __init__(self, num_features, momentum=0.1):
        """Keep ``momentum``, and a buffer ``mean`` of ``num_features`` zeros: state, but not a parameter."""
        raise NotImplementedError("Task 6: write RunningMean.__init__ (see README.md)")

    def forward(self, x):
        """``x - self.mean`` for a batch ``x`` of shape ``(batch, num_features)``.

        In training mode, first update the running mean, without autograd tracking it:
        ``mean = (1 - momentum) * mean + momentum * x.mean(dim=0)``. In evaluation mode it stays as it is.
        """
        raise NotImplementedError("Task 6: write RunningMean.forward (see README.md)")


# Task 7: Training and evaluation modes


def predict(model, x):
    """``model``'s output for ``x`` in evaluation mode, without building an autograd graph.

    Afterwards the model is back in the mode (training or evaluation) it was in before.
    """
    raise NotImplementedError("Task 7: write predict (see README.md)")


# Task 8: Convolution output shapes


def conv2d_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    """The length of one spatial dimension after a convolution, as an int.

    >>> conv2d_output_size(32, kernel_size=3, stride=2, padding=1)
    16
    """
    raise NotImplementedError("Task 8: write conv2d_output_size (see README.md)")


def conv2d_output_shape(conv, input_shape):
    """The shape ``(N, C_out, H_out, W_out)`` of ``conv(x)`` for an ``x`` of ``input_shape`` ``(N, C_in, H, W)``.

    ``conv`` is an ``nn.Conv2d`` with integer padding; work the shape out without running it.
    """
    raise NotImplementedError("Task 8: write conv2d_output_shape (see README.md)")


# Task 9: Saving and loading a state_dict


def save_weights(model, path):
    """Save ``model``'s weights (parameters and buffers, not the model object) to the file ``path``."""
    raise NotImplementedError("Task 9: write save_weights (see README.md)")


def load_weights(model, path):
    """Load weights saved by ``save_weights`` into ``model``, in place.

    Weights whose names do not match ``model``'s exactly are an error, not something to skip.
    """
    raise NotImplementedError("Task 9: write load_weights (see README.md)")
