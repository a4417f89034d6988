"""Sizes a provider would refuse on every sync are refused at start-up instead, saying what
to set."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from plugin import CRMSync


def _start(**config):
    app = Flask("host")
    app.config.update(SQLALCHEMY_DATABASE_URI="sqlite://", SECRET_KEY="x", TESTING=True, **config)
    db = SQLAlchemy()
    db.init_app(app)
    CRMSync().init_app(app, db=db)
    return app


@pytest.mark.parametrize(
    "key, value, allowed",
    [
        ("CRM_SYNC_MAIL_BATCH_SIZE", 101, "from 1 to 100"),
        ("CRM_SYNC_MAIL_BATCH_SIZE", 0, "from 1 to 100"),
        ("CRM_SYNC_MAIL_PAGE_SIZE", 501, "from 1 to 500"),
        ("CRM_SYNC_CALENDAR_PAGE_SIZE", "lots", "from 1 to 2500"),
        ("CRM_SYNC_EXCHANGE_GET_BATCH_SIZE", 513, "from 1 to 512"),
    ],
)
def test_a_size_the_provider_refuses_stops_the_start_saying_what_to_set(key, value, allowed):
    with pytest.raises(RuntimeError) as excinfo:
        _start(**{key: value})
    assert key in str(excinfo.value) and allowed in str(excinfo.value)


def test_sizes_within_the_limits_start():
    app = _start(CRM_SYNC_MAIL_BATCH_SIZE="100", CRM_SYNC_MAIL_PAGE_SIZE=1)
    assert "crm_sync" in app.extensions


def test_an_exchange_auth_type_exchangelib_cannot_use_stops_the_start():
    with pytest.raises(RuntimeError) as excinfo:
        _start(CRM_SYNC_EXCHANGE_AUTH_TYPE="kerberos")
    assert "CRM_SYNC_EXCHANGE_AUTH_TYPE" in str(excinfo.value) and '"ntlm"' in str(excinfo.value)
    assert "crm_sync" in _start(CRM_SYNC_EXCHANGE_AUTH_TYPE="Basic").extensions


@pytest.mark.parametrize("tenant", ["contoso.onmicrosoft.com", "", "my tenant", "72f988bf-86f1"])
def test_a_microsoft_tenant_the_link_flow_cannot_check_stops_the_start(tenant):
    with pytest.raises(RuntimeError) as excinfo:
        _start(CRM_SYNC_MICROSOFT_CLIENT_ID="app", CRM_SYNC_MICROSOFT_TENANT=tenant)
    message = str(excinfo.value)
    assert "CRM_SYNC_MICROSOFT_TENANT" in message and '"organizations"' in message
    assert "GUID" in message


@pytest.mark.parametrize(
    "tenant", ["common", "organizations", "Consumers", "72F988BF-86F1-41AF-91AB-2D7CD011DB47"]
)
def test_microsoft_tenants_the_identity_platform_knows_start(tenant):
    assert "crm_sync" in _start(CRM_SYNC_MICROSOFT_TENANT=tenant).extensions
