"""Collection and user names: every attack is refused with the rule it breaks; plain titles pass."""

from __future__ import annotations

import pytest

from assistant.accounts.names import MAX_NAME_CHARS, check_collection_name, check_user_name
from assistant.core.errors import InvalidNameError, InvalidOptionError

REFUSED_COLLECTION_NAMES = [
    ("../x", "'/' or '\\'"),
    ("..\\x", "'/' or '\\'"),
    ("papers/../../etc", "'/' or '\\'"),
    ("a/b", "'/' or '\\'"),
    ("/etc/passwd", "absolute path"),
    ("/", "absolute path"),
    ("\\\\server\\share", "absolute path"),
    ("C:\\Windows", "'/' or '\\'"),
    ("..", "dots only"),
    (".", "dots only"),
    ("...", "dots only"),
    ("pa\x00pers", "NUL byte"),
    ("\x00", "NUL byte"),
    ("line\nbreak", "control characters"),
    ("tab\there", "control characters"),
    ("\x1b[31mred", "control characters"),
    ("evil\u202etxt.exe", "control characters"),  # right-to-left override: shows a different name
    ("zero\u200bwidth", "control characters"),
    ("x" * (MAX_NAME_CHARS + 1), f"at most {MAX_NAME_CHARS} characters"),
    ("x" * 100_000, f"at most {MAX_NAME_CHARS} characters"),
    ("", "cannot be empty"),
    ("   ", "cannot be empty"),
    (None, "must be text"),
    (42, "must be text"),
    (b"papers", "must be text"),
]


@pytest.mark.parametrize(("name", "rule"), REFUSED_COLLECTION_NAMES)
def test_a_collection_name_that_breaks_a_rule_is_refused_with_that_rule(name, rule):
    with pytest.raises(InvalidNameError) as raised:
        check_collection_name(name)
    message = str(raised.value)
    assert rule in message
    assert repr(name)[:20] in message  # names the bad value
    assert len(message) < 300  # a 100,000-character name is not repeated whole
    assert isinstance(raised.value, InvalidOptionError) and raised.value.param == "collection"  # 422 in the API


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("papers", "papers"),
        ("  Q3 report: 2024  ", "Q3 report: 2024"),
        ("Lighthouse keepers' notes (draft)", "Lighthouse keepers' notes (draft)"),
        ("Überblick – Verträge", "Überblick – Verträge"),
        ("..x", "..x"),
        ("x" * MAX_NAME_CHARS, "x" * MAX_NAME_CHARS),
        ("default", "default"),
    ],
)
def test_a_plain_title_is_a_collection_name(name, kept):
    assert check_collection_name(name) == kept


@pytest.mark.parametrize(
    "name",
    ["", "al ice", " alice", "alice:x", "al/ice", "../alice", "*", "-alice", "al\x00ice", "a" * 65, None, "ålice"],
)
def test_a_user_name_that_breaks_the_rule_is_refused(name):
    with pytest.raises(InvalidNameError) as raised:
        check_user_name(name)
    assert raised.value.param == "user"


@pytest.mark.parametrize("name", ["alice", "bob.smith", "carol@example.org", "d_2", "E-5", "x" * 64])
def test_a_user_name_of_letters_digits_and_a_few_marks_passes(name):
    assert check_user_name(name) == name
