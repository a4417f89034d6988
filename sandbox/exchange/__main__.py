"""``python -m sandbox.exchange --port 8766 [--user EMAIL[:PASSWORD] ...] [--state-file F]
[--seed-demo]``

Serves EWS at http://127.0.0.1:PORT/EWS/Exchange.asmx in the foreground until
interrupted. The password defaults to "password".
"""

from __future__ import annotations

import argparse
import sys

from ..server import serve_until_stopped
from .sandbox import ExchangeSandbox


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sandbox.exchange", description=__doc__)
    ap.add_argument("--port", type=int, default=8766)
    ap.add_argument("--state-file")
    ap.add_argument("--user", action="append", default=[], help="EMAIL[:PASSWORD]")
    ap.add_argument("--seed-demo", action="store_true")
    ap.add_argument("--exchange-version", choices=["2016", "2019"], default="2019")
    args = ap.parse_args(argv)

    sb = ExchangeSandbox(state_file=args.state_file, exchange_version=args.exchange_version)
    for spec in args.user:
        email, _, password = spec.partition(":")
        if email.lower() not in sb.passwords or password:
            sb.add_user(email, password=password or "password")
    if args.seed_demo:
        from .demo_seed import seed_demo

        seed_demo(sb)
    sb.save()
    return serve_until_stopped(sb, args.port, "Exchange sandbox (EWS at /EWS/Exchange.asmx)")


if __name__ == "__main__":
    sys.exit(main())
