"""``python -m sandbox.google --port 8765 [--state-file F] [--client-id X --client-secret Y
--redirect-uri URI ...] [--user EMAIL[:PASSWORD] ...] [--seed-demo]``

Serves the sandbox on 127.0.0.1 in the foreground until interrupted. With --state-file the
state is loaded at start and saved after every write and at exit.
"""

from __future__ import annotations

import argparse
import sys

from ..server import serve_until_stopped
from .demo_seed import seed_demo
from .sandbox import GoogleSandbox


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sandbox.google", description=__doc__)
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument(
        "--host", default="127.0.0.1", choices=["127.0.0.1", "localhost"], help="loopback only"
    )
    ap.add_argument("--state-file")
    ap.add_argument("--client-id")
    ap.add_argument("--client-secret")
    ap.add_argument("--client-name", default="CRM Sync Demo")
    ap.add_argument("--redirect-uri", action="append", default=[])
    ap.add_argument("--user", action="append", default=[], help="EMAIL[:PASSWORD]")
    ap.add_argument("--seed-demo", action="store_true")
    args = ap.parse_args(argv)

    sb = GoogleSandbox(state_file=args.state_file)
    if args.client_id:
        if not args.client_secret or not args.redirect_uri:
            ap.error("--client-id needs --client-secret and at least one --redirect-uri")
        sb.add_client(args.client_id, args.client_secret, args.redirect_uri, args.client_name)
    for spec in args.user:
        email, _, password = spec.partition(":")
        if email.lower() not in sb.state.users:
            sb.add_user(email, password=password or "password")
    if args.seed_demo:
        seed_demo(sb)
    sb.save()
    return serve_until_stopped(sb, args.port, "Google sandbox")


if __name__ == "__main__":
    sys.exit(main())
