"""Guards against text that addresses the assistant or calls out: injected orders, links, images, addresses.

Documents may carry instructions written for an assistant (indirect prompt injection), and a model may write
links, images or web addresses that would call an outside host when shown. These rules find and remove them.
"""

from __future__ import annotations

import re

# Text addressed to the assistant rather than to a reader: the shapes of indirect prompt injection (BIPIA).
_EDIT_VERBS = (
    "add|include|integrate|insert|append|modify|augment|enhance|embed|mention|begin|start|end|replace|use|provide|"
    "render|write|format|translate|convert|remove|group|combine|scramble|misspell|rearrange|introduce|suggest|tease|"
    "promote|substitute|jumble|anagram|encode|print|output|respond|reply|answer|sign|finish|conclude"
)
_OUTPUT = r"(?:answers?|responses?|repl(?:y|ies)|messages?|outputs?|summary|completion)(?:'s|’s)?"
_INSTRUCTION = re.compile(
    "|".join(
        [
            rf"\b(?:{_EDIT_VERBS})\b[^.!?]*\byour\s+{_OUTPUT}\b",
            rf"\b(?:in|to|into|within|throughout)\s+your\s+{_OUTPUT}\b",
            r"\b(?:ignore|disregard|forget|override)\b[^.!?]{0,40}\b(?:instructions?|prompts?|rules|directions|guidelines)\b",
            r"\b(?:you\s+are\s+now|act\s+as|pretend\s+to\s+be)\s+(?:an?\s+)?(?:ai|assistant|chatbot|language\s+model|llm)\b",
            r"^\W*(?:dear\s+|hey\s+|attention\s+)?(?:ai|assistant|chatbot|llm|gpt|system)\s*[:,]",
            r"\bsystem\s+prompt\b|\bnew\s+instructions\b",
            r"!\[[^\]]*\]\(",  # a markdown image: rendering it would call an outside host
            r"\[[^\]]*\]\(\s*(?:https?:|//|www\.)",  # a markdown link to an outside host
        ]
    ),
    re.IGNORECASE,
)


def looks_like_instruction(text: str) -> bool:
    """Whether `text` gives orders to an assistant ("... in your response", "ignore previous instructions")."""
    return bool(_INSTRUCTION.search(text))


def quotable(text: str) -> bool:
    """Whether a document sentence can be quoted as an answer.

    Not a question, not an order to the assistant, and not a lead-in ending with a colon ("NATO issued a statement
    on the situation:"), which announces the text that follows rather than saying anything itself.
    """
    ending = text.rstrip(" \"'”’)]")
    return not ending.endswith(("?", ":")) and not looks_like_instruction(text)


MARKDOWN_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\(\s*[^)\s]*\s*\)")
_ADDRESS = re.compile(
    r"(?:https?://|www\.)[^\s<>\"')\]]*[^\s<>\"')\].,;:!?]|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|xyz|io|info|biz|ru|app|dev|co)\b",
    re.IGNORECASE,
)
_LINK = re.compile(r"!?\[[^\]]*\]\([^)]*\)")
# Longest text held back while waiting for a possible link to end.
HELD_CHARS = 400


def scrub(text: str, allowed: str = "") -> str:
    """`text` without markdown images, link targets, or web/mail addresses that `allowed` does not contain."""
    text = MARKDOWN_IMAGE.sub("", text)
    text = MARKDOWN_LINK.sub(lambda match: match.group(1), text)
    return _ADDRESS.sub(lambda match: match.group(0) if match.group(0).lower() in allowed.lower() else "", text)


class StreamScrubber:
    """Passes model text through as it arrives, holding back only what may become a link, image or address."""

    def __init__(self, allowed: str) -> None:
        self.allowed = allowed
        self.pending = ""

    def feed(self, delta: str) -> str:
        self.pending += delta
        cut = max(self.pending.rfind(" "), self.pending.rfind("\n")) + 1  # whole words only
        for match in _LINK.finditer(self.pending):
            if match.start() < cut < match.end():
                cut = match.start()  # a finished link is let out whole, or not yet
        unfinished = _unfinished_link(self.pending)
        cut = cut if unfinished is None else min(cut, unfinished)
        ready, self.pending = self.pending[:cut], self.pending[cut:]
        return scrub(ready, self.allowed)

    def flush(self) -> str:
        ready, self.pending = self.pending, ""
        return scrub(ready, self.allowed)


def _unfinished_link(text: str) -> int | None:
    """Where a `[text](target)` or `![alt](src)` begins that has not ended yet (citation markers excepted)."""
    for match in re.finditer(r"!?\[", text):
        rest = text[match.start() :]
        if len(rest) > HELD_CHARS or _LINK.match(rest) or re.match(r"!?\[[^\]]*\][^(]", rest):
            continue  # too long to be a link, a whole link, or brackets without a target (`[1] `)
        return match.start()
    return None
