"""fn-ws-message, fn-ws-disconnect, fn-answerer and fn-handoff over moto with recorded events."""

from __future__ import annotations

import base64
import json

import boto3

from assistant_core.bootstrap.lambdas import Runtime, install
from handlers import answerer, handoff, ws_connect, ws_disconnect, ws_message

from .conftest import RecordingInvoker, event, posted

CID = "Xk1aBcD2SQ0CF3g="


def connected(rt: Runtime) -> None:
    assert ws_connect.handler(event("ws_connect"), None) == {"statusCode": 200}


def say(body: str | None, **over: object) -> dict:
    return ws_message.handler(event("ws_message", body=body, **over), None)


def test_a_question_is_acked_and_the_answerer_invoked(rt: Runtime) -> None:
    connected(rt)
    assert ws_message.handler(event("ws_message"), None) == {"statusCode": 200}
    assert posted(CID) == [{"type": "ack", "id": "8d7c1f0e-1", "turn": "t1"}]
    [(fn, payload)] = rt.invoker.calls
    assert fn == "fn-answerer" and payload["turn_id"] == "t1" and payload["session_id"] == "s-1"
    assert payload["management_endpoint"].endswith("/prod") and payload["page_url"] == "https://shop.example/help"
    ws_message.handler(event("ws_message"), None)  # the same client id again
    assert posted(CID)[-1] == posted(CID)[0] and len(rt.invoker.calls) == 1


def test_garbage_binary_and_busy_get_error_frames(rt: Runtime) -> None:
    connected(rt)
    say("not json")
    say(base64.b64encode(b"\x00\x01").decode(), isBase64Encoded=True)
    say(json.dumps({"action": "send", "id": "a", "text": "x" * 1001}))
    say(json.dumps({"action": "send", "id": "a", "text": "first?"}))
    say(json.dumps({"action": "send", "id": "b", "text": "second?"}))
    say('{"action":"ping"}')
    kinds = [f.get("code", f["type"]) for f in posted(CID)]
    assert kinds == ["bad_request", "bad_request", "too_long", "ack", "busy", "pong"]


def test_a_failed_invoke_says_unavailable_and_a_resend_can_work(rt: Runtime) -> None:
    connected(rt)
    install(rt.with_(invoker=RecordingInvoker(fail=True)))
    ws_message.handler(event("ws_message"), None)
    install(rt.with_(invoker=(ok := RecordingInvoker())))
    ws_message.handler(event("ws_message"), None)
    assert [f.get("code", f["type"]) for f in posted(CID)] == ["ack", "unavailable", "ack"] and len(ok.calls) == 1


def test_contact_details_go_to_the_handoff_function(rt: Runtime) -> None:
    connected(rt)
    say(json.dumps({"action": "contact", "turn": "t1", "email": "ana@example.com", "note": "call me"}))
    [(fn, payload)] = rt.invoker.calls
    assert fn == "fn-handoff" and payload["kind"] == "contact" and payload["email"] == "ana@example.com"


def test_disconnect_forgets_the_connection(rt: Runtime) -> None:
    connected(rt)
    assert ws_disconnect.handler(event("ws_disconnect"), None) == {"statusCode": 200}
    assert rt.sessions.get_connection(CID) is None
    assert ws_disconnect.handler(event("ws_disconnect"), None) == {"statusCode": 200}  # twice is fine


def test_the_answerer_streams_saves_the_turn_and_frees_the_connection(rt: Runtime) -> None:
    connected(rt)
    ws_message.handler(event("ws_message"), None)
    [(_, payload)] = rt.invoker.calls
    out = answerer.handler(payload, None)
    assert out["turn"] == "t1" and out["tool"] == "answer" and not out["visitor_gone"]
    frames = posted(CID)
    assert frames[0]["type"] == "ack" and frames[-1]["type"] == "answer" and frames[-1]["citations"]
    assert any(f["type"] == "delta" for f in frames)
    saved = rt.transcripts.table.get_item(Key={"session_id": "s-1", "turn_index": 1})["Item"]
    assert saved["tool"] == "answer" and saved["question"].startswith("How long")
    say(json.dumps({"action": "send", "id": "next", "text": "And to New Zealand?"}))
    assert posted(CID)[-1] == {"type": "ack", "id": "next", "turn": "t2"}  # not busy any more


def test_a_visitor_who_left_mid_turn_still_gets_a_saved_turn(rt: Runtime) -> None:
    connected(rt)
    ws_message.handler(event("ws_message"), None)
    [(_, payload)] = rt.invoker.calls
    ws_disconnect.handler(event("ws_disconnect"), None)
    out = answerer.handler(payload, None)
    assert out["turn"] == "t1"
    assert rt.transcripts.table.get_item(Key={"session_id": "s-1", "turn_index": 1}).get("Item")


def test_handoff_publishes_to_the_topic(rt: Runtime) -> None:
    sqs = boto3.client("sqs", region_name="ap-southeast-1")
    url = sqs.create_queue(QueueName="staff")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    boto3.client("sns", region_name="ap-southeast-1").subscribe(
        TopicArn=rt.settings.handoff_topic_arn, Protocol="sqs", Endpoint=arn)
    out = handoff.handler({"kind": "handoff", "session_id": "s-1", "turn_id": "t2", "connection_id": CID,
                           "reason": "complaint", "summary": "Parcel arrived broken", "question": "My order broke",
                           "page_url": "https://shop.example/help"}, None)
    assert out["published"]
    body = json.loads(sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"])
    assert "complaint" in body["Subject"] and "Parcel arrived broken" in body["Message"]


def test_the_connection_is_free_before_the_turn_is_written(rt: Runtime) -> None:
    connected(rt)
    ws_message.handler(event("ws_message"), None)
    [(_, payload)] = rt.invoker.calls
    answerer_ = rt.answerer(payload["management_endpoint"])
    seen: list[object] = []

    class Probe:
        def save_turn(self, record: object) -> None:
            item = rt.sessions.table.get_item(Key={"connection_id": CID})["Item"]
            seen.append(item.get("in_flight"))

    real, answerer_.transcripts = answerer_.transcripts, Probe()
    try:
        answerer.handler(payload, None)
    finally:
        answerer_.transcripts = real
    assert seen == [None]  # a quick follow-up question would already be accepted here
