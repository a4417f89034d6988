"""CRM Sync: a Flask extension that links users' Google, Microsoft 365 and Exchange accounts
and keeps their meetings and emails in step with the CRM's users, contacts and accounts.

    from plugin import CRMSync
    crm_sync = CRMSync()
    crm_sync.init_app(app, db=db)          # the host's Flask-SQLAlchemy object

Configuration keys (all optional unless stated; defaults in plugin/config.py):

CRM_SYNC_ENCRYPTION_KEYS      Fernet keys, newest first. Required unless DEBUG or TESTING.
CRM_SYNC_URL_PREFIX           URL prefix of the plugin's pages (default /crm-sync).
CRM_SYNC_ADMIN_URL            URL of the admin screens when the plugin creates its own Admin.
CRM_SYNC_LOGIN_VIEW           the host's login endpoint, for anonymous visitors.
CRM_SYNC_GOOGLE_CLIENT_ID / CRM_SYNC_GOOGLE_CLIENT_SECRET   Google OAuth client.
CRM_SYNC_GOOGLE_BASE_URL      send every Google call to one base URL (the sandbox stand-in).
CRM_SYNC_MICROSOFT_CLIENT_ID / _CLIENT_SECRET / _TENANT   Microsoft identity platform app
                              and who may sign in (common, organizations, consumers or a
                              tenant GUID; anything else stops init_app).
CRM_SYNC_MICROSOFT_LOGIN_URL / _GRAPH_URL   the identity platform and Graph (or stand-ins).
CRM_SYNC_RUN_SCHEDULER        run the dispatch job inside this process.
CRM_SYNC_DISPATCH_SECONDS, CRM_SYNC_LEASE_SECONDS, CRM_SYNC_MAX_ACCOUNTS_PER_DISPATCH
CRM_SYNC_ACCOUNT_PERMISSION   callable(user, account) -> bool for Account Calendars.
CRM_SYNC_DIRECTORY            callable returning the matching Directory (the host seam).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from . import config as _config
from .crypto import TokenCipher

__all__ = ["CRMSync"]

log = logging.getLogger(__name__)


class CRMSyncState:
    """What the extension keeps per app, in app.extensions["crm_sync"]."""

    def __init__(self, ext: CRMSync, db, cipher: TokenCipher, admin):
        self.ext = ext
        self.db = db
        self.cipher = cipher
        self.admin = admin
        self.scheduler = None

    @property
    def session(self):
        return self.db.session


class CRMSync:
    """The extension object. Nothing happens until init_app."""

    def __init__(self, app: Flask | None = None, **kwargs: Any):
        if app is not None:
            self.init_app(app, **kwargs)

    def init_app(self, app: Flask, db=None, admin=None) -> None:
        """Mount the plugin into `app`, using the host's Flask-SQLAlchemy `db`.

        `admin` is the host's flask_admin.Admin; without one the plugin makes its own at
        CRM_SYNC_ADMIN_URL.
        """
        if "crm_sync" in app.extensions:
            raise RuntimeError("CRMSync is already registered on this app; call init_app once.")
        if db is None:
            raise RuntimeError(
                "CRMSync.init_app needs the host's Flask-SQLAlchemy object: init_app(app, db=db)."
            )
        _config.apply_defaults(app.config)
        _config.check(app.config)
        cipher = self._make_cipher(app)
        state = CRMSyncState(self, db, cipher, admin)
        app.extensions["crm_sync"] = state

        from .blueprints import register_blueprints
        from .cli import crm_sync_cli

        register_blueprints(app)
        app.cli.add_command(crm_sync_cli)
        from .admin import register_admin

        state.admin = register_admin(app, db, admin)
        from .sync.rematch import install_rematch_hooks

        install_rematch_hooks(app)
        if app.config["CRM_SYNC_RUN_SCHEDULER"]:
            from .sync.scheduler import start_in_process

            start_in_process(app)

    @staticmethod
    def _make_cipher(app: Flask) -> TokenCipher:
        keys = _config.encryption_keys(app.config)
        if keys:
            return TokenCipher(keys)
        if app.debug or app.testing:
            log.warning(
                "CRM_SYNC_ENCRYPTION_KEYS unset: deriving a development key from SECRET_KEY"
            )
            return TokenCipher.for_development(str(app.config.get("SECRET_KEY") or "dev"))
        raise RuntimeError(
            "CRM_SYNC_ENCRYPTION_KEYS is not set. Set it to a Fernet key (generate one with "
            "`flask crm-sync generate-key`) so tokens and passwords are encrypted at rest."
        )
