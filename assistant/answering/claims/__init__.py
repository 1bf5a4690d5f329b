"""Claims against their evidence: does a passage support a sentence, or contradict it (and how)?

`entailment.judge` aligns a claim with its closest evidence sentences (alignment.py, wording.py) and looks for what
contradicts or goes beyond them: negation and antonyms (polarity.py, with WordNet tables from lexicon.py), numbers,
dates and names (details.py), swapped roles (roles.py), quantifiers, modality and outcomes (qualifiers.py).
"""
