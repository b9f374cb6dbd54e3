"""One frozen Settings for every entry point, read from the environment once.

Explicit keyword arguments win over the environment (``Settings.from_env(model="extractive")``).
This is the only module of the core that looks at environment variables, and only when asked.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

DEFAULT_REGION = "ap-southeast-1"
DEFAULT_BEDROCK_MODEL = "global.anthropic.claude-haiku-4-5-20251001-v1:0"
DEFAULT_EMBEDDING_MODEL = "amazon.titan-embed-text-v2:0"


@dataclass(frozen=True)
class Settings:
    stage: str = "local"
    region: str = DEFAULT_REGION
    site_name: str = "our help centre"
    greeting: str = "Hi! Ask me anything about our help centre."
    # Model and knowledge base specs: "extractive", "replay:FILE", "bedrock:<model id>",
    # "openai:<base url>#<model>"; "local", "bedrock:<kb id>".
    model: str = "extractive"
    kb: str = "local"
    docs_dir: str = "examples/help-center"
    top_k: int = 5
    max_tokens: int = 1024
    temperature: float = 0.0
    history_turns: int = 6
    # Tables, bucket, topics, secrets, functions (names or ARNs).
    sessions_table: str = "tbl-sessions"
    transcripts_table: str = "tbl-transcripts"
    gaps_table: str = "tbl-gaps"
    data_bucket: str = "chat-assistant-data"
    handoff_topic_arn: str = ""
    alarm_topic_arn: str = ""
    signing_key_secret: str = "chat-assistant/signing-key"
    slack_webhook_secret: str = ""
    answerer_function: str = "fn-answerer"
    handoff_function: str = "fn-handoff"
    ws_management_endpoint: str = ""  # https://{apiId}.execute-api.{region}.amazonaws.com/{stage}
    event_bus_name: str = ""
    # Tokens and limits.
    token_issuer: str = "website-assistant"
    token_ttl_seconds: int = 300
    allowed_origins: tuple[str, ...] = ()
    max_message_chars: int = 1000
    rate_limit_per_minute: int = 6
    rate_limit_burst: int = 3
    mint_per_ip_per_minute: int = 20
    daily_turn_cap: int = 5000
    session_idle_seconds: int = 3600
    retention_days: int = 90
    records_dir: str = ""  # local stack only: mirror transcripts and gaps to JSON Lines here
    # Handoff notices: how many past turns they quote, and the transcript link for staff. Fields:
    # {region}, {table} (transcripts table), {session_id}; "" for no link. The default opens the
    # DynamoDB console's item explorer on the session's turns (staff need console read access).
    handoff_turns: int = 6
    transcript_url_template: str = ("https://{region}.console.aws.amazon.com/dynamodbv2/home?region={region}"
                                    "#item-explorer?operation=QUERY&pk={session_id}&table={table}")
    # Knowledge sync.
    kb_id: str = ""
    kb_data_source_id: str = ""
    drive_folder_id: str = ""
    drive_subject: str = ""
    drive_credentials_secret: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build from ``ASSISTANT_<FIELD>`` variables (region also from ``AWS_REGION``)."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        if env.get("AWS_REGION"):
            values["region"] = env["AWS_REGION"]
        for f in fields(cls):
            if f.name == "extra":
                continue
            raw = env.get(f"ASSISTANT_{f.name.upper()}")
            if raw is None:
                continue
            values[f.name] = _coerce(f.name, raw, getattr(cls, f.name, None))
        values.update(overrides)
        return cls(**values)

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)


def _coerce(name: str, raw: str, default: Any) -> Any:
    if name == "allowed_origins":
        return tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw
