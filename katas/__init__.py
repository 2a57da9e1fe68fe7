"""torch-katas: test-driven katas for learning PyTorch.

The katas live in the numbered folders beside this file; ``_harness`` holds the
small amount of machinery the tests and the ``katas`` command share.
"""
