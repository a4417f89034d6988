"""Provider detection as the Link flow describes it: CRM_SYNC_PROVIDER_DOMAINS first, then the
domain's MX records (Google's mail hosts mean Google, Microsoft's mean Microsoft 365), then
the known free-mail domains. The resolver is injected; answers and failures are cached."""

from __future__ import annotations

import pytest

from plugin.blueprints.mx_lookup import clear_cache, provider_for_hosts
from tests.web.test_link import google  # noqa: F401 - fixture
from tests.web.test_link_microsoft import microsoft  # noqa: F401 - fixture

# Both providers configured, so detection can name either.
pytestmark = pytest.mark.usefixtures("google", "microsoft")


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_cache()
    yield
    clear_cache()


class FakeDNS:
    def __init__(self, records: dict[str, list[str]]):
        self.records = records
        self.asked: list[str] = []

    def __call__(self, domain: str) -> list[str]:
        self.asked.append(domain)
        if domain == "broken.example":
            raise RuntimeError("resolver exploded")
        return self.records.get(domain, [])


@pytest.fixture
def dns(app, monkeypatch):
    fake = FakeDNS(
        {
            "globex.io": ["alt1.aspmx.l.google.com.", "aspmx.l.google.com."],
            "initech.com": ["initech-com.mail.protection.outlook.com."],
            "hooli.com": ["mx.hooli-mail.net."],
        }
    )
    monkeypatch.setitem(app.config, "CRM_SYNC_MX_RESOLVER", fake)
    return fake


def _detected(client) -> str | None:
    page = client.get("/crm-sync/link/", follow_redirects=True).get_data(as_text=True)
    if 'id="detected-provider">' not in page:
        return None
    return page.split('id="detected-provider">', 1)[1].split("<", 1)[0]


def test_a_workspace_domain_is_found_by_its_mx_records(dns, client, world, login):
    login(world.user("hank@globex.io"))
    assert _detected(client) == "Google"
    assert _detected(client) == "Google"
    assert dns.asked == ["globex.io"], "the answer is cached"


def test_a_microsoft_365_domain_is_found_by_its_mx_records(dns, client, world, login):
    login(world.user("peter@initech.com"))
    assert _detected(client) == "Microsoft 365"


def test_the_configured_domains_come_before_dns(dns, app, client, world, login, monkeypatch):
    monkeypatch.setitem(app.config, "CRM_SYNC_PROVIDER_DOMAINS", {"initech.com": "google"})
    login(world.user("peter@initech.com"))
    assert _detected(client) == "Google" and dns.asked == []


def test_free_mail_domains_need_no_lookup(dns, client, world, login):
    login(world.user("pat@outlook.com"))
    assert _detected(client) == "Microsoft 365" and dns.asked == []


@pytest.mark.parametrize("email", ["gavin@hooli.com", "who@broken.example", "x@nomx.example"])
def test_other_mail_hosts_and_failed_lookups_go_to_the_choice(dns, client, world, login, email):
    login(world.user(email))
    resp = client.get("/crm-sync/link/")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/crm-sync/link/providers")
    client.get("/crm-sync/link/")
    assert dns.asked == [email.rpartition("@")[2]], "a failure is cached too"


def test_look_alike_hosts_are_not_taken_for_the_provider():
    assert provider_for_hosts(["aspmx.l.google.com.evil.example."]) is None
    assert provider_for_hosts(["notaspmx.l.google.com."]) is None
    assert provider_for_hosts(["ASPMX.L.GOOGLE.COM."]) == "google"
    assert provider_for_hosts(["contoso-com.mail.protection.outlook.com"]) == "microsoft"
