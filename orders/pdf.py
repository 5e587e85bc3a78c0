"""Invoice and packing-slip PDFs, drawn with ReportLab from plain data.

ReportLab is pure Python with no system libraries (WeasyPrint needs Pango and
Cairo from the OS), so the worker image and a newcomer's venv get it from one
wheel; the documents are simple tables, which its platypus layout does well.
This module knows nothing of Django: `orders.services.documents` builds the
`DocumentData` and stores the bytes.

ReportLab (with Pillow, which it loads) is imported when a document is drawn, not
with this module: the web worker imports the services that build documents but
never draws one, and would hold its modules in memory for nothing.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reportlab.platypus import Table


@dataclass(frozen=True)
class DocumentLine:
    description: str
    sku: str
    quantity: int
    unit_price: str = ""  # formatted money; empty on a packing slip
    line_total: str = ""


@dataclass(frozen=True)
class DocumentData:
    title: str  # "Invoice" or "Packing slip"
    shop_name: str
    order_number: str
    issued_on: str  # formatted date
    address_lines: list[str]
    lines: list[DocumentLine]
    # (label, formatted amount) rows under the lines; empty on a packing slip
    totals: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _lines_table(data: DocumentData) -> Table:
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Table, TableStyle

    priced = bool(data.totals)
    header = ["Item", "SKU", "Qty"] + (["Unit price", "Total"] if priced else [])
    rows: list[list[str]] = [header]
    for line in data.lines:
        row = [line.description, line.sku, str(line.quantity)]
        rows.append(row + ([line.unit_price, line.line_total] if priced else []))
    for label, amount in data.totals:
        rows.append([label, "", "", "", amount])
    widths = [80 * mm, 35 * mm, 15 * mm] + ([25 * mm, 25 * mm] if priced else [])
    table = Table(rows, colWidths=widths, repeatRows=1)
    style = [
        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
        ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if data.totals:
        first_total = len(data.lines) + 1
        style += [
            ("LINEABOVE", (0, first_total), (-1, first_total), 0.5, colors.black),
            ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"),
        ]
    table.setStyle(TableStyle(style))
    return table


def render_pdf(data: DocumentData) -> bytes:
    """Return the PDF bytes of one document."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=f"{data.title} {data.order_number}",
        author=data.shop_name,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
    )
    styles = getSampleStyleSheet()
    story = [
        Paragraph(_escape(f"{data.shop_name} — {data.title}"), styles["Title"]),
        Paragraph(_escape(f"Order {data.order_number}"), styles["Heading2"]),
        Paragraph(_escape(f"Date: {data.issued_on}"), styles["Normal"]),
        Spacer(1, 6 * mm),
        Paragraph("Ship to", styles["Heading3"]),
        *[Paragraph(_escape(line), styles["Normal"]) for line in data.address_lines],
        Spacer(1, 6 * mm),
        _lines_table(data),
    ]
    for note in data.notes:
        story += [Spacer(1, 4 * mm), Paragraph(_escape(note), styles["Italic"])]
    doc.build(story)
    return buffer.getvalue()
