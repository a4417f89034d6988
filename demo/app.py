"""A small host CRM that mounts the plugin the way an existing Flask CRM would.

It owns its layout, navbar and login; the plugin brings the profile dropdown entries, the
calendars, the link flow and the admin screens.
"""

from __future__ import annotations

import json
import os

from flask import Flask, flash, redirect, render_template, request, url_for
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import event, select
from sqlalchemy.orm import selectinload
from werkzeug.security import check_password_hash

from plugin import CRMSync
from plugin.config import DEFAULTS, GOOGLE_ENDPOINTS
from plugin.models import Account, Contact, User, UserEmail, normalize_email
from plugin.redirects import local_target

db = SQLAlchemy()
login_manager = LoginManager()
csrf = CSRFProtect()
crm_sync = CRMSync()


def create_app(config: dict | None = None) -> Flask:
    """Build the demo CRM; `config` overrides the environment-derived defaults."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(
        SECRET_KEY=os.environ.get("DEMO_SECRET_KEY", "demo-secret-change-me"),
        SQLALCHEMY_DATABASE_URI=os.environ.get(
            "DEMO_DATABASE_URL", "sqlite:///" + os.path.join(app.instance_path, "demo.sqlite")
        ),
        CRM_SYNC_ENCRYPTION_KEYS=os.environ.get("CRM_SYNC_ENCRYPTION_KEYS"),
        CRM_SYNC_LOGIN_VIEW="login",
        CRM_SYNC_BASE_TEMPLATE="demo/base.html",
    )
    app.config.update(env_config())
    if os.environ.get("DEMO_EXCHANGE_URL"):  # the Exchange stand-in demo.sh started
        app.config["DEMO_EXCHANGE_URL"] = os.environ["DEMO_EXCHANGE_URL"]
    if config:
        app.config.update(config)
    os.makedirs(app.instance_path, exist_ok=True)

    db.init_app(app)
    with app.app_context():
        use_wal(db.engine)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "login"
    crm_sync.init_app(app, db=db)

    @login_manager.user_loader
    def load_user(user_id: str):
        user = db.session.get(User, int(user_id))
        return user if user is not None and user.is_active else None

    register_routes(app)
    from .cli import register_cli

    register_cli(app)
    return app


def use_wal(engine) -> None:
    """On SQLite, write-ahead logging: pages open in the browser keep reading while the
    worker commits, and a commit appends to the log instead of syncing the whole file.
    synchronous=NORMAL keeps every commit through a crash of the process (a kill -9 loses
    nothing); a power cut may lose the last commits, each whole with its sync cursor."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def env_config(environ=None) -> dict:
    """CRM_SYNC_* keys from the environment (the demo command sets them); JSON values such as
    1, 0, true or 30 are parsed, anything else is kept as a string."""
    environ = os.environ if environ is None else environ
    keys = set(DEFAULTS) | {f"CRM_SYNC_GOOGLE_{name}" for name in GOOGLE_ENDPOINTS}
    config = {}
    for key in keys & set(environ):
        try:
            config[key] = json.loads(environ[key])
        except ValueError:
            config[key] = environ[key]
    return config


def register_routes(app: Flask) -> None:
    @app.route("/")
    @login_required
    def home():
        accounts = db.session.scalars(
            select(Account)
            .options(selectinload(Account.domains), selectinload(Account.contacts))
            .order_by(Account.name)
        ).all()
        contacts = db.session.scalars(
            select(Contact).options(selectinload(Contact.emails)).order_by(Contact.name)
        ).all()
        return render_template("demo/home.html", accounts=accounts, contacts=contacts)

    @app.route("/login", methods=["GET", "POST"])
    def login():
        if request.method == "POST":
            email = normalize_email(request.form.get("email"))
            user = db.session.scalar(select(User).join(UserEmail).where(UserEmail.email == email))
            if (
                user
                and user.is_active
                and user.password_hash
                and check_password_hash(user.password_hash, request.form.get("password", ""))
            ):
                login_user(user)
                return redirect(local_target(request.args.get("next")) or url_for("home"))
            flash("That email and password do not match a CRM user.", "danger")
        from .seed import DEMO_PASSWORD, LOGINS, SANDBOX_LOGINS

        return render_template(
            "demo/login.html",
            logins=LOGINS,
            password=DEMO_PASSWORD,
            sandbox_logins=SANDBOX_LOGINS if app.config.get("CRM_SYNC_GOOGLE_BASE_URL") else [],
            exchange_logins=SANDBOX_LOGINS,
            microsoft_logins=SANDBOX_LOGINS
            if app.config.get("CRM_SYNC_MICROSOFT_CLIENT_ID")
            else [],
            exchange_url=app.config.get("DEMO_EXCHANGE_URL")
            if app.config.get("CRM_SYNC_EXCHANGE_ENABLED")
            else None,
        )

    @app.route("/logout", methods=["POST"])
    def logout():
        logout_user()
        return redirect(url_for("login"))

    @app.context_processor
    def inject_user():
        return {"current_user": current_user}
