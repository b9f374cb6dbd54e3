"""What the operator sees: structured logs, per-turn metrics and audit events, and their local summary.

``log_context`` puts the ids of the request being served on every log line (``bind``, ``scope``,
``install_json_logging``); ``emf`` prints CloudWatch EMF lines (``EmfMetrics``); ``turn_metrics`` turns a
finished turn into an EMF record and an audit detail; ``turn_stats`` summarises recorded turns for
``assistant stats``.
"""

from assistant_core.observability import log_context
from assistant_core.observability.emf import EmfMetrics, emf
from assistant_core.observability.log_context import JsonFormatter, bind, install_json_logging, scope
from assistant_core.observability.turn_metrics import OUTCOMES, audit_detail, emf_record, outcome_of
from assistant_core.observability.turn_stats import TurnStats, format_stats, summarize

__all__ = [
    "OUTCOMES",
    "EmfMetrics",
    "JsonFormatter",
    "TurnStats",
    "audit_detail",
    "bind",
    "emf",
    "emf_record",
    "format_stats",
    "install_json_logging",
    "log_context",
    "outcome_of",
    "scope",
    "summarize",
]
