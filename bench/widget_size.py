"""Size of the embeddable widget as shipped: raw bytes and gzip -9 bytes (budget: 12 KB gzipped)."""

from __future__ import annotations

import gzip
from pathlib import Path

WIDGET = Path(__file__).resolve().parents[1] / "widget" / "assistant-widget.js"
BUDGET = 12 * 1024


def main() -> None:
    raw = WIDGET.read_bytes()
    packed = len(gzip.compress(raw, compresslevel=9, mtime=0))
    print(
        f"widget/assistant-widget.js: {len(raw):,} bytes raw, {packed:,} bytes gzip -9 "
        f"({packed / 1024:.1f} KB of the {BUDGET // 1024} KB budget)"
    )


if __name__ == "__main__":
    main()
