"""Imported once by watch mode's forkserver: everything a kata run needs, so that each forked run starts warm.

Importing only: forking after torch has started its thread pools could hang the child.
"""

import contextlib
import gc
import importlib
import importlib.metadata

from _pytest.config import default_plugins

import katas.runtime.plugin

# What a kata's run imports, including on first use: a solved kata's run imports a few hundred modules more
# (seconds of work) than an untouched stub's. Found by diffing sys.modules around a --reference run of each
# kata: the optimizers' first step (torch._dynamo, sympy), torch.testing.assert_close (parts of
# torch.distributed), torch.func; and pytest's own late imports.
MODULES = [
    "numpy.random",
    "torch",
    "torch.nn",
    "torch.utils.data",
    "torch._dynamo",
    "torch.distributed",
    "torch.func",
    "torch.autograd.functional",
    "torch.optim",
    "torch.testing",
    "sympy",
    "katas.datasets",
    "katas.testing",
    "katas.learner.cli",  # multiprocessing runs the parent's main script again in each child: the katas command
    "katas.learner.watch",
    *(f"katas.runtime.plugin.{module}" for module in katas.runtime.plugin.MODULES),
    *(f"_pytest.{plugin}" for plugin in default_plugins),
    "pdb",
    "faulthandler",
    "packaging.version",
    "pytest_benchmark.storage",
    "xdist.newhooks",
]

for name in MODULES:
    with contextlib.suppress(ImportError):  # an optional package that is not installed
        importlib.import_module(name)
for entry_point in importlib.metadata.entry_points(group="pytest11"):
    with contextlib.suppress(Exception):  # a broken plugin is pytest's to report, in the run itself
        entry_point.load()

gc.freeze()  # a child's garbage collections skip everything imported here
