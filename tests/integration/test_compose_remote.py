"""The composition root builds the real adapters from --model / --kb specs (and they reach the doubles)."""

from __future__ import annotations

import pytest

from assistant_core.aws.bedrock_model import BedrockConverseModel
from assistant_core.aws.bedrock_retriever import BedrockKnowledgeBaseRetriever
from assistant_core.bootstrap.local import build_model, build_retriever
from assistant_core.errors import ConfigError
from assistant_core.remote.openai_model import OpenAICompatibleModel
from assistant_core.settings import DEFAULT_BEDROCK_MODEL, Settings
from tests.doubles.bedrock_agent_runtime import RetrieveReply, s3_result
from tests.doubles.bedrock_runtime import tool_reply
from tests.doubles.openai_sse import tool_reply as sse_tool_reply
from tests.fakes.model_turn import Turn

ANSWER = {"citation_ids": ["p1"], "text": "Orders ship within 2 working days."}


def test_bedrock_spec_defaults_to_the_global_haiku_profile(aws_env) -> None:
    model = build_model("bedrock")
    assert isinstance(model, BedrockConverseModel) and model.model_id == DEFAULT_BEDROCK_MODEL
    assert model.client.meta.region_name == "ap-southeast-1"
    other = build_model("bedrock:apac.anthropic.claude-3-haiku-20240307-v1:0", settings=Settings(region="us-west-2"))
    assert other.model_id == "apac.anthropic.claude-3-haiku-20240307-v1:0"
    assert other.client.meta.region_name == "us-west-2"


def test_composed_bedrock_model_and_kb_reach_the_configured_endpoints(converse, kb) -> None:
    kb.script(RetrieveReply([s3_result("Orders ship within 2 working days.", 0.8, key="kb/shipping.md",
                                       title="Shipping", url="https://help.acme.example/shipping")]))
    converse.script(tool_reply("answer", ANSWER))
    model = build_model("bedrock:global.anthropic.claude-haiku-4-5-20251001-v1:0")
    retriever = build_retriever("bedrock:KBABCDE123?min_score=0.3&search=semantic", "unused")
    assert isinstance(retriever, BedrockKnowledgeBaseRetriever)
    assert (retriever.min_score, retriever.search_type) == (0.3, "SEMANTIC")

    turn = Turn(model, retriever=retriever)
    assert turn.run().result.tool == "answer"
    assert converse.model_ids == ["global.anthropic.claude-haiku-4-5-20251001-v1:0"] and kb.kb_ids == ["KBABCDE123"]
    assert turn.poster.frames[-1]["citations"][0]["url"] == "https://help.acme.example/shipping"


def test_bedrock_kb_without_an_id_uses_the_settings_kb_id(aws_env) -> None:
    retriever = build_retriever("bedrock", "unused", settings=Settings(kb_id="KBFROMCONF"))
    assert isinstance(retriever, BedrockKnowledgeBaseRetriever) and retriever.knowledge_base_id == "KBFROMCONF"


def test_openai_spec_reads_the_api_key_at_composition(openai, monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    openai.script(sse_tool_reply("answer", ANSWER))
    model = build_model(f"openai:{openai.url}/v1#llama3.1:8b")
    assert isinstance(model, OpenAICompatibleModel) and model.model == "llama3.1:8b"
    Turn(model).run()
    assert openai.requests[0].headers["Authorization"] == "Bearer sk-from-env"

    monkeypatch.delenv("OPENAI_API_KEY")
    openai.script(sse_tool_reply("answer", ANSWER))
    Turn(build_model(f"openai:{openai.url}/v1#llama3.1:8b")).run()
    assert "Authorization" not in openai.requests[1].headers  # Ollama and friends need none


@pytest.mark.parametrize("spec", ["openai:localhost:11434#m", "openai:http://localhost/v1", "openai:", "bedrok:x"])
def test_bad_model_specs_are_config_errors(spec: str) -> None:
    with pytest.raises(ConfigError):
        build_model(spec)


@pytest.mark.parametrize("spec", ["bedrock:short", "bedrock:KBABCDE123?min_score=2", "bedrock:KBABCDE123?x=1",
                                  "bedrock:KBABCDE123?min_score", "bedrock:KBABCDE123?search=FUZZY"])
def test_bad_kb_specs_are_config_errors(spec: str, aws_env) -> None:
    with pytest.raises(ConfigError):
        build_retriever(spec, "unused")
