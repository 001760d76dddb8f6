"""Plain SVG for the report's charts: a canvas, axis scales and their ticks.

The report has a few small charts. matplotlib (with numpy) cost a large share of a whole
run's time and memory (``bench/README.md``), plus its wheels to install, for output this
module writes directly. Text is SVG text in the page's sans-serif font; its
width is estimated (``text_width``) only to leave room for labels.

Coordinates are rounded to 0.1 px, and nothing random or dated goes in: the same data gives
the same bytes.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

FONT_PX = 11
PALETTE = (  # matplotlib's tab10: distinct, and readable on white
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
AXIS = "#444"
GRID = "#e3e3e3"
MUTED = "#555"


def text_width(text: str, size: float = FONT_PX) -> float:
    """Rough width of ``text`` in a sans-serif font: enough to size margins, not to align."""
    return len(text) * size * 0.6


def fmt(value: float) -> str:
    """A tick label: 0.001, 0.5, 20, 1,500 (no exponent for the ranges charted here)."""
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.6g}" if abs(value) >= 1e-4 else f"{value:g}"


def _n(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Scale:
    """Maps data values in [lo, hi] to pixels in [start, end], linearly or by log10."""

    lo: float
    hi: float
    start: float
    end: float
    log: bool = False

    def __call__(self, value: float) -> float:
        if self.log:
            t = (math.log10(value) - math.log10(self.lo)) / (
                math.log10(self.hi) - math.log10(self.lo)
            )
        else:
            t = (value - self.lo) / (self.hi - self.lo)
        return self.start + t * (self.end - self.start)

    def ticks(self) -> list[float]:
        return log_ticks(self.lo, self.hi) if self.log else linear_ticks(self.lo, self.hi)


def _step(span: float, count: int) -> float:
    raw = span / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)


def nice_range(lo: float, hi: float, count: int = 5) -> tuple[float, float]:
    """[lo, hi] widened to whole ticks (1, 2, 2.5 or 5 × a power of ten)."""
    if hi <= lo:
        hi = lo + 1
    step = _step(hi - lo, count)
    return math.floor(lo / step) * step, math.ceil(hi / step) * step


def linear_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    step = _step(hi - lo, count)
    first = math.ceil(lo / step - 1e-9)
    out = []
    k = first
    while k * step <= hi + step * 1e-9:
        out.append(round(k * step, 12))
        k += 1
    return out


def log_range(lo: float, hi: float) -> tuple[float, float]:
    """[lo, hi] widened to whole powers of ten."""
    return 10.0 ** math.floor(math.log10(lo)), 10.0 ** math.ceil(math.log10(max(hi, lo * 10)))


def log_ticks(lo: float, hi: float) -> list[float]:
    """Powers of ten in [lo, hi]; 2 and 5 between them when the range spans few decades."""
    first, last = math.floor(math.log10(lo) + 1e-9), math.ceil(math.log10(hi) - 1e-9)
    mults = (1,) if last - first > 3 else (1, 2, 5)
    return [
        m * 10.0**k
        for k in range(first, last + 1)
        for m in mults
        if lo * (1 - 1e-9) <= m * 10.0**k <= hi * (1 + 1e-9)
    ]


class Canvas:
    """One ``<svg>`` element, built from primitives."""

    def __init__(self, width: float, height: float, title: str) -> None:
        self.width, self.height, self.title = width, height, title
        self.parts: list[str] = []

    def line(
        self, x1: float, y1: float, x2: float, y2: float, color: str = AXIS, width: float = 1
    ) -> None:
        self.parts.append(
            f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" '
            f'stroke="{color}" stroke-width="{_n(width)}"/>'
        )

    def rect(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        color: str,
        opacity: float = 1.0,
        tip: str | None = None,
    ) -> None:
        x, w = (x + w, -w) if w < 0 else (x, w)
        self.parts.append(
            f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" fill="{color}"'
            + (f' fill-opacity="{opacity:g}"' if opacity < 1 else "")
            + (f"><title>{escape(tip)}</title></rect>" if tip else "/>")
        )

    def polygon(
        self, points: Sequence[tuple[float, float]], color: str, opacity: float = 1.0, tip: str = ""
    ) -> None:
        """A filled shape (a band of a stacked area)."""
        coords = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
        self.parts.append(
            f'<polygon points="{coords}" fill="{color}"'
            + (f' fill-opacity="{opacity:g}"' if opacity < 1 else "")
            + (f"><title>{escape(tip)}</title></polygon>" if tip else "/>")
        )

    def polyline(
        self, points: Sequence[tuple[float, float]], color: str, width: float = 1.5
    ) -> None:
        """An open line through the points (a time series)."""
        coords = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
        self.parts.append(
            f'<polyline points="{coords}" fill="none" stroke="{color}" stroke-width="{_n(width)}"/>'
        )

    def circle(
        self, cx: float, cy: float, r: float, color: str, opacity: float = 1.0, tip: str = ""
    ) -> None:
        self.parts.append(
            f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="{_n(r)}" fill="{color}"'
            + (f' fill-opacity="{opacity:g}"' if opacity < 1 else "")
            + (f"><title>{escape(tip)}</title></circle>" if tip else "/>")
        )

    def text(
        self,
        x: float,
        y: float,
        text: str,
        *,
        anchor: str = "start",
        size: float = FONT_PX,
        color: str = "#222",
        rotate: bool = False,
    ) -> None:
        turn = f' transform="rotate(-90 {_n(x)} {_n(y)})"' if rotate else ""
        self.parts.append(
            f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" font-size="{_n(size)}" '
            f'fill="{color}" dominant-baseline="middle"{turn}>{escape(text)}</text>'
        )

    def render(self) -> str:
        return (
            f'<svg width="{_n(self.width)}" height="{_n(self.height)}" '
            f'viewBox="0 0 {_n(self.width)} {_n(self.height)}" role="img" '
            f'font-family="system-ui, sans-serif"><title>{escape(self.title)}</title>'
            + "".join(self.parts)
            + "</svg>"
        )


def x_axis(c: Canvas, x: Scale, top: float, bottom: float, label: str) -> None:
    """Vertical grid lines at the x ticks, the axis line, tick labels and the axis label."""
    for v in x.ticks():
        c.line(x(v), top, x(v), bottom, GRID)
        c.text(x(v), bottom + 12, fmt(v), anchor="middle", color=MUTED)
    c.line(x.start, bottom, x.end, bottom)
    c.text((x.start + x.end) / 2, bottom + 30, label, anchor="middle")


def date_axis(c: Canvas, x: Scale, top: float, bottom: float, first: dt.date) -> None:
    """A time axis of day numbers since ``first``: grid lines and ISO dates at the two ends and
    at most two evenly spaced days between, so the labels never overlap on a narrow chart."""
    span = round(x.hi - x.lo)
    steps = min(3, span)
    days = sorted({round(x.lo + span * k / steps) for k in range(steps + 1)}) if span else [0]
    for d in days:
        c.line(x(d), top, x(d), bottom, GRID)
        label = (first + dt.timedelta(days=d)).isoformat()
        c.text(x(d), bottom + 12, label, anchor="middle", size=FONT_PX - 1, color=MUTED)
    c.line(x.start, bottom, x.end, bottom)


def y_axis(c: Canvas, y: Scale, left: float, right: float, label: str) -> None:
    for v in y.ticks():
        c.line(left, y(v), right, y(v), GRID)
        c.text(left - 6, y(v), fmt(v), anchor="end", color=MUTED)
    c.line(left, y.start, left, y.end)
    width = max((text_width(fmt(v)) for v in y.ticks()), default=0)
    c.text(left - width - 18, (y.start + y.end) / 2, label, anchor="middle", rotate=True)


def categories(c: Canvas, labels: Sequence[str], left: float, top: float, band: float) -> None:
    """Row labels right-aligned against the plot's left edge, one per band."""
    for i, label in enumerate(labels):
        c.text(left - 6, top + band * (i + 0.5), label, anchor="end")


def legend(c: Canvas, items: Sequence[tuple[str, str]], x: float, y: float) -> None:
    """A swatch and a name per (name, colour), top-down from (x, y)."""
    for i, (name, color) in enumerate(items):
        c.rect(x, y + 16 * i - 5, 10, 10, color)
        c.text(x + 15, y + 16 * i, name, size=FONT_PX - 1)


def message(text: str) -> str:
    """A chart with nothing to draw says why, in the chart's place."""
    c = Canvas(max(420, text_width(text) + 40), 60, text)
    c.text(c.width / 2, 30, text, anchor="middle", color=MUTED, size=FONT_PX + 1)
    return c.render()
