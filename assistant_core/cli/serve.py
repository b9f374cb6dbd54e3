"""``assistant keys new`` and ``assistant serve``: the operator's key tool and the local stack."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from assistant_core.bootstrap.specs import KB_SPECS
from assistant_core.conversation.tokens import KeySet, new_key_set
from assistant_core.errors import ConfigError


def cmd_keys_new(args: argparse.Namespace) -> int:
    previous = None
    if args.previous:
        raw = sys.stdin.read() if args.previous == "-" else Path(args.previous).read_text(encoding="utf-8")
        previous = KeySet.from_json(raw)
    keys = new_key_set(previous, keep=args.keep)
    print(keys.to_json())
    print(f"# store the line above in the signing key secret; kid={keys.kid}, "
          f"{len(keys.previous)} previous public key(s) kept", file=sys.stderr)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from assistant_core.gateway.server import serve  # aiohttp and moto only when serving

    origins = tuple(args.allowed_origin or ())
    if args.port < 0 or args.port > 65535:
        raise ConfigError(f"--port {args.port} is not a port")
    serve(docs=args.docs, port=args.port, host=args.host, model=args.model, kb=args.kb,
          allowed_origins=origins, state_dir=Path(args.state_dir))
    return 0


def register(sub: Any) -> None:
    keys = sub.add_parser("keys", help="manage the token signing key set")
    ksub = keys.add_subparsers(dest="keys_command", required=True)
    p = ksub.add_parser("new", help="print a fresh key set (JSON) for the signing key secret")
    p.add_argument("--previous", help="current key set file (or - for stdin) whose public keys to keep")
    p.add_argument("--keep", type=int, default=2, help="how many earlier public keys to keep (default 2)")
    p.set_defaults(func=cmd_keys_new)

    p = sub.add_parser("serve", help="run the whole stack locally: widget, gateway, handlers, AWS doubles")
    p.add_argument("--docs", default="examples/help-center", help="folder of help docs (default: %(default)s)")
    p.add_argument("--model", default="extractive", help="extractive | replay:FILE | bedrock:<model id>")
    p.add_argument("--kb", default="local", help=KB_SPECS)
    p.add_argument("--port", type=int, default=8765, help="0 picks a free port (default: %(default)s)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--allowed-origin", action="append", help="extra page origin allowed to connect")
    p.add_argument("--state-dir", default=".assistant", help="where the outbox goes (default: %(default)s)")
    p.set_defaults(func=cmd_serve)
