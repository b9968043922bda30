"""Markdown text (official documents' bodies) rendered to HTML that is safe to show.

Markdown lets the writer format headings, lists, tables and emphasis; the HTML it produces is
then cleaned by nh3 (Ammonia) to an allow-list of tags and attributes, so raw HTML, scripts,
event handlers and javascript: links in the text can never run in a reader's browser.
"""

import markdown as md
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "i", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead",
    "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "td": {"align", "style"}, "th": {"align", "style"}}
# Table cells keep their alignment (Markdown writes it as a style); nothing else of a style.
ALLOWED_STYLES = {"text-align"}
URL_SCHEMES = {"http", "https", "mailto", "tel"}


def render_markdown(text: str) -> SafeString:
    """The text as cleaned HTML."""
    html = md.markdown(
        text or "", extensions=["tables", "sane_lists", "nl2br"], output_format="html"
    )
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        filter_style_properties=ALLOWED_STYLES,
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(clean)  # cleaned by nh3 just above
