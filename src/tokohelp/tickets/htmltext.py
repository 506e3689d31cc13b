"""HTML from a help desk turned into plain terminal text.

Agents' replies arrive as HTML (Zendesk's ``html_body``).  Printed raw they are
unreadable, and they are untrusted: this keeps the words, paragraphs, list items
and link targets, drops scripts, styles and every tag, and strips terminal
control sequences from the result.  Escaping Rich markup is the printer's job.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

BLOCKS = {"p", "div", "br", "li", "ul", "ol", "tr", "table", "blockquote", "pre",
          "h1", "h2", "h3", "h4", "h5", "h6", "hr"}
DROPPED = {"script", "style", "head", "title"}


class _Text(HTMLParser):
    """Collects text; block tags become line breaks, list items get a dash."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.dropped = 0
        self.pre = 0
        self.links: list[tuple[str, int]] = []  # (href, where its text starts)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag in DROPPED:
            self.dropped += 1
        elif tag in BLOCKS:
            self.parts.append("\n- " if tag == "li" else "\n")
            self.pre += tag == "pre"
        elif tag == "a":
            self.links.append((found.get("href") or "", len(self.parts)))
        elif tag == "img" and found.get("alt"):
            self.parts.append(f"[{found['alt']}]")

    def handle_endtag(self, tag: str) -> None:
        if tag in DROPPED:
            self.dropped = max(0, self.dropped - 1)
        elif tag in BLOCKS and tag not in ("br", "li"):
            self.parts.append("\n")
            self.pre -= tag == "pre" and self.pre > 0
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            shown = "".join(self.parts[start:]).strip()
            if href.startswith(("http://", "https://", "mailto:")) and href != shown:
                self.parts.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        if self.dropped:
            return
        self.parts.append(data if self.pre else re.sub(r"\s+", " ", data))


def html_to_text(markup: str) -> str:
    """Readable text of ``markup``: one blank line at most between paragraphs, no controls."""
    from tokohelp.safe import strip_control

    parser = _Text()
    parser.feed(markup)
    parser.close()
    lines = [line.strip() for line in "".join(parser.parts).splitlines()]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return strip_control(text)
