"""CloudWatch Embedded Metric Format: the record, and the one printer of metric lines.

A JSON line on stdout in this shape becomes CloudWatch metrics, no API call needed. Every metric
line goes through ``EmfMetrics``: the per-turn record (aws/telemetry.py), single counts such as
``SlackWebhookErrors`` (it is the ``Metrics`` port), and kb_sync's run counts. Dimension ``Stage``
(the ``stage`` setting) matches the alarms in ``infra/``. Writing stays injectable (``out``): the
local stack sends the lines to a debug log instead, so the console stays for people.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from assistant_core.clock import SYSTEM_CLOCK
from assistant_core.ports import Clock

NAMESPACE = "WebsiteAssistant"


def emf(stage: str, metrics: Mapping[str, tuple[int, str]], timestamp: int, **fields: Any) -> dict[str, Any]:
    """An EMF record: ``metrics`` maps name -> (value, unit); ``fields`` are searchable, not metrics.

    As EMF requires, every metric and dimension named in ``_aws`` is also a root key.
    """
    return {
        "_aws": {
            "Timestamp": timestamp,
            "CloudWatchMetrics": [
                {
                    "Namespace": NAMESPACE,
                    "Dimensions": [["Stage"]],
                    "Metrics": [{"Name": n, "Unit": u} for n, (_, u) in metrics.items()],
                }
            ],
        },
        "Stage": stage,
        **{n: v for n, (v, _) in metrics.items()},
        **fields,
    }


def emf_line(record: Mapping[str, Any]) -> str:
    """One record as one line: compact, and text kept as UTF-8 (a question may hold any script)."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def stdout_line(line: str) -> None:
    print(line, flush=True)  # Lambda ships stdout to CloudWatch Logs, where EMF becomes metrics


class EmfMetrics:
    """The ``Metrics`` port, and the printer of every other EMF line; ``out`` receives each line."""

    def __init__(self, stage: str, *, out: Callable[[str], None] = stdout_line, clock: Clock = SYSTEM_CLOCK) -> None:
        self.stage = stage
        self.out = out
        self.clock = clock

    def put(self, record: Mapping[str, Any]) -> None:
        """Print a record already built (``emf``, ``turn_metrics.emf_record``)."""
        self.out(emf_line(record))

    def counts(self, counts: Mapping[str, int], **fields: Any) -> None:
        """One line holding several counts, timed now; ``fields`` are searchable, not metrics."""
        metrics = {name: (value, "Count") for name, value in counts.items()}
        self.put(emf(self.stage, metrics, int(self.clock.time() * 1000), **fields))

    def count(self, name: str, value: int = 1) -> None:
        self.counts({name: value})
