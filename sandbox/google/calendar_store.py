"""Calendar writes with Google's rules: ids, etags, sequence, exceptions, cancellations.

The API handlers and the seeding API ("as if the user did it in Google") share these
functions, so seeded changes move sync tokens and send push notifications the same way.
Callers hold ``state.lock``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ..clock import Clock
from .calendar_model import (
    Calendar,
    StoredEvent,
    duration,
    etag,
    make_instance,
    series_start,
    series_tz,
)
from .errors import ApiError, invalid, not_found
from .event_model import ID_RE, clean_body, merge_patch
from .paging import ShortPages
from .recurrence import HORIZON, build_set, occurrences, parse_suffix
from .state import Invitation, State
from .tokens import TokenCodec
from .tokens import event_id as new_event_id
from .watch import Watcher

SEND_UPDATES = ("all", "externalOnly", "none")
_SIGNIFICANT = ("start", "end", "recurrence", "location")
# Google does not publish the bound; deleted events are kept "a few weeks", so 28 days.
UPDATED_MIN_MAX_AGE = 28 * 24 * 3600.0


def precondition_failed() -> ApiError:
    return ApiError(
        412,
        "Precondition Failed",
        "conditionNotMet",
        location="If-Match",
        location_type="header",
    )


class CalendarStore:
    """Reads and writes on calendars; every method expects ``state.lock`` held."""

    def __init__(
        self,
        state: State,
        clock: Clock,
        watch: Watcher,
        codec: TokenCodec,
        short_pages: ShortPages | None = None,
    ):
        self.short_pages = short_pages or ShortPages()  # cuts list pages short at random
        self.state = state
        self.clock = clock
        self.watch = watch  # told of every change, for push notifications
        self.codec = codec  # signs sync and page tokens
        self.reset_knobs()

    def reset_knobs(self) -> None:
        """Default strictness, as after ``sb.reset()``."""
        self.sync_token_ttl: float | None = None  # seconds; None = tokens never age out
        # updatedMin older than this -> 410 updatedMinTooLongAgo (Google purges deletions).
        self.updated_min_max_age: float | None = UPDATED_MIN_MAX_AGE

    # ----- calendars -------------------------------------------------------------------
    def ensure_primary(self, email: str) -> Calendar:
        cal = self.state.calendars.get(email)
        if cal is None:
            user = self.state.users[email]
            cal = Calendar(id=email, owner=email, summary=email, time_zone=user.time_zone)
            cal.updated = self.clock.time()
            self.state.calendars[email] = cal
        return cal

    def resolve(self, email: str, calendar_id: str) -> Calendar:
        """The calendar a user asked for; someone else's (or unknown) is 404, as Google."""
        cal_id = email if calendar_id == "primary" else calendar_id
        cal = self.state.calendars.get(cal_id)
        if cal is None and cal_id == email and email in self.state.users:
            cal = self.ensure_primary(email)
        if cal is None or cal.owner != email:
            raise not_found()
        return cal

    def names(self) -> dict[str, str]:
        return {u.email: u.name for u in self.state.users.values()}

    # ----- series ----------------------------------------------------------------------
    def horizon(self) -> datetime:
        return self.clock.now() + HORIZON

    def occurrences(
        self, cal: Calendar, master: StoredEvent, start: datetime | None, end: datetime | None
    ) -> list:
        return occurrences(
            series_start(master),
            duration(master),
            master.body["recurrence"],
            series_tz(master, cal),
            start,
            end or self.horizon(),
        )

    def instances(
        self, cal: Calendar, master: StoredEvent, start: datetime | None, end: datetime | None
    ) -> list[StoredEvent]:
        """Instances in a window: generated ones with stored exceptions substituted.

        Exceptions are included by their own (possibly moved) times.
        """
        out: dict[str, StoredEvent] = {}
        for original in self.occurrences(cal, master, start, end):
            inst = make_instance(master, original)
            out[inst.id] = inst
        for exc_id in cal.exceptions.get(master.id, ()):
            exc = cal.events[exc_id]
            out.pop(exc_id, None)
            out[exc_id] = exc
        return list(out.values())

    def instance_ids(self, cal: Calendar, master: StoredEvent) -> dict[str, dict]:
        if not master.is_master or master.cancelled:
            return {}
        return {
            make_instance(master, o).id: make_instance(master, o).original_start
            for o in self.occurrences(cal, master, None, None)
        }

    def find(self, cal: Calendar, event_id: str) -> StoredEvent | None:
        """A stored event, or the virtual instance ``<master>_<stamp>`` of a series."""
        ev = cal.events.get(event_id)
        if ev is not None:
            return ev
        master_id, _, suffix = event_id.rpartition("_")
        master = cal.events.get(master_id)
        original = parse_suffix(suffix)
        if master is None or not master.is_master or original is None:
            return None
        if isinstance(original, datetime) != isinstance(series_start(master), datetime):
            return None
        if isinstance(original, datetime):
            lo, hi = original - timedelta(seconds=1), original + timedelta(seconds=1)
        else:
            day = datetime(original.year, original.month, original.day, tzinfo=UTC)
            lo, hi = day, day + timedelta(days=1)
        for occ in self.occurrences(cal, master, lo - duration(master), hi):
            if occ == original:
                return make_instance(master, occ)
        return None

    # ----- writes ----------------------------------------------------------------------
    def touch(self, cal: Calendar, ev: StoredEvent) -> None:
        """Stamp a change: next seq, new etag, updated time, push notification."""
        now = self.clock.time()
        cal.seq += 1
        ev.seq = cal.seq
        ev.updated = now
        ev.etag = max(cal.last_etag + 1, int(now * 1_000_000))
        cal.last_etag = ev.etag
        cal.updated = now
        self.watch.changed(cal.id)

    def check_if_match(self, ev: StoredEvent, header: str | None) -> None:
        if header and header.strip() != "*" and header.strip() != etag(ev.etag):
            raise precondition_failed()

    def insert(
        self, cal: Calendar, raw: dict, actor: str, send_updates: str = "none"
    ) -> StoredEvent:
        if not isinstance(raw, dict):
            raise ApiError(400, "Parse Error", "parseError")
        ev_id = raw.get("id")
        if ev_id is not None:
            if not isinstance(ev_id, str) or not ID_RE.match(ev_id):
                raise invalid("Invalid resource id value.")
            if ev_id in cal.events:
                raise ApiError(409, "The requested identifier already exists.", "duplicate")
        else:
            ev_id = new_event_id()
        body = clean_body(raw, cal.owner, require_times=True)
        status = body.pop("status", "confirmed")
        sequence = int(body.pop("sequence", 0) or 0)
        body.pop("originalStartTime", None)
        now = self.clock.time()
        ev = StoredEvent(
            id=ev_id,
            body=body,
            created=now,
            updated=now,
            ical_uid=str(raw.get("iCalUID") or f"{ev_id}@google.com"),
            creator=actor,
            status=status,
            sequence=sequence,
        )
        if ev.is_master:
            build_set(series_start(ev), body["recurrence"], series_tz(ev, cal))
        cal.events[ev_id] = ev
        self.touch(cal, ev)
        self.record_invitation(cal, ev, "created", send_updates)
        return ev

    def modify(
        self,
        cal: Calendar,
        event_id: str,
        raw: dict,
        actor: str,
        *,
        patch: bool,
        send_updates: str = "none",
        if_match: str | None = None,
    ) -> StoredEvent:
        """events.update (patch=False) or events.patch; instances become exceptions."""
        if not isinstance(raw, dict):
            raise ApiError(400, "Parse Error", "parseError")
        ev = self.find(cal, event_id)
        if ev is None:
            raise not_found()
        self.check_if_match(ev, if_match)
        before_ids = self.instance_ids(cal, ev) if ev.is_master else {}
        merged = merge_patch(ev.body, raw) if patch else dict(raw)
        if ev.recurring_event_id:
            merged.pop("recurrence", None)
        body = clean_body(merged, cal.owner, require_times=True)
        status = body.pop("status", ev.status if patch else "confirmed")
        asked_seq = body.pop("sequence", None)
        body.pop("originalStartTime", None)
        if asked_seq is not None and int(asked_seq) < ev.sequence:
            raise invalid(
                "Invalid sequence value. The specified sequence number is below the current "
                "sequence number of the resource."
            )
        significant = any(body.get(k) != ev.body.get(k) for k in _SIGNIFICANT)
        trial = StoredEvent(**{**ev.__dict__, "body": body})
        if trial.is_master:
            build_set(series_start(trial), body["recurrence"], series_tz(trial, cal))
        if ev.id not in cal.events:  # first change to a virtual instance: store exception
            cal.events[ev.id] = ev
            cal.exceptions.setdefault(ev.recurring_event_id or "", set()).add(ev.id)
        ev.body = body
        ev.status = status
        if asked_seq is not None and int(asked_seq) > ev.sequence:
            ev.sequence = int(asked_seq)
        elif significant:
            ev.sequence += 1
        self.touch(cal, ev)
        if before_ids or ev.is_master:
            self._after_series_change(cal, ev, before_ids)
        self.record_invitation(cal, ev, "updated", send_updates)
        return ev

    def _after_series_change(self, cal: Calendar, master: StoredEvent, before: dict) -> None:
        """Remember instances a series change removed, for singleEvents incremental sync."""
        after = self.instance_ids(cal, master)
        for inst_id, original in before.items():
            if inst_id not in after and inst_id not in cal.exceptions.get(master.id, ()):
                master.removed[inst_id] = (master.seq, original)
        for inst_id in after:
            master.removed.pop(inst_id, None)
        if not master.is_master:  # recurrence dropped: orphaned exceptions go too
            for exc_id in cal.exceptions.get(master.id, ()):
                exc = cal.events[exc_id]
                if not exc.cancelled:
                    exc.status = "cancelled"
                    self.touch(cal, exc)

    def delete(
        self,
        cal: Calendar,
        event_id: str,
        actor: str,
        send_updates: str = "none",
        if_match: str | None = None,
    ) -> StoredEvent:
        ev = self.find(cal, event_id)
        if ev is None:
            raise not_found()
        if ev.cancelled and ev.id in cal.events:
            raise ApiError(410, "Resource has been deleted", "deleted")
        self.check_if_match(ev, if_match)
        if ev.id not in cal.events:
            cal.events[ev.id] = ev
            cal.exceptions.setdefault(ev.recurring_event_id or "", set()).add(ev.id)
        ev.status = "cancelled"
        self.touch(cal, ev)
        if ev.is_master:
            for exc_id in sorted(cal.exceptions.get(ev.id, ())):
                exc = cal.events[exc_id]
                if not exc.cancelled:
                    exc.status = "cancelled"
                    self.touch(cal, exc)
        self.record_invitation(cal, ev, "cancelled", send_updates)
        return ev

    def record_invitation(self, cal: Calendar, ev: StoredEvent, action: str, mode: str) -> None:
        guests = [
            a["email"] for a in ev.body.get("attendees", []) if a["email"].lower() != cal.owner
        ]
        if not guests:
            return
        if mode == "all":
            recipients = guests
        elif mode == "externalOnly":
            recipients = [g for g in guests if g not in self.state.users]
        else:
            recipients = []
        self.state.invitations.append(
            Invitation(
                calendar_id=cal.id,
                event_id=ev.id,
                action=action,
                send_updates=mode,
                recipients=recipients,
                at=self.clock.time(),
                summary=str(ev.body.get("summary", "")),
            )
        )
