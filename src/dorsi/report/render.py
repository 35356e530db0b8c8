"""The report as a file: one A4 PDF page (Qt's QTextDocument laid out on a QPdfWriter) or one HTML file.

Why Qt: PySide6 is already a dependency and ships a PDF writer with embedded, subsetted fonts
and a text layout that reads the same HTML the .html file holds; a second document library would
add a dependency for one page. Deterministic: the trend plot is drawn by dorsi.report.chart with a
fixed font, the page names no "now", and the PDF's creation/modification dates and document id
(which Qt takes from the clock and a random UUID) are set from the test itself.
"""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRectF, QUrl, QUuid
from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPainter, QPdfWriter, QTextDocument

from dorsi import __version__
from dorsi.errors import InputError
from dorsi.report.chart import FONT_FAMILY, Chart, image, png_bytes
from dorsi.report.content import day, report_html, trend_chart
from dorsi.report.data import ReportData, parse_utc
from dorsi.store.export import write_atomic

MARGIN_MM = 13.0
DPI = 96  # layout units = CSS pixels; the PDF itself is vector (text, lines), the plot an image at 3×
PLOT_SIZE_PX = (700, 250)  # as laid out on the page
PLOT_SCALE = 3  # the plot's pixels per layout pixel
FIT_SCALES = (1.0, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7)  # a crowded page is scaled down to stay one page
SUFFIXES = {".pdf": "pdf", ".html": "html", ".htm": "html"}
_APP: object = None


def ensure_qt() -> None:
    """A Qt application for fonts and painting; offscreen when dorsi starts it (no window is shown)."""
    global _APP
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is None:
        _APP = QApplication(["dorsi", "-platform", "offscreen"])


def trend_png(data: ReportData) -> bytes:
    ensure_qt()
    w, h = PLOT_SIZE_PX
    return png_bytes(image([trend_chart(data)], w * PLOT_SCALE, h * PLOT_SCALE))


def html_document(data: ReportData) -> str:
    src = "data:image/png;base64," + base64.b64encode(trend_png(data)).decode("ascii")
    return report_html(data, src, PLOT_SIZE_PX[0])


def pdf_document(data: ReportData) -> bytes:
    ensure_qt()
    data_buf = QByteArray()
    buf = QBuffer(data_buf)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buf)
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM), QPageLayout.Unit.Millimeter)
    writer.setResolution(DPI)
    writer.setTitle(f"Knee-to-wall test report, {day(data.taken_at)}")
    writer.setCreator(f"dorsi {__version__}")
    doc_id = _document_id(data)
    writer.setDocumentId(QUuid(str(doc_id)))
    writer.setDocumentXmpMetadata(_xmp(data, doc_id))
    page = writer.pageLayout().paintRectPixels(DPI)
    doc = QTextDocument()
    doc.documentLayout().setPaintDevice(writer)
    doc.setDocumentMargin(0)
    font = QFont(FONT_FAMILY)
    font.setPointSizeF(8.5)
    doc.setDefaultFont(font)
    plot = image([trend_chart(data)], PLOT_SIZE_PX[0] * PLOT_SCALE, PLOT_SIZE_PX[1] * PLOT_SCALE)
    doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl("dorsi-trend.png"), plot)
    doc.setHtml(report_html(data, "dorsi-trend.png", PLOT_SIZE_PX[0]))
    scale = FIT_SCALES[-1]
    for s in FIT_SCALES:
        doc.setTextWidth(page.width() / s)
        if doc.size().height() * s <= page.height():
            scale = s
            break
    doc.setTextWidth(page.width() / scale)
    painter = QPainter(writer)
    try:
        painter.scale(scale, scale)
        doc.drawContents(painter, QRectF(0, 0, page.width() / scale, page.height() / scale))
    finally:
        painter.end()
    buf.close()
    return fix_dates(bytes(data_buf.data()), data)


def _document_id(data: ReportData) -> uuid.UUID:
    key = "dorsi-report:" + ",".join(str(i) for i in data.session_ids) + ":" + data.taken_at
    return uuid.UUID(bytes=hashlib.sha256(key.encode()).digest()[:16], version=4)


def _xmp(data: ReportData, doc_id: uuid.UUID) -> QByteArray:
    at = parse_utc(data.taken_at).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = (
        "<?xpacket begin='' id='W5M0MpCehiHzreSzNTczkc9d'?>"
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/"'
        ' xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"'
        f' xmp:CreatorTool="dorsi {__version__}" xmp:CreateDate="{at}" xmp:ModifyDate="{at}"'
        f' xmp:MetadataDate="{at}" xmpMM:DocumentID="uuid:{doc_id}"/>'
        "</rdf:RDF></x:xmpmeta><?xpacket end='w'?>"
    )
    return QByteArray(text.encode("utf-8"))


_INFO_DATE = re.compile(rb"/(CreationDate|ModDate) \(D:\d{14}(?:Z|[+-]\d\d'\d\d')\)")
_XREF_ENTRY = re.compile(rb"(\d{10}) (\d{5}) n")
_STARTXREF = re.compile(rb"(startxref\s+)(\d+)")


def fix_dates(pdf: bytes, data: ReportData) -> bytes:
    """Qt writes the clock's date, in the local zone, into the PDF's Info dictionary: put the test's there.

    The dates are written in UTC ("Z"), which may change the file's length, so the cross-reference
    table's byte offsets are moved by what was inserted before each object.
    """
    at = parse_utc(data.taken_at).strftime("%Y%m%d%H%M%S").encode()
    pieces: list[bytes] = []
    shifts: list[tuple[int, int]] = []  # (end of a replaced date in the old file, bytes added there)
    pos = 0
    for m in _INFO_DATE.finditer(pdf):
        new = b"/" + m.group(1) + b" (D:" + at + b"Z)"
        pieces += [pdf[pos : m.start()], new]
        shifts.append((m.end(), len(new) - (m.end() - m.start())))
        pos = m.end()
    out = b"".join([*pieces, pdf[pos:]])
    if not any(d for _, d in shifts):
        return out

    def moved(offset: int) -> int:
        return offset + sum(d for end, d in shifts if end <= offset)

    xref = out.rindex(b"\nxref\n") + 1
    table = _XREF_ENTRY.sub(lambda m: b"%010d %s n" % (moved(int(m.group(1))), m.group(2)), out[xref:])
    table = _STARTXREF.sub(lambda m: m.group(1) + b"%d" % moved(int(m.group(2))), table)
    return out[:xref] + table


def check_output(path: Path, kinds: dict[str, str], what: str) -> str:
    """The file's kind by its suffix; InputError for another suffix, a folder, or a folder that is not there."""
    kind = kinds.get(path.suffix.lower())
    if kind is None:
        names = " or ".join(dict.fromkeys(f"FILE.{k}" for k in kinds.values()))
        raise InputError(f"{path}: the {what} is written as {names}")
    if path.is_dir():
        raise InputError(f"{path} is a folder; give a file name ending in .{kind}")
    if not path.parent.is_dir():
        raise InputError(f"cannot write {path}: the folder {path.parent} does not exist")
    return kind


def output_kind(path: Path) -> str:
    return check_output(path, SUFFIXES, "report")


def write_report(data: ReportData, path: str | Path) -> Path:
    """Write the report as PDF or HTML (by the suffix), atomically; returns the path."""
    out = Path(path)
    kind = output_kind(out)
    content: bytes | str = pdf_document(data) if kind == "pdf" else html_document(data)
    write_atomic(out, [content])
    return out


def write_plot(charts: Sequence[Chart], path: str | Path, chart_size_px: tuple[int, int] = (700, 520)) -> Path:
    """Charts side by side as one PNG, atomically."""
    out = Path(path)
    check_output(out, {".png": "png"}, "plot")
    ensure_qt()
    write_atomic(out, [png_bytes(image(charts, chart_size_px[0] * len(charts), chart_size_px[1]))])
    return out
