"""The torch-katas pytest plugin: one module per concern. The package's ``pytest11`` entry point registers it.

- :mod:`.options`: ``--reference`` and the other options; which code the tests exercise, decided once
- :mod:`.header`: plain pytest's header says which code is tested, without the plugins' default settings
- :mod:`.gpu`: ``@pytest.mark.gpu`` tests skip, with a reason, where there is no GPU; the ``gpu`` and ``device`` fixtures
- :mod:`.seeding`: every test starts from a seed of its own and from torch's defaults
- :mod:`.threads`: torch computes on one thread, but where a test trains or times
- :mod:`.timeouts`: a test that hangs is stopped with the line of the learner's code it was running
- :mod:`.stubs`: a stub's NotImplementedError is reported in one line, "not written yet"
- :mod:`.imports`: ``torch`` (or ``nn``, ``F``, ``np``) used but not imported: one line naming the import to add
- :mod:`.tasks`: ``-k task3`` selects a task; a failure names its task in the lesson and the hints
- :mod:`.skips`: why a test skipped (no GPU, no data); the reference run may skip for no other reason
- :mod:`.progress`: the ``training_progress`` fixture, which reports a long training run to the ``katas`` command
- :mod:`.workers`: under pytest-xdist, the tests of a file share one worker (``--dist loadfile``)
- :mod:`.shares`: ``--katas-share=I/N`` runs one share of the tests, for runs in several processes at once
- :mod:`.briefs`: under ``--tb=no``, a failure's report is its exception, without the traceback nobody will see
- :mod:`.collector`: every verdict, whole, into one JSON document (``--katas-results``)

No module imports torch as it loads, only the hooks and fixtures that use it: pytest-xdist's controller, which
runs no test, starts without torch's import (3 s).
"""

MODULES = [
    "options",
    "header",
    "gpu",
    "seeding",
    "threads",
    "timeouts",
    "stubs",
    "imports",
    "tasks",
    "skips",
    "progress",
    "workers",
    "shares",
    "briefs",
    "collector",
]
pytest_plugins = [f"katas.runtime.plugin.{module}" for module in MODULES]
