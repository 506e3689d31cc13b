"""HTML from a help desk as terminal text (tokohelp.tickets.htmltext)."""

from __future__ import annotations

import pytest

from tokohelp.tickets.htmltext import html_to_text


@pytest.mark.parametrize(("markup", "text"), [
    ("<p>Hello Budi,</p><p>please send the <b>order receipt</b>.</p>",
     "Hello Budi,\n\nplease send the order receipt."),
    ("line one<br>line two", "line one\nline two"),
    ("<ul><li>photo of the parcel</li><li>receipt</li></ul>",
     "- photo of the parcel\n- receipt"),
    ('<a href="https://toko.example/resi">track it</a>', "track it (https://toko.example/resi)"),
    ('<a href="https://toko.example/">https://toko.example/</a>', "https://toko.example/"),
    ('<a href="javascript:alert(1)">click</a>', "click"),
    ("<script>steal()</script><style>p{}</style>kept", "kept"),
    ("Fish &amp; chips &lt;3 &#x263A;", "Fish & chips <3 \u263a"),
    ("<p>  spread\n   over   lines </p>", "spread over lines"),
    ('<img src="x.png" alt="screenshot">', "[screenshot]"),
    ("<pre>a   b</pre>", "a   b"),
    ("plain text without tags", "plain text without tags"),
])
def test_html_becomes_readable_text(markup, text):
    assert html_to_text(markup) == text


def test_terminal_escapes_are_stripped_even_when_html_encoded():
    markup = "<p>\x1b]0;pwned\x07Hi&#27;[2J there\x9b31m</p>"
    assert html_to_text(markup) == "Hi[2J there31m"
