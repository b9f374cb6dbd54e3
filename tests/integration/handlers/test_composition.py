"""The composition layer: Lambda settings without laptop defaults, explicit replacements, one client factory."""

from __future__ import annotations

import pytest

from assistant_core.aws.clients import ClientFactory, StaticCredentials
from assistant_core.bootstrap.lambdas import Runtime
from assistant_core.errors import ConfigError
from assistant_core.settings import LOCAL_DEFAULTS, Settings

from .conftest import RecordingInvoker

LAMBDA_ENV = {"ASSISTANT_STAGE": "prod", "AWS_REGION": "ap-southeast-1"}


def test_a_lambda_gets_no_laptop_defaults_and_must_name_its_stage() -> None:
    settings = Settings.for_lambda(LAMBDA_ENV)
    assert (settings.model, settings.kb, settings.docs_dir) == ("", "", "")
    with pytest.raises(ConfigError, match="ASSISTANT_STAGE"):
        Settings.for_lambda({"ASSISTANT_MODEL": "bedrock"})


def test_the_cli_and_local_stack_ask_for_their_defaults() -> None:
    local = Settings.local({})
    assert {k: getattr(local, k) for k in LOCAL_DEFAULTS} == dict(LOCAL_DEFAULTS)
    assert Settings.local({"ASSISTANT_MODEL": "replay:x.jsonl"}, kb="bedrock:KBABCDE123").kb == "bedrock:KBABCDE123"
    assert Settings.local({"ASSISTANT_MODEL": "replay:x.jsonl"}).model == "replay:x.jsonl"


@pytest.mark.parametrize(("variable", "spec"), [("ASSISTANT_MODEL", "extractive"), ("ASSISTANT_MODEL", "replay:f"),
                                                ("ASSISTANT_KB", "local")])
def test_a_local_only_spec_fails_the_lambda_cold_start(variable: str, spec: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        Runtime(Settings.for_lambda({**LAMBDA_ENV, variable: spec}))


def test_a_missing_model_or_kb_is_a_config_error_naming_both() -> None:
    rt = Runtime(Settings.for_lambda(LAMBDA_ENV))  # fn-mint-token's runtime needs neither
    with pytest.raises(ConfigError, match="ASSISTANT_MODEL, ASSISTANT_KB"):
        rt.answerer()


def test_bad_numbers_name_their_variable() -> None:
    with pytest.raises(ConfigError, match="ASSISTANT_TOP_K must be a number"):
        Settings.from_env({"ASSISTANT_TOP_K": "five"})


def test_replacements_are_used_as_given_and_kept_by_with_() -> None:
    invoker = RecordingInvoker()
    rt = Runtime(Settings.for_lambda(LAMBDA_ENV), invoker=invoker)
    assert rt.invoker is invoker
    other = rt.with_(rt.settings.with_(site_name="Acme"))
    assert other.invoker is invoker and other.clients is rt.clients and other.settings.site_name == "Acme"


def test_the_client_factory_routes_per_service_with_explicit_credentials() -> None:
    clients = ClientFactory("eu-west-1", endpoint_url="http://127.0.0.1:1", endpoints={"lambda": "http://127.0.0.1:2"},
                            credentials=StaticCredentials("local", "local"))
    assert clients.client("lambda").meta.endpoint_url == "http://127.0.0.1:2"
    sns = clients.client("sns")
    assert sns.meta.endpoint_url == "http://127.0.0.1:1" and sns.meta.region_name == "eu-west-1"
    assert sns._request_signer._credentials.access_key == "local"
    assert clients.table("tbl").meta.client.meta.endpoint_url == "http://127.0.0.1:1"
