"""BedrockKnowledgeBaseRetriever against the Retrieve double, alone and through the full answerer."""

from __future__ import annotations

import json

import pytest

from assistant_core.aws import clients
from assistant_core.aws.bedrock_retriever import BedrockKnowledgeBaseRetriever
from assistant_core.errors import RetrievalError
from tests.doubles.bedrock_agent_runtime import RetrieveReply, s3_result
from tests.doubles.bedrock_runtime import aws_error, tool_reply
from tests.fakes.model_turn import Turn

from .models import REGION, bedrock, retrier

KB_ID = "KBABCDE123"
SHIPPING = s3_result("Orders ship within 2 working days.", 0.71, key="kb/shipping.md", title="Shipping times",
                     url="https://help.acme.example/shipping", extra={"audience": "public", "version": 3.0})
RETURNS = s3_result("Unopened tea can be returned within 30 days.", 0.64, key="kb/returns-and-refunds.md",
                    chunk=2)
WEAK = s3_result("Our founders like oolong.", 0.12, key="kb/about.md", title="About us")


def kb_retriever(sleeps: list[float] | None = None, **options: object) -> BedrockKnowledgeBaseRetriever:
    return BedrockKnowledgeBaseRetriever(clients.bedrock_agent_runtime(REGION), KB_ID,
                                         retrier=retrier([] if sleeps is None else sleeps), **options)  # type: ignore[arg-type]


def test_request_shape_with_search_type_and_filter(kb) -> None:
    kb.script(RetrieveReply([SHIPPING]))
    filt = {"equals": {"key": "audience", "value": "public"}}
    kb_retriever(search_type="HYBRID", metadata_filter=filt).retrieve("How fast do you ship?", 4)

    assert kb.kb_ids == [KB_ID]
    assert kb.requests[0].json == {
        "retrievalQuery": {"text": "How fast do you ship?"},
        "retrievalConfiguration": {"vectorSearchConfiguration": {
            "numberOfResults": 4, "overrideSearchType": "HYBRID", "filter": filt,
        }},
    }
    assert "/bedrock/aws4_request" in kb.requests[0].headers["Authorization"]


def test_results_map_metadata_title_url_and_fall_back_to_the_source_uri(kb) -> None:
    kb.script(RetrieveReply([SHIPPING, RETURNS]))
    first, second = kb_retriever().retrieve("shipping and returns", 5)

    assert (first.title, first.url, first.score) == ("Shipping times", "https://help.acme.example/shipping", 0.71)
    assert first.source == "s3://chat-assistant-data-a1b2/kb/shipping.md"
    assert first.chunk_id == "kb/shipping.md-chunk-0" and first.text == "Orders ship within 2 working days."
    # No sidecar title/url: a readable title from the file name; the S3 URI is kept but never shown.
    assert second.title == "Returns and refunds"
    assert second.url == second.source == "s3://chat-assistant-data-a1b2/kb/returns-and-refunds.md"
    assert second.chunk_id == "kb/returns-and-refunds.md-chunk-2"
    assert second.citation()["url"] == ""


def test_score_floor_drops_weak_passages(kb) -> None:
    kb.script(RetrieveReply([SHIPPING, RETURNS, WEAK]))
    passages = kb_retriever(min_score=0.3).retrieve("tea", 5)
    assert [p.title for p in passages] == ["Shipping times", "Returns and refunds"]


def test_throttled_retrieve_is_retried(kb) -> None:
    kb.script(aws_error(429, "ThrottlingException"), RetrieveReply([SHIPPING]))
    sleeps: list[float] = []
    assert [p.title for p in kb_retriever(sleeps).retrieve("ship", 5)] == ["Shipping times"]
    assert len(kb.requests) == 2 and len(sleeps) == 1


def test_access_denied_is_a_retrieval_error_without_retry(kb) -> None:
    kb.script(aws_error(403, "AccessDeniedException", "not authorized to perform bedrock:Retrieve"))
    with pytest.raises(RetrievalError, match="AccessDeniedException") as info:
        kb_retriever().retrieve("ship", 5)
    assert info.value.__cause__ is not None and len(kb.requests) == 1


def test_empty_results_leave_the_model_without_answer_and_it_declines(kb, converse) -> None:
    kb.script(RetrieveReply([]))
    converse.script(tool_reply("decline", {"reason": "not_in_knowledge", "message": "Sorry, I can't help with that."}))
    turn = Turn(bedrock(), retriever=kb_retriever())
    outcome = turn.run("Do you sell coffee?")

    body = converse.bodies()[0]
    assert [t["toolSpec"]["name"] for t in body["toolConfig"]["tools"]] == ["clarify", "hand_off", "decline"]
    assert "No passages were retrieved" in body["system"][0]["text"]
    assert turn.poster.types() == ["decline"] and outcome.result.tool == "decline"
    assert [g.reason for g in turn.records.gaps] == ["not_in_knowledge"]


@pytest.mark.parametrize("failure", [aws_error(500, "InternalServerException"),
                                     aws_error(403, "AccessDeniedException")])
def test_retrieval_failure_never_yields_an_uncited_answer(kb, converse, failure) -> None:
    kb.script(failure, failure, failure)
    # Even a model that tries to answer (citing a passage that was never retrieved) cannot get through.
    converse.script(tool_reply("answer", {"citation_ids": ["p1"], "text": "Made-up shipping promise."}))
    turn = Turn(bedrock(), retriever=kb_retriever())
    outcome = turn.run()

    assert "answer" not in [t["toolSpec"]["name"] for t in converse.bodies()[0]["toolConfig"]["tools"]]
    assert turn.poster.types() == ["handoff"]
    assert not any("Made-up" in json.dumps(f) for f in turn.poster.frames)
    assert outcome.result.downgrade_reason == "unknown_tool" and outcome.passages == []
