"""A learner's file that uses ``torch``, ``nn``, ``F``, ``np`` or ``dist`` without importing it: the import to add."""

from __future__ import annotations

USUAL_IMPORTS = {
    "torch": "import torch",
    "nn": "from torch import nn",
    "F": "import torch.nn.functional as F",
    "np": "import numpy as np",
    "dist": "import torch.distributed as dist",
}


def missing_import(error: BaseException) -> str | None:
    """For ``NameError: name 'torch' is not defined``, one line that says which import to add; else None."""
    name = getattr(error, "name", None) if isinstance(error, NameError) else None
    if name not in USUAL_IMPORTS:
        return None
    return f"name '{name}' is not defined: add `{USUAL_IMPORTS[name]}` at the top of the file, with the other imports"
