"""torch-katas: test-driven katas for learning PyTorch.

The katas live in the numbered folders beside this file. Kata tests import only :mod:`katas.testing`; the notebooks
use :mod:`katas.notebook`. The machinery, a package per part: :mod:`katas.core` (the curriculum, the stubs, the
results of a run), :mod:`katas.runtime` (the pytest plugin and runs of pytest), :mod:`katas.learner` (the ``katas``
command), :mod:`katas.classroom` (releases, grading, gradebooks) and :mod:`katas.authoring` (new katas, checks).
"""
