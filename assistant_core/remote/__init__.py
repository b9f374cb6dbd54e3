"""Adapters for models served over plain HTTP outside AWS (OpenAI-compatible servers)."""
