"""--email accepts what every backend carries and names what is wrong otherwise."""

from __future__ import annotations

import pytest

from tests.hardening.tools import run
from tokohelp.errors import BackendError
from tokohelp.tickets.addresses import deliverable_email, normalise_email


@pytest.mark.parametrize(("given", "kept"), [
    ("buyer@example.com", "buyer@example.com"),
    ("  Buyer.X@Example.COM ", "Buyer.X@Example.COM"),
    ("o'brien+refund@toko.co.id", "o'brien+refund@toko.co.id"),
    ("user@b\u00fccher.de", "user@xn--bcher-kva.de"),
    ("a@B\u00dcCHER.de", "a@xn--bcher-kva.de"),
])
def test_good_addresses_are_kept_and_idn_domains_become_ascii(given, kept):
    assert normalise_email(given) == kept


@pytest.mark.parametrize(("given", "why"), [
    ("<x@example.com>", "before @"), ('"q"@example.com', "before @"),
    ("a,b@example.com", "before @"), ("evil,a@b.c", "before @"),
    ("\u00fcser@example.com", "before @"), ("a..b@example.com", "before @"),
    (".a@example.com", "before @"), ("x@example.com.", "after @"), ("x@localhost", "after @"),
    ("x@1.2.3.4", "not an IP address"), ("x@-bad.com", "after @"), ("x@a..com", "after @"),
    ("no-at-sign", "name@example.com"), ("@example.com", "name@example.com"),
    ("a" * 65 + "@example.com", "longer than 64"),
    ("a@" + "b" * 60 + "." + ("c" * 60 + ".") * 4 + "com", "longer than 254"),
])
def test_addresses_backends_would_rewrite_or_drop_are_refused(given, why):
    with pytest.raises(ValueError, match=why):
        normalise_email(given)


def test_a_stored_address_no_backend_can_carry_is_a_final_backend_error():
    with pytest.raises(BackendError) as caught:
        deliverable_email("a,b@example.com")
    assert caught.value.retryable is False


def test_the_cli_stores_the_normalised_address():
    out = run("ticket", "new", "-s", "Refund", "-c", "refund", "-m", "Where?", "--email",
              "pembeli@b\u00fccher.de", "--json")
    assert out.code == 0, out.output
    assert '"email": "pembeli@xn--bcher-kva.de"' in out.stdout
