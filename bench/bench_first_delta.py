"""First-delta latency through the real adapters: model double token → first ``delta`` posted to the visitor.

The ConverseStream double (real event-stream frames, real boto3 client) and the OpenAI SSE double
(real urllib3) emit an answer's tool input one token every ``--pace-ms`` (40 ms, a Haiku-like
pace). For each turn through the full answerer we take, on one monotonic clock:
  - first input → first delta: from the double writing the first tool-input token (citations
    still to come) to the gate posting the first delta;
  - first text token → first delta: from the double writing the first token of the answer text
    (citations complete and valid) to the first delta posted. Target: <= 150 ms.
Figures are printed, never asserted. Usage: python bench/bench_first_delta.py [--turns 30] [--pace-ms 40]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the doubles live under tests/

from tests.integration.fakes import Turn

from assistant_core.answering.ports import Model
from tests.doubles import bedrock_runtime, openai_sse
from tests.doubles.http_double import StreamLog

ANSWER = {"citation_ids": ["p1", "p2"], "text": "Orders ship within 2 working days; tracking is emailed to you."}
RAW = json.dumps(ANSWER)
TOKEN_CHARS = 4  # ~ one token of JSON


def first_text_token(fragments: list[str]) -> int:
    """Index of the fragment that carries the first character of the answer text."""
    sent = ""
    for i, fragment in enumerate(fragments):
        sent += fragment
        if len(sent) > RAW.index('"text": "') + len('"text": "'):
            return i
    raise ValueError("no text in the tool input")


def measure(model: Model, script: Callable[[], tuple[Any, StreamLog]], is_input: Callable[[Any], bool],
            turns: int) -> tuple[list[float], list[float]]:
    from_input, from_text = [], []
    text_index = first_text_token(bedrock_runtime.tokens(RAW, TOKEN_CHARS))
    for _ in range(turns):
        log = script()
        turn = Turn(model)
        outcome = turn.run("How fast do you ship?")
        assert outcome.result.tool == "answer", outcome.result.downgrade_reason
        inputs = [t for t, item in log.sent if is_input(item)]
        first_delta = turn.poster.first_delta_at()
        assert first_delta is not None
        from_input.append((first_delta - inputs[0]) * 1000)
        from_text.append((first_delta - inputs[text_index]) * 1000)
    return from_input, from_text


def report(name: str, from_input: list[float], from_text: list[float]) -> None:
    def stats(xs: list[float]) -> str:
        p95 = statistics.quantiles(xs, n=20)[18]
        return f"median {statistics.median(xs):7.1f} ms   p95 {p95:7.1f} ms"

    print(f"{name} ({len(from_text)} turns)")
    print(f"  first tool-input token -> first delta: {stats(from_input)}   (citations stream first)")
    print(f"  first text token       -> first delta: {stats(from_text)}   (target <= 150 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=30)
    parser.add_argument("--pace-ms", type=float, default=40.0)
    args = parser.parse_args()
    pace = args.pace_ms / 1000
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.update({  # dummy credentials: the doubles check nothing, and no request leaves loopback
            "AWS_ACCESS_KEY_ID": "AKIDBENCHBENCHBENCH0", "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_REGION": "ap-southeast-1", "AWS_CONFIG_FILE": f"{tmp}/none",
            "AWS_SHARED_CREDENTIALS_FILE": f"{tmp}/none", "NO_PROXY": "127.0.0.1", "AWS_EC2_METADATA_DISABLED": "true",
        })
        for name in ("AWS_PROFILE", "AWS_BEARER_TOKEN_BEDROCK", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
            os.environ.pop(name, None)
        print(f"answer tool input: {len(RAW)} chars in {TOKEN_CHARS}-char tokens, one every {args.pace_ms:g} ms")
        with bedrock_runtime.ConverseStreamDouble() as double:
            os.environ["AWS_ENDPOINT_URL_BEDROCK_RUNTIME"] = double.url
            from assistant_core.aws.bedrock_model import BedrockConverseModel

            def script_bedrock() -> StreamLog:
                reply = bedrock_runtime.tool_reply("answer", ANSWER, pace=pace, size=TOKEN_CHARS)
                double.script(reply)
                return reply.log

            def bedrock_input(item: Any) -> bool:
                return "toolUse" in getattr(item, "payload", {}).get("delta", {})

            model = BedrockConverseModel.for_region("ap-southeast-1")
            report("Bedrock ConverseStream (boto3, event-stream frames)",
                   *measure(model, script_bedrock, bedrock_input, args.turns))
        with openai_sse.OpenAIDouble() as double:
            from assistant_core.remote.openai_model import OpenAICompatibleModel

            def script_openai() -> StreamLog:
                reply = openai_sse.tool_reply("answer", ANSWER, pace=pace, size=TOKEN_CHARS)
                double.script(reply)
                return reply.log

            def openai_input(item: Any) -> bool:
                if not isinstance(item, dict) or not item.get("choices"):
                    return False
                calls = item["choices"][0]["delta"].get("tool_calls") or []
                return any(c.get("function", {}).get("arguments") for c in calls)

            model = OpenAICompatibleModel(double.url + "/v1", "bench-model")
            report("OpenAI-compatible (urllib3, SSE)", *measure(model, script_openai, openai_input, args.turns))


if __name__ == "__main__":
    main()
