"""Untrusted help-desk HTML to Markdown that is safe to index and print.

markdownify (on BeautifulSoup's stdlib parser) does the conversion; before it, every
element that can run code, load something or ask for input is removed whole, text and
all, because markdownify's own ``strip`` option keeps the text of stripped tags.  Links
stay links, images become links, and terminal escapes never survive.
"""

from __future__ import annotations

from typing import Any

from tokohelp.safe import strip_control

DROP = ("script", "style", "iframe", "frame", "frameset", "form", "input", "button",
        "select", "textarea", "object", "embed", "noscript", "template", "svg", "math",
        "link", "meta", "base", "head")
SAFE_SCHEMES = ("http://", "https://", "mailto:")


def _converter() -> Any:
    from markdownify import MarkdownConverter

    class Converter(MarkdownConverter):
        """Images become links; links to anything but http(s) or mail keep only their text."""

        def convert_img(self, el: Any, text: str, parent_tags: Any = None) -> str:
            src = str(el.get("src") or "")
            alt = " ".join(str(el.get("alt") or "").split()) or "image"
            return f"[{_bracket_safe(alt)}]({src})" if _safe_url(src) else alt

        def convert_a(self, el: Any, text: str, parent_tags: Any = None) -> str:
            href = str(el.get("href") or "")
            if not _safe_url(href):
                return text
            return super().convert_a(el, text, parent_tags)

    return Converter(heading_style="ATX", bullets="-", strip=None)


def _safe_url(url: str) -> bool:
    return url.strip().lower().startswith(SAFE_SCHEMES) and not any(c in url for c in " ()<>")


def _bracket_safe(text: str) -> str:
    return text.replace("[", "(").replace("]", ")")


def html_to_markdown(html: str) -> str:
    """Markdown for an article body: dangerous elements gone, escapes stripped, tidy blank lines."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(strip_control(html or ""), "html.parser")
    for element in soup.find_all(DROP):
        element.decompose()
    markdown = _converter().convert_soup(soup)
    return _tidy(strip_control(markdown))


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip() + "\n"


def plain_text(html: str) -> str:
    """One line of plain text (titles, summaries) from HTML or text."""
    from bs4 import BeautifulSoup

    text = BeautifulSoup(strip_control(html or ""), "html.parser").get_text(" ")
    return " ".join(strip_control(text).split())
