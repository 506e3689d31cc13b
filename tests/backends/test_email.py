"""The email backend against a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import ssl

import pytest

from tests.backends.builders import make_ticket, png_bytes, write_config
from tests.backends.servers import free_port
from tokohelp.errors import BackendError, ConfigError
from tokohelp.tickets.backends import load_backend

FILES = {"shot.png": ("image/png", png_bytes()), "log.txt": ("text/plain", b"error 42\n")}


def email_backend(port, security="none", extra=""):
    config = write_config(
        f'[backends.mail]\ntype = "email"\nhost = "127.0.0.1"\nport = {port}\n'
        f'security = "{security}"\nfrom = "me@example.com"\nto = "cs@example.com"\n{extra}')
    return load_backend(config, "mail")


def server_tls(tls_cert):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*tls_cert)
    return context


def accept_pair(user, password):
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            user.encode(), password.encode())
        return AuthResult(success=ok, handled=False)

    return authenticator


def test_message_is_proper_mime_with_attachments(smtp_server, tmp_path):
    controller, handler = smtp_server()
    ticket = make_ticket(tmp_path, email="buyer@example.com", files=FILES)
    ref = email_backend(controller.port).send(ticket)
    message = handler.messages[0]
    assert handler.envelopes == [("me@example.com", ["cs@example.com"])]
    assert (message["From"], message["To"], message["Subject"], message["Reply-To"]) == (
        "me@example.com", "cs@example.com", ticket.subject, "buyer@example.com")
    assert message["Date"]
    assert ref.remote_id == message["Message-ID"] == (
        f"<tokohelp-{ticket.idempotency_key}@tokohelp.invalid>")
    assert message.get_content_type() == "multipart/mixed"
    body = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert ticket.body in body and f"tokohelp-id: {ticket.idempotency_key}" in body
    files = [(p.get_filename(), p.get_content_type(), p.get_payload(decode=True))
             for p in message.iter_attachments()]
    assert files == [(name, mime, data) for name, (mime, data) in FILES.items()]


def test_resend_keeps_the_message_id(smtp_server, tmp_path):
    controller, handler = smtp_server()
    backend = email_backend(controller.port)
    ticket = make_ticket(tmp_path)
    backend.send(ticket)
    backend.send(ticket)
    assert handler.messages[0]["Message-ID"] == handler.messages[1]["Message-ID"]
    assert backend.find_existing(ticket) is None


def test_login(smtp_server, tmp_path, monkeypatch):
    controller, handler = smtp_server(authenticator=accept_pair("me", "pw-123"),
                                      auth_require_tls=False)
    monkeypatch.setenv("SMTP_PASSWORD", "pw-123")
    extra = 'username = "me"\npassword_env = "SMTP_PASSWORD"\n'
    email_backend(controller.port, extra=extra).send(make_ticket(tmp_path))
    assert len(handler.messages) == 1


def test_wrong_password_is_final_and_never_shown(smtp_server, tmp_path, monkeypatch):
    controller, handler = smtp_server(authenticator=accept_pair("me", "pw-123"),
                                      auth_require_tls=False)
    monkeypatch.setenv("SMTP_PASSWORD", "wrong-pw-999")
    extra = 'username = "me"\npassword_env = "SMTP_PASSWORD"\n'
    with pytest.raises(BackendError) as caught:
        email_backend(controller.port, extra=extra).send(make_ticket(tmp_path))
    assert caught.value.retryable is False
    assert "wrong-pw-999" not in str(caught.value)
    assert handler.messages == []


def test_starttls_with_trusted_company_ca(smtp_server, tls_cert, tmp_path):
    controller, handler = smtp_server(tls_context=server_tls(tls_cert), require_starttls=True)
    backend = email_backend(controller.port, "starttls", f'ca_file = "{tls_cert[0]}"\n')
    assert "starttls" in backend.check()
    backend.send(make_ticket(tmp_path))
    assert len(handler.messages) == 1


def test_starttls_untrusted_certificate_is_final(smtp_server, tls_cert, tmp_path):
    controller, handler = smtp_server(tls_context=server_tls(tls_cert), require_starttls=True)
    with pytest.raises(BackendError) as caught:
        email_backend(controller.port, "starttls").send(make_ticket(tmp_path))
    assert caught.value.retryable is False
    assert "certificate not trusted" in caught.value.message
    assert handler.messages == []


def test_implicit_tls(smtp_server, tls_cert, tmp_path):
    controller, handler = smtp_server(ssl_context=server_tls(tls_cert))
    email_backend(controller.port, "ssl", f'ca_file = "{tls_cert[0]}"\n').send(
        make_ticket(tmp_path))
    assert len(handler.messages) == 1


def test_server_down_is_retryable_and_not_sent(tmp_path):
    with pytest.raises(BackendError) as caught:
        email_backend(free_port()).send(make_ticket(tmp_path))
    assert caught.value.retryable is True
    assert getattr(caught.value, "maybe_sent", False) is False


def test_clear_text_only_to_loopback():
    config = write_config('[backends.mail]\ntype = "email"\nhost = "smtp.example.com"\n'
                          'security = "none"\nfrom = "a@example.com"\nto = "b@example.com"\n')
    with pytest.raises(ConfigError) as caught:
        load_backend(config, "mail")
    assert ":4: key 'backends.mail.security'" in caught.value.message


def test_describe_masks_the_password_and_sends_nothing(smtp_server, tmp_path, monkeypatch):
    controller, handler = smtp_server()
    monkeypatch.setenv("SMTP_PASSWORD", "pw-123")
    backend = email_backend(controller.port,
                            extra='username = "me"\npassword_env = "SMTP_PASSWORD"\n')
    ticket = make_ticket(tmp_path, files=FILES)
    described = backend.describe(ticket)
    assert described["password"] == "****" and "pw-123" not in repr(described)
    expected_id = f"<tokohelp-{ticket.idempotency_key}@tokohelp.invalid>"
    assert described["headers"]["Message-ID"] == expected_id
    assert [a["name"] for a in described["attachments"]] == ["shot.png", "log.txt"]
    assert handler.messages == []


# -- issue 13: the message arrives as the user wrote it -------------------------------------


def test_a_body_line_starting_with_from_arrives_unchanged(smtp_server, tmp_path):
    controller, handler = smtp_server()
    ticket = make_ticket(tmp_path)
    ticket.body = "Hello\nFrom me, the buyer\n>quoted\nFrom"
    email_backend(controller.port).send(ticket)
    text = handler.messages[0].get_content().replace("\r\n", "\n")
    assert "\nFrom me, the buyer\n>quoted\nFrom\n" in text and ">From" not in text


@pytest.mark.parametrize("subject", ["=?utf-8?q?Refund_not_received?=",
                                     "Refund =?UTF-8?B?w7w=?= \u00fcn\u00ef \U0001f600 " * 4])
def test_a_subject_that_looks_encoded_arrives_literally(smtp_server, tmp_path, subject):
    controller, handler = smtp_server()
    ticket = make_ticket(tmp_path, subject=subject)
    email_backend(controller.port).send(ticket)
    assert handler.messages[0]["Subject"] == " ".join(subject.split())


def test_reply_to_is_one_plain_address(smtp_server, tmp_path):
    controller, handler = smtp_server()
    email_backend(controller.port).send(make_ticket(tmp_path, email="pembeli@b\u00fccher.de"))
    assert handler.messages[0]["Reply-To"] == "pembeli@xn--bcher-kva.de"
    with pytest.raises(BackendError) as caught:  # stored by an older version
        email_backend(controller.port).send(make_ticket(tmp_path, email="evil,a@b.c"))
    assert caught.value.retryable is False and len(handler.messages) == 1
