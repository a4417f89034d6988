"""Apply a page of mailbox changes: one Email per Message-ID, one EmailLink per mailbox,
dated by the start of its thread, body sanitized before it is stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select, update

from ...models import Email, EmailLink, utcnow
from ..matching import Item, Person
from ..providers.base import ChangeSet, RemoteMessage, Window
from ..sanitize import sanitize_html
from .apply_util import chunks, isolated, naive_utc
from .context import SyncContext


def thread_key(msg: RemoteMessage) -> str:
    """The thread's root Message-ID, the same in every mailbox (References lists it first)."""
    if msg.references:
        return msg.references[0]
    return msg.in_reply_to or msg.message_id


def sent_at(msg: RemoteMessage) -> datetime:
    return naive_utc(msg.date or msg.internal_date or utcnow())


def to_item(ctx: SyncContext, msg: RemoteMessage) -> Item:
    when = sent_at(msg)
    return Item(
        kind="email",
        organizer=Person(msg.sender.email, msg.sender.name) if msg.sender else None,
        participants=tuple(Person(p.email, p.name) for p in msg.to + msg.cc),
        start=when,
        end=when,
        source=ctx.provider.mail_source,
        owner_emails=ctx.owner_emails,
    )


def apply_messages(ctx: SyncContext, page: ChangeSet) -> None:
    if page.deleted_ids:
        ctx.run.deleted += drop_links(ctx, page.deleted_ids)
    if not page.items:
        return
    results = ctx.matcher().match_many([to_item(ctx, m) for m in page.items])
    pairs = list(zip(page.items, results, strict=True))
    isolated(ctx, "email", pairs, lambda batch: _store(ctx, batch), lambda p: p[0].external_id)


def _store(ctx: SyncContext, pairs: list) -> None:
    from ..match_store import store_match

    s, account, now = ctx.session, ctx.account, utcnow()
    links: dict[str, EmailLink] = {}
    for part in chunks([m.external_id for m, _ in pairs]):
        for link in s.scalars(
            select(EmailLink).where(
                EmailLink.linked_account_id == account.id, EmailLink.external_id.in_(part)
            )
        ):
            links[link.external_id] = link
    mails: dict[str, Email] = {}
    for part in chunks(sorted({m.message_id for m, _ in pairs})):
        for mail in s.scalars(select(Email).where(Email.message_id.in_(part))):
            mails[mail.message_id] = mail
    starts = _thread_starts(s, {thread_key(m) for m, _ in pairs})
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
        key, when = thread_key(msg), sent_at(msg)
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


def _thread_starts(s, keys: set[str]) -> dict[str, datetime]:
    out: dict[str, datetime] = {}
    for part in chunks(sorted(keys)):
        rows = s.execute(
            select(Email.thread_key, func.min(Email.sent_at))
            .where(Email.thread_key.in_(part))
            .group_by(Email.thread_key)
        )
        out.update({k: v for k, v in rows})
    return out


def _restart_thread(s, key: str, when: datetime) -> None:
    """An earlier message of a known thread arrived: the whole thread moves to its date."""
    s.execute(
        update(Email)
        .where(Email.thread_key == key, Email.thread_started_on > when.date())
        .values(thread_started_on=when.date())
        .execution_options(synchronize_session="fetch")
    )


def drop_links(ctx: SyncContext, external_ids) -> int:
    s, found = ctx.session, []
    for part in chunks(list(external_ids)):
        found.extend(
            s.scalars(
                select(EmailLink).where(
                    EmailLink.linked_account_id == ctx.account.id,
                    EmailLink.external_id.in_(part),
                )
            )
        )
    return _drop(s, found)


def _drop(s, links: list[EmailLink]) -> int:
    removed = 0
    for link in links:
        mail = link.mail
        mail.links.remove(link)
        s.delete(link)
        if not mail.links:
            s.delete(mail)
            removed += 1
    s.flush()
    return removed


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
