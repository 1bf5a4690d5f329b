"""The conversation mode of bench/load.py: many users hold multi-turn conversations in several collections at once.

    .venv/bin/python bench/load.py --mode conversations [--clients 20] [--seconds 30] [--collections 4]

`assistant serve --no-ui` with a users file of one user per collection (made with the product's admin functions,
real Argon2) and an API key each. Every collection holds its own documents; the first is also shared with
everyone, so other users' clients ask it too. Each client, as its user, starts a conversation in one collection
and asks a scripted question and its follow-ups (which need the earlier turns to be understood), then starts
another, until the time is up; meanwhile one more client keeps re-ingesting every collection (a revised log
document replaced, deleted, re-uploaded). Afterwards every conversation is read back, as its owner:
- lost: an answer a client received that is not stored, or not at its position;
- misattributed: a stored turn no client sent to that conversation, a conversation listed for a user who did not
  start it, or another user able to read it;
- wrong collection: an answer citing a document that is not in the asked collection;
- changed: an answer that differs from the one the same conversation gave with no load (reported, not a failure).
"""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path

import httpx

FACTS = [  # (collection name, document stem, text, questions: a first one, then follow-ups)
    (
        "Lighthouses",
        "kestrel",
        "The Kestrel Point lighthouse stands on a granite headland at the mouth of the Varrow estuary. "
        "The Kestrel Point lighthouse was designed by the engineer Marta Olsen and first lit in the autumn of 1887. "
        "Its lamp, a rotating Fresnel lens, can be seen for twenty-three nautical miles in clear weather. "
        "The keepers' cottage beside the tower is now a small museum about the lighthouse and its keepers.",
        ["Who designed the Kestrel Point lighthouse?", "When was it first lit?", "How far can its lamp be seen?"],
    ),
    (
        "Observatories",
        "harrow",
        "The Harrow Hill observatory crowns a chalk ridge north of the market town of Elsby. "
        "The Harrow Hill observatory was founded by the astronomer Ines Caldera in 1911. "
        "Its great telescope has a mirror two and a half metres wide, ground by hand over four winters. "
        "Public viewing nights at the observatory are held on the first Friday of every month.",
        [
            "Who founded the Harrow Hill observatory?",
            "How wide is the mirror of its telescope?",
            "When are its viewing nights?",
        ],
    ),
    (
        "Bridges",
        "ostmark",
        "The Ostmark bridge carries the coast road across the Ostmark river below the old mill. "
        "The Ostmark bridge was built by the firm of Lund and Sons between 1902 and 1906. "
        "Its single iron arch spans one hundred and forty metres without a pier in the water. "
        "The bridge was painted green in 1958, and it has kept that colour ever since.",
        ["Who built the Ostmark bridge?", "How long is its arch?", "What colour was it painted?"],
    ),
    (
        "Orchards",
        "fennick",
        "The Fennick orchard lies on the south slope of Brae Farm, sheltered by a beech hedge. "
        "The Fennick orchard was planted by the gardener Tomas Reyes with four hundred pear trees in 1932. "
        "Its pears are pressed each October into a perry sold at the farm gate. "
        "A frost in the spring of 1947 killed a third of the trees, which were replanted with quinces.",
        ["Who planted the Fennick orchard?", "What are its pears pressed into?", "What killed a third of the trees?"],
    ),
    (
        "Canals",
        "millrace",
        "The Millrace canal links the town basin of Corby Wells with the tidal river at Saltash. "
        "The Millrace canal was dug by navvies under the surveyor Agnes Pell between 1794 and 1799. "
        "Its flight of nine locks lifts boats thirty metres over a distance of two kilometres. "
        "Commercial traffic on the canal ended in 1931, and it reopened for pleasure boats in 1989.",
        ["Who surveyed the Millrace canal?", "How many locks does it have?", "When did commercial traffic end?"],
    ),
]
WEATHER = ["calm", "foggy", "stormy", "clear", "windy", "rainy"]
PASSWORD = "load-test-password"


def prepare(folder: Path, count: int) -> tuple[Path, dict[str, str]]:
    """A users file of one user per collection (u0, u1, ...) and an API key each: (path, keys by user)."""
    from assistant.accounts.users import add_user, make_api_key

    path = folder / "users.json"
    keys = {}
    for number in range(count):
        add_user(path, f"u{number}", PASSWORD, admin=number == 0)
        keys[f"u{number}"] = make_api_key(path, f"u{number}", "load test")
    return path, keys


def log_document(number: int, revision: int) -> str:
    """A collection's second document, revised on every re-ingest so that all its chunks are re-embedded."""
    lines = [f"# Maintenance log of collection {number}, revision {revision}", ""]
    for day in range(1, 60):
        weather = WEATHER[(day + revision) % len(WEATHER)]
        lines.append(
            f"Day {day}: the warden walked the grounds in {weather} weather and logged {day * 7 % 23} visitors."
        )
    return "\n".join(lines) + "\n"


class Collections:
    """The collections of the run: their ids, owners, document names, and how each user names them."""

    def __init__(self, url: str, keys: dict[str, str], count: int) -> None:
        self.url, self.keys = url, keys
        self.items = []
        for number, (name, stem, text, questions) in enumerate(FACTS[:count]):
            owner = f"u{number}"
            made = httpx.post(f"{url}/api/collections", json={"name": name}, headers=self.auth(owner), timeout=60)
            made.raise_for_status()
            documents = {f"c{number}-{stem}.txt": text.encode(), f"c{number}-log.md": log_document(number, 0).encode()}
            for document, content in documents.items():
                self.upload(owner, made.json()["id"], document, content)
            self.items.append(
                {
                    "id": made.json()["id"],
                    "name": name,
                    "owner": owner,
                    "documents": set(documents),
                    "script": questions,
                }
            )
        shared = self.items[0]
        httpx.put(
            f"{url}/api/collections/{shared['id']}/readers/*", headers=self.auth(shared["owner"]), timeout=60
        ).raise_for_status()

    def auth(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[user]}"}

    def upload(self, user: str, collection_id: str, name: str, content: bytes) -> float:
        started = time.perf_counter()
        response = httpx.post(
            f"{self.url}/api/documents",
            files={"file": (name, content)},
            data={"collection": collection_id},
            headers=self.auth(user),
            timeout=300,
        )
        response.raise_for_status()
        return time.perf_counter() - started

    def delete(self, user: str, collection_id: str, name: str) -> None:
        params = {"collection": collection_id}
        listed = httpx.get(f"{self.url}/api/documents", params=params, headers=self.auth(user), timeout=60)
        for document in listed.json()["documents"]:
            if document["source"] == name:
                httpx.delete(
                    f"{self.url}/api/documents/{document['id']}", params=params, headers=self.auth(user), timeout=120
                ).raise_for_status()


def answer_key(body: dict) -> tuple:
    citations = tuple((c["source"], c["quote"], c["start"], c["end"]) for c in body["citations"])
    return body["refused"], body["answer"], citations


def reference(collections: Collections) -> tuple[dict[tuple[str, int], tuple], dict[str, str]]:
    """The answer of each turn of each collection's script, asked in one conversation with no other load; and
    those conversations' owners by id."""
    answers, owners = {}, {}
    for item in collections.items:
        with httpx.Client(base_url=collections.url, headers=collections.auth(item["owner"]), timeout=120) as client:
            conversation = client.post("/api/conversations", json={"collection": item["id"]}).json()["id"]
            owners[conversation] = item["owner"]
            for number, question in enumerate(item["script"]):
                body = client.post("/api/ask", json={"question": question, "conversation": conversation}).json()
                answers[(item["id"], number)] = answer_key(body)
    return answers, owners


def run_conversations(
    url: str, keys: dict[str, str], clients: int, seconds: float, count: int, server_pid: int
) -> dict:
    """The conversation phase: its figures, and the check of every stored turn afterwards."""
    from load import cpu_seconds, latency_figures

    collections = Collections(url, keys, count)
    expected, started_before = reference(collections)
    lock = threading.Lock()
    records: list[tuple[float, str]] = []  # an ask's (latency, outcome): ok, changed, wrong_collection, ..., error
    start_errors: list[str] = []
    sent: dict[str, dict] = {}  # conversation id -> {"user", "collection", "turns": [(question, answer)]}
    samples: list[str] = []
    ingests: list[float] = []
    ingest_errors: list[str] = []
    stop_at = time.monotonic() + seconds

    def client_loop(number: int) -> None:
        user = f"u{number % count}"
        item = collections.items[0] if number % 5 == 4 else collections.items[number % count]
        with httpx.Client(base_url=url, headers=collections.auth(user), timeout=120) as client:
            while time.monotonic() < stop_at:
                try:
                    made = client.post("/api/conversations", json={"collection": item["id"]})
                    made.raise_for_status()
                except httpx.HTTPError as error:
                    with lock:
                        start_errors.append(f"starting a conversation: {error}"[:300])
                    continue
                conversation = made.json()["id"]
                with lock:
                    sent[conversation] = {"user": user, "collection": item["id"], "turns": []}
                for turn, question in enumerate(item["script"]):
                    if time.monotonic() >= stop_at:
                        break
                    started = time.perf_counter()
                    outcome, body = "ok", None
                    try:
                        response = client.post("/api/ask", json={"question": question, "conversation": conversation})
                        response.raise_for_status()
                        body = response.json()
                    except (httpx.HTTPError, ValueError) as error:
                        outcome = "error"
                        with lock:
                            samples.append(f"{type(error).__name__}: {error}"[:300])
                    latency = time.perf_counter() - started
                    if body is not None:
                        cited = {c["source"] for c in body["citations"]}
                        if not cited <= item["documents"]:
                            outcome = "wrong_collection"
                        elif (body.get("conversation"), body.get("turn")) != (conversation, turn + 1):
                            outcome = "misnumbered"
                        elif answer_key(body) != expected[(item["id"], turn)]:
                            outcome = "changed"
                    with lock:
                        records.append((latency, outcome))
                        if body is not None:
                            sent[conversation]["turns"].append((question, body["answer"], body.get("turn")))
                        if outcome not in ("ok", "error") and len(samples) < 10:
                            samples.append(f"{outcome}: {question!r} in {item['name']}")

    def ingest_loop() -> None:
        revision = 0
        while time.monotonic() < stop_at:
            revision += 1
            for number, item in enumerate(collections.items):
                if time.monotonic() >= stop_at:
                    return
                try:
                    ingests.append(
                        collections.upload(
                            item["owner"], item["id"], f"c{number}-log.md", log_document(number, revision).encode()
                        )
                    )
                    if revision % 3 == 0:
                        collections.delete(item["owner"], item["id"], f"c{number}-log.md")
                        ingests.append(
                            collections.upload(
                                item["owner"], item["id"], f"c{number}-log.md", log_document(number, 0).encode()
                            )
                        )
                except httpx.HTTPError as error:
                    with lock:
                        ingest_errors.append(f"{type(error).__name__}: {error}"[:300])

    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(clients)]
    threads.append(threading.Thread(target=ingest_loop))
    started, server_cpu = time.perf_counter(), cpu_seconds(server_pid)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    server_cpu = cpu_seconds(server_pid) - server_cpu
    lost, misattributed = check_stored(url, collections, sent, started_before, samples)
    latencies = sorted(latency for latency, _ in records)
    outcomes = [outcome for _, outcome in records]
    phase = {
        "seconds": round(elapsed, 1),
        "collections": count,
        "users": count,
        "conversations": len(sent),
        "requests": len(records),
        **latency_figures(latencies, elapsed),
        "errors": outcomes.count("error") + len(start_errors),
        "lost": lost,
        "misattributed": misattributed + outcomes.count("misnumbered"),
        "wrong_collection": outcomes.count("wrong_collection"),
        "changed": outcomes.count("changed"),
        "refused_in_reference": sum(refused for refused, *_ in expected.values()),
        "server_cpu_ms_per_request": round(server_cpu * 1000 / max(1, len(records)), 1),
        "ingests": len(ingests),
        "ingest_median_s": round(sorted(ingests)[len(ingests) // 2], 2) if ingests else None,
        "ingest_errors": len(ingest_errors),
    }
    samples.extend(start_errors[:5] + ingest_errors[:5])
    if samples:
        phase["failures"] = samples[:10]
    return phase


def check_stored(
    url: str, collections: Collections, sent: dict[str, dict], started_before: dict[str, str], samples: list[str]
) -> tuple[int, int]:
    """Read every conversation back as its owner: (lost turns, misattributed turns and conversations)."""
    lost = misattributed = 0
    users = sorted(collections.keys)
    for user in users:
        listed = httpx.get(f"{url}/api/conversations", headers=collections.auth(user), timeout=120).json()
        mine = {c for c, record in sent.items() if record["user"] == user} | {
            c for c, owner in started_before.items() if owner == user
        }
        foreign = {c["id"] for c in listed} ^ mine  # listed but not theirs, or theirs but not listed
        misattributed += len(foreign)
        if foreign and len(samples) < 10:
            samples.append(f"misattributed: {user} lists {sorted(foreign)[:3]}")
    for conversation, record in sent.items():
        body = httpx.get(
            f"{url}/api/conversations/{conversation}", headers=collections.auth(record["user"]), timeout=120
        ).json()
        stored = [(turn["question"], turn["answer"], turn["position"]) for turn in body["turns"]]
        for number, turn in enumerate(record["turns"]):
            if number >= len(stored) or stored[number] != turn:
                lost += 1
                if len(samples) < 10:
                    samples.append(f"lost: turn {number + 1} of {conversation}")
        extra = stored[len(record["turns"]) :]
        wrong_collection = [turn for turn in body["turns"] if turn["collection"] != record["collection"]]
        misattributed += len(extra) + len(wrong_collection)
        other = random.choice([user for user in users if user != record["user"]])
        peek = httpx.get(f"{url}/api/conversations/{conversation}", headers=collections.auth(other), timeout=120)
        misattributed += peek.status_code != 404
    return lost, misattributed
