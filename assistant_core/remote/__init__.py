"""Adapters over plain HTTP outside AWS: models served by OpenAI-compatible servers, and Slack.

``OpenAICompatibleModel`` implements the model port over a ``/chat/completions`` stream (OpenAI, Ollama,
vLLM, llama.cpp); ``SlackWebhook`` (an incoming webhook) and ``SlackApp`` (the Web API with a bot token,
whose posts have threads) implement the ``StaffChat`` port, ``SlackApp`` also ``StaffNames``.
``webhook_url`` and ``app_credentials`` read their secrets.
"""

from assistant_core.remote.openai_model import OpenAICompatibleModel
from assistant_core.remote.slack_app import SlackApp, app_credentials
from assistant_core.remote.slack_webhook import SlackWebhook, webhook_url

__all__ = ["OpenAICompatibleModel", "SlackApp", "SlackWebhook", "app_credentials", "webhook_url"]
