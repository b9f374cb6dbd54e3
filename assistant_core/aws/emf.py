"""CloudWatch Embedded Metric Format on stdout: one JSON line becomes a metric, no API call needed.

Dimension ``Stage`` (the ``stage`` setting) matches the alarms in ``infra/guardrails.py``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from assistant_core.observability.turn_metrics import emf


def stdout_line(line: str) -> None:
    print(line, flush=True)  # Lambda ships stdout to CloudWatch Logs, where EMF becomes metrics


class EmfMetrics:
    def __init__(self, stage: str, *, out: Callable[[str], None] = stdout_line) -> None:
        self.stage, self.out = stage, out

    def count(self, name: str, value: int = 1) -> None:
        self.out(json.dumps(emf(self.stage, {name: (value, "Count")}, int(time.time() * 1000))))
