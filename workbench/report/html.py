"""A self-contained HTML page: inline CSS, escaped text, charts as inline SVG."""

from __future__ import annotations

from html import escape

STYLE = ("body{font-family:sans-serif;max-width:900px;margin:2em auto;color:#222}"
         "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;"
         "text-align:right}th{background:#f3f3f3}h2{margin-top:1.5em}")


def table(headers: list[str], rows: list[list[object]]) -> str:
    head = "".join(f"<th>{escape(str(h))}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def page(title: str, sections: list[tuple[str, str]]) -> str:
    content = "".join(f"<h2>{escape(heading)}</h2>{fragment}" for heading, fragment in sections)
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
            f"<style>{STYLE}</style></head><body><h1>{escape(title)}</h1>{content}"
            "</body></html>")
