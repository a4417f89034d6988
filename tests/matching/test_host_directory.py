"""The directory seam: a tiny second host whose contacts live in its own table."""

from __future__ import annotations

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from plugin import CRMSync
from plugin.models import Account, AccountDomain, Base
from plugin.sync.matching import DirectoryContact, Matcher, ModelDirectory

from .helpers import meeting

host_db = SQLAlchemy()


class HostPerson(host_db.Model):
    """The host CRM's own contact table: one row per person, one company column."""

    __tablename__ = "host_people"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    company_id: Mapped[int | None] = mapped_column(Integer)


class HostDirectory(ModelDirectory):
    """Contacts from the host's table; users and accounts from the plugin's."""

    def contacts_by_email(self, emails):
        rows = host_db.session.scalars(select(HostPerson).where(HostPerson.email.in_(list(emails))))
        return {p.email: DirectoryContact(p.id, p.company_id) for p in rows}


def make_host_directory():
    return HostDirectory()


def test_host_directory_from_config_matches_host_contacts(tmp_path):
    app = Flask("second_host")
    app.config.update(
        TESTING=True,
        SECRET_KEY="x",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'host.sqlite'}",
        CRM_SYNC_DIRECTORY=f"{__name__}:make_host_directory",
    )
    host_db.init_app(app)
    CRMSync(app, db=host_db)
    with app.app_context():
        host_db.create_all()
        Base.metadata.create_all(host_db.engine)
        acme = Account(name="Acme", domains=[AccountDomain(domain="acme.com")])
        globex = Account(name="Globex")
        host_db.session.add_all([acme, globex])
        host_db.session.flush()
        host_db.session.add(HostPerson(email="pat@globex.com", company_id=globex.id))
        host_db.session.commit()

        matcher = Matcher()
        assert isinstance(matcher.directory, HostDirectory)
        result = matcher.match(meeting("pat@globex.com", "x@acme.com"))
        people = {p.email: p for p in result.participants}
        assert (people["pat@globex.com"].method, people["pat@globex.com"].account_id) == (
            "direct",
            globex.id,
        )
        assert (people["x@acme.com"].method, people["x@acme.com"].account_id) == (
            "domain",
            acme.id,
        )
        assert (result.client_account_id, result.client_method) == (globex.id, "booker")
        assert sorted(i.account_id for i in result.interactions) == sorted((acme.id, globex.id))
        host_db.session.remove()


def test_directory_must_be_a_directory(tmp_path):
    import pytest

    app = Flask("bad_host")
    db = SQLAlchemy()
    app.config.update(
        TESTING=True,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'bad.sqlite'}",
        CRM_SYNC_DIRECTORY=lambda: object(),
    )
    db.init_app(app)
    CRMSync(app, db=db)
    with app.app_context(), pytest.raises(TypeError, match="CRM_SYNC_DIRECTORY"):
        Matcher(settings=object())
