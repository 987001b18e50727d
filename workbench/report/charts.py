"""Inline SVG charts: small, dependency-free, safe to open from disk."""

from __future__ import annotations

from html import escape

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e")
MAX_POINTS = 2000


def _thin(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    step = max(1, len(points) // MAX_POINTS)
    return points[::step]


def line_chart(series: dict[str, list[tuple[float, float]]], *, title: str, x_label: str,
               y_label: str, step: bool = False, markers: list[tuple[float, str]] | None = None,
               width: int = 800, height: int = 280) -> str:
    series = {name: _thin(points) for name, points in series.items() if points}
    every = [p for points in series.values() for p in points] + [
        (x, 0.0) for x, _ in markers or []]
    if not every:
        return f"<p>{escape(title)}: no data</p>"
    x0, x1 = min(p[0] for p in every), max(p[0] for p in every)
    y1 = max(max(p[1] for p in every), 1e-9)
    left, bottom, right, top = 60, height - 40, width - 20, 30

    def sx(x: float) -> float:
        return left + (x - x0) / ((x1 - x0) or 1) * (right - left)

    def sy(y: float) -> float:
        return bottom - y / y1 * (bottom - top)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'role="img" aria-label="{escape(title)}" style="font:12px sans-serif">',
             f'<text x="{width / 2}" y="18" text-anchor="middle" font-weight="bold">'
             f"{escape(title)}</text>",
             f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#333"/>',
             f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="#333"/>',
             f'<text x="{(left + right) / 2}" y="{height - 8}" text-anchor="middle">'
             f"{escape(x_label)}</text>",
             f'<text x="14" y="{(top + bottom) / 2}" transform="rotate(-90 14 '
             f'{(top + bottom) / 2})" text-anchor="middle">{escape(y_label)}</text>',
             f'<text x="{left - 4}" y="{top + 4}" text-anchor="end">{y1:.4g}</text>',
             f'<text x="{left - 4}" y="{bottom}" text-anchor="end">0</text>',
             f'<text x="{left}" y="{bottom + 14}">{x0:.4g}</text>',
             f'<text x="{right}" y="{bottom + 14}" text-anchor="end">{x1:.4g}</text>']
    for x, label in (markers or [])[:MAX_POINTS]:
        parts.append(f'<line x1="{sx(x):.1f}" y1="{top}" x2="{sx(x):.1f}" y2="{bottom}" '
                     f'stroke="#ff7f0e" stroke-opacity="0.35"><title>{escape(label)}</title>'
                     "</line>")
    for index, (name, points) in enumerate(series.items()):
        coords = []
        for i, (x, y) in enumerate(points):
            if step and i:
                coords.append(f"{sx(x):.1f},{sy(points[i - 1][1]):.1f}")
            coords.append(f"{sx(x):.1f},{sy(y):.1f}")
        colour = COLOURS[index % len(COLOURS)]
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" '
                     f'points="{" ".join(coords)}"/>')
        parts.append(f'<text x="{right - 4}" y="{top + 14 * (index + 1)}" text-anchor="end" '
                     f'fill="{colour}">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def cdf_chart(series: dict[str, list[tuple[float, float]]], *, title: str,
              x_label: str) -> str:
    """Cumulative distributions, given as (value, fraction) points."""
    return line_chart(series, title=title, x_label=x_label, y_label="fraction", step=True)
