"""What a graded class release (``katas release --graded``) changes: lessons without their worked solutions, and a
curriculum that gives no hints and no solutions.

A lesson marks each passage that gives an answer away (code of the reference solution, or the same in other words)
with a pair of HTML comments, invisible wherever the lesson is rendered (GitHub, Jupyter, VS Code)::

    <!-- solution -->
    ```python
    picked = log_probs.gather(1, labels.unsqueeze(1)).squeeze(1)
    ```
    <!-- end solution -->

and each passage about hints, which a graded class does not get, with ``<!-- hints -->`` ... ``<!-- end hints -->``.
A pair on lines of their own (indented or not) takes the lines between them (and one blank line after); a pair inside a line takes
what lies between them, so ``Pick one entry per row<!-- solution -->: `gather`<!-- end solution -->.`` reads
"Pick one entry per row." in a graded release. A marker never starts a line inside a paragraph (Markdown would
read it as the start of an HTML block). What stays must state every task and every rule the tests check; where a
rule went with a passage, ``<!-- graded: Match PyTorch at exactly z = 0. -->`` states it in a graded release
only (its text from right after the colon, its leading space included).
"""

from __future__ import annotations

import re

_START, _END = r"<!-- (?P<kind>solution|hints) -->", r"<!-- end (?P=kind) -->"
_BLOCK = re.compile(rf"^[ \t]*{_START}\n.*?^[ \t]*{_END}\n(?:\n(?!\n))?", re.DOTALL | re.MULTILINE)
_INLINE = re.compile(rf"{_START}.*?{_END}", re.DOTALL)
_GRADED_ONLY = re.compile(r"<!-- graded:(.*?) -->", re.DOTALL)
_ANY = re.compile(r"<!-- (end )?(solution|hints) -->")
_SETTING = re.compile(r"^(solutions|hints)\s*=.*\n", re.MULTILINE)
GRADED_SETTINGS = 'solutions = "never"\nhints = false\n'


class UnpairedMarker(ValueError):
    """A lesson's solution markers do not pair up."""


def graded_lesson(lesson: str) -> str:
    """``lesson`` without the passages its markers enclose (worked solutions, hints), with its graded-only text."""
    text = _INLINE.sub("", _BLOCK.sub("", lesson))
    left = _ANY.search(text)
    if left:
        raise UnpairedMarker(f"{left.group()} has no partner, or its pair overlaps another")
    return _GRADED_ONLY.sub(lambda match: match.group(1), text)


def graded_curriculum(curriculum: str) -> str:
    """``katas/curriculum.toml`` for a graded release: ``solutions = "never"`` and ``hints = false``, in place of
    any earlier setting of either (top-level settings come before the first ``[[kata]]``)."""
    head, table, rest = curriculum.partition("[[kata]]")
    return _SETTING.sub("", head) + GRADED_SETTINGS + "\n" + table + rest
