import pytest

from assistant.answering.conversation import expand_followup, normalize_history

HISTORY = [
    {"role": "user", "content": "Who welcomed Zelenskyy to NATO headquarters?"},
    {"role": "assistant", "content": "Jens Stoltenberg [1]"},
]


@pytest.mark.parametrize(
    ("question", "expanded"),
    [
        ("And what did he say?", True),
        ("When?", True),
        ("What about the EU?", True),
        ("What is NATO's position on the OSCE as a platform?", False),
    ],
)
def test_followups_are_expanded_with_the_previous_question(question, expanded):
    result = expand_followup(question, HISTORY)
    assert (result != question) is expanded
    if expanded:
        assert result.startswith(HISTORY[0]["content"]) and result.endswith(question)


def test_without_history_the_question_is_unchanged():
    assert expand_followup("And when?", None) == "And when?"


def test_pairs_and_dicts_are_both_accepted():
    assert normalize_history([("hi", "hello")]) == [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "hello"},
    ]
    assert normalize_history(HISTORY + [{"role": "system", "content": "x"}]) == HISTORY
    with pytest.raises(TypeError, match="history items"):
        normalize_history(["just a string"])
