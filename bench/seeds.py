"""Ingest time for seeds/ and warm in-process `ask` latency on the seed question set.

    .venv/bin/python bench/seeds.py [--repeats 3]

Prints a table and writes bench/results/seeds.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.assistant import Assistant  # noqa: E402
from assistant.core.config import Settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="passes over the question set")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "seeds.json")
    args = parser.parse_args()
    questions = [json.loads(line)["question"] for line in (ROOT / "tests/data/seed_questions.jsonl").open()]
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        assistant = Assistant.from_settings(Settings(index_dir=Path(folder) / "index"))
        assistant.embedder.embed(["warm-up"])
        load_seconds = time.perf_counter() - started
        report = assistant.ingest([ROOT / "seeds"], progress=False)
        reingest = assistant.ingest([ROOT / "seeds"], progress=False)
        assistant.ask(questions[0])
        latencies = []
        for _ in range(args.repeats):
            for question in questions:
                begin = time.perf_counter()
                assistant.ask(question)
                latencies.append(time.perf_counter() - begin)
    latencies.sort()
    result = {
        "machine": f"{platform.machine()}, {platform.python_version()}, {__import__('os').cpu_count()} cores",
        "model_load_s": round(load_seconds, 3),
        "ingest_s": round(report.seconds, 3),
        "chunks": report.chunks_embedded,
        "reingest_s": round(reingest.seconds, 4),
        "ask_p50_ms": round(1000 * statistics.median(latencies), 1),
        "ask_p95_ms": round(1000 * latencies[int(0.95 * (len(latencies) - 1))], 1),
        "asks": len(latencies),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    width = max(map(len, result))
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
