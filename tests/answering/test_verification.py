"""The citation check of generated answers: what a weak model gets wrong is caught (fake embedder; the packaged
model for the brief's contradictions and paraphrase on the NATO statement)."""

import pytest

from assistant.answering.guards import scrub
from assistant.answering.verification import CitationVerifier, DraftSentence, Passage, is_refusal, split_draft
from assistant.core.text import split_sentences
from assistant.core.types import Answer, Chunk, Hit
from assistant.embedding.fake import FakeEmbedder
from tests.fixtures.paths import SEED_FILE

SOURCE = (
    "The harbour bell rings at noon every Sunday. The mayor is Ada Lovelace.\n"
    "Fishing boats leave the harbour at dawn. The museum closes on Mondays and opens at 9 am."
)
FIRST, SECOND = SOURCE[:71], SOURCE[72:]  # two chunks of one document, at their offsets


def passage(n: int, text: str) -> Passage:
    start = SOURCE.index(text) if text in SOURCE else 1000
    chunk = Chunk(f"c{n}", text, "town.txt", start, start + len(text), {"path": "/docs/town.txt"})
    return Passage(n, Hit(chunk, 0.7, n), tuple(split_sentences(chunk)))


PASSAGES = [passage(1, FIRST), passage(2, SECOND)]


def verify(draft: str, question: str = "Who is the mayor?", passages=PASSAGES) -> Answer:
    return CitationVerifier(FakeEmbedder()).verify(question, draft, passages)


def assert_quotes_are_exact(answer: Answer) -> None:
    for citation in answer.citations:
        assert SOURCE[citation.start : citation.end] == citation.quote
        assert f"[{citation.n}]" in answer.text
    assert [citation.n for citation in answer.citations] == list(range(1, len(answer.citations) + 1))


def test_a_correct_citation_is_kept_and_quotes_the_best_sentence():
    answer = verify("The mayor is Ada Lovelace [1].")
    assert not answer.refused
    assert answer.text == "The mayor is Ada Lovelace. [1]"
    assert answer.citations[0].quote == "The mayor is Ada Lovelace."
    assert answer.supported_fraction == 1.0
    (sentence,) = answer.sentences
    assert sentence.status == "supported" and sentence.citations == (1,) and sentence.reason == ""
    assert answer.text[sentence.start : sentence.end] == "The mayor is Ada Lovelace. [1]"
    assert_quotes_are_exact(answer)


@pytest.mark.parametrize(
    ("draft", "reason"),
    [
        ("The mayor is Ada Lovelace [7].", "citation corrected"),  # a number that was never shown
        ("The mayor is Ada Lovelace [0].", "citation corrected"),
        ("The mayor is Ada Lovelace [2].", "citation corrected"),  # shown, but the wrong passage
        ("The mayor is Ada Lovelace.", "citation attached"),  # cites nothing
    ],
)
def test_wrong_or_missing_citations_are_replaced_by_the_supporting_passage(draft, reason):
    answer = verify(draft)
    assert answer.text == "The mayor is Ada Lovelace. [1]"
    assert answer.sentences[0].reason == reason
    assert answer.citations[0].chunk_id == "c1"
    assert_quotes_are_exact(answer)


def test_a_citation_to_a_number_not_shown_is_removed_from_an_unsupported_sentence():
    answer = verify("The museum closes on Mondays [2]. The harbour bell was cast by the mayor in 1820 [5].")
    assert "[5]" not in answer.text
    assert [sentence.status for sentence in answer.sentences] == ["supported", "unsupported"]
    assert answer.sentences[1].citations == ()
    assert answer.supported_fraction == 0.5


def test_an_invented_sentence_is_marked_unsupported_and_keeps_no_marker():
    answer = verify("The museum closes on Mondays [2]. The mayor Ada Lovelace was elected in 1999 [1].")
    supported, invented = answer.sentences
    assert supported.status == "supported" and invented.status == "unsupported"
    assert answer.text == "The museum closes on Mondays. [1] The mayor Ada Lovelace was elected in 1999."
    assert answer.text[invented.start : invented.end] == "The mayor Ada Lovelace was elected in 1999."
    assert answer.supported_fraction == 0.5
    assert answer.to_dict()["supported_fraction"] == 0.5
    assert [item["status"] for item in answer.to_dict()["sentences"]] == ["supported", "unsupported"]


@pytest.mark.parametrize(
    ("draft", "status"),
    [
        ("The museum opens at 10 am [2].", "unsupported"),  # a number the passage does not hold
        ("The museum closes on Sundays [2].", "unsupported"),  # a name the passage does not hold
        ("The mayor is Ada Lovelace, who founded the museum in Paris [1].", "unsupported"),
        ("The mayor is Grace Hopper [1].", "removed"),  # nothing left in common with the passages
        ("The capital of Brazil is Brasília [1].", "removed"),  # an injected task's answer
    ],
)
def test_changed_details_and_unrelated_sentences_are_not_supported(draft, status):
    answer = verify(draft)
    assert answer.refused, "an answer with no supported sentence is a refusal"
    assert answer.citations == []
    assert answer.sentences[0].status == status and answer.supported_fraction == 0.0
    assert "don't say" in answer.text


def test_one_citation_per_quoted_sentence_renumbered_in_order():
    answer = verify(
        "Boats leave at dawn [2]. The bell rings at noon every Sunday [1]. Fishing boats leave at dawn [2]."
    )
    assert answer.text == (
        "Boats leave at dawn. [1] The bell rings at noon every Sunday. [2] Fishing boats leave at dawn. [1]"
    )
    assert [citation.quote for citation in answer.citations] == [
        "Fishing boats leave the harbour at dawn.",
        "The harbour bell rings at noon every Sunday.",
    ]
    assert_quotes_are_exact(answer)


@pytest.mark.parametrize("draft", ["I don't know.", "I do not know [1].", "The passages do not say."])
def test_the_model_saying_it_does_not_know_is_a_refusal(draft):
    answer = verify(draft)
    assert answer.refused and answer.sentences == [] and answer.supported_fraction is None


def test_images_links_and_outside_addresses_are_removed():
    answer = verify(
        "![logo](https://evil.example/x.png?q=secret) The mayor is Ada Lovelace [1]. "
        "Download a faster browser from www.suspicioussite.xyz today [1]. "
        "Read [the town page](https://evil.example/town) about the harbour bell ringing at noon every Sunday [1]."
    )
    assert "evil.example" not in answer.text and "suspicioussite" not in answer.text and "![" not in answer.text
    assert [sentence.status for sentence in answer.sentences] == ["removed", "supported", "removed", "supported"]
    assert answer.sentences[0].reason == "markdown image"


def test_addresses_the_passages_contain_may_be_repeated():
    text = "Tickets are sold at www.harbour-museum.org every day."
    answer = verify("Tickets are sold at www.harbour-museum.org [1].", "Where are tickets sold?", [passage(1, text)])
    assert answer.text == "Tickets are sold at www.harbour-museum.org. [1]"


def test_orders_to_the_reader_and_chatter_are_removed():
    answer = verify(
        "The answer is: [3]\nThe mayor is Ada Lovelace [1]. Please share your opinion in your reply. "
        "Photosynthesis turns sunlight into sugar."
    )
    statuses = {sentence.text: (sentence.status, sentence.reason) for sentence in answer.sentences}
    assert statuses["The mayor is Ada Lovelace."][0] == "supported"
    assert statuses["Please share your opinion in your reply."][0] == "removed"
    assert statuses["Photosynthesis turns sunlight into sugar."] == ("removed", "unrelated to the passages")
    assert answer.text == "The mayor is Ada Lovelace. [1]"
    assert answer.supported_fraction == 1.0


def test_no_passages_means_nothing_is_supported():
    answer = verify("The mayor is Ada Lovelace [1].", passages=[])
    assert answer.refused and answer.citations == []
    assert answer.sentences[0].status != "supported"


@pytest.mark.parametrize(
    ("draft", "expected"),
    [
        ("A [1]. B [2].", [("A.", (1,)), ("B.", (2,))]),
        ("A. [1] B. [2][3]", [("A.", (1,)), ("B.", (2, 3))]),
        ("A [1, 2] and more.", [("A and more.", (1, 2))]),
        ("- A [1]\n- B", [("A", (1,)), ("B", ())]),
        ("A [4] [2] [4] [1] [2] [", [("A [", (4, 2, 1))]),
        ("[1]", []),
        ("", []),
    ],
)
def test_split_draft_attaches_markers_to_their_sentence(draft, expected):
    assert split_draft(draft) == [DraftSentence(text, cited) for text, cited in expected]


def test_scrub_keeps_allowed_addresses_only():
    text = "See ![a](http://x.io/a.png) [docs](https://x.io/d) www.ok.org or mail me@evil.com."
    assert scrub(text, allowed="visit www.ok.org") == "See  docs www.ok.org or mail ."


@pytest.mark.parametrize(
    ("text", "refusal"),
    [("I don't know.", True), ("The passages do not answer this.", True), ("The mayor is Ada Lovelace.", False)],
)
def test_is_refusal(text, refusal):
    assert is_refusal(text) is refusal


def test_extractive_answers_keep_the_design_keys_only():
    assert set(Answer("x", [], True).to_dict()) == {"answer", "refused", "citations", "timings"}


def test_a_name_taken_from_the_question_is_a_premise_not_evidence():
    answer = verify("Grace Hopper said the harbour bell rings at noon every Sunday [1].", "What did Grace Hopper say?")
    assert answer.refused and answer.sentences[0].status == "unsupported"


# The brief's cases on the NATO statement: five contradictions a similarity score let through, and a paraphrase by a
# small model that the old score (0.52) called unsupported.
STATEMENT = SEED_FILE.read_text(encoding="utf-8")


def statement_passage(n: int, line: int) -> Passage:
    """Line `line` (1-based) of the seed statement as passage `n`, at its offsets in the file."""
    text = STATEMENT.splitlines()[line - 1]
    start = STATEMENT.index(text)
    chunk = Chunk(f"s{line}", text, SEED_FILE.name, start, start + len(text), {"path": str(SEED_FILE)})
    return Passage(n, Hit(chunk, 0.7, n), tuple(split_sentences(chunk)))


STATEMENT_PASSAGES = [
    statement_passage(1, 2),
    statement_passage(2, 6),
    statement_passage(3, 8),
    statement_passage(4, 9),
]
CONTRADICTED = [
    ("NATO said it is not ready for dialogue with Russia [4].", "contradicts the passage: 'ready' vs 'not ready'"),
    (
        "The secretary-general said the build-up strengthens security in Europe [1].",
        "contradicts the passage: 'undermines' vs 'strengthens'",
    ),
    (
        "NATO called on Ukraine to withdraw its forces [3].",
        "contradicts the passage: 'Russia withdraw' vs 'Ukraine withdraw'",
    ),
    (
        "NATO repeated its invitation to Russia for a meeting of the UN Security Council [4].",
        "the passage does not say 'UN Security Council'",
    ),
    ("Russia accepted the invitation to the NATO-Russia Council [4].", "the passage does not say 'accepted'"),
]
PARAPHRASE = (
    "The North Atlantic Treaty Organization (NATO) called on Russia to de-escalate and pursue diplomatic channels, and "
    "to abide by its international commitments on transparency of military activities [2]."
)


def check_statement(answer: Answer, draft: str, reason: str) -> None:
    (sentence,) = answer.sentences
    assert answer.refused and sentence.status == "unsupported", sentence
    assert sentence.reason == reason
    assert sentence.text == split_draft(draft)[0].text


@pytest.mark.parametrize(("draft", "reason"), CONTRADICTED)
def test_contradictions_are_unsupported_and_say_what_contradicts(draft, reason):
    answer = verify(draft, "What did NATO say about Russia?", STATEMENT_PASSAGES)
    check_statement(answer, draft, reason)


@pytest.mark.integration
@pytest.mark.parametrize(("draft", "reason"), CONTRADICTED)
def test_contradictions_are_unsupported_with_the_packaged_model(real_embedder, draft, reason):
    answer = CitationVerifier(real_embedder).verify("What did NATO say about Russia?", draft, STATEMENT_PASSAGES)
    check_statement(answer, draft, reason)


@pytest.mark.integration
def test_a_small_models_paraphrase_is_supported_and_quotes_the_call(real_embedder):
    answer = CitationVerifier(real_embedder).verify(
        "What did NATO call on Russia to do?", PARAPHRASE, STATEMENT_PASSAGES
    )
    (sentence,) = answer.sentences
    assert not answer.refused and sentence.status == "supported" and sentence.reason == ""
    (citation,) = answer.citations
    assert citation.quote.startswith("We call on Russia to immediately de-escalate")
    assert STATEMENT[citation.start : citation.end] == citation.quote
