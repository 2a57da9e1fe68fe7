"""The wheel carries the reference solutions too, as ``katas/reference/``: ``katas solution`` shows them in a
learner's workspace after a pass (a checkout keeps them in ``reference/``, beside ``katas/``; see
katas/core/curriculum.py). Everything else about the package is in pyproject.toml."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithReference(build_py):
    def run(self) -> None:
        super().run()
        if not self.editable_mode:  # an editable install reads reference/ from the checkout
            shutil.copytree(
                "reference",
                Path(self.build_lib, "katas", "reference"),
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
                dirs_exist_ok=True,
            )


setup(cmdclass={"build_py": BuildWithReference})
