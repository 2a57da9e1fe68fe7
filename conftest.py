"""pytest setup for torch-katas: the harness is a pytest plugin (katas/_harness/plugin/), registered here."""

pytest_plugins = ["katas._harness.plugin"]
