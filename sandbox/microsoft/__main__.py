"""``python -m sandbox.microsoft --port 8767 [--client-id X --client-secret Y
--redirect-uri URI ...] [--user EMAIL[:PASSWORD] ...] [--state-file F] [--seed-demo]``

Serves the identity platform at http://127.0.0.1:PORT/{tenant}/oauth2/v2.0/... and Graph
at http://127.0.0.1:PORT/v1.0 in the foreground until interrupted. Passwords default to
"password".
"""

from __future__ import annotations

import argparse
import sys

from ..server import serve_until_stopped
from .sandbox import MicrosoftSandbox


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sandbox.microsoft", description=__doc__)
    ap.add_argument("--port", type=int, default=8767)
    ap.add_argument("--state-file")
    ap.add_argument("--client-id")
    ap.add_argument("--client-secret")
    ap.add_argument("--client-name", default="CRM Sync")
    ap.add_argument("--redirect-uri", action="append", default=[])
    ap.add_argument("--user", action="append", default=[], help="EMAIL[:PASSWORD]")
    ap.add_argument("--seed-demo", action="store_true")
    args = ap.parse_args(argv)

    sb = MicrosoftSandbox(state_file=args.state_file)
    if args.client_id:
        sb.add_client(args.client_id, args.client_secret, args.redirect_uri, args.client_name)
    for spec in args.user:
        email, _, password = spec.partition(":")
        if email.lower() not in sb.state.users or password:
            sb.add_user(email, password=password or "password")
    if args.seed_demo:
        from .demo_seed import seed_demo

        seed_demo(sb)
    sb.save()
    return serve_until_stopped(
        sb, args.port, f"Microsoft 365 sandbox (tenant {sb.tenant_id}; Graph at /v1.0)"
    )


if __name__ == "__main__":
    sys.exit(main())
