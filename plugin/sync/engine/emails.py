"""Apply a page of mailbox changes: one Email per Message-ID, one EmailLink per mailbox,
dated by the start of its thread, body sanitized before it is stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import selectinload

from ...models import Email, EmailLink, Interaction, utcnow
from ..matching import Item
from ..providers.base import ChangeSet, RemoteMessage, Window
from ..sanitize import sanitize_html
from ..value_lists import rows_in, scalars_in
from .apply_util import apply_page, chunks, drop_copies, insert_keyed, naive_utc
from .context import SyncContext
from .fields import clean_message, cleaned
from .lookups import account_links, emails_by_message_id, thread_starts


def thread_key(msg: RemoteMessage) -> str:
    """The thread's root Message-ID, the same in every mailbox (References lists it first)."""
    if msg.references:
        return msg.references[0]
    return msg.in_reply_to or msg.message_id


class ThreadKeys:
    """The thread key of each message of a page: the one already stored for its provider
    thread in this account (Gmail threadId, EWS ConversationId), else thread_key(). So a
    reply whose References name only its parent (as Outlook writes them) joins the thread
    its conversation started, whatever the page order."""

    def __init__(self, s, account_id: int, pairs: list):
        ids = {m.thread_id for m, _ in pairs if m.thread_id}
        query = (
            select(EmailLink.thread_external_id, Email.thread_key)
            .join(Email, Email.id == EmailLink.email_id)
            .where(EmailLink.linked_account_id == account_id)
        )
        self.by_thread = dict(rows_in(s, query, EmailLink.thread_external_id, ids)) if ids else {}

    def of(self, msg: RemoteMessage) -> str:
        key = self.by_thread.get(msg.thread_id) if msg.thread_id else None
        if key is None:
            key = thread_key(msg)
            if msg.thread_id:
                self.by_thread[msg.thread_id] = key
        return key


def sent_at(msg: RemoteMessage) -> datetime:
    return naive_utc(msg.date or msg.internal_date or utcnow())


def to_item(ctx: SyncContext, msg: RemoteMessage) -> Item:
    when = sent_at(msg)
    return Item(
        kind="email",
        organizer=msg.sender,
        participants=msg.to + msg.cc,
        start=when,
        end=when,
        source=ctx.provider.mail_source,
        owner_emails=ctx.owner_emails,
    )


def apply_messages(ctx: SyncContext, page: ChangeSet) -> None:
    page = cleaned(ctx, "email", page, clean_message)
    apply_page(ctx, "email", page, to_item, drop_links, _store)
    if page.unchanged_ids:
        _unchanged(ctx, page.unchanged_ids)


def known_messages(ctx: SyncContext, external_ids) -> set[str]:
    """Which of these provider ids this account holds already (Feed.known)."""
    mine = account_links(EmailLink, ctx.account.id, EmailLink.external_id)
    return set(scalars_in(ctx.session, *mine, external_ids))


def _unchanged(ctx: SyncContext, external_ids) -> None:
    """Listed again but not downloaded (a message never changes once sent): still in the
    mailbox, so seen and not purged at the end of a full sync. Unless this listing has seen
    it already (a resumed page), it is matched again from what is stored, so one that no
    longer syncs (a narrower scope, a blocklist) leaves just as if it had been downloaded."""
    s, since = ctx.session, ctx.listing_since
    mine = account_links(EmailLink, ctx.account.id, EmailLink.external_id, EmailLink.seen_at)
    seen, again = [], []
    for external_id, seen_at in rows_in(s, *mine, external_ids):
        fresh = since is not None and seen_at is not None and seen_at >= since
        (seen if fresh else again).append(external_id)
    if again:
        seen += _match_again(ctx, again)
    _mark_seen(ctx, seen)


def _match_again(ctx: SyncContext, external_ids: list[str]) -> list[str]:
    """Match these held messages again; drop those that no longer sync. Returns the rest."""
    from ..match_store import item_from_row

    s = ctx.session
    mail = selectinload(EmailLink.mail)
    query, key = account_links(EmailLink, ctx.account.id)
    query = query.options(
        mail.selectinload(Email.participants),
        mail.selectinload(Email.interactions),
        mail.selectinload(Email.links),
    )
    links = list(scalars_in(s, query, key, external_ids))
    results = ctx.matcher().match_many([item_from_row(link.mail) for link in links])
    kept, gone = [], []
    for link, result in zip(links, results, strict=True):
        (kept if result.syncs else gone).append(link)
    if gone:
        ctx.run.deleted += _drop(s, gone)
        ctx.run.skipped += len(gone)
    return [link.external_id for link in kept]


def _mark_seen(ctx: SyncContext, external_ids) -> None:
    now = utcnow()
    for part in chunks(list(external_ids)):
        ctx.session.execute(
            update(EmailLink)
            .where(EmailLink.linked_account_id == ctx.account.id, EmailLink.external_id.in_(part))
            .values(seen_at=now)
            .execution_options(synchronize_session=False)
        )


def _store(ctx: SyncContext, pairs: list) -> None:
    from ..match_store import store_match

    s, account, now = ctx.session, ctx.account, utcnow()
    keys = ThreadKeys(s, account.id, pairs)
    links, mails = _known(s, account.id, pairs)
    pairs = _insert_new(ctx, pairs, links, mails, now, keys)
    if not pairs:
        return
    links, mails = _known(s, account.id, pairs)
    starts = _thread_starts(s, {keys.of(m) for m, _ in pairs})
    for msg, result in pairs:
        link = links.get(msg.external_id)
        if not result.syncs:
            if link is not None:
                ctx.run.deleted += _drop(s, [link])
            ctx.run.skipped += 1
            continue
        mail = link.mail if link is not None else mails.get(msg.message_id)
        if link is not None:
            link.seen_at = now  # a message's content never changes; labels we do not keep
            continue
        key, when = keys.of(msg), sent_at(msg)
        if mail is None:
            mail = Email(
                message_id=msg.message_id,
                thread_key=key,
                subject=msg.subject or "",
                from_email=msg.sender.email if msg.sender else None,
                from_name=msg.sender.name if msg.sender else None,
                sent_at=when,
                thread_started_on=min(when, starts.get(key, when)).date(),
                snippet=(msg.snippet or "")[:400] or None,
                body_html=sanitize_html(msg.body_html),
                body_text=msg.body_text,
                source=ctx.provider.name,
            )
            s.add(mail)
            mails[msg.message_id] = mail
            ctx.run.created += 1
            if key in starts and when < starts[key]:
                _restart_thread(s, key, when)
            starts[key] = min(when, starts.get(key, when))
            store_match(s, mail, result)
        else:
            ctx.run.updated += 1
        s.add(
            EmailLink(
                mail=mail,
                linked_account_id=account.id,
                external_id=msg.external_id,
                thread_external_id=msg.thread_id,
                seen_at=now,
            )
        )
    s.flush()


def _known(s, account_id: int, pairs: list):
    """This account's links to the page's messages, and the emails with their Message-IDs."""
    ids = [m.external_id for m, _ in pairs]
    links = {
        link.external_id: link for link in scalars_in(s, *account_links(EmailLink, account_id), ids)
    }
    message_ids = [m.message_id for m, _ in pairs]
    mails = {m.message_id: m for m in scalars_in(s, *emails_by_message_id(), message_ids)}
    return links, mails


def _insert_new(
    ctx: SyncContext, pairs: list, links: dict, mails: dict, now, keys: ThreadKeys
) -> list:
    """Insert the page's brand-new messages (no copy here, no email with their Message-ID) in
    bulk, and return the other pairs for the item-by-item path.

    Thread dates follow the page order exactly as the item-by-item path would: each new email
    (and its interactions) starts on the earliest date known when it arrives, and a thread an
    earlier message joins moves to that date, once per thread, after the insert."""
    from ..match_store import insert_new_matches

    fresh, rest, message_ids, ids = [], [], set(), set()
    for msg, result in pairs:
        new = (
            result.syncs
            and result.item is not None
            and msg.external_id not in links
            and msg.message_id not in mails
            and msg.message_id not in message_ids
            and msg.external_id not in ids
        )
        message_ids.add(msg.message_id)
        ids.add(msg.external_id)
        (fresh if new else rest).append((msg, result))
    if not fresh:
        return pairs
    s, account = ctx.session, ctx.account
    starts = _thread_starts(s, {keys.of(m) for m, _ in fresh})
    restarts: dict[str, datetime] = {}
    rows = []
    for msg, _ in fresh:
        key, when = keys.of(msg), sent_at(msg)
        if key in starts and when < starts[key]:
            restarts[key] = min(when, restarts.get(key, when))
        starts[key] = min(when, starts.get(key, when))
        rows.append(
            {
                "message_id": msg.message_id,
                "thread_key": key,
                "subject": msg.subject or "",
                "from_email": msg.sender.email if msg.sender else None,
                "from_name": msg.sender.name if msg.sender else None,
                "sent_at": when,
                "thread_started_on": starts[key].date(),
                "snippet": (msg.snippet or "")[:400] or None,
                "body_html": sanitize_html(msg.body_html),
                "body_text": msg.body_text,
                "source": ctx.provider.name,
                "created_at": now,
            }
        )
    by_message_id = insert_keyed(s, Email.__table__, rows, ("message_id",))
    new_ids = [by_message_id[(msg.message_id,)] for msg, _ in fresh]
    s.execute(
        insert(EmailLink.__table__),
        [
            {
                "email_id": mail_id,
                "linked_account_id": account.id,
                "external_id": msg.external_id,
                "thread_external_id": msg.thread_id,
                "seen_at": now,
            }
            for mail_id, (msg, _) in zip(new_ids, fresh, strict=True)
        ],
    )
    insert_new_matches(
        s,
        "email_id",
        [
            (mail_id, result, row["thread_started_on"])
            for mail_id, (_, result), row in zip(new_ids, fresh, rows, strict=True)
        ],
    )
    for key, when in restarts.items():
        _restart_thread(s, key, when)
    ctx.run.created += len(fresh)
    return rest


def _thread_starts(s, keys: set[str]) -> dict[str, datetime]:
    return dict(rows_in(s, *thread_starts(), keys))


def _restart_thread(s, key: str, when: datetime) -> None:
    """An earlier message of a known thread arrived: the whole thread moves to its date,
    and so do its interactions (Navusoft: an email shows on the day its thread started)."""
    s.execute(
        update(Email)
        .where(Email.thread_key == key, Email.thread_started_on > when.date())
        .values(thread_started_on=when.date())
        .execution_options(synchronize_session="fetch")
    )
    s.execute(
        update(Interaction)
        .where(
            Interaction.email_id.in_(select(Email.id).where(Email.thread_key == key)),
            Interaction.occurred_on > when.date(),
        )
        .values(occurred_on=when.date())
        .execution_options(synchronize_session="fetch")
    )


def drop_links(ctx: SyncContext, external_ids) -> int:
    s = ctx.session
    found = list(scalars_in(s, *account_links(EmailLink, ctx.account.id), external_ids))
    return _drop(s, found)


def _drop(s, links: list[EmailLink]) -> int:
    return drop_copies(s, links, "mail")


def purge_unseen_messages(ctx: SyncContext, since: datetime, window: Window) -> int:
    stale = list(
        ctx.session.scalars(
            select(EmailLink)
            .join(Email)
            .where(
                EmailLink.linked_account_id == ctx.account.id,
                or_(EmailLink.seen_at.is_(None), EmailLink.seen_at < since),
                Email.sent_at >= window.start,
                Email.sent_at < window.end,
            )
        )
    )
    return _drop(ctx.session, stale)
