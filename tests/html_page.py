"""A small HTML reader for report tests: tags with their attributes, the text inside every
element with an id, and the cells of every table by the table's id."""

from __future__ import annotations

from html.parser import HTMLParser


class HtmlPage(HTMLParser):
    """Tags with attributes, the text inside each element with an id, and table cells by id."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text_of: dict[str, list[str]] = {}
        self.tables: dict[str, list[list[str]]] = {}
        self._open: list[tuple[str, str | None]] = []
        self._table: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag not in ("img", "meta", "br", "input"):
            self._open.append((tag, attributes.get("id")))
            if attributes.get("id"):
                self.text_of[str(attributes["id"])] = []
        if tag == "table":
            self._table = attributes.get("id") or ""
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._table is not None:
            self.tables[self._table][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None
        while self._open:
            name, _ = self._open.pop()
            if name == tag:
                break

    def handle_data(self, data: str) -> None:
        for _, element in self._open:
            if element:
                self.text_of[element].append(data)
        if self._cell is not None:
            self._cell.append(data)

    def text(self, element: str) -> str:
        """Whitespace-normalised text inside the element with id ``element``."""
        return " ".join("".join(self.text_of[element]).split())
