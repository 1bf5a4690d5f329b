"""Answer types: which questions ask for a number, a year or a date, and which sentences hold one."""

import pytest

from assistant.answering.answer_types import answer_type, holds


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How many troops did Russia mass at the border?", "number"),
        ("how much did the bridge cost?", "number"),
        ("What percentage of voters agreed?", "number"),
        ("In what year was the council established?", "year"),
        ("Which year did the war end?", "year"),
        ("When did Ukraine apply to join NATO?", "date"),
        ("On what date did the meeting take place?", "date"),
        ("What day of the week was the meeting held?", "date"),
        ("When would NATO like the council to meet?", None),  # answered by "in the near future"
        ("When extensive time is required, which case is it?", None),
        ("Who is the secretary-general?", None),
        ("What did NATO call on Russia to do?", None),
    ],
)
def test_answer_type_of_questions(question, kind):
    assert answer_type(question) == kind


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("The 30 NATO Allies stand united.", "number", True),
        ("Four thousand Huguenots emigrated.", "number", True),
        ("NATO issued a statement on the situation.", "number", False),
        ("The council was founded in 2002.", "year", True),
        ("Rome was founded in 753 BC.", "year", True),
        ("It met on Thursday, December 16.", "year", False),
        ("It met on Thursday.", "date", True),
        ("Lace developed in the first half of the eighteenth century.", "date", True),
        ("We call on Russia to de-escalate.", "date", False),
        ("Anything at all.", None, True),
    ],
)
def test_holds(text, kind, expected):
    assert holds(text, kind) is expected


def test_extractive_answer_refuses_when_no_sentence_holds_the_asked_kind(fake_embedder):
    from assistant.answering.extractive import ExtractiveAnswerer
    from assistant.core.types import Chunk, Hit

    text = "The harbour has many boats. The harbour opened in 1852 with 12 boats."
    hits = [Hit(Chunk("c1", text, "town.txt", 0, len(text)), 0.9, 1)]
    answerer = ExtractiveAnswerer(fake_embedder, threshold=0.0, max_sentences=1)
    assert answerer.answer("How many boats does the harbour have?", hits).citations[0].quote.endswith("12 boats.")
    assert answerer.answer("When did the harbour close?", hits).citations[0].quote.endswith("12 boats.")
    only_words = [Hit(Chunk("c2", "The harbour has many boats.", "town.txt", 0, 27), 0.9, 1)]
    assert answerer.answer("How many boats does the harbour have?", only_words).refused
