"""The `assistant` command line: ingest, ask, serve (and the admin commands of `cli_admin`)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from assistant.cli_admin import add_admin_commands, user_for, workspace_for

EXIT_USAGE = 2  # bad input: empty question, missing index, missing path


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="assistant", description="Answer questions about your documents, citing the exact words."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details to stderr")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ingest = commands.add_parser("ingest", help="add documents to the index (only new or changed files)")
    ingest.add_argument(
        "paths", nargs="*", type=Path, default=[Path("seeds")], help="files or folders (default: seeds)"
    )
    _add_common(ingest)
    _add_collection(ingest)
    ingest.set_defaults(handler=_ingest)

    ask = commands.add_parser("ask", help="answer a question with cited passages")
    ask.add_argument("question", help="the question, in quotes")
    ask.add_argument("--k", type=int, default=None, help="passages to retrieve (default: ASSISTANT_K or 4)")
    ask.add_argument("--source", action="append", dest="sources", help="only search this document (repeatable)")
    ask.add_argument(
        "--generator", default=None, help="extractive, llama-cpp, openai or ollama (default: ASSISTANT_GENERATOR)"
    )
    _add_common(ask)
    _add_collection(ask)
    ask.add_argument("--conversation", default=None, help="continue this stored conversation (its id) and add to it")
    ask.set_defaults(handler=_ask)

    evaluate = commands.add_parser("eval", help="score answers, citations, refusals and retrieval on a question set")
    evaluate.add_argument("questions", nargs="?", type=Path, help="question set (JSONL); optional with --compare")
    evaluate.add_argument("--k", type=int, default=None, help="passages to retrieve (default: ASSISTANT_K or 4)")
    evaluate.add_argument("--generator", default=None, help="answer generator (default: ASSISTANT_GENERATOR)")
    evaluate.add_argument("--limit", type=int, default=None, help="only the first N questions")
    evaluate.add_argument("--report", type=Path, default=None, help="write report.md, results.jsonl and plots here")
    evaluate.add_argument(
        "--compare",
        type=Path,
        nargs="+",
        metavar="DIR",
        help="put earlier reports side by side (with --report, this run too)",
    )
    _add_common(evaluate)
    evaluate.set_defaults(handler=_eval)

    beir = commands.add_parser("eval-retrieval", help="nDCG@10, recall and MRR of retrieval on a BEIR-format folder")
    beir.add_argument("beir_dir", type=Path, help="folder with corpus.jsonl, queries.jsonl and qrels/<split>.tsv")
    beir.add_argument("--split", default="test", help="qrels split (default: test)")
    beir.add_argument("--run-file", type=Path, default=None, help="write the ranking here in TREC format")
    beir.add_argument("--limit", type=int, default=None, help="only the first N judged queries")
    beir.add_argument(
        "--index", type=Path, default=None, help="keep the benchmark index here, to reuse it (default: a temporary one)"
    )
    beir.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    beir.set_defaults(handler=_eval_retrieval)

    serve = commands.add_parser("serve", help="serve the HTTP API (and the web page at /) with uvicorn")
    serve.add_argument("--host", default=None, help="address to bind (default: ASSISTANT_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    serve.add_argument("--no-ui", action="store_true", help="serve the API only, without the Gradio page")
    serve.add_argument("--index", type=Path, default=None, help="index folder (default: ASSISTANT_INDEX_DIR or index/)")
    serve.set_defaults(handler=_serve)
    add_admin_commands(commands)
    return parser


def _add_common(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--index", type=Path, default=None, help="index folder (default: ASSISTANT_INDEX_DIR or index/)"
    )
    command.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def _add_collection(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--collection", default=None, help="the collection: name or id (default: ASSISTANT_DEFAULT_COLLECTION)"
    )
    command.add_argument("--user", default=None, help="act as this user (default: the first admin)")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(  # -v: every step with its source; otherwise warnings only, as plain sentences
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s" if args.verbose else "%(message)s",
        stream=sys.stderr,
    )
    from pydantic import ValidationError

    from assistant.core.errors import AssistantError
    from assistant.embedding.base import use_offline_environment

    use_offline_environment()

    try:
        return args.handler(args)
    except AssistantError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except ValidationError as error:
        print(f"error: invalid setting: {error}", file=sys.stderr)
        return EXIT_USAGE


def _ingest(args: argparse.Namespace) -> int:
    workspace = workspace_for(args)
    report = workspace.ingest(user_for(workspace, args), args.paths, args.collection)
    if args.json:
        print(json.dumps(report.to_dict()))
    else:
        summary = report.to_dict()
        print(
            f"{summary['files']} files ({summary['skipped']} skipped): {summary['chunks_embedded']} chunks embedded, "
            f"{summary['chunks_unchanged']} unchanged, {summary['chunks_removed']} removed in {summary['seconds']:.1f}s"
        )
        for path, reason in report.skipped_files:
            print(f"  skipped {path}: {reason}")
    return 0


def _ask(args: argparse.Namespace) -> int:
    workspace = workspace_for(args)
    options = {"k": args.k, "sources": args.sources, "generator": args.generator}
    reply = workspace.ask(
        user_for(workspace, args), args.question, collection=args.collection, conversation=args.conversation, **options
    )
    answer = reply.answer
    if args.json:
        print(json.dumps(reply.to_dict(), ensure_ascii=False))
        return 0
    print(answer.text)
    if answer.fallback == "quotes":
        print("\n(The generated answer could not be checked against the documents; these are the exact quotes.)")
    unsupported = [sentence.text for sentence in answer.sentences or [] if sentence.status == "unsupported"]
    if unsupported and not answer.refused:
        print("\nNot supported by the documents (check before relying on it):")
        for text in unsupported:
            print(f"  ! {text}")
    if answer.citations:
        print("\nSources:")
        for citation in answer.citations:
            where = f", {citation.where()}" if citation.where() else ""
            print(f"  [{citation.n}] {citation.source}{where}, characters {citation.start}-{citation.end}")
            print(f'      "{citation.quote}"')
    elif answer.passages:
        print("\nClosest passages:")
        for hit in answer.passages[:3]:
            preview = " ".join(hit.chunk.text.split())[:160]
            print(f"  - {hit.chunk.source} (score {hit.score:.2f}): {preview}...")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from assistant.api.server import serve

    workspace = workspace_for(args)
    serve(workspace, host=args.host or workspace.settings.host, port=args.port, ui=not args.no_ui)
    return 0


def _eval(args: argparse.Namespace) -> int:
    from assistant.core.config import check_k
    from assistant.core.errors import EvaluationDataError
    from assistant.evaluation.questions import evaluate, load_questions, summarize
    from assistant.evaluation.reports import compare_reports, summary_table, write_report

    if args.questions is None:
        if not args.compare:
            raise EvaluationDataError("Give a question set (JSONL), or reports to compare with --compare DIR DIR.")
        table, summaries = compare_reports(args.compare, args.report)
        print(json.dumps(summaries) if args.json else table)
        return 0
    if args.compare and args.report is None:
        raise EvaluationDataError("--compare with a question set needs --report DIR, where this run is written.")
    check_k(args.k)
    questions, problems = load_questions(args.questions)
    questions = questions[: args.limit] if args.limit else questions
    overrides = {key: value for key, value in (("index_dir", args.index), ("generator", args.generator)) if value}
    from assistant.assistant import Assistant

    assistant = Assistant.from_settings(**overrides)
    rows = evaluate(assistant, questions, k=args.k)
    configuration = {"retrieval": assistant.settings.retrieval, "generator": assistant.settings.generator}
    summary = {**summarize(rows, args.k), "skipped_lines": len(problems), **configuration}
    if args.report:
        write_report(args.report, summary, rows, title=f"Evaluation of {args.questions.name}")
        print(f"report written to {args.report}/report.md", file=sys.stderr)
    table = summary_table({"value": summary})
    if args.compare:
        table, _ = compare_reports([args.report, *args.compare], args.report)
    print(json.dumps(summary) if args.json else table)
    return 0


def _eval_retrieval(args: argparse.Namespace) -> int:
    import tempfile

    from assistant.assistant import Assistant
    from assistant.evaluation.beir import evaluate_retrieval, load_beir, write_trec_run

    data = load_beir(args.beir_dir, args.split, args.limit)
    with tempfile.TemporaryDirectory(prefix="assistant-beir-") as scratch:
        # Its own local collection, so a benchmark never touches the documents of a real index or server.
        index = args.index or Path(scratch) / "index"
        assistant = Assistant.from_settings(index_dir=index, chroma_url=None, collection="beir")
        summary, run = evaluate_retrieval(assistant, data)
    settings = assistant.settings
    summary = {
        "benchmark": args.beir_dir.resolve().name,
        "split": args.split,
        "retrieval": settings.retrieval,
        "embedding_model": settings.embedding_model,
        **summary,
    }
    if args.run_file:
        write_trec_run(run, args.run_file)
    if args.json:
        print(json.dumps(summary))
    else:
        for key, value in summary.items():
            print(f"{key:>17}  {value}")
    return 0
