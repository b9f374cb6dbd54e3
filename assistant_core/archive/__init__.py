"""Transcripts exported to S3 by UTC day (fn-archive).

``export`` fixes which days are due and the exact bytes and keys of each day's export (``day_of`` and
``ttl_for`` are also what the transcript adapter stamps on each turn); ``TranscriptArchiver`` runs the export
over the ``DayTurns`` and ``ArchiveBucket`` ports (``ports``).
"""

from assistant_core.archive import export
from assistant_core.archive.archiver import ArchiveReport, TranscriptArchiver
from assistant_core.archive.export import BY_DAY_INDEX, day_of, ttl_for
from assistant_core.archive.ports import ArchiveBucket, DayTurns

__all__ = [
    "BY_DAY_INDEX",
    "ArchiveBucket",
    "ArchiveReport",
    "DayTurns",
    "TranscriptArchiver",
    "day_of",
    "export",
    "ttl_for",
]
