"""Reference solutions, mirroring the kata folders in ``katas/``. Run ``pytest --reference`` to test them."""
