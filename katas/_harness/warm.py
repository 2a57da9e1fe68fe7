"""Imported once by watch mode's forkserver: everything a kata run needs, so that each forked run starts warm.

Importing only: forking after torch has started its thread pools could hang the child.
"""

import contextlib
import gc
import importlib
import importlib.metadata

import numpy.random  # noqa: F401
import pytest  # noqa: F401
import torch
import torch.nn
import torch.utils.data  # noqa: F401
from _pytest.config import default_plugins

import katas._harness.plugin.collector
import katas.datasets
import katas.testing  # noqa: F401

for name in default_plugins:
    importlib.import_module(f"_pytest.{name}")
for entry_point in importlib.metadata.entry_points(group="pytest11"):
    with contextlib.suppress(Exception):  # a broken plugin is pytest's to report, in the run itself
        entry_point.load()
with contextlib.suppress(ImportError):
    import hypothesis  # noqa: F401 - its pytest plugin imports it lazily, at the end of every run

gc.freeze()  # a child's garbage collections skip everything imported here
