"""The gaps capability's ports: where the weekly report reads a week's gaps and where it stores the report.

The records are the answerer's ``GapRecord`` s (``answering/ports.py``), written through its ``GapLog``.
The notice goes out through the kernel's ``Notifier`` (``assistant_core/ports.py``), the staff e-mail
channel hand-offs use too. Adapters: ``aws/gaps_reader.py``, ``aws/report_store.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from assistant_core.answering.ports import GapRecord


class GapSource(Protocol):
    def gaps(self, week_iso: str) -> Iterable[GapRecord]: ...


class ReportStore(Protocol):
    def put(self, week: str, markdown: str, csv_text: str) -> list[str]:
        """Store both files; return where they are (for the notice)."""
        ...
