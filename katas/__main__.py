"""``python -m katas``: the ``katas`` command."""

from katas.learner.cli import main

if __name__ == "__main__":
    main()
