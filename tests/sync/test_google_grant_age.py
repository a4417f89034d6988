"""A Google link left unused for six months (say, paused) has a dead refresh token: the
next run asks for a re-link instead of failing over and over (issue 19.12).

https://developers.google.com/identity/protocols/oauth2#expiration
"""

from __future__ import annotations

from plugin.models import LinkedAccount
from plugin.sync.engine import sync_account


def test_a_link_unused_for_six_months_asks_for_a_relink(sb, make_account, db):
    acc = make_account("ann@acme.com")
    assert sync_account(acc.id).status == "ok"
    sb.clock.advance(days=120)
    sb.expire_access_tokens()
    assert sync_account(acc.id).status == "ok"  # refreshed: its six months start again
    sb.clock.advance(days=184)
    sb.expire_access_tokens()
    run = sync_account(acc.id)
    assert run.status == "failed" and "re-link" in run.error
    account = db.session.get(LinkedAccount, acc.id)
    assert account.status == "needs_relink" and account.next_sync_at is None
