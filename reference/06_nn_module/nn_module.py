"""nn.Module. Reference solution."""

import torch
import torch.nn.functional as F
from torch import nn

# Task 1: Subclassing nn.Module


class MLP(nn.Module):
    def __init__(self, in_features, hidden_features, out_features):
        super().__init__()
        self.hidden = nn.Linear(in_features, hidden_features)
        self.activation = nn.ReLU()
        self.output = nn.Linear(hidden_features, out_features)

    def forward(self, x):
        return self.output(self.activation(self.hidden(x)))


# Task 2: Modules and torch.nn.functional


def functional_mlp(x, params):
    hidden = F.relu(F.linear(x, params["hidden.weight"], params["hidden.bias"]))
    return F.linear(hidden, params["output.weight"], params["output.bias"])


# Task 3: nn.Sequential


def make_sequential(sizes):
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(n_in, n_out), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


# Task 4: Counting and freezing parameters


def count_parameters(model):
    return sum(param.numel() for param in model.parameters() if param.requires_grad)


def freeze_all_but_last(model):
    model.requires_grad_(False)
    model[-1].requires_grad_(True)


# Task 5: nn.ModuleList


class DeepMLP(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(n_in, n_out) for n_in, n_out in zip(sizes[:-1], sizes[1:]))

    def forward(self, x):
        for layer in self.layers[:-1]:
            x = F.relu(layer(x))
        return self.layers[-1](x)


# Task 6: Buffers


class RunningMean(nn.Module):
    def __init__(self, num_features, momentum=0.1):
        super().__init__()
        self.momentum = momentum
        self.register_buffer("mean", torch.zeros(num_features))

    def forward(self, x):
        if self.training:
            with torch.no_grad():
                self.mean.lerp_(x.mean(dim=0), self.momentum)
        return x - self.mean


# Task 7: Training and evaluation modes


def predict(model, x):
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            return model(x)
    finally:
        model.train(was_training)


# Task 8: Convolution output shapes


def conv2d_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    return (size + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1


def conv2d_output_shape(conv, input_shape):
    batch, _channels, *spatial = input_shape
    settings = zip(spatial, conv.kernel_size, conv.stride, conv.padding, conv.dilation)
    return (batch, conv.out_channels, *(conv2d_output_size(*setting) for setting in settings))


# Task 9: Saving and loading a state_dict


def save_weights(model, path):
    torch.save(model.state_dict(), path)


def load_weights(model, path):
    model.load_state_dict(torch.load(path, weights_only=True))
