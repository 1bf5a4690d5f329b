"""Verified-sentence fraction and answer latency of each generator on the seed question set.

    .venv/bin/python bench/generators.py [--generator llama-cpp --generator openai] [--limit N] [--max-tokens 96]

The openai generator talks to a `python -m llama_cpp.server` serving the packaged SmolLM2, started here on a
free 127.0.0.1 port unless ASSISTANT_LLM_BASE_URL is set. Prints a table and writes bench/results/generators.json
(per question: answer, refusal, sentence verdicts, latency).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.answering.chat_models import packaged_gguf_path  # noqa: E402
from assistant.assistant import Assistant  # noqa: E402
from assistant.core.config import Settings  # noqa: E402
from assistant.core.errors import GeneratorUnavailableError  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generator", action="append", dest="generators", help="repeatable (default: both)")
    parser.add_argument("--questions", type=Path, default=ROOT / "tests/data/seed_questions.jsonl")
    parser.add_argument("--limit", type=int, default=None, help="only the first N questions")
    parser.add_argument("--max-tokens", type=int, default=96, help="longest generated answer (tokens)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "generators.json")
    args = parser.parse_args()
    questions = [json.loads(line) for line in args.questions.open() if line.strip()][: args.limit]
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(index_dir=Path(folder) / "index", llm_max_tokens=args.max_tokens)
        assistant = Assistant.from_settings(settings)
        assistant.ingest([ROOT / "seeds"], progress=False)
        for name in args.generators or ["llama-cpp", "openai"]:
            with serving(name, settings) as overrides:
                target = Assistant(
                    Settings(**{**settings.model_dump(), **overrides}), assistant.store, assistant.embedder
                )
                results[name] = run(target, name, questions)
    summary = {name: result["summary"] for name, result in results.items()}
    print(table(summary))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "load": os.getloadavg()},
                "max_tokens": args.max_tokens,
                "results": results,
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    print(f"wrote {args.out}", file=sys.stderr)


@contextlib.contextmanager
def serving(name: str, settings: Settings) -> Iterator[dict]:
    """For openai without a configured endpoint: a llama_cpp.server of the packaged model on a free port."""
    if name != "openai" or settings.llm_base_url:
        yield {}
        return
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(packaged_gguf_path()),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--model_alias",
        "smollm2",
        "--n_threads",
        "1",
        "--n_threads_batch",
        "1",
        "--n_ctx",
        "4096",
        "--seed",
        "42",
    ]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"llama_cpp.server did not start (exit code {server.poll()})") from None
                time.sleep(0.3)
        yield {"llm_base_url": f"http://127.0.0.1:{port}/v1", "llm_model": "smollm2"}
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:  # still busy generating: it does not stop between tokens
            server.kill()
            server.wait()


def run(assistant: Assistant, name: str, questions: list[dict]) -> dict:
    """Ask every question once (after one warm-up), recording the verdict of each generated sentence."""
    assistant.ask("warm up: who is the secretary-general?", generator=name)
    rows = []
    for question in questions:
        started = time.perf_counter()
        try:
            answer = assistant.ask(question["question"], generator=name)
        except GeneratorUnavailableError as error:  # a timeout: recorded, and the run goes on
            rows.append(
                {
                    "id": question["id"],
                    "answerable": question["answerable"],
                    "error": str(error),
                    "seconds": round(time.perf_counter() - started, 3),
                    "verdicts": [],
                    "refused": True,
                    "found": False,
                }
            )
            print(f"{name} {question['id']} error: {error}", file=sys.stderr, flush=True)
            continue
        seconds = time.perf_counter() - started
        verdicts = [sentence.status for sentence in answer.sentences or []]
        found = any(expected.lower() in answer.text.lower() for expected in question["answers"])
        rows.append(
            {
                "id": question["id"],
                "answerable": question["answerable"],
                "seconds": round(seconds, 3),
                "refused": answer.refused,
                "found": found and not answer.refused,
                "verdicts": verdicts,
                **answer.to_dict(),
            }
        )
        print(
            f"{name} {question['id']} {seconds:5.1f}s {'refused' if answer.refused else 'answered'} {verdicts}",
            file=sys.stderr,
            flush=True,
        )
    verdicts = [verdict for row in rows for verdict in row["verdicts"]]
    shown = [verdict for verdict in verdicts if verdict != "removed"]
    answerable = [row for row in rows if row["answerable"]]
    unanswerable = [row for row in rows if not row["answerable"]]
    summary = {
        "questions": len(rows),
        "generated_sentences": len(verdicts),
        "supported": verdicts.count("supported"),
        "unsupported": verdicts.count("unsupported"),
        "removed": verdicts.count("removed"),
        "supported_fraction": round(verdicts.count("supported") / len(verdicts), 3) if verdicts else None,
        "supported_fraction_of_shown": round(shown.count("supported") / len(shown), 3) if shown else None,
        "answered_with_expected_text": f"{sum(row['found'] for row in answerable)}/{len(answerable)}",
        "unanswerable_refused": f"{sum(row['refused'] for row in unanswerable)}/{len(unanswerable)}",
        "errors": sum("error" in row for row in rows),
        "median_latency_s": round(statistics.median(row["seconds"] for row in rows), 2),
        "p90_latency_s": round(sorted(row["seconds"] for row in rows)[int(0.9 * (len(rows) - 1))], 2),
    }
    return {"summary": summary, "rows": rows}


def table(summary: dict[str, dict]) -> str:
    names = list(summary)
    keys = list(next(iter(summary.values())))
    lines = [f"{'':>30}  " + "  ".join(f"{name:>12}" for name in names)]
    lines += [f"{key:>30}  " + "  ".join(f"{summary[name][key]!s:>12}" for name in names) for key in keys]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
