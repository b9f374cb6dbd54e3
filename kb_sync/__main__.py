"""``python -m kb_sync [--full] [--dry-run] [--dest DIR] [--wait]``: one sync now, from the same settings.

Prints what changed. Exit codes: 0 done, 1 the sync failed (Drive down, storage), 2 bad configuration
(missing settings, unreadable key, folder not found, delegation refused) with one clear message.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from assistant_core.aws.clients import ClientFactory
from assistant_core.bootstrap.sync import sync_engine
from assistant_core.errors import AuthError, BadInput, ConfigError
from assistant_core.settings import Settings

from .ingestion import BedrockIngestion


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kb_sync", description="Sync the Drive folder now.")
    parser.add_argument("--full", action="store_true", help="relist everything (a full reconcile)")
    parser.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    parser.add_argument("--dest", type=Path, help="sync into this local folder instead of S3")
    parser.add_argument("--wait", action="store_true", help="wait for the ingestion job and print its figures")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every step to stderr")
    args = parser.parse_args(argv)
    # The printed summary lists every skip, warning and error; logs are for -v.
    logging.basicConfig(level=logging.INFO if args.verbose else logging.CRITICAL, format="%(message)s")
    try:
        settings = Settings.from_env()
        engine = sync_engine(settings, ClientFactory(settings.region), dest=args.dest)
    except (ConfigError, BadInput, AuthError) as exc:
        print(f"kb_sync: {exc}", file=sys.stderr)
        return 2
    report = engine.run(full=args.full, dry_run=args.dry_run)
    if isinstance(report.failure, ConfigError | BadInput | AuthError):
        print(f"kb_sync: {report.failure}", file=sys.stderr)
        return 2
    print(report.summary())
    if not report.ok:
        return 1
    if args.wait and report.job_id and isinstance(engine.publisher, BedrockIngestion):
        job = engine.publisher.wait(report.job_id)
        print(f"ingestion job {report.job_id}: {job.detail} " + " ".join(f"{k}={v}" for k, v in job.stats.items()))
        return 0 if job.detail == "COMPLETE" else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
