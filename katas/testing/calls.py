"""Calling the learner's code: errors torch raises, turned into failures that say what they mean."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest


def explained_call(
    function: Callable[..., Any],
    *args: Any,
    call: str,
    explanations: Mapping[str, str],
    **kwargs: Any,
) -> Any:
    """``function(*args, **kwargs)``; an exception whose text contains a key of ``explanations`` fails the test
    with ``"<call> raised <Type>: <its first line>"`` and that key's explanation.

    The key ``""`` matches any exception. Any other exception passes through unchanged, and so does a stub's
    NotImplementedError (a RuntimeError), which the harness reports as "not written yet".
    """
    __tracebackhide__ = True
    try:
        return function(*args, **kwargs)
    except NotImplementedError:
        raise
    except Exception as error:  # matched against the explanations, else re-raised
        first_line = (str(error).splitlines() or [""])[0]
        explanation = next((text for key, text in explanations.items() if key in str(error)), None)
        if explanation is None:
            raise
        kind = type(error).__name__
    pytest.fail(f"{call} raised {kind}: {first_line}\n{explanation}", pytrace=False)  # outside except: no chained error


def expect_raises(
    exception: type[Exception],
    function: Callable[..., Any],
    *args: Any,
    call: str,
    hint: str = "",
    naming: tuple[str, ...] = (),
    **kwargs: Any,
) -> Exception:
    """Fail unless ``function(*args, **kwargs)`` raises ``exception`` with a message that contains each of ``naming``
    (what the lesson says the message should name, e.g. the clashing shapes); the exception raised."""
    __tracebackhide__ = True
    raised = None
    try:
        result = function(*args, **kwargs)
    except NotImplementedError:
        raise
    except exception as error:
        raised = error
    except Exception as error:  # the wrong kind of error is the failure
        wrong = f"raised {type(error).__name__}: {error}"
    else:
        wrong = f"returned {result!r:.120}."
    if raised is None:  # failing here, outside the except, shows no chained error
        pytest.fail(f"{call} should raise {exception.__name__}, but it {wrong}\n{hint}".rstrip(), pytrace=False)
    message, kind = str(raised), type(raised).__name__
    assert message, f"{call} raised {kind} without a message: say what is wrong. {hint}".rstrip()
    missing = [text for text in naming if text not in message]
    assert not missing, (
        f"{call} raised {kind}({message!r}), a message that does not name {', '.join(missing)}. {hint}".rstrip()
    )
    return raised


def expect_sequence(value: object, length: int, call: str) -> list:
    """``value`` as a list, failing unless it is a list or tuple of ``length`` entries."""
    __tracebackhide__ = True
    assert isinstance(value, list | tuple), f"{call} should return a tuple (or list), not {type(value).__name__}."
    assert len(value) == length, f"{call} should return {length} things, but it returned {len(value)}."
    return list(value)
