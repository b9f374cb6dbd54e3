"""The composition layer: the one place that turns ``Settings`` and ``--model``/``--kb`` specs into adapters.

- ``lambdas.py``: ``Runtime(settings, clients=..., **replacements)`` for the handlers; ``runtime()`` is the
  process's (built from ``Settings.for_lambda()`` at cold start), ``install(rt)`` swaps in a composed one.
- ``specs.py``: the production model and retriever (``bedrock``, ``openai``); local-only specs are refused.
- ``sync.py``: kb_sync's engine (fn-kb-sync, ``python -m kb_sync``).
- ``local.py``: the laptop (CLI, eval, the local gateway): offline specs, JSONL records, in-memory stores,
  passed to ``Runtime`` as replacements. Not in the Lambda zip.

Nothing is re-exported here: importing the package must not load boto3 or the laptop's adapters.
"""
