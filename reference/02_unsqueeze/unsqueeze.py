"""Unsqueeze, views and reshapes. Reference solution."""


# Task 1: unsqueeze and squeeze


def add_batch_dim(x):
    return x.unsqueeze(0)


def squeeze_channel(x):
    return x.squeeze(1)


# Task 2: Indexing with None


def normalize_channels(images, mean, std):
    return (images - mean[:, None, None]) / std[:, None, None]


# Task 3: view vs reshape


def can_view(x, shape):
    try:
        x.view(shape)
    except RuntimeError:
        return False
    return True


def flatten_all(x):
    return x.reshape(-1)


# Task 4: Let -1 work out a size


def split_into_sequences(x, batch_size):
    return x.reshape(batch_size, -1, x.shape[-1])


# Task 5: flatten


def flatten_per_example(x):
    return x.flatten(start_dim=1)


# Task 6: permute


def nhwc_to_nchw(images):
    return images.permute(0, 3, 1, 2)


def pixel_rows(images):
    return images.permute(0, 2, 3, 1).reshape(-1, images.shape[1])


# Task 7: expand vs repeat


def tile_view(row, n):
    return row.expand(n, -1)


def tile_copy(row, n):
    return row.repeat(n, 1)


# Task 8: Broadcasting with unsqueeze


def normalize_rows(x):
    return (x - x.mean(dim=1, keepdim=True)) / x.std(dim=1, keepdim=True)


def outer_product(a, b):
    return a.unsqueeze(1) * b.unsqueeze(0)


def pairwise_distances(p, q):
    return (p.unsqueeze(1) - q.unsqueeze(0)).square().sum(dim=-1).sqrt()
