"""pytest setup for torch-katas: the harness is a pytest plugin (katas/runtime/plugin/), registered here."""

pytest_plugins = ["katas.runtime.plugin"]
