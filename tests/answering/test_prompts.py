import pytest

from assistant.answering.prompts import render
from assistant.core.errors import ConfigurationError


def test_refusal_renders_with_the_question():
    assert "Why?" in render("refusal", question="Why?")


@pytest.mark.parametrize("values", [{}, {"question": "q", "extra": "x"}])
def test_rendering_is_strict(values):
    with pytest.raises(ConfigurationError, match="refusal"):
        render("refusal", **values)


def test_unknown_template_names_the_file():
    with pytest.raises(ConfigurationError, match="no_such_prompt"):
        render("no_such_prompt")
