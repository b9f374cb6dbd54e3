"""CloudWatch Embedded Metric Format: one JSON line on stdout becomes a metric, no API call needed.

Dimension ``Stage`` (the ``stage`` setting) matches the alarms in ``infra/guardrails.py``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

NAMESPACE = "WebsiteAssistant"


class EmfMetrics:
    def __init__(
        self,
        stage: str,
        *,
        namespace: str = NAMESPACE,
        out: Callable[[str], None] = lambda line: print(line, flush=True),
    ) -> None:
        self.stage, self.namespace, self.out = stage, namespace, out

    def count(self, name: str, value: int = 1) -> None:
        self.out(
            json.dumps(
                {
                    "_aws": {
                        "Timestamp": int(time.time() * 1000),
                        "CloudWatchMetrics": [
                            {
                                "Namespace": self.namespace,
                                "Dimensions": [["Stage"]],
                                "Metrics": [{"Name": name, "Unit": "Count"}],
                            }
                        ],
                    },
                    "Stage": self.stage,
                    name: value,
                }
            )
        )
