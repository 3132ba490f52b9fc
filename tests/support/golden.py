"""Golden files: an exact, byte-for-byte comparison that fails with a readable unified diff."""

import difflib
import json

MAX_DIFF_LINES = 300


def unified_diff(expected: str, actual: str, name: str) -> str:
    """Return the unified diff from `expected` to `actual`, cut to MAX_DIFF_LINES lines."""
    lines = list(
        difflib.unified_diff(
            expected.splitlines(), actual.splitlines(), f"golden/{name}", "actual", lineterm=""
        )
    )
    if len(lines) > MAX_DIFF_LINES:
        hidden = len(lines) - MAX_DIFF_LINES
        lines = lines[:MAX_DIFF_LINES] + [f"... {hidden} more lines of diff"]
    return "\n".join(lines)


def pretty(text: str) -> str:
    """Return JSON `text` pretty-printed in its own key order (the text itself if not JSON)."""
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


def assert_same_text(actual: str, expected: str, name: str) -> None:
    """Fail unless `actual` equals `expected` exactly; the message is a diff of the two."""
    if actual == expected:
        return
    diff = unified_diff(expected, actual, name)
    raise AssertionError(f"{name} differs from its golden file:\n{diff}")


def assert_same_response(status: int, body: str, expected: tuple[int, str], name: str) -> None:
    """Fail unless (`status`, `body`) equals `expected` exactly; the message diffs the status and
    the pretty-printed JSON bodies (key order kept), or the raw bodies when those match."""
    if (status, body) == expected:
        return
    actual_text = f"status {status}\n{pretty(body)}"
    expected_text = f"status {expected[0]}\n{pretty(expected[1])}"
    if actual_text == expected_text:  # only the separators differ: show the raw text
        actual_text, expected_text = body, expected[1]
    diff = unified_diff(expected_text, actual_text, name)
    raise AssertionError(f"{name} differs from its golden file:\n{diff}")
