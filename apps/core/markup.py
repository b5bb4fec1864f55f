"""Turns text written by users (Markdown) into HTML that is safe to show, and any text into
a header line that is safe to send."""

import re
import unicodedata

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "em",
    "h2",
    "h3",
    "h4",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "ul",
    "img",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "abbr": {"title"}}


def render_markdown(text: str) -> SafeString:
    """Markdown to HTML, then sanitised: raw HTML in the source is cleaned, not trusted.
    The one place that marks text safe, because nh3 has just made it so: templates print
    the result without |safe."""
    html = markdown.markdown(text or "", extensions=["extra", "sane_lists"], output_format="html")
    return mark_safe(  # noqa: S308 (nh3 has just cleaned it: the one safe-marking)
        nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes={"http", "https", "mailto"},
            link_rel="nofollow noopener",
        )
    )


_LINE_BREAKING = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def has_control_characters(text: str) -> bool:
    """True when `text` holds a control or format character (a line break, a tab, a NUL, a
    bidirectional override...): nothing a one-line name should hold."""
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in text)


def header_line(text: str) -> str:
    """`text` as one header line (an email's subject): line breaks and other control
    characters become a space, so a name stored before names were checked cannot make
    Django refuse the message (BadHeaderError) or add a header."""
    return _LINE_BREAKING.sub(" ", text).strip()
