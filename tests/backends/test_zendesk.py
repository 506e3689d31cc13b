"""The zendesk backend against the loopback model of Zendesk's Requests API."""

from __future__ import annotations

import base64

import httpx
import pytest

from tests.backends.builders import make_ticket, png_bytes, write_config
from tests.backends.zendesk_builders import zendesk_backend, zendesk_config
from tests.zendesk_fixtures import END_USER, END_USER_TOKEN, OAUTH_TOKEN
from tokohelp.errors import BackendError, ConfigError
from tokohelp.tickets.backends import load_backend
from tokohelp.tickets.backends import zendesk as zd

FILES = {"shot.png": ("image/png", png_bytes()), "log.txt": ("text/plain", b"error 42\n")}
FIELDS = ('category_field = 360001\ncategory_values = { refund = "kategori_refund" }\n'
          "order_field = 360002\nkey_field = 360003\n")


@pytest.fixture(autouse=True)
def secrets(monkeypatch):
    monkeypatch.setenv("ZD_TOKEN", END_USER_TOKEN)
    monkeypatch.setenv("ZD_OAUTH", OAUTH_TOKEN)


def test_send_uploads_files_then_creates_one_request(zendesk, tmp_path):
    ticket = make_ticket(tmp_path, files=FILES)
    ref = zendesk_backend(zendesk.url).send(ticket)
    stored = zendesk.state.requests[int(ref.remote_id)]
    assert ref.url == f"{zendesk.url}/hc/requests/{ref.remote_id}"
    assert (stored["subject"], stored["status"], stored["requester_id"]) == (
        ticket.subject, "new", zendesk.user_id)
    assert stored["description"].startswith(ticket.body)
    assert f"tokohelp-id: {ticket.idempotency_key}" in stored["description"].splitlines()
    assert "Order ID: INV/123" in stored["description"] and "Category: refund" in \
        stored["description"]
    assert [(f["file_name"], f["content_type"], f["data"]) for f in
            zendesk.state.files_of(stored["id"])] == [
        (name, mime, data) for name, (mime, data) in FILES.items()]
    assert zendesk.state.received("POST", "/api/v2/uploads") == 2
    assert list(zendesk.state.idempotency) == [ticket.idempotency_key]


def test_file_names_survive_the_query_string(zendesk, tmp_path):
    name = "struk belanja & ongkir €.txt"
    ref = zendesk_backend(zendesk.url).send(make_ticket(tmp_path, files={name: FILES["log.txt"]}))
    assert [f["file_name"] for f in zendesk.state.files_of(int(ref.remote_id))] == [name]


def test_fields_carry_category_order_and_key(zendesk, tmp_path):
    ticket = make_ticket(tmp_path)
    ref = zendesk_backend(zendesk.url, extra=FIELDS).send(ticket)
    assert zendesk.state.requests[int(ref.remote_id)]["custom_fields"] == [
        {"id": 360001, "value": "kategori_refund"}, {"id": 360002, "value": "INV/123"},
        {"id": 360003, "value": ticket.idempotency_key}]


def test_api_token_is_basic_email_slash_token(zendesk, tmp_path):
    backend = zendesk_backend(zendesk.url)
    expected = base64.b64encode(f"{END_USER}/token:{END_USER_TOKEN}".encode()).decode()
    assert backend._auth_header() == {"Authorization": f"Basic {expected}"}


def test_oauth_token_is_a_bearer_token(zendesk, tmp_path):
    ref = zendesk_backend(zendesk.url, "oauth").send(make_ticket(tmp_path))
    assert zendesk.state.requests[int(ref.remote_id)]["requester_id"] == zendesk.user_id


def test_anonymous_request_names_the_requester(zendesk, tmp_path):
    backend = zendesk_backend(zendesk.url, "anonymous")
    ticket = make_ticket(tmp_path, email="other@example.com")
    ref = backend.send(ticket)
    requester = zendesk.state.users[zendesk.state.requests[int(ref.remote_id)]["requester_id"]]
    assert (requester["email"], requester["name"]) == ("other@example.com", "Budi Buyer")
    assert backend.find_existing(ticket) is None  # an anonymous caller cannot list requests
    assert backend.remote_status(ref.remote_id) is None


def test_repeated_send_is_answered_with_the_same_request(zendesk, tmp_path):
    backend = zendesk_backend(zendesk.url)
    ticket = make_ticket(tmp_path)
    assert backend.send(ticket) == backend.send(ticket)
    assert len(zendesk.state.requests) == 1


@pytest.mark.parametrize("honour", [True, False])
def test_find_existing_reads_the_users_requests(zendesk, tmp_path, honour):
    zendesk.state.honour_idempotency = honour
    backend = zendesk_backend(zendesk.url)
    ticket = make_ticket(tmp_path)
    assert backend.find_existing(ticket) is None
    ref = backend.send(ticket)
    assert backend.find_existing(ticket) == ref
    assert backend.find_existing(make_ticket(tmp_path / "other")) is None


def test_find_existing_uses_the_key_field_when_the_text_was_changed(zendesk, tmp_path):
    backend = zendesk_backend(zendesk.url, extra=FIELDS)
    ticket = make_ticket(tmp_path)
    ref = backend.send(ticket)
    zendesk.state.requests[int(ref.remote_id)]["description"] = "edited by a trigger"
    assert backend.find_existing(ticket) == ref
    assert zendesk_backend(zendesk.url).find_existing(ticket) is None  # no field, no footer


def test_find_existing_reads_further_pages(zendesk, tmp_path):
    backend = zendesk_backend(zendesk.url)
    ticket = make_ticket(tmp_path)
    ref = backend.send(ticket)
    request = zendesk.state.requests[int(ref.remote_id)]
    for n in range(150):  # newer requests push ours onto the second page
        zendesk.state.requests[10_000 + n] = {**request, "id": 10_000 + n,
                                              "description": "another request",
                                              "created_at": "2099-01-01T00:00:00Z"}
    assert backend.find_existing(ticket) == ref
    assert zendesk.state.received("GET", "/api/v2/requests") == 2


@pytest.mark.parametrize(("word", "common"), [
    ("new", "open"), ("open", "open"), ("hold", "open"), ("pending", "pending"),
    ("solved", "solved"), ("closed", "closed")])
def test_remote_status_maps_the_word_and_keeps_it(zendesk, tmp_path, word, common):
    backend = zendesk_backend(zendesk.url)
    ref = backend.send(make_ticket(tmp_path))
    zendesk.state.set_status(int(ref.remote_id), word)
    status = backend.remote_status(ref.remote_id)
    assert (status.remote_id, status.status, status.desk_status) == (ref.remote_id, common, word)


def test_remote_status_of_someone_elses_request_is_not_found(zendesk, tmp_path):
    other = zendesk.state.add_user("else@example.com", "Else", api_token="t2")
    zendesk.state.requests[7] = {"id": 7, "requester_id": other, "status": "open"}
    with pytest.raises(BackendError) as caught:
        zendesk_backend(zendesk.url).remote_status("7")
    assert "HTTP 404" in caught.value.message and not caught.value.retryable


def test_validation_error_is_one_clear_final_message(zendesk, tmp_path):
    backend = zendesk_backend(zendesk.url, "anonymous")
    with pytest.raises(BackendError) as caught:
        backend.send(make_ticket(tmp_path, email="no-at-sign"))
    error = caught.value
    assert error.message == (f"{backend.label}: Zendesk refused the request (HTTP 422): "
                             "Requester: Email is invalid")
    assert not error.retryable and not getattr(error, "maybe_sent", False)
    assert zendesk.state.requests == {}


def test_a_known_key_with_another_body_is_not_filed_again(zendesk, tmp_path):
    """New upload tokens change the body; Zendesk's mismatch answer means it has the request."""
    backend = zendesk_backend(zendesk.url, "anonymous")
    ticket = make_ticket(tmp_path, files={"log.txt": FILES["log.txt"]})
    backend.send(ticket)
    with pytest.raises(BackendError) as caught:
        backend.send(ticket)  # uploads again: the tokens were forgotten after the first send
    assert "already has this request" in caught.value.message
    assert not caught.value.retryable
    assert len(zendesk.state.requests) == 1


def test_validation_message_reads_every_detail(zendesk):
    response = httpx.post(f"{zendesk.url}/api/v2/requests",
                          json={"request": {"subject": "x", "comment": {"body": " "}}},
                          auth=(f"{END_USER}/token", END_USER_TOKEN))
    assert response.status_code == 422
    assert zd.validation_message(response) == "Description: cannot be blank"


def test_wrong_token_is_final_and_never_shown(zendesk, monkeypatch, tmp_path):
    monkeypatch.setenv("ZD_TOKEN", "not-the-token")
    with pytest.raises(BackendError) as caught:
        zendesk_backend(zendesk.url).send(make_ticket(tmp_path))
    assert "HTTP 401" in caught.value.message and "Couldn't authenticate you" in \
        caught.value.message
    assert not caught.value.retryable
    assert "not-the-token" not in str(caught.value)


def test_check_signs_in_with_users_me(zendesk, monkeypatch):
    assert zendesk_backend(zendesk.url).check() == (
        f"Zendesk at {zendesk.url}: signed in as {END_USER} (end-user)")
    assert zendesk_backend(zendesk.url, "oauth").check().endswith(f"{END_USER} (end-user)")
    assert zendesk.state.received("GET", "/api/v2/users/me") == 2
    assert zendesk_backend(zendesk.url, "anonymous").check() == (
        f"Zendesk at {zendesk.url} answers; requests are filed anonymously as {END_USER}")
    monkeypatch.setenv("ZD_TOKEN", "wrong")
    with pytest.raises(BackendError) as caught:
        zendesk_backend(zendesk.url).check()
    assert "HTTP 401" in caught.value.message
    assert zendesk.state.requests == {}


def test_describe_lists_the_calls_with_the_token_masked(zendesk, tmp_path):
    backend = zendesk_backend(zendesk.url, extra=FIELDS)
    ticket = make_ticket(tmp_path, files=FILES)
    calls = backend.describe(ticket)["calls"]
    assert [(c["method"], c["url"]) for c in calls] == [
        ("POST", f"{zendesk.url}/api/v2/uploads?filename=shot.png"),
        ("POST", f"{zendesk.url}/api/v2/uploads?filename=log.txt"),
        ("POST", f"{zendesk.url}/api/v2/requests")]
    assert calls[0]["headers"] == {"Authorization": "Basic ****", "Content-Type": "image/png"}
    assert calls[0]["body"] == f"<{len(png_bytes())} bytes>"
    assert calls[2]["headers"]["Idempotency-Key"] == ticket.idempotency_key
    request = calls[2]["json"]["request"]
    assert request["comment"]["uploads"] == ["<token from upload 1>", "<token from upload 2>"]
    assert request["custom_fields"][0] == {"id": 360001, "value": "kategori_refund"}
    assert END_USER_TOKEN not in repr(calls) and backend._basic() not in repr(calls)
    assert zendesk.state.log == []


def test_stale_upload_tokens_are_uploaded_again(zendesk, tmp_path, monkeypatch):
    """A request that failed after its uploads reuses their tokens, but not once they expire."""
    backend = zendesk_backend(zendesk.url)
    ticket = make_ticket(tmp_path, files={"log.txt": FILES["log.txt"]})
    with backend._session() as call:
        backend._tokens(call, ticket)
    later = zd.clock() + 61 * 60
    monkeypatch.setattr(zd, "clock", lambda: later)
    zendesk.state.advance(61 * 60)  # the model's token is now expired and would be dropped
    ref = backend.send(ticket)
    assert zendesk.state.received("POST", "/api/v2/uploads") == 2
    assert [f["file_name"] for f in zendesk.state.files_of(int(ref.remote_id))] == ["log.txt"]


def test_fresh_upload_tokens_are_reused(zendesk, tmp_path):
    backend = zendesk_backend(zendesk.url)
    ticket = make_ticket(tmp_path, files={"log.txt": FILES["log.txt"]})
    with backend._session() as call:
        first = backend._tokens(call, ticket)
        assert backend._tokens(call, ticket) == first
    ref = backend.send(ticket)
    assert zendesk.state.received("POST", "/api/v2/uploads") == 1
    assert len(zendesk.state.files_of(int(ref.remote_id))) == 1
    assert backend._uploads == {}  # forgotten once the request exists


@pytest.mark.parametrize(("extra", "key", "words"), [
    ('email = "a@example.com"\n', "token_env", "set exactly one of"),
    ('email = "a@example.com"\ntoken_env = "ZD_TOKEN"\nanonymous = true\n', "anonymous",
     "set exactly one of"),
    ('token_env = "ZD_TOKEN"\n', "email", "required with token_env"),
    ("anonymous = true\n", "email", "required with anonymous"),
    ('email = "nobody"\ntoken_env = "ZD_TOKEN"\n', "email", "must be an email address"),
    ('oauth_token_env = "ZD_OAUTH"\ncategory_values = { refund = "r" }\n', "category_values",
     "needs category_field"),
    ('oauth_token_env = "ZD_OAUTH"\norder_field = 0\n', "order_field", "Zendesk field id"),
    ('oauth_token_env = "ZD_OAUTH"\nkey_field = "abc"\n', "key_field", "expected whole number"),
    ('oauth_token_env = "ZD_OAUTH"\nqueue = "x"\n', "queue", "unknown for type 'zendesk'"),
])
def test_config_errors_name_the_key(extra, key, words):
    text = ('default_backend = "desk"\n[backends.desk]\ntype = "zendesk"\n'
            f'url = "https://example.zendesk.com"\n{extra}')
    with pytest.raises(ConfigError) as caught:
        load_backend(write_config(text), None)
    assert f"key 'backends.desk.{key}'" in caught.value.message
    assert words in caught.value.message


def test_unset_token_variable_is_named(monkeypatch):
    monkeypatch.delenv("ZD_TOKEN")
    with pytest.raises(ConfigError) as caught:
        load_backend(write_config(zendesk_config("https://example.zendesk.com")), None)
    assert "ZD_TOKEN" in caught.value.message and END_USER_TOKEN not in caught.value.message


def test_plain_http_elsewhere_is_refused():
    with pytest.raises(ConfigError) as caught:
        load_backend(write_config(zendesk_config("http://example.zendesk.com")), None)
    assert "allow_insecure_http" in caught.value.message


def test_remote_id_is_sent_as_one_path_segment(zendesk):
    with pytest.raises(BackendError):
        zendesk_backend(zendesk.url).remote_status("../users/me")
    assert ("GET", "/api/v2/requests/..%2Fusers%2Fme") in zendesk.state.log



# -- the thread ----------------------------------------------------------------------------


def test_thread_has_every_public_comment_after_the_request(zendesk, tmp_path):
    backend = zendesk_backend(zendesk.url)
    ref = backend.send(make_ticket(tmp_path))
    request_id = int(ref.remote_id)
    zendesk.state.agent_comment(request_id, "<p>Hi Budi,</p><p>please send the <b>receipt</b>"
                                ".</p>", agent=zendesk.agent_id)
    zendesk.state.agent_comment(request_id, "<p>internal note</p>", agent=zendesk.agent_id,
                                public=False)
    zendesk.state._comment(request_id, zendesk.user_id, "Here it is.", "<p>Here it is.</p>",
                           [zendesk.state._attachment("receipt.pdf", "application/pdf", 9, "t")])
    zendesk.state.agent_comment(request_id, '<p>Refunded, see <a href="https://toko.example/r">'
                                "the receipt</a>.</p>", agent=zendesk.agent_id, status="solved")
    status = backend.remote_status(ref.remote_id)
    assert (status.status, status.desk_status) == ("solved", "solved")
    assert [(r.author, r.text, r.attachments) for r in status.replies] == [
        ("Rina (CS)", "Hi Budi,\n\nplease send the receipt.", []),
        ("you", "Here it is.", ["receipt.pdf"]),
        ("Rina (CS)", "Refunded, see the receipt (https://toko.example/r).", [])]
    assert all(r.created.endswith("Z") for r in status.replies)


def test_thread_follows_the_cursor_over_pages(zendesk, tmp_path):
    backend = zendesk_backend(zendesk.url)
    ref = backend.send(make_ticket(tmp_path))
    for n in range(150):
        zendesk.state.agent_comment(int(ref.remote_id), f"<p>answer {n}</p>",
                                    agent=zendesk.agent_id)
    replies = backend.remote_status(ref.remote_id).replies
    assert [r.text for r in replies] == [f"answer {n}" for n in range(150)]
    assert zendesk.state.received("GET", f"/api/v2/requests/{ref.remote_id}/comments") == 2


def test_thread_text_is_made_inert(zendesk, tmp_path):
    backend = zendesk_backend(zendesk.url)
    ref = backend.send(make_ticket(tmp_path))
    zendesk.state.agent_comment(int(ref.remote_id), "<p>\x1b]0;pwned\x07Hello \x1b[2Jthere"
                                "<script>x()</script></p>", agent=zendesk.agent_id)
    [reply] = backend.remote_status(ref.remote_id).replies
    assert reply.text == "Hello there"
