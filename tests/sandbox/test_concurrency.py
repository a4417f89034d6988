"""Several users hammering the server at once: no lost writes, consistent sync positions."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests


def test_parallel_writers_and_readers(google_sandbox):
    sb = google_sandbox
    users = [f"user{i}@acme.com" for i in range(4)]
    tokens = {}
    for email in users:
        sb.add_user(email)
        tokens[email] = sb.issue_token(email)["access_token"]

    def work(email: str) -> list[str]:
        s = requests.Session()
        s.headers["Authorization"] = f"Bearer {tokens[email]}"
        url = f"{sb.base_url}/calendar/v3/calendars/primary/events"
        ids = []
        for n in range(15):
            resp = s.post(
                url,
                json={
                    "summary": f"{email} {n}",
                    "start": {"dateTime": "2024-05-01T10:00:00Z"},
                    "end": {"dateTime": "2024-05-01T11:00:00Z"},
                },
                timeout=10,
            )
            assert resp.status_code == 200, resp.text
            ids.append(resp.json()["id"])
            assert s.get(url, timeout=10).status_code == 200
        return ids

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(work, users * 2))
    for email in users:
        stored = sb.calendar.events(email)
        assert len(stored) == 30
        assert len({e["etag"] for e in stored}) == 30
        assert sb.calls(email) == {"calendar.events.insert": 30, "calendar.events.list": 30}
    assert len({i for ids in results for i in ids}) == 120
