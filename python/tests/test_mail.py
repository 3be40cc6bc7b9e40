"""pocket.django.mail.SesEmailBackend against moto's SES, and the email settings helper."""

from __future__ import annotations

import email
import email.policy

import pytest
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection

from pocket.django.runtime import get_django_settings, get_email_settings
from pocket.django.utils import get_email_backend
from pocket.errors import PocketRuntimeError

from conftest import REGION

SENDER = "noreply@example.com"


@pytest.fixture
def ses(aws_env):
    """moto's SES with the sender verified; yields (client, captured SendRawEmail requests)."""
    import boto3

    client = boto3.client("ses", region_name=REGION)
    client.verify_email_identity(EmailAddress=SENDER)
    # moto's reset does not clear SES's send counter: tests compare against this baseline.
    global _baseline
    _baseline = int(client.get_send_quota()["SentLast24Hours"])
    requests: list[dict] = []

    def capture(params, **kwargs):
        requests.append(dict(params))

    boto3.DEFAULT_SESSION.events.register("provide-client-params.ses.SendRawEmail", capture)
    yield client, requests
    boto3.DEFAULT_SESSION.events.unregister("provide-client-params.ses.SendRawEmail", capture)


_baseline = 0


def _sent(client) -> int:
    """How much moto's SES send counter grew during this test: 0 when nothing was accepted (moto
    counts header recipients and envelope destinations both, so it is not a message count)."""
    return int(client.get_send_quota()["SentLast24Hours"]) - _baseline


def test_sends_the_raw_message_django_built(ses, monkeypatch):
    client, requests = ses
    monkeypatch.setenv("POCKET_SES_REGION", REGION)
    connection = get_connection("pocket.django.mail.SesEmailBackend")
    message = EmailMultiAlternatives(
        "Bienvenue à bord",
        "plain body",
        f"Pocket <{SENDER}>",
        ["to@example.org"],
        cc=["cc@example.org"],
        bcc=["hidden@example.org"],
        connection=connection,
    )
    message.attach_alternative("<p>html body</p>", "text/html")
    message.attach("report.bin", b"\x00\x01\xff", "application/octet-stream")
    assert message.send() == 1
    assert _sent(client) > 0
    (request,) = requests
    assert request["Source"] == f"Pocket <{SENDER}>"
    assert sorted(request["Destinations"]) == ["cc@example.org", "hidden@example.org", "to@example.org"]
    assert "ConfigurationSetName" not in request
    parsed = email.message_from_bytes(request["RawMessage"]["Data"], policy=email.policy.default)
    assert parsed["Subject"] == "Bienvenue à bord"
    assert parsed["Bcc"] is None  # Bcc is an envelope destination only, as over SMTP
    attachment = next(parsed.iter_attachments())
    assert attachment.get_filename() == "report.bin"
    assert attachment.get_content() == b"\x00\x01\xff"
    assert b"\r\n" in request["RawMessage"]["Data"]


def test_configuration_set_is_sent_when_set(ses, monkeypatch):
    client, requests = ses
    client.create_configuration_set(ConfigurationSet={"Name": "tracking"})
    monkeypatch.setenv("POCKET_SES_REGION", REGION)
    monkeypatch.setenv("POCKET_SES_CONFIGURATION_SET", "tracking")
    connection = get_connection("pocket.django.mail.SesEmailBackend")
    messages = [EmailMessage(f"m{i}", "b", SENDER, [f"u{i}@example.org"]) for i in range(2)]
    messages.append(EmailMessage("nobody", "b", SENDER, []))  # no recipients: skipped
    assert connection.send_messages(messages) == 2
    assert [r["ConfigurationSetName"] for r in requests] == ["tracking", "tracking"]
    assert _sent(client) > 0


def test_unverified_sender_is_a_clear_error_or_silent_when_asked(ses, monkeypatch):
    client, _ = ses
    monkeypatch.setenv("POCKET_REGION", REGION)  # POCKET_SES_REGION unset: the stage's region
    loud = get_connection("pocket.django.mail.SesEmailBackend")
    with pytest.raises(PocketRuntimeError, match=r"SES rejected the message from other@example.com in region ap-northeast-1: the sender must be a verified"):
        EmailMessage("s", "b", "other@example.com", ["to@example.org"], connection=loud).send()
    quiet = get_connection("pocket.django.mail.SesEmailBackend", fail_silently=True)
    assert EmailMessage("s", "b", "other@example.com", ["to@example.org"], connection=quiet).send() == 0
    assert _sent(client) == 0


def test_access_denied_names_the_identity_rule(aws_fail, monkeypatch):
    aws_fail("ses", "SendRawEmail", "AccessDenied", "not authorized to perform ses:SendRawEmail")
    monkeypatch.setenv("POCKET_SES_REGION", REGION)
    connection = get_connection("pocket.django.mail.SesEmailBackend")
    with pytest.raises(PocketRuntimeError, match=r"only from the \[ses\] from_email identity"):
        EmailMessage("s", "b", SENDER, ["to@example.org"], connection=connection).send()


def test_email_settings_locally_print_to_the_console():
    assert get_email_settings() == {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    # The original's helper keeps its documented local behaviour: Django's own settings stay.
    assert get_email_backend() == {}


def test_email_settings_deployed_with_and_without_ses(deployed, monkeypatch):
    deployed(django={"storages": {}, "caches": {}, "settings": {"DEFAULT_FROM_EMAIL": "team@example.com"}})
    assert get_email_settings() == {}
    assert get_django_settings() == {"DEFAULT_FROM_EMAIL": "team@example.com"}
    monkeypatch.setenv("POCKET_SES_FROM_EMAIL", SENDER)
    assert get_email_settings() == {
        "EMAIL_BACKEND": "pocket.django.mail.SesEmailBackend",
        "DEFAULT_FROM_EMAIL": SENDER,
        "SERVER_EMAIL": SENDER,
    }
    # The stage's own settings table wins over the derived email settings.
    assert get_django_settings() == {
        "EMAIL_BACKEND": "pocket.django.mail.SesEmailBackend",
        "DEFAULT_FROM_EMAIL": "team@example.com",
        "SERVER_EMAIL": SENDER,
    }
