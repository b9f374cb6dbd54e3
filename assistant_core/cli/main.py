"""The ``assistant`` command: ask, chat, index, eval (and the local server's commands as they land).

Every command reuses the same answerer as the Lambda; bad input gets one clear line and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from assistant_core.answering.answerer import TurnRequest
from assistant_core.answering.evaluation import format_report, load_questions, run_eval
from assistant_core.bootstrap.local import KB_SPECS, MODEL_SPECS, build_model, build_retriever, local_answerer
from assistant_core.cli import check, gaps, serve, stats
from assistant_core.conversation.input_checks import clean_question
from assistant_core.errors import AssistantError, BadInput, ConfigError
from assistant_core.local.memory_stores import CollectingPoster, MemoryTranscripts
from assistant_core.retrieval.index import LocalIndex
from assistant_core.settings import Settings

DEFAULT_DOCS = "examples/help-center"


def _settings(args: argparse.Namespace, **extra: Any) -> Settings:
    overrides = {"docs_dir": args.docs, "model": args.model, "kb": args.kb, **extra}
    return Settings.local(**{k: v for k, v in overrides.items() if v is not None})


# -- ask / chat -------------------------------------------------------------------------------
class _Printer:
    """Prints frames as a visitor would see them (or as JSON lines with --json)."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.streamed = False

    def __call__(self, frame: dict[str, Any]) -> None:
        if self.as_json:
            print(json.dumps(frame, ensure_ascii=False), flush=True)
            return
        kind = frame["type"]
        if kind == "delta":
            print(frame["text"], end="", flush=True)
            self.streamed = True
        elif kind == "answer":
            if not self.streamed:
                print(frame["text"], end="")
            print()
            for c in frame["citations"]:
                print(f"  [{c['id']}] {c['title']}" + (f" <{c['url']}>" if c["url"] else ""))
        elif kind == "retract":
            print("\n[the text above was withdrawn]")
        elif kind == "clarify":
            print(frame["question"])
            for option in frame["options"]:
                print(f"  - {option}")
        elif kind in ("handoff", "decline"):
            print(frame["message"])
        self.streamed = self.streamed and kind == "delta"


def _turn(answerer: Any, printer: _Printer, question: str, session_id: str, index: int) -> None:
    turn_id = f"t{index}"
    if printer.as_json:
        printer({"type": "ack", "id": str(uuid.uuid4()), "turn": turn_id})
    answerer.run(TurnRequest(session_id, "cli", turn_id, index, question))


def cmd_ask(args: argparse.Namespace) -> int:
    question = clean_question(args.question)
    printer = _Printer(args.json)
    answerer, *_ = local_answerer(_settings(args), CollectingPoster(on_frame=printer))
    _turn(answerer, printer, question, f"cli-{uuid.uuid4().hex[:8]}", 1)
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    printer = _Printer(False)
    settings = _settings(args)
    retriever = build_retriever(settings.kb, settings.docs_dir)
    model = build_model(settings.model, pace_seconds=0.01, retriever=retriever)  # visible streaming
    answerer, *_ = local_answerer(
        settings, CollectingPoster(on_frame=printer), model=model, retriever=retriever, transcripts=MemoryTranscripts()
    )
    session = f"chat-{uuid.uuid4().hex[:8]}"
    print(f"Ask about the help centre in {settings.docs_dir} (Ctrl-D or 'quit' to leave).")
    index = 0
    while True:
        try:
            line = input("\nyou> ")
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if line.strip().lower() in {"quit", "exit"}:
            return 0
        try:
            question = clean_question(line)
        except BadInput as e:
            print(f"({e})")
            continue
        index += 1
        print("assistant> ", end="", flush=True)
        _turn(answerer, printer, question, session, index)


# -- index / eval -----------------------------------------------------------------------------
def cmd_index(args: argparse.Namespace) -> int:
    if args.publish:
        return _publish(Path(args.dir), Path(args.publish))
    index = LocalIndex.load_or_build(Path(args.dir))
    s = index.stats
    print(
        f"{'rebuilt' if s.rebuilt else 'up to date'}: {s.documents} documents, {s.chunks} chunks, {s.skipped} skipped"
    )
    for path, reason in s.skipped_files:
        print(f"  skipped {path}: {reason}")
    return 0


def _publish(docs: Path, dest: Path) -> int:
    """A new index version of ``docs`` in ``dest`` (what kb-sync publishes to S3), served by ``--kb index:DEST``."""
    from assistant_core.bootstrap.local import build_embedder
    from assistant_core.clock import SystemClock
    from assistant_core.local.blob_folder import FolderBlobStore
    from kb_sync.index_publisher import IndexPublisher

    if not docs.is_dir():
        raise BadInput(f"docs folder not found: {docs}")
    result = IndexPublisher(FolderBlobStore(docs), FolderBlobStore(dest), build_embedder("wordllama"),
                            SystemClock()).publish("cli")
    print(result.detail)
    print(f"serve it with: assistant serve --kb index:{dest}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    questions = load_questions(Path(args.questions))
    answerer, *_ = local_answerer(_settings(args), CollectingPoster())
    report = run_eval(answerer, questions)
    print(json.dumps(report.as_dict(), ensure_ascii=False) if args.json else format_report(report))
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    from kb_sync.local_folder import sync_folder  # the sync engine is only needed by this command

    report = sync_folder(Path(args.source), Path(args.docs), full=args.full, dry_run=args.dry_run)
    print(report.summary())
    return 0


# -- parser -----------------------------------------------------------------------------------
def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--docs", default=DEFAULT_DOCS, help="folder of help docs (default: %(default)s)")
    p.add_argument("--model", default="extractive", help=MODEL_SPECS)
    p.add_argument("--kb", default="local", help=KB_SPECS)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description="The website assistant, locally.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ask", help="answer one question and show its sources")
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help="print the server→visitor frames, one per line")
    _common(p)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("chat", help="ask questions interactively")
    _common(p)
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("index", help="build or refresh the local index of a docs folder")
    p.add_argument("dir")
    p.add_argument("--publish", metavar="FOLDER",
                   help="publish a new index version to FOLDER instead (served by --kb index:FOLDER)")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("eval", help="score retrieval and tool choice on labelled questions")
    p.add_argument("--questions", default="examples/questions.jsonl")
    p.add_argument("--json", action="store_true", help="print one JSON object of metrics")
    _common(p)
    p.set_defaults(func=cmd_eval)
    p = sub.add_parser("sync", help="mirror a plain folder of docs into the docs folder and re-index")
    p.add_argument("--from", dest="source", required=True, help="the writers' folder")
    p.add_argument("--docs", default=".assistant/docs", help="where the assistant reads docs (default: %(default)s)")
    p.add_argument("--full", action="store_true", help="compare every file, not only changed ones")
    p.add_argument("--dry-run", action="store_true", help="print what would change, change nothing")
    p.set_defaults(func=cmd_sync)
    for register in COMMANDS:
        register(sub)
    return parser


# The local stack's own sub-commands, in the order `assistant --help` lists them.
COMMANDS: tuple[Callable[[Any], None], ...] = (serve.register, gaps.register, stats.register, check.register)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.ERROR, format="%(levelname)s %(message)s")
    if not args.verbose:
        logging.getLogger("assistant_core.retrieval.index").setLevel(logging.WARNING)
    try:
        return int(args.func(args) or 0)
    except (BadInput, ConfigError) as e:
        print(f"assistant: {e}", file=sys.stderr)
        return 2
    except AssistantError as e:
        print(f"assistant: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
