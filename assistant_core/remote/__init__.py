"""Adapters over plain HTTP outside AWS: models served by OpenAI-compatible servers, and Slack webhooks.

``OpenAICompatibleModel`` implements the model port over a ``/chat/completions`` stream (OpenAI, Ollama,
vLLM, llama.cpp); ``SlackWebhook`` implements the ``ChatWebhook`` port, and ``webhook_url`` reads the
webhook's URL out of its secret.
"""

from assistant_core.remote.openai_model import OpenAICompatibleModel
from assistant_core.remote.slack_webhook import SlackWebhook, webhook_url

__all__ = ["OpenAICompatibleModel", "SlackWebhook", "webhook_url"]
