"""The harness behind the katas: the curriculum, the pytest plugin (``plugin/``), the results and the ``katas`` command.

Kata tests import what they need from :mod:`katas.testing`. This package imports nothing itself, so that the
``katas`` command starts without importing torch.
"""
