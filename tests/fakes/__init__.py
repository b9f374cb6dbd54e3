"""Fakes shared by every kind of test (unit, aws, integration, handlers, kb_sync)."""
