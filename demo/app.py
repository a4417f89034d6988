"""A small host CRM that mounts the plugin the way an existing Flask CRM would.

It owns its layout, navbar and login; the plugin brings the profile dropdown entries, the
calendars, the link flow and the admin screens.
"""

from __future__ import annotations

import os

from flask import Flask, flash, redirect, render_template, request, url_for
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import select
from werkzeug.security import check_password_hash

from plugin import CRMSync
from plugin.models import User, UserEmail, normalize_email

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
    if config:
        app.config.update(config)
    os.makedirs(app.instance_path, exist_ok=True)

    db.init_app(app)
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


def register_routes(app: Flask) -> None:
    @app.route("/")
    @login_required
    def home():
        return render_template("demo/home.html")

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
                target = request.args.get("next") or ""
                if not target.startswith("/") or target.startswith("//"):
                    target = url_for("home")
                return redirect(target)
            flash("That email and password do not match a CRM user.", "danger")
        return render_template("demo/login.html")

    @app.route("/logout", methods=["POST"])
    def logout():
        logout_user()
        return redirect(url_for("login"))

    @app.context_processor
    def inject_user():
        return {"current_user": current_user}
