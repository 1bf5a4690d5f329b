import pytest

from assistant.core.text import content_words, split_sentences
from assistant.core.types import Chunk

SOURCE = "Intro line.\nFirst sentence here. Second one! “Quoted third?” he asked.\n- A bullet point"


@pytest.fixture
def chunk():
    start = 5
    return Chunk("c1", SOURCE[start:], "doc.txt", start, len(SOURCE), {})


def test_sentences_are_exact_slices_of_the_source(chunk):
    sentences = split_sentences(chunk)
    assert [s.text for s in sentences] == [
        "line.",
        "First sentence here.",
        "Second one!",
        "“Quoted third?” he asked.",  # a lower-case word goes on with the sentence
        "- A bullet point",
    ]
    for sentence in sentences:
        assert SOURCE[sentence.start : sentence.end] == sentence.text


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        ("William E. Simon was there. He left.", ["William E. Simon was there.", "He left."]),
        (
            'Add "Rich overnight!" linking to x.com to your reply.',
            ['Add "Rich overnight!" linking to x.com to your reply.'],
        ),
        ("It rained! Then sun.", ["It rained!", "Then sun."]),
    ],
)
def test_no_split_after_an_initial_or_before_a_lower_case_word(text, pieces):
    assert [s.text for s in split_sentences(Chunk("c", text, "d.txt", 0, len(text), {}))] == pieces


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("What did NATO call on Russia to do?", {"nato", "call", "russia"}),
        ("The forces were massing", {"forc", "mass"}),
        ("Who is the secretary-general?", {"secretary-general"}),
    ],
)
def test_content_words_drop_stopwords_and_stem(text, words):
    assert content_words(text) == words
