"""How fast the Microsoft 365 stand-in starts and serves Graph's 10,000-request budget, for
issue 17 ("10,000 requests ... in seconds, not minutes"). Prints figures, asserts nothing.

    .venv/bin/python bench/bench_microsoft_sandbox.py

The floor, measured in the same run: the same 500 $batch bodies POSTed to a bare werkzeug
server on the same host that only parses the JSON and answers a body of the same size, so
the ratio is what the stand-in adds over HTTP and JSON.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sandbox.clock import Clock  # noqa: E402
from sandbox.microsoft import MicrosoftSandbox  # noqa: E402

BATCHES, STEPS = 500, 20


def in_process_start() -> float:
    began = time.perf_counter()
    sb = MicrosoftSandbox(clock=Clock(frozen=True))
    base = sb.start()
    requests.get(f"{base}/_sandbox/users", timeout=5)
    took = time.perf_counter() - began
    sb.stop()
    return took


def cli_start() -> float:
    began = time.perf_counter()
    cmd = [sys.executable, "-m", "sandbox.microsoft", "--port", "0", "--seed-demo"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert "listening" in proc.stdout.readline()
    took = time.perf_counter() - began
    proc.terminate()
    proc.wait(10)
    return took


def body() -> dict:
    return {"requests": [{"id": str(i), "method": "GET", "url": "/me"} for i in range(STEPS)]}


def budget_through_batches() -> tuple[float, int]:
    sb = MicrosoftSandbox(clock=Clock(frozen=True))
    sb.start()
    sb.add_user("ann@acme.com", "Ann Lee")
    sb.add_client("bench", "s", ["http://localhost/cb"])
    token = sb.issue_token("ann@acme.com", ["User.Read"], "bench")["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    with requests.Session() as http:
        began = time.perf_counter()
        for _ in range(BATCHES):
            last = http.post(f"{sb.graph_url}/$batch", json=body(), headers=headers, timeout=30)
        took = time.perf_counter() - began
        over = http.get(f"{sb.graph_url}/me", headers=headers, timeout=5).status_code
    assert sb.calls()["me.get"] == BATCHES * STEPS and over == 429
    sb.stop()
    return took, len(last.content)


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args) -> None:
        pass


def floor(size: int) -> float:
    answer = b" " * size  # as many bytes as the stand-in's answer

    def app(environ, start_response):
        json.loads(Request(environ).get_data())
        return Response(answer, mimetype="application/json")(environ, start_response)

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/v1.0/$batch"
    with requests.Session() as http:
        began = time.perf_counter()
        for _ in range(BATCHES):
            http.post(url, json=body(), timeout=30)
        took = time.perf_counter() - began
    server.shutdown()
    return took


def main() -> None:
    starts = [in_process_start() for _ in range(5)]
    clis = [cli_start() for _ in range(3)]
    print(f"in-process start to first answer: median {statistics.median(starts) * 1000:.1f} ms")
    print(f"CLI start to 'listening' (--seed-demo): median {statistics.median(clis):.2f} s")
    stand_in, size = budget_through_batches()
    bare = floor(size)
    print(
        f"10,000 counted requests in {BATCHES} $batch of {STEPS}: {stand_in:.2f} s; "
        f"floor {bare:.2f} s; {stand_in / bare:.1f}x"
    )


if __name__ == "__main__":
    main()
