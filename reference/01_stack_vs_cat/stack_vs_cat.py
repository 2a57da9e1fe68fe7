"""Stack vs cat, and broadcasting. Reference solution."""

import torch

# Task 1: stack adds a dimension


def batch_images(images):
    return torch.stack(images)


def pair_up(xs, ys):
    return torch.stack([xs, ys], dim=-1)


# Task 2: cat extends a dimension


def join_batches(batches):
    return torch.cat(batches)


def concat_features(a, b):
    return torch.cat([a, b], dim=-1)


# Task 3: Shape rules and negative dims


def stack_shape(shapes, dim=0):
    first = tuple(shapes[0])
    for shape in shapes[1:]:
        if tuple(shape) != first:
            raise ValueError(f"stack needs equal shapes, but got {first} and {tuple(shape)}")
    dim = dim if dim >= 0 else dim + len(first) + 1  # the result has one dimension more
    return first[:dim] + (len(shapes),) + first[dim:]


def cat_shape(shapes, dim=0):
    first = tuple(shapes[0])
    dim = dim if dim >= 0 else dim + len(first)
    for shape in shapes[1:]:
        shape = tuple(shape)
        if len(shape) != len(first) or shape[:dim] + shape[dim + 1 :] != first[:dim] + first[dim + 1 :]:
            raise ValueError(f"cat along dim {dim} needs shapes equal except in that dim, but got {first} and {shape}")
    return first[:dim] + (sum(shape[dim] for shape in shapes),) + first[dim + 1 :]


# Task 4: stack from unsqueeze and cat


def my_stack(tensors, dim=0):
    return torch.cat([tensor.unsqueeze(dim) for tensor in tensors], dim=dim)


# Task 5: Broadcasting


def broadcast_shape(shape_a, shape_b):
    ndim = max(len(shape_a), len(shape_b))
    padded_a = (1,) * (ndim - len(shape_a)) + tuple(shape_a)
    padded_b = (1,) * (ndim - len(shape_b)) + tuple(shape_b)
    result = []
    for size_a, size_b in zip(padded_a, padded_b):
        if size_a != size_b and 1 not in (size_a, size_b):
            raise ValueError(f"shapes {tuple(shape_a)} and {tuple(shape_b)} clash: sizes {size_a} and {size_b}")
        result.append(size_b if size_a == 1 else size_a)
    return tuple(result)


def add_column_bias(x, bias):
    return x + bias


def scale_rows(x, weights):
    return x * weights.unsqueeze(-1)
