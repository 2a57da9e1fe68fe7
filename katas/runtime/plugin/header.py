"""Plain pytest's header, as a learner reads it: which code is tested, and not the settings of every plugin.

pytest-benchmark and pytest-timeout each print their defaults as a run starts (four lines that a learner has no use
for); they show again under ``-v``.
"""

from __future__ import annotations

import pytest

PLUGIN_SETTINGS = ("benchmark:", "timeout:", "timeout method:", "timeout func_only:")


@pytest.hookimpl(wrapper=True)
def pytest_report_header(config: pytest.Config):
    headers = [[header] if isinstance(header, str) else header for header in (yield)]
    if config.get_verbosity() > 0:
        return headers
    kept = ([line for line in header if not line.startswith(PLUGIN_SETTINGS)] for header in headers)
    return [lines for lines in kept if lines]
