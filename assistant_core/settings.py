"""One frozen Settings for every entry point (Lambdas, kb_sync, the CLI, the local stack).

Three ways in, each saying where its defaults come from:
- ``Settings.for_lambda()``: a Lambda's environment and nothing else. A Lambda is never given a
  laptop default (``extractive``, ``local``, a docs folder): what it needs and was not told fails
  at cold start as a ``ConfigError`` naming the ``ASSISTANT_`` variable, not later as an ImportError.
- ``Settings.local(**overrides)``: the CLI and the local stack, with ``LOCAL_DEFAULTS`` filled in.
- ``Settings.from_env(env, **overrides)``: the environment over the plain field defaults.

Explicit keyword arguments win over the environment. This is the only module that reads
environment variables, and only when one of these is called.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from assistant_core.defaults import (
    DEFAULT_BEDROCK_MODEL,
    DEFAULT_EMBEDDING_MODEL,
    DEFAULT_REGION,
    DEFAULT_RETENTION_DAYS,
)
from assistant_core.errors import ConfigError

__all__ = ["DEFAULT_BEDROCK_MODEL", "DEFAULT_EMBEDDING_MODEL", "DEFAULT_REGION", "LAMBDA_REQUIRED", "LOCAL_DEFAULTS",
           "Settings", "env_name"]

# What the laptop assumes when nobody says otherwise; the Lambda zip has none of these adapters.
LOCAL_DEFAULTS: Mapping[str, str] = {"model": "extractive", "kb": "local", "docs_dir": "examples/help-center",
                                     "embedder": "wordllama"}
# Every function's environment names its stage (infra/backend.py): without it a Lambda would
# think it is the local stack (metrics to the debug log instead of stdout).
LAMBDA_REQUIRED = ("stage",)
# The OpenAI-compatible model's API key keeps the name every client of that API reads.
OPENAI_API_KEY_ENV = "OPENAI_API_KEY"


def env_name(field_name: str) -> str:
    return f"ASSISTANT_{field_name.upper()}"


@dataclass(frozen=True)
class Settings:
    stage: str = "local"
    region: str = DEFAULT_REGION
    site_name: str = "our help centre"
    site_topics: str = ""  # what the help centre covers, e.g. "orders, delivery and our teas" (decline texts)
    # Model and knowledge base specs: "extractive", "replay:FILE", "bedrock:<model id>",
    # "openai:<base url>#<model>"; "local", "bedrock:<kb id>". Empty: not configured (see LOCAL_DEFAULTS).
    model: str = ""
    kb: str = ""
    docs_dir: str = ""
    # What turns text into vectors for --kb index:LOCATION (kb_sync builds with it, the answerer queries with
    # it; an index built by another embedder is refused): "titan[:256|512|1024]" or, offline, "wordllama".
    embedder: str = ""
    openai_api_key: str = field(default="", repr=False)  # from OPENAI_API_KEY; never logged
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
    signing_key_secret: str = "chat-assistant/signing-key"
    slack_webhook_secret: str = ""
    # The Slack app (instead of the webhook): its secret holds JSON {"bot_token", "signing_secret"}; hand-offs
    # are posted to slack_channel (an id, e.g. C0123ABCD) with threads, and a reply in a thread reaches the
    # visitor, shown as "Staff" or (staff_names = "slack") the Slack display name. The assistant stays quiet
    # for staff_quiet_seconds after a staff reply. slack_api_base: "" is Slack's; tests point it at a double.
    slack_app_secret: str = ""
    slack_channel: str = ""
    slack_api_base: str = ""
    staff_names: str = "staff"
    staff_quiet_seconds: int = 600
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
    retention_days: int = DEFAULT_RETENTION_DAYS
    records_dir: str = ""  # local stack only: mirror transcripts and gaps to JSON Lines here
    # Handoff notices carry the conversation itself: all of it up to this many turns (Slack allows 50 blocks
    # a message), else the last this many. An owner's helpdesk page per session can be linked too:
    # {region}, {table} (transcripts table), {session_id}; "" (the default) for no link.
    handoff_turns: int = 20
    transcript_url_template: str = ""
    # Knowledge sync (kb_sync): the knowledge base, the Drive folder and how to reach it.
    kb_id: str = ""
    kb_data_source_id: str = ""
    drive_folder_id: str = ""
    drive_subject: str = ""
    drive_credentials_secret: str = ""
    drive_credentials_file: str = ""  # a service-account key file instead of the secret (manual runs)
    drive_api_base: str = ""  # "" is Google's; tests point it at a double
    drive_token_uri: str = ""  # "" keeps the key's own token_uri
    kb_site_urls: str = ""  # JSON object: Drive id or path -> public URL (template)
    # Drive push: fn-drive-notify's public URL (kb-sync keeps a watch channel open to it; "" = polling only)
    # and the function a notification starts.
    drive_notify_url: str = ""
    kb_sync_function: str = "fn-kb-sync"
    kb_prefix: str = "kb/"
    kb_state_key: str = "kb-sync/state.json"
    kb_reconcile_hours: float = 24.0
    kb_max_file_mb: int = 50
    kb_workers: int = 4

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """``ASSISTANT_<FIELD>`` variables (region also from ``AWS_REGION``) over the field defaults."""
        return cls(**{**_read(os.environ if env is None else env), **overrides})

    @classmethod
    def local(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """The CLI and the local stack: like ``from_env``, with the laptop's defaults for model, kb, docs."""
        return cls(**{**LOCAL_DEFAULTS, **_read(os.environ if env is None else env), **overrides})

    @classmethod
    def for_lambda(cls, env: Mapping[str, str] | None = None) -> Settings:
        """A Lambda's settings: its environment only; a required variable missing is a ConfigError now."""
        env = os.environ if env is None else env
        missing = [env_name(name) for name in LAMBDA_REQUIRED if not env.get(env_name(name))]
        if missing:
            raise ConfigError(f"{', '.join(missing)} not set in this function's environment")
        return cls.from_env(env)

    def require(self, *names: str) -> Settings:
        """Self, or a ConfigError naming every listed setting that is empty."""
        missing = [env_name(name) for name in names if getattr(self, name) in ("", ())]
        if missing:
            raise ConfigError(f"{', '.join(missing)} not set")
        return self

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)


def _read(env: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if env.get("AWS_REGION"):
        values["region"] = env["AWS_REGION"]
    if env.get(OPENAI_API_KEY_ENV):
        values["openai_api_key"] = env[OPENAI_API_KEY_ENV]
    for f in fields(Settings):
        raw = env.get(env_name(f.name))
        if raw is not None:
            values[f.name] = _coerce(f.name, raw, f.default)
    return values


def _coerce(name: str, raw: str, default: Any) -> Any:
    if name == "allowed_origins":
        return tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    kind = int if isinstance(default, int) else float if isinstance(default, float) else None
    if kind is None:
        return raw
    try:
        return kind(raw)
    except ValueError:
        raise ConfigError(f"{env_name(name)} must be a number, not {raw!r}") from None
