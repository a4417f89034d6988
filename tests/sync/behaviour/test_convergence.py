"""Property: random creates, edits and deletions on both sides, with syncs in between, end
with the CRM and the provider holding the same meetings, no duplicates, and no echo writes.
Once per provider (conftest.py).

Every change happens at its own minute on the stand-in's clock, and CRM edits are stamped
with that clock too, so last-writer-wins is exact and the model below can say who must win.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from outbound_helpers import OWNER, fields
from sqlalchemy import delete, select

from plugin.models import (
    CalendarEvent,
    EventLink,
    Interaction,
    LinkedAccount,
    Participant,
    SyncCursor,
    SyncProblem,
    SyncRun,
)
from plugin.sync.engine import sync_account
from plugin.sync.outbound import (
    AppointmentFields,
    delete_appointment,
    edit_appointment,
    new_appointment,
)

OPS = st.one_of(
    st.tuples(st.just("crm_create")),
    st.tuples(st.just("crm_edit"), st.integers(0, 50)),
    st.tuples(st.just("crm_delete"), st.integers(0, 50)),
    st.tuples(st.just("p_create")),
    st.tuples(st.just("p_edit"), st.integers(0, 50)),
    st.tuples(st.just("p_delete"), st.integers(0, 50)),
    st.tuples(st.just("sync")),
)


class World:
    """The two sides and a model of what each meeting must end up as."""

    def __init__(self, driver, db, account):
        self.driver, self.db, self.acc = driver, db, account
        self.n = 0
        self.crm_changed: set[int] = set()  # meetings the CRM touched since the last sync

    def tick(self):
        self.driver.advance(60)
        return self.driver.now().replace(tzinfo=None)

    def title(self, side: str) -> str:
        self.n += 1
        return f"{side}-{self.n}"

    def crm_live(self) -> list[CalendarEvent]:
        self.db.session.expire_all()
        return list(
            self.db.session.scalars(
                select(CalendarEvent)
                .where(CalendarEvent.deleted_at.is_(None))
                .order_by(CalendarEvent.id)
            )
        )

    def provider_live(self):
        return self.driver.live_events(OWNER)

    def do(self, op: tuple) -> None:
        kind = op[0]
        now = self.tick()
        s = self.db.session
        if kind == "crm_create":
            f = fields(self.title("crm"), days=1 + self.n % 7)
            event = new_appointment(s, self.acc.user, f)
            event.created_at = event.updated_at = now
            s.commit()
            self.crm_changed.add(event.id)
        elif kind in ("crm_edit", "crm_delete"):
            live = self.crm_live()
            if not live:
                return
            event = live[op[1] % len(live)]
            if kind == "crm_edit":
                f = AppointmentFields(
                    title=self.title("crm"),
                    start_at=event.start_at + timedelta(hours=1),
                    end_at=event.end_at + timedelta(hours=1),
                )
                edit_appointment(s, event, f)
            else:
                delete_appointment(s, event)
                if event in s and event.deleted_at is not None:
                    event.deleted_at = now
            if event in s:
                event.updated_at = now
            s.commit()
            self.crm_changed.add(event.id)
        elif kind == "p_create":
            start = self.driver.now().replace(minute=0, second=0, microsecond=0)
            start += timedelta(days=1 + self.n % 7)
            self.driver.event(OWNER, self.title("provider"), start=start)
        elif kind in ("p_edit", "p_delete"):
            live = self.provider_live()
            if not live:
                return
            target = live[op[1] % len(live)]
            if kind == "p_edit":
                self.driver.rename(OWNER, target.id, self.title("p"))
            else:
                self.driver.delete(OWNER, target.id)
        else:
            self.sync()

    def sync(self) -> None:
        self.driver.reset_calls()
        run = sync_account(self.acc.id)
        assert run.status == "ok", run.error
        assert run.problems == 0, [
            (p.message, p.detail) for p in self.db.session.scalars(select(SyncProblem))
        ]
        # No echo: the only writes are for meetings the CRM itself changed.
        assert self.driver.writes(OWNER) <= len(self.crm_changed)
        self.crm_changed.clear()

    def check_converged(self) -> None:
        crm = sorted(e.title for e in self.crm_live())
        provider = sorted(e.title for e in self.provider_live())
        assert crm == provider
        assert len(set(crm)) == len(crm), "a meeting was duplicated"
        assert (
            self.db.session.scalar(
                select(CalendarEvent).where(CalendarEvent.deleted_at.is_not(None))
            )
            is None
        )


def _fresh(driver, db, account_id: int) -> LinkedAccount:
    """Start an example from empty on both sides, the same linked account."""
    for model in (Interaction, Participant, EventLink, CalendarEvent, SyncProblem, SyncRun):
        db.session.execute(delete(model))
    db.session.execute(delete(SyncCursor))
    account = db.session.get(LinkedAccount, account_id)
    driver.reset(account)
    account.status = "active"
    db.session.commit()
    # Bulk deletes leave stale objects in the identity map, and SQLite reuses the ids.
    db.session.expunge_all()
    return db.session.get(LinkedAccount, account_id)


def test_random_two_way_changes_converge(driver, db):
    account_id = driver.link(OWNER, sync_email=False).id  # meetings only: mail is not the property
    rounds = []

    @settings(
        max_examples=12,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.lists(OPS, min_size=9, max_size=16))
    def run(ops):
        world = World(driver, db, _fresh(driver, db, account_id))
        world.sync()
        for op in ops:
            world.do(op)
        world.sync()
        world.sync()  # a second pass settles what the first pulled in
        world.check_converged()
        world.sync()
        assert driver.writes(OWNER) == 0  # quiet when nothing changed
        rounds.append(len(ops))

    run()
    assert sum(rounds) >= 100  # at least 100 random changes and syncs in all
