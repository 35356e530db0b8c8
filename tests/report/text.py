"""Text out of the report's HTML and PDF, normalised so the two can be checked alike."""

from __future__ import annotations

import io
import re
import unicodedata
from html.parser import HTMLParser

import pypdf


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "title"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "title"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def normalise(text: str) -> str:
    """NFKC (the PDF's "ﬁ" ligature → "fi"), every run of whitespace → one space."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def html_text(html: str) -> str:
    p = _Text()
    p.feed(html)
    return normalise(" ".join(p.parts))


def pdf_pages(pdf: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf), strict=True)
    return [normalise(page.extract_text()) for page in reader.pages]
