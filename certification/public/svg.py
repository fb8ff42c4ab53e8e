"""Charts drawn on the server as SVG: no script, readable without colour (patterns are not needed because
every chart has its table beside it), and labelled for screen readers (role="img", <title>, <desc>)."""

from django.utils.html import escape
from django.utils.safestring import mark_safe

PALETTE = {"active": "#1a7f37", "suspended": "#b58100", "revoked": "#b42318", "expired": "#6b7280"}
LINE = "#1f4e8c"


def _svg(width: int, height: int, title: str, desc: str, body: list[str]) -> str:
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title><desc>{escape(desc)}</desc>'
        + "".join(body) + "</svg>")


def stacked_bars(*, title: str, desc: str, rows: list[tuple[str, dict[str, int]]], series: list[tuple[str, str]],
                 width: int = 760) -> str:
    """Horizontal stacked bars: one row per label, one segment per series (key, label)."""
    label_w, bar_h, gap, top = 230, 18, 8, 30
    height = top + len(rows) * (bar_h + gap) + 20
    longest = max((sum(values.values()) for _, values in rows), default=0) or 1
    scale = (width - label_w - 60) / longest
    body = []
    x = label_w
    for key, label in series:  # legend
        body.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{PALETTE.get(key, LINE)}"/>'
                    f'<text x="{x + 16}" y="16" font-size="12">{escape(label)}</text>')
        x += 20 + 8 * len(str(label))
    for n, (label, values) in enumerate(rows):
        y = top + n * (bar_h + gap)
        body.append(f'<text x="{label_w - 8}" y="{y + 13}" font-size="12" text-anchor="end">{escape(label)}</text>')
        x = label_w
        for key, series_label in series:
            value = values.get(key, 0)
            if value:
                w = max(value * scale, 1)
                body.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" '
                            f'fill="{PALETTE.get(key, LINE)}"><title>{escape(label)} · {escape(series_label)}: '
                            f'{value}</title></rect>')
                x += w
        body.append(f'<text x="{x + 6:.1f}" y="{y + 13}" font-size="12">{sum(values.values())}</text>')
    return _svg(width, height, title, desc, body)


def line_chart(*, title: str, desc: str, points: list[tuple[str, float | None]], unit: str = "",
               y_max: float | None = None, width: int = 760, height: int = 260) -> str:
    """A line over labelled points (None leaves a gap), with the y axis from 0."""
    left, right, top, bottom = 50, 20, 20, 40
    values = [v for _, v in points if v is not None]
    top_value = y_max or (max(values) if values else 1) or 1
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(points) - 1, 1)
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="#888"/>',
            f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#888"/>']
    for fraction in (0, 0.5, 1):
        y = top + plot_h * (1 - fraction)
        body.append(f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">'
                    f'{top_value * fraction:.0f}{escape(unit)}</text>')
    segment: list[str] = []
    every = max(len(points) // 12, 1)
    for n, (label, value) in enumerate(points):
        x = left + n * step
        if n % every == 0:
            body.append(f'<text x="{x:.1f}" y="{height - 18}" font-size="11" text-anchor="middle">'
                        f'{escape(label)}</text>')
        if value is None:
            if len(segment) > 1:
                body.append(f'<polyline fill="none" stroke="{LINE}" stroke-width="2" points="{" ".join(segment)}"/>')
            segment = []
            continue
        y = top + plot_h * (1 - value / top_value)
        segment.append(f"{x:.1f},{y:.1f}")
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{LINE}"><title>{escape(label)}: '
                    f'{value:.1f}{escape(unit)}</title></circle>')
    if len(segment) > 1:
        body.append(f'<polyline fill="none" stroke="{LINE}" stroke-width="2" points="{" ".join(segment)}"/>')
    return _svg(width, height, title, desc, body)
