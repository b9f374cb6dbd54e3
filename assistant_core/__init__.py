"""The website assistant's core. The layers and the path of one question: docs/architecture.md.

Domain (no boto3, no HTTP, no environment; each package names its public surface in ``__init__``):
    answering/      one visitor turn: answerer, citation and support gates, model port, tools, prompts, eval
    conversation/   what a visitor sends: tokens, message intake, input checks, the sessions port, frames
    retrieval/      docs → chunks → passages, the hybrid index (``--kb local``) and its embedder port
    handoff/        a session's hand-off to staff: state rules, notices, the fn-handoff service
    gaps/           the weekly knowledge-gaps report: grouping, rendering, the job
    archive/        transcripts exported to S3 by UTC day: layout and the fn-archive run
    observability/  structured logs, per-turn metrics and audit details, ``assistant stats`` figures
Kernel (shared by all of the above):
    errors.py       the one exception base and its kinds
    settings.py     the one ``Settings``, the only domain module that reads the environment
    defaults.py     product defaults shared with the Pulumi program (imports nothing)
    ports.py        the ports several capabilities take (``Clock``, ``Notifier``); each package has its own ports.py
    clock.py        the real clock behind the ``Clock`` port
    resilience.py   retry with backoff and the circuit breaker
Adapters (implement the ports; only the composition layer chooses them):
    aws/            boto3: DynamoDB, S3, SNS, EventBridge, Lambda, Secrets Manager, @connections, Bedrock
    remote/         plain HTTP: OpenAI-compatible models, Slack webhooks
    local/          laptop only: extractive and replay models, memory stores, JSONL records, WordLlama embedder
Composition and laptop tools:
    bootstrap/      the one place adapters are built: specs.py, lambdas.py, sync.py (kb_sync), local.py (laptop)
    gateway/        the local stand-in for API Gateway (``assistant serve``)
    cli/            the ``assistant`` command
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence


def lazy_exports(
    package: str, exports: Mapping[str, Sequence[str]]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` (PEP 562) for a package whose public names sit behind heavy imports.

    ``exports`` maps a submodule of ``package`` to the names it provides. A submodule is imported the first
    time one of its names is looked up on the package, so importing the package itself stays cheap (and
    works where optional dependencies such as numpy are not installed).
    """
    home = {name: module for module, names in exports.items() for name in names}

    def __getattr__(name: str) -> object:
        if name not in home:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{home[name]}"), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *home})

    return __getattr__, __dir__
