"""The claim-vs-evidence judgement: one table of cases per kind of change, the word tables, and the claim set."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from assistant.answering.claims.entailment import SUPPORT_THRESHOLD, Judgement, assess, judge
from assistant.answering.claims.lexicon import lexicon
from assistant.answering.claims.wording import quantities, tokenize
from assistant.core.text import split_sentences
from assistant.core.types import Chunk
from assistant.embedding.fake import FakeEmbedder
from tests.fixtures.paths import DATA, ROOT, SEED_FILE, shared_data

SEED_LINES = SEED_FILE.read_text(encoding="utf-8").splitlines()
TITLE = SEED_FILE.name


def sentences(text: str) -> list[str]:
    return [sentence.text for sentence in split_sentences(Chunk("c", text, "p", 0, len(text), {}))]


def seed(line: int) -> list[str]:
    """The sentences of the seed statement's line (1-based, as `cat -n` shows them)."""
    return sentences(SEED_LINES[line - 1])


HARBOUR = sentences(
    "The harbour bell rings at noon every Sunday. Most fishermen voted for the new pier in 1998. "
    "Lead plugs may be fitted in the crown of the boiler. The museum opened in May 1990 and closes on Mondays. "
    "The mayor asked the council to approve the budget."
)

FERRY = sentences("The ferry sails from Porthaven to Lundy on Fridays.")


def fake(claim: str, evidence: list[str], title: str = "") -> Judgement:
    return judge(claim, evidence, FakeEmbedder(), title)


# (claim, evidence, verdict, words the reason must hold). The NATO lines are the brief's own examples.
CONTRADICTIONS = [
    ("NATO said it is not ready for dialogue with Russia.", seed(9), "contradicted", ["negation", "not ready"]),
    ("The build-up strengthens security in Europe.", seed(2), "contradicted", ["antonym", "strengthens", "undermines"]),
    ("NATO called on Ukraine to withdraw its forces from Russia.", seed(8), "contradicted", ["swapped role"]),
    ("NATO called on Ukraine to withdraw its forces.", seed(8), "contradicted", ["Ukraine", "Russia"]),
    ("We reiterate our invitation to Russia for a meeting of the UN Security Council.", seed(9), "unsupported",
     ["UN Security Council"]),
    ("Russia accepted the invitation to the NATO-Russia Council.", seed(9), "unsupported", ["accepted"]),
    ("NATO's relationship with Ukraine is a matter only for Ukraine and the 31 NATO Allies.", seed(8), "unsupported",
     ["31"]),
    ("The secretary-general welcomed Zelenskyy on Thursday, December 9, 2021.", seed(1), "unsupported", ["9"]),
    ("The harbour bell rings at noon every Friday.", HARBOUR, "unsupported", ["Friday"]),
    ("All fishermen voted for the new pier in 1998.", HARBOUR, "contradicted", ["quantifier", "All"]),
    ("Most fishermen voted against the new pier in 1998.", HARBOUR, "contradicted", ["against", "for"]),
    ("Lead plugs must be fitted in the crown of the boiler.", HARBOUR, "contradicted", ["modality", "must", "may"]),
    ("Most fishermen voted for the old pier in 1998.", HARBOUR, "contradicted", ["antonym", "old", "new"]),
    ("The council asked the mayor to approve the budget.", HARBOUR, "contradicted", ["council", "mayor"]),
    ("The council approved the budget.", HARBOUR, "contradicted", ["approved", "to approve"]),
    ("Sailors repaint the lighthouse every spring.", HARBOUR, "unsupported", ["too little"]),
    ("The harbour bell rings at noon every Sunday, which annoys the tourists.", HARBOUR, "unsupported",
     ["annoys tourists"]),
    ("The ferry sails from Lundy to Porthaven on Fridays.", FERRY, "contradicted", ["swapped role", "from Lundy"]),
    ("Lead plugs are fitted in the crown of the boiler.", HARBOUR, "unsupported", ["modality", "may … fitted"]),
    ("The mayor is seriously assessing the implications for Alliance security of the current situation.", seed(7),
     "unsupported", ["entity", "mayor"]),  # SmolLM2's, once: "mayor" from the prompt's example
]  # fmt: skip


@pytest.mark.parametrize(("claim", "evidence", "verdict", "words"), CONTRADICTIONS)
def test_a_changed_claim_is_rejected_with_what_changed(claim, evidence, verdict, words):
    judgement = fake(claim, evidence, TITLE)
    assert (judgement.verdict, judgement.supported) == (verdict, False), judgement
    for word in words:
        assert word in judgement.reason, judgement.reason


SUPPORTED = [
    ("We are ready for meaningful dialogue with Russia.", seed(9)),  # verbatim
    ("NATO said it is ready for dialogue with Russia.", seed(9)),
    ("NATO called on Russia to withdraw its forces from Ukraine.", seed(8)),
    ("Ukraine's relationship with NATO is a matter only for Ukraine and the thirty NATO Allies.", seed(8)),
    ("The harbour bell rings every Sunday at noon.", HARBOUR),
    ("Most of the fishermen voted for the new pier in 1998.", HARBOUR),
    ("The museum, which opened in 1990, closes on Mondays.", HARBOUR),
    ("On Fridays the ferry sails from Porthaven to Lundy.", FERRY),
    ("NATO is seriously assessing the implications for Alliance security of the current situation.", seed(7)),
    (
        "A probabilistic Turing machine is a deterministic one with an extra supply of random bits.",  # "one": a noun
        sentences(
            "A probabilistic Turing machine is a deterministic Turing machine with an extra supply of random bits."
        ),
    ),
    ("Lead plugs might be fitted in the crown of the boiler.", HARBOUR),
]


@pytest.mark.parametrize(("claim", "evidence"), SUPPORTED)
def test_a_claim_the_evidence_says_is_supported(claim, evidence):
    judgement = fake(claim, evidence, TITLE)
    assert judgement.supported and judgement.reason == "" and judgement.finding is None, judgement
    assert judgement.score >= SUPPORT_THRESHOLD
    assert evidence[judgement.evidence_index] == evidence[judgement.evidence[0]]


def test_a_claim_drawing_on_two_sentences_cites_both():
    judgement = fake("The museum opened in May 1990; the mayor asked the council to approve the budget.", HARBOUR)
    assert judgement.supported
    assert set(judgement.evidence) == {3, 4}


def test_no_evidence_supports_nothing():
    judgement = fake("The harbour bell rings at noon.", [])
    assert (judgement.verdict, judgement.evidence_index) == ("unsupported", -1)


def test_the_judgement_uses_the_given_similarities_only():
    low = assess("The harbour bell rings at noon every Sunday.", HARBOUR, [0.0] * len(HARBOUR))
    high = assess("The harbour bell rings at noon every Sunday.", HARBOUR, [1.0] + [0.0] * (len(HARBOUR) - 1))
    assert high.score > low.score and high.supported


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("thirty NATO Allies", [30]),
        ("16 December 2021 and December 16, 2021", [16, 2021, 16, 2021]),
        ("one in five stations", [0.2]),
        ("5,000 to 30,000 were killed", [5000, 30000]),
        ("five thousand people", [5000]),
        ("the tenth and 11th centuries", [10, 11]),
        ("20% of the 1880s and 90s", [20, 1880, 1990]),
        ("over a hundred universities", [100]),
    ],
)
def test_quantities_are_read_however_written(text, values):
    assert [q.value for q in quantities(tokenize(text, lexicon()))] == pytest.approx(values)


@pytest.mark.parametrize(
    ("first", "second", "opposite"),
    [
        ("strengthens", "undermines", True),
        ("increase", "reduce", True),
        ("simpler", "complex", True),
        ("minimum", "maximum", True),
        ("southeast", "northwest", True),
        ("weakens", "undermines", False),
        ("published", "issued", False),
    ],
)
def test_opposites_come_from_the_shipped_wordnet_tables(first, second, opposite):
    assert lexicon().opposite(first, second) is opposite


def test_the_lexicon_reduces_inflections_and_knows_names():
    words = lexicon()
    assert words.lemmas("undermines") == ("undermine",)
    assert "simple" in words.lemmas("simpler")
    assert words.synonymous("weakens", "undermines") and words.synonymous("published", "issued")
    assert {"russia"} <= words.aliases("moscow") and {"wales"} <= words.aliases("welsh")
    assert words.senses("ammonia") < words.senses("use")


def test_the_tables_ship_with_the_wordnet_licence():
    folder = ROOT / "assistant" / "answering" / "claims" / "wordnet"
    assert "Princeton University" in (folder / "LICENSE").read_text(encoding="utf-8")
    assert {path.name for path in folder.glob("*.tsv.gz")} == {
        "antonyms.tsv.gz",
        "exceptions.tsv.gz",
        "names.tsv.gz",
        "synonyms.tsv.gz",
        "words.tsv.gz",
    }


# The train split's rates with the packaged model (torch backend, `real_embedder`), measured with this test's own
# loop: verbatim 1.0, paraphrase 0.968, summary 0.917, inference 0.938, negation 1.0, antonym 0.929, number 0.909,
# date 1.0, entity 0.929, swapped_role 0.938, invented 1.0, reversed_outcome 0.889, quantifier 1.0, modality 1.0.
# Each floor is about one claim under its measurement, so a regression fails and a machine's numerics do not (the
# judgement itself is deterministic: no timing, no randomness).
TRAIN_FLOORS = {
    "verbatim": 0.95,
    "paraphrase": 0.93,
    "summary": 0.83,
    "inference": 0.85,
    "negation": 0.9,
    "antonym": 0.85,
    "number": 0.8,
    "date": 0.9,
    "entity": 0.85,
    "swapped_role": 0.85,
    "invented": 0.9,
    "reversed_outcome": 0.77,
    "quantifier": 0.85,
    "modality": 0.8,
}


def claim_set(split: str) -> list[tuple[dict, list[str], str]]:
    """(claim, its passage's sentences, its document's title) for the split; skips when the SQuAD data is missing."""
    squad_folder = shared_data("squad2-dev-a")
    squad = {row["id"]: row for row in map(json.loads, (squad_folder / "passages.jsonl").open(encoding="utf-8"))}
    found = []
    for claim in map(json.loads, (DATA / "claims.jsonl").open(encoding="utf-8")):
        passage = claim["passage"]
        if claim["split"] != split:
            continue
        if "seed" in passage:
            text = (ROOT / "seeds" / passage["seed"]).read_text(encoding="utf-8")[passage["start"] : passage["end"]]
            title = passage["seed"]
        else:
            text, title = squad[passage["squad"]]["text"], squad[passage["squad"]]["title"]
        found.append((claim, sentences(text), title))
    return found


@pytest.mark.integration
def test_the_claim_set_train_split_stays_above_its_floors(real_embedder):
    claims = claim_set("train")
    texts = sorted({text for claim, evidence, _ in claims for text in (claim["claim"], *evidence)})
    vectors = dict(zip(texts, real_embedder.embed(texts), strict=True))  # one batch: the judgement gets cosines
    right: dict[str, list[bool]] = defaultdict(list)
    for claim, evidence, title in claims:
        cosine = [float(vectors[claim["claim"]] @ vectors[text]) for text in evidence]
        judgement = assess(claim["claim"], evidence, cosine, title)
        right[claim["kind"]].append(judgement.supported == claim["supported"])
    measured = {kind: sum(values) / len(values) for kind, values in right.items()}
    print({kind: round(rate, 3) for kind, rate in sorted(measured.items())})
    assert set(measured) == set(TRAIN_FLOORS)
    below = {kind: round(rate, 3) for kind, rate in measured.items() if rate < TRAIN_FLOORS[kind]}
    assert not below, f"kinds under their floor: {below} (floors {TRAIN_FLOORS})"
