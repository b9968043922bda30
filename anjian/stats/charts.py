"""Small server-side SVG charts for the PDF reports: bars (grouped or stacked), horizontal bars and
lines, as plain SVG strings — no JavaScript, no dependency.

Labels are Chinese, set in Noto Sans CJK SC (the font the PDFs use). Embed a chart in a PDF
template with `svg_data_uri` as an ``<img>``: WeasyPrint draws it as vectors, and its URL fetcher
only ever reads ``data:`` URIs. Text widths are estimated (a CJK character is one em wide, other
characters about half), which is enough to place legends and shorten long labels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from anjian.core.pdf import data_uri

FONT = "'Noto Sans CJK SC', 'Noto Sans SC', sans-serif"
FONT_SIZE = 10
COLOURS = ("#1f4e79", "#c8161d", "#e3a21a", "#2e8b57", "#7b5ea7", "#8c8c8c")
TEXT = "#222222"
MUTED = "#666666"
GRID = "#dddddd"
AXIS = "#555555"


@dataclass(frozen=True)
class Series:
    """One named row of values (None: no value, a gap in a line)."""

    name: str
    values: Sequence[float | int | None]
    colour: str | None = None


def _colour(series: Series, index: int) -> str:
    return series.colour or COLOURS[index % len(COLOURS)]


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """Estimated width of `text`: CJK and full-width characters one em, the rest about half."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.56 for ch in str(text))


def shorten(text: str, width: float, size: float = FONT_SIZE) -> str:
    """`text`, cut with an ellipsis to fit `width`."""
    text = str(text)
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def fmt(value, unit: str = "") -> str:
    """A number as a label: whole numbers without decimals, others with one."""
    if value is None:
        return ""
    value = float(value)
    text = f"{value:.0f}" if value.is_integer() else f"{value:.1f}"
    return text + unit


def nice_ticks(maximum: float, count: int = 5, *, integer: bool = True) -> list[float]:
    """Ticks from 0 to a round number at or above `maximum`, about `count` steps."""
    maximum = max(float(maximum or 0), 0.0)
    if maximum <= 0:
        maximum = 1.0
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = magnitude * 10
    for factor in (1, 2, 2.5, 5, 10):
        if factor * magnitude >= raw:
            step = factor * magnitude
            break
    if integer:
        step = max(1.0, math.ceil(step))
    steps = math.ceil(maximum / step - 1e-9)
    return [round(i * step, 6) for i in range(steps + 1)]


def _text(x, y, text, *, anchor="start", size=FONT_SIZE, fill=TEXT, weight=None, extra="") -> str:
    lines = str(text).split("\n")
    attrs = f'x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}"'
    if weight:
        attrs += f' font-weight="{weight}"'
    if extra:
        attrs += " " + extra
    if len(lines) == 1:
        return f"<text {attrs}>{escape(lines[0])}</text>"
    spans = "".join(
        f'<tspan x="{x:.1f}" dy="{0 if i == 0 else size * 1.2:.1f}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return f"<text {attrs}>{spans}</text>"


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    label = quoteattr(title or "chart")
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="{FONT_SIZE}" '
        f'role="img" aria-label={label}>'
    )
    return head + f"<title>{escape(title or '')}</title>" + "".join(body) + "</svg>"


def _header(width: int, title: str, series: Sequence[Series], *, legend_kind="rect") -> list[str]:
    """The title (top left) and the legend (top right)."""
    out = []
    if title:
        out.append(_text(8, 15, title, size=11, weight="bold"))
    if len(series) > 1 or (series and legend_kind == "line"):
        x = width - 8
        for index in reversed(range(len(series))):
            s = series[index]
            name_w = text_width(s.name)
            x -= name_w
            out.append(_text(x, 15, s.name, size=FONT_SIZE, fill=MUTED))
            x -= 14
            colour = _colour(s, index)
            if legend_kind == "line":
                out.append(
                    f'<line x1="{x - 2:.1f}" y1="11.5" x2="{x + 10:.1f}" y2="11.5" '
                    f'stroke="{colour}" stroke-width="2"/>'
                    f'<circle cx="{x + 4:.1f}" cy="11.5" r="2.5" fill="{colour}"/>'
                )
            else:
                out.append(f'<rect x="{x:.1f}" y="7" width="10" height="9" fill="{colour}"/>')
            x -= 12
    return out


def _y_axis(ticks, left, right, top, bottom, unit="") -> list[str]:
    out = []
    top_value = ticks[-1] or 1
    for tick in ticks:
        y = bottom - (bottom - top) * tick / top_value
        stroke = AXIS if tick == 0 else GRID
        out.append(
            f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{right:.1f}" y2="{y:.1f}" '
            f'stroke="{stroke}" stroke-width="{0.8 if tick == 0 else 0.6}"/>'
        )
        out.append(_text(left - 4, y + 3.5, fmt(tick, unit), anchor="end", fill=MUTED))
    return out


def _x_labels(labels, left, band, y) -> list[str]:
    """Category labels under the plot; every k-th one when they would overlap."""
    widest = max((max(text_width(p) for p in str(lb).split("\n")) for lb in labels), default=0)
    every = max(1, math.ceil((widest + 4) / band)) if band > 0 else 1
    out = []
    for index, label in enumerate(labels):
        if index % every:
            continue
        cx = left + band * (index + 0.5)
        out.append(
            _text(
                cx,
                y,
                shorten(label, band * every - 2) if "\n" not in str(label) else label,
                anchor="middle",
                fill=TEXT,
            )
        )
    return out


def _frame(width, height, labels, *, title, legend, y_left=None, ticks, unit=""):
    multiline = any("\n" in str(label) for label in labels)
    top = 30 if (title or legend) else 10
    bottom = height - (32 if multiline else 20)
    left = y_left or max(28.0, text_width(fmt(ticks[-1], unit)) + 10)
    right = width - 10
    return top, bottom, left, right


def bar_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str = "",
    width: int = 640,
    height: int = 240,
    stacked: bool = False,
    show_values: bool = True,
    unit: str = "",
) -> str:
    """Vertical bars: one group per label, a bar per series side by side (or stacked)."""
    series = list(series)
    labels = list(labels)
    n = len(labels)
    if stacked:
        peak = max((sum(s.values[i] or 0 for s in series) for i in range(n)), default=0)
    else:
        peak = max((v or 0 for s in series for v in s.values), default=0)
    ticks = nice_ticks(peak)
    top, bottom, left, right = _frame(
        width, height, labels, title=title, legend=len(series) > 1, ticks=ticks, unit=unit
    )
    body = _header(width, title, series)
    body += _y_axis(ticks, left, right, top, bottom, unit)
    band = (right - left) / max(n, 1)
    scale = (bottom - top) / (ticks[-1] or 1)
    group = band * 0.68
    for i in range(n):
        x0 = left + band * i + (band - group) / 2
        if stacked:
            y = bottom
            for index, s in enumerate(series):
                value = s.values[i] or 0
                if value <= 0:
                    continue
                h = value * scale
                y -= h
                body.append(
                    f'<rect x="{x0:.1f}" y="{y:.1f}" width="{group:.1f}" height="{h:.1f}" '
                    f'fill="{_colour(s, index)}"/>'
                )
            total = sum(s.values[i] or 0 for s in series)
            if show_values and total:
                body.append(_text(x0 + group / 2, y - 3, fmt(total), anchor="middle", size=9))
        else:
            bar = group / max(len(series), 1)
            for index, s in enumerate(series):
                value = s.values[i] or 0
                h = max(value, 0) * scale
                x = x0 + bar * index
                if h:
                    body.append(
                        f'<rect x="{x:.1f}" y="{bottom - h:.1f}" width="{bar * 0.92:.1f}" '
                        f'height="{h:.1f}" fill="{_colour(s, index)}"/>'
                    )
                if show_values and value:
                    body.append(
                        _text(x + bar * 0.46, bottom - h - 3, fmt(value), anchor="middle", size=9)
                    )
    body += _x_labels(labels, left, band, bottom + 13)
    return _svg(width, height, title, body)


def stacked_bar_chart(labels, series, **options) -> str:
    """Vertical bars with the series stacked, the total above each bar."""
    return bar_chart(labels, series, stacked=True, **options)


def hbar_chart(
    labels: Sequence[str],
    values: Sequence[float | int],
    *,
    title: str = "",
    width: int = 640,
    row_height: int = 20,
    colour: str = COLOURS[0],
    label_width: float | None = None,
    unit: str = "",
) -> str:
    """Horizontal bars, one per label (long labels are shortened), the value at the end."""
    labels, values = list(labels), [v or 0 for v in values]
    top = 28 if title else 6
    label_width = label_width or min(
        width * 0.35, max((text_width(lb) for lb in labels), default=40) + 10
    )
    left, right = label_width, width - 36
    height = top + row_height * max(len(labels), 1) + 6
    peak = max(values, default=0) or 1
    body = _header(width, title, [])
    body.append(
        f'<line x1="{left:.1f}" y1="{top - 2}" x2="{left:.1f}" '
        f'y2="{height - 4}" stroke="{AXIS}" stroke-width="0.8"/>'
    )
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + row_height * i
        w = (right - left) * value / peak
        body.append(
            _text(left - 6, y + row_height / 2 + 3.5, shorten(label, left - 10), anchor="end")
        )
        if w:
            body.append(
                f'<rect x="{left:.1f}" y="{y + row_height * 0.18:.1f}" width="{w:.1f}" '
                f'height="{row_height * 0.64:.1f}" fill="{colour}"/>'
            )
        body.append(_text(left + w + 4, y + row_height / 2 + 3.5, fmt(value, unit), size=9))
    return _svg(width, height, title, body)


def line_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str = "",
    width: int = 640,
    height: int = 220,
    y_max: float | None = None,
    unit: str = "",
    show_values: bool = True,
    integer: bool = True,
) -> str:
    """Lines with a dot per value; a None value leaves a gap."""
    series = list(series)
    labels = list(labels)
    n = len(labels)
    peak = max((v for s in series for v in s.values if v is not None), default=0)
    ticks = nice_ticks(y_max if y_max is not None else peak, integer=integer)
    top, bottom, left, right = _frame(
        width, height, labels, title=title, legend=True, ticks=ticks, unit=unit
    )
    body = _header(width, title, series, legend_kind="line")
    body += _y_axis(ticks, left, right, top, bottom, unit)
    band = (right - left) / max(n, 1)
    scale = (bottom - top) / (ticks[-1] or 1)
    for index, s in enumerate(series):
        colour = _colour(s, index)
        path, pen_down, dots = [], False, []
        for i, value in enumerate(s.values[:n]):
            if value is None:
                pen_down = False
                continue
            x = left + band * (i + 0.5)
            y = bottom - min(float(value), ticks[-1]) * scale
            path.append(f"{'L' if pen_down else 'M'}{x:.1f},{y:.1f}")
            pen_down = True
            dots.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.6" fill="{colour}"/>')
            if show_values:
                dy = -5 if index % 2 == 0 else 12
                dots.append(_text(x, y + dy, fmt(value), anchor="middle", size=8.5, fill=colour))
        if path:
            body.append(
                f'<path d="{" ".join(path)}" fill="none" stroke="{colour}" stroke-width="1.6" '
                'stroke-linejoin="round"/>'
            )
        body += dots
    body += _x_labels(labels, left, band, bottom + 13)
    return _svg(width, height, title, body)


def svg_data_uri(svg: str) -> str:
    """The chart as a data: URI for an <img> in a PDF template."""
    return data_uri(svg.encode("utf-8"), "image/svg+xml")
