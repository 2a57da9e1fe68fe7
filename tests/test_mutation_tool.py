"""tools/mutation.py's rewrite of the reference copy: what mutmut would skip becomes mutable, and nothing changes."""

import ast
import sys

import torch

from katas.core.curriculum import INSTALLED_ROOT as REPO_ROOT
from katas.core.curriculum import find_kata
from katas.runtime.solution import load_module
from tools import mutation as tool


def test_the_optimizers_step_methods_lose_their_decorator_and_keep_their_behaviour(tmp_path, monkeypatch):
    kata = find_kata("optimizers", REPO_ROOT)
    module = tool.copy_of_repository(REPO_ROOT, tmp_path) / "reference" / kata.folder / kata.module
    tool.prepare(module, fences=[])
    text = module.read_text(encoding="utf-8")
    assert "@torch.no_grad()" not in text and text.count("with torch.no_grad():") == 3, text
    monkeypatch.setitem(sys.modules, "reference.08_optimizers.optimizers", None)  # load_module's entry, undone after
    rewritten, original = load_module(module), load_module(kata.reference_path)
    for name in ("SGD", "RMSprop", "Adam"):
        results = []
        for optimizers in (original, rewritten):
            torch.manual_seed(0)
            params = [torch.randn(3, requires_grad=True) for _ in range(3)]
            optimizer = getattr(optimizers, name)(params, lr=0.1)
            for _ in range(3):
                for param in params[:2]:  # the last one never has a gradient
                    param.grad = torch.randn(3)
                optimizer.step()
            results.append(torch.stack([param.detach() for param in params]))
        assert torch.equal(*results), f"{name}.step behaves differently once rewritten"
        assert torch.is_grad_enabled(), f"the rewritten {name}.step left grad mode off"


def test_an_excluded_function_is_fenced_off_with_mutmuts_pragma(tmp_path):
    kata = find_kata("mnist", REPO_ROOT)
    module = tool.copy_of_repository(REPO_ROOT, tmp_path) / "reference" / kata.folder / kata.module
    tool.prepare(module, fences=["fit"])
    lines = module.read_text(encoding="utf-8").splitlines()
    start, end = lines.index("# pragma: no mutate start"), lines.index("# pragma: no mutate end")
    original = kata.reference_path.read_text(encoding="utf-8")
    fit = next(node for node in ast.parse(original).body if getattr(node, "name", None) == "fit")
    assert lines[start + 1 : end] == original.splitlines()[fit.lineno - 1 : fit.end_lineno], lines[start : end + 1]
