import numpy as np

from assistant.answering.extractive import ExtractiveAnswerer
from assistant.answering.scoring import score_sentences, sentence_features
from assistant.core.types import Chunk, Hit
from assistant.embedding.cache import CachingEmbedder

DOC = (
    "The harbour bell rings at noon every Sunday. The mayor is Ada Lovelace. "
    "Fishing boats leave at dawn. The museum closes on Mondays."
)


def hits(text=DOC, score=0.8):
    return [Hit(Chunk("c1", text, "town.txt", 100, 100 + len(text), {"path": "/d/town.txt"}), score, 1)]


def test_best_sentence_is_quoted_with_exact_offsets(fake_embedder):
    answer = ExtractiveAnswerer(fake_embedder, threshold=0.3, max_sentences=1).answer("Who is the mayor?", hits())
    assert not answer.refused
    assert answer.text == "The mayor is Ada Lovelace. [1]"
    (citation,) = answer.citations
    assert citation.quote == "The mayor is Ada Lovelace."
    assert DOC[citation.start - 100 : citation.end - 100] == citation.quote
    assert citation.source == "town.txt" and citation.chunk_id == "c1"


def test_unsupported_question_is_refused_with_passages(fake_embedder):
    answer = ExtractiveAnswerer(fake_embedder, threshold=0.6).answer("What is the price of bread?", hits())
    assert answer.refused and answer.citations == []
    assert "don't say" in answer.text and answer.passages == hits()


def test_no_passages_means_refusal(fake_embedder):
    assert ExtractiveAnswerer(fake_embedder, threshold=0.0).answer("Anything?", []).refused


def test_overlapping_chunks_do_not_duplicate_sentences(fake_embedder):
    first, second = DOC[:72], DOC[45:]
    overlapping = [
        Hit(Chunk("a", first, "t.txt", 0, len(first), {"path": "/t"}), 0.7, 1),
        Hit(Chunk("b", second, "t.txt", 45, 45 + len(second), {"path": "/t"}), 0.6, 2),
    ]
    chosen, features, _ = sentence_features("mayor", overlapping, fake_embedder, prune=False)
    starts = [sentence.start for sentence, _ in chosen]
    assert len(starts) == len(set(starts)) == len(features) == 4


def test_only_sentences_sharing_a_key_word_are_candidates_outside_the_best_passage(fake_embedder):
    town = Hit(Chunk("a", DOC, "town.txt", 0, len(DOC), {"path": "/t"}), 0.9, 1)
    other = "Kites fly on the beach. The mayor opens the kite festival."
    beach = Hit(Chunk("b", other, "beach.txt", 0, len(other), {"path": "/b"}), 0.5, 2)
    quoted = {
        item.sentence.text for item in score_sentences("When does the mayor open it?", [town, beach], fake_embedder)
    }
    assert "The mayor opens the kite festival." in quoted and "Kites fly on the beach." not in quoted
    assert "Fishing boats leave at dawn." in quoted  # the best passage keeps all its sentences


def test_second_sentence_joins_only_when_nearly_as_good(fake_embedder):
    answerer = ExtractiveAnswerer(fake_embedder, threshold=0.0, max_sentences=2)
    answer = answerer.answer("When does the harbour bell ring?", hits())
    assert answer.citations[0].quote == "The harbour bell rings at noon every Sunday."
    assert len(answer.citations) == 1


def test_sentence_vectors_are_cached_between_questions(fake_embedder):
    answerer = ExtractiveAnswerer(CachingEmbedder(fake_embedder), threshold=0.0)
    first = answerer.answer("Who is the mayor?", hits())
    second = answerer.answer("Who is the mayor?", hits())
    third = answerer.answer("When do boats leave?", hits())
    assert fake_embedder.calls == [1 + 4, 1], "the same question embeds nothing; a new one only itself"
    assert first.text == second.text and third.text.startswith("Fishing boats")


def test_cache_drops_least_recently_used(fake_embedder):
    cache = CachingEmbedder(fake_embedder, capacity=2)
    cache.embed(["a", "b"])
    cache.embed(["a"])  # now b is the least recently used
    cache.embed(["c"])
    assert list(cache._vectors) == ["a", "c"]
    assert cache.embed(["c", "a", "c"]).shape == (3, fake_embedder.dimension) and fake_embedder.calls == [2, 1]
    assert np.allclose(cache.embed(["b"]), fake_embedder.embed(["b"]))
