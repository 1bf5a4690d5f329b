"""Load test of `POST /api/ask`: N concurrent clients against `assistant serve` on loopback, also during re-ingests.

    .venv/bin/python bench/load.py [--clients 20] [--seconds 30] [--reingest-seconds 30]
    .venv/bin/python bench/load.py --mode conversations [--clients 20] [--seconds 30] [--collections 4]

The conversation mode (bench/load_conversations.py) has users hold stored multi-turn conversations in several
collections while every collection is re-ingested, then checks every stored turn. The questions mode:

Starts `assistant serve --no-ui` on a free 127.0.0.1 port with a fresh index of seeds/ (uploaded through the API),
records a reference answer per seed question, then runs two phases with the same clients:
- steady: only questions;
- reingest: questions while another client keeps replacing a second document (every revision re-embeds all its
  chunks) and deleting it again, and re-uploads the seed document unchanged.
An answer is wrong when its text or citations differ from the reference. Prints a table; writes JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "tests" / "data" / "seed_questions.jsonl"
WEATHER = ["calm", "foggy", "stormy", "clear", "windy", "rainy"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of the steady phase (default 30)")
    parser.add_argument("--reingest-seconds", type=float, default=30.0, help="length of the re-ingest phase (0: skip)")
    parser.add_argument("--seeds", type=Path, default=ROOT / "seeds", help="documents to ingest (default seeds/)")
    parser.add_argument(
        "--embedding-cache-size",
        type=int,
        default=None,
        metavar="N",
        help="the server's ASSISTANT_EMBEDDING_CACHE_SIZE (0: embed every question and sentence)",
    )
    parser.add_argument("--mode", choices=["questions", "conversations"], default="questions", help="what clients do")
    parser.add_argument("--collections", type=int, default=4, help="conversations mode: collections (and users), 2-5")
    parser.add_argument("--json", type=Path, default=None, help="result file (default: bench/results/load[-MODE].json)")
    args = parser.parse_args()
    if not 1 <= args.clients <= 200 or not 0 < args.seconds <= 600 or not 0 <= args.reingest_seconds <= 600:
        parser.error("--clients must be 1-200 and the phases at most 600 seconds")
    if not 2 <= args.collections <= 5:
        parser.error("--collections must be 2-5")
    if args.mode == "conversations":
        return conversations(args)
    args.json = args.json or ROOT / "bench" / "results" / "load.json"

    questions = [json.loads(line)["question"] for line in QUESTIONS.open()]
    results: dict = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "load_average_start": os.getloadavg()},
        "clients": args.clients,
        "embedding_cache_size": args.embedding_cache_size,
        "questions": len(questions),
    }
    with (
        tempfile.TemporaryDirectory(prefix="assistant-load-") as folder,
        Served(Path(folder), args.embedding_cache_size) as server,
    ):
        url = server.url
        started = time.perf_counter()
        seeds = sorted(path for path in args.seeds.iterdir() if path.is_file())
        for path in seeds:
            upload(url, path.name, path.read_bytes())
        results["seed_upload_seconds"] = round(time.perf_counter() - started, 2)
        with httpx.Client(base_url=url, timeout=120) as client:
            reference = {question: key(ask(client, question)) for question in questions}
        results["refused_in_reference"] = sum(refused for refused, *_ in reference.values())

        # The second document must not change any seed answer, or "wrong" would count legitimate changes.
        upload(url, "keeper_log.md", distractor(0).encode())
        with httpx.Client(base_url=url, timeout=120) as client:
            changed = [question for question in questions if key(ask(client, question)) != reference[question]]
        results["questions_changed_by_second_document"] = len(changed)
        checked = {question: answer for question, answer in reference.items() if question not in changed}
        delete(url, "keeper_log.md")

        phases = {"steady": run_phase(url, checked, args.clients, args.seconds, server_pid=server.pid)}
        if args.reingest_seconds:
            phases["reingest"] = run_phase(
                url, checked, args.clients, args.reingest_seconds, reingest=seeds, server_pid=server.pid
            )
        if any("failures" in phase for phase in phases.values()):
            results["server_log_tail"] = (Path(folder) / "serve.log").read_text(errors="replace")[-4000:]
    results["phases"] = phases
    results["machine"]["load_average_end"] = os.getloadavg()
    print_table(results)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {args.json}", file=sys.stderr)
    failed = sum(phase["errors"] + phase["wrong"] + phase.get("ingest_errors", 0) for phase in phases.values())
    return 1 if failed else 0


def conversations(args: argparse.Namespace) -> int:
    """The conversation mode: users, collections and stored conversations under load (bench/load_conversations.py)."""
    from load_conversations import prepare, run_conversations

    results: dict = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "mode": "conversations",
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "load_average_start": os.getloadavg()},
        "clients": args.clients,
        "questions": "3-turn scripts (a question and two follow-ups) per collection",
    }
    with tempfile.TemporaryDirectory(prefix="assistant-load-") as folder:
        users_file, keys = prepare(Path(folder), args.collections)
        environment = {"ASSISTANT_USERS_FILE": str(users_file)}
        with Served(Path(folder), args.embedding_cache_size, environment) as server:
            phase = run_conversations(server.url, keys, args.clients, args.seconds, args.collections, server.pid)
        if "failures" in phase:
            results["server_log_tail"] = (Path(folder) / "serve.log").read_text(errors="replace")[-4000:]
    results["phases"] = {"conversations": phase}
    results["machine"]["load_average_end"] = os.getloadavg()
    columns = ["requests", "throughput_rps", "p50_ms", "p95_ms", "errors", "lost", "misattributed", "wrong_collection"]
    print(
        f"{args.clients} clients in {phase['conversations']} conversations over {args.collections} collections of "
        f"{args.collections} users, {phase['ingests']} re-ingests meanwhile; load average "
        f"{results['machine']['load_average_start'][0]:.1f} at start"
    )
    print("  ".join(f"{column}={phase[column]}" for column in [*columns, "changed", "ingest_errors"]))
    path = args.json or ROOT / "bench" / "results" / "load-conversations.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {path}", file=sys.stderr)
    failed = sum(phase[key] for key in ("errors", "lost", "misattributed", "wrong_collection", "ingest_errors"))
    return 1 if failed else 0


# -- the server -------------------------------------------------------------------------------------------------------
class Served:
    """`assistant serve --no-ui` on a free loopback port for the duration of a `with` block."""

    def __init__(
        self, folder: Path, embedding_cache_size: int | None = None, environment: dict[str, str] | None = None
    ) -> None:
        self.folder = folder
        self.environment = {**os.environ, **(environment or {})}
        if embedding_cache_size is not None:
            self.environment["ASSISTANT_EMBEDDING_CACHE_SIZE"] = str(embedding_cache_size)

    def __enter__(self) -> Served:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.log = (self.folder / "serve.log").open("wb")
        command = [
            sys.executable,
            "-m",
            "assistant",
            "serve",
            "--no-ui",
            "--port",
            str(port),
            "--index",
            str(self.folder / "index"),
        ]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.environment, stdout=self.log, stderr=subprocess.STDOUT
        )
        self.url, self.pid = f"http://127.0.0.1:{port}", self.process.pid
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.__exit__()
        raise SystemExit(f"assistant serve did not start; see {self.folder / 'serve.log'}")

    def __exit__(self, *exc_info) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def upload(url: str, name: str, content: bytes) -> float:
    started = time.perf_counter()
    response = httpx.post(f"{url}/api/documents", files={"file": (name, content)}, timeout=300)
    response.raise_for_status()
    return time.perf_counter() - started


def delete(url: str, name: str) -> None:
    documents = httpx.get(f"{url}/api/documents", timeout=60).json()["documents"]
    for document in documents:
        if document["source"] == name:
            httpx.delete(f"{url}/api/documents/{document['id']}", timeout=120).raise_for_status()


def ask(client: httpx.Client, question: str) -> dict:
    response = client.post("/api/ask", json={"question": question})
    response.raise_for_status()
    return response.json()


def key(answer: dict) -> tuple:
    """What must not change: refusal, text and every citation except its score."""
    citations = tuple((c["n"], c["source"], c["quote"], c["start"], c["end"]) for c in answer["citations"])
    return answer["refused"], answer["answer"], citations


def distractor(revision: int) -> str:
    """A second document about something else; each revision shifts every chunk, so all are re-embedded."""
    lines = [f"# Keeper's log of the Kestrel Point lighthouse, revision {revision}", ""]
    for day in range(1, 90):
        weather = WEATHER[(day + revision) % len(WEATHER)]
        lines.append(
            f"Day {day}: the keeper trimmed the wick, noted {weather} weather and counted "
            f"{(day * 7 + revision) % 23} passing fishing boats before the lamp was lit at dusk."
        )
    return "\n".join(lines) + "\n"


# -- a phase --------------------------------------------------------------------------------------------------------
def run_phase(
    url: str, reference: dict, clients: int, seconds: float, server_pid: int, reingest: list[Path] | None = None
) -> dict:
    questions = list(reference)
    records: list[tuple[float, str]] = []  # (latency, outcome) with outcome ok / wrong / error
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    ingests: list[float] = []
    samples: list[str] = []  # the first few failures, for diagnosis
    ingest_errors: list[str] = []

    def client_loop(number: int) -> None:
        with httpx.Client(base_url=url, timeout=120) as client:
            turn = number
            while time.monotonic() < stop_at:
                question = questions[turn % len(questions)]
                turn += clients
                started = time.perf_counter()
                detail = None
                try:
                    outcome = "ok" if key(ask(client, question)) == reference[question] else "wrong"
                except httpx.HTTPStatusError as error:
                    outcome, detail = "error", f"{error.response.status_code}: {error.response.text[:300]}"
                except (httpx.HTTPError, ValueError, KeyError) as error:
                    outcome, detail = "error", f"{type(error).__name__}: {error}"[:300]
                with lock:
                    records.append((time.perf_counter() - started, outcome))
                    if outcome == "wrong" and len(samples) < 10:
                        samples.append(f"wrong answer to {question!r}")
                    if detail and len(samples) < 10:
                        samples.append(detail)

    def ingest_loop() -> None:
        revision = 0
        while time.monotonic() < stop_at:
            revision += 1
            try:
                ingests.append(upload(url, "keeper_log.md", distractor(revision).encode()))
                if revision % 3 == 0:
                    delete(url, "keeper_log.md")
                    for path in reingest:
                        ingests.append(upload(url, path.name, path.read_bytes()))
            except httpx.HTTPError as error:
                with lock:
                    ingest_errors.append(f"{type(error).__name__}: {error}"[:300])

    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(clients)]
    if reingest is not None:
        threads.append(threading.Thread(target=ingest_loop))
    started, server_cpu, client_cpu = time.perf_counter(), cpu_seconds(server_pid), time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    server_cpu, client_cpu = cpu_seconds(server_pid) - server_cpu, time.process_time() - client_cpu
    latencies = sorted(latency for latency, _ in records)
    outcomes = [outcome for _, outcome in records]
    phase = {
        "seconds": round(elapsed, 1),
        "requests": len(records),
        **latency_figures(latencies, elapsed),
        "errors": outcomes.count("error"),
        "wrong": outcomes.count("wrong"),
        # CPU per request depends far less on what else runs on the machine than latency does.
        "server_cpu_ms_per_request": round(server_cpu * 1000 / max(1, len(records)), 1),
        "client_cpu_ms_per_request": round(client_cpu * 1000 / max(1, len(records)), 1),
    }
    if reingest is not None:
        phase["ingests"] = len(ingests)
        phase["ingest_median_s"] = round(statistics.median(ingests), 2) if ingests else None
        phase["ingest_errors"] = len(ingest_errors)
        samples.extend(ingest_errors[:5])
    if samples:
        phase["failures"] = samples[:10]
    return phase


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def latency_figures(latencies: list[float], elapsed: float) -> dict:
    """Throughput and the p50, p95, p99 and largest latency (ms) of one phase's requests (seconds, sorted)."""
    return {
        "throughput_rps": round(len(latencies) / elapsed, 2),
        "p50_ms": percentile_ms(latencies, 50),
        "p95_ms": percentile_ms(latencies, 95),
        "p99_ms": percentile_ms(latencies, 99),
        "max_ms": round(latencies[-1] * 1000, 1) if latencies else None,
    }


def percentile_ms(ordered: list[float], percent: float) -> float | None:
    if not ordered:
        return None
    index = min(len(ordered) - 1, max(0, math.ceil(percent / 100 * len(ordered)) - 1))  # nearest rank
    return round(ordered[index] * 1000, 1)


def print_table(results: dict) -> None:
    columns = [
        "phase",
        "seconds",
        "requests",
        "throughput_rps",
        "p50_ms",
        "p95_ms",
        "p99_ms",
        "max_ms",
        "errors",
        "wrong",
        "ingests",
        "server_cpu_ms_per_request",
    ]
    rows = [[name, *(phase.get(column, "") for column in columns[1:])] for name, phase in results["phases"].items()]
    widths = [max(len(str(value)) for value in [column, *(row[i] for row in rows)]) for i, column in enumerate(columns)]
    print(
        f"{results['clients']} clients, {results['questions']} seed questions, {results['machine']['cpus']} CPUs, "
        f"load average {results['machine']['load_average_start'][0]:.1f} at start"
    )
    print("  ".join(column.rjust(width) for column, width in zip(columns, widths, strict=True)))
    for row in rows:
        print("  ".join(str(value).rjust(width) for value, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    sys.exit(main())
