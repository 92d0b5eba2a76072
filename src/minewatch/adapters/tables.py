"""Stream the rows of a CSV, Excel or GeoJSON file as text cells, the way a person sees them.

``read_rows(path)`` returns a :class:`TableReader`: ``.columns`` is the header, and iterating
gives ``(row_number, {column: text or None})``. Row numbers are the ones a spreadsheet shows
(header = row 1, first data row = row 2; for GeoJSON the 1-based feature index), so a problem
can point at the cell a person has to fix. Cells are stripped and an empty cell is ``None``;
fully empty rows are skipped but still counted. Cells beyond the header go under ``"__extra__"``
(a list) for the caller to report; a GeoJSON feature's geometry is under ``"__geometry__"``.
A header cell left empty is named after its column letter ("column A"); a name used twice
is refused, since no one could tell which column was meant.

CSV and Excel are streamed in constant memory. A CSV file's encoding is the one its BOM names
(UTF-8, UTF-16, UTF-32), else UTF-8 if every byte of the file is valid UTF-8, else a legacy
code page guessed by charset_normalizer from the first 64 KB: cp1252 whenever the text is in
Latin script (Excel's choice in French, Spanish and Portuguese), otherwise the guess (GB18030,
cp1251...). A byte the encoding cannot decode is reported with its line. The delimiter is
sniffed among ``,`` ``;`` tab and ``|`` from the header and the next lines.
"""

from __future__ import annotations

import codecs
import csv
import json
import unicodedata
from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Literal, TextIO
from zipfile import BadZipFile

import charset_normalizer

from minewatch.errors import InvalidInput

Format = Literal["csv", "xlsx", "geojson"]
Row = dict[str, object]

EXTRA = "__extra__"
GEOMETRY = "__geometry__"

SAMPLE_BYTES = 64 * 1024
_DELIMITERS = ("\t", "|", ";", ",")  # on a tie the rarer character in text wins
_SNIFF_RECORDS = 20
_SUFFIXES: dict[str, Format] = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".geojson": "geojson",
    ".json": "geojson",
}
_BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's.
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_ZIP_MAGIC = b"PK\x03\x04"
# Unicode blocks of Latin-script text; anything else means a non-Western code page.
_LATIN_BLOCKS = ("Basic Latin", "Control character", "General Punctuation", "Currency Symbols")


class TableReader:
    """The header and a lazy iterator over the rows of one table file; use it in ``with``."""

    def __init__(
        self,
        *,
        path: Path,
        format: Format,
        encoding: str | None,
        columns: list[str],
        rows: Iterator[tuple[int, Row]],
        close: Callable[[], None],
    ):
        self.path = path
        self.format = format
        self.encoding = encoding
        self.columns = columns
        self._rows = rows
        self._close = close

    def __iter__(self) -> TableReader:
        return self

    def __next__(self) -> tuple[int, Row]:
        return next(self._rows)

    def close(self) -> None:
        """Release the file now rather than when the reader is garbage-collected."""
        self._rows.close()
        self._close()

    def __enter__(self) -> TableReader:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def sniff_format(path: str | Path) -> Format:
    """The table format of a file, from its extension ("csv", "xlsx" or "geojson")."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise InvalidInput(
            f"{path.name} is an old-style .xls workbook: save it as .xlsx or CSV and try again"
        )
    if suffix not in _SUFFIXES:
        known = ", ".join(sorted(_SUFFIXES))
        raise InvalidInput(
            f"{path.name}: cannot read '{suffix or 'no extension'}' files; use {known}"
        )
    return _SUFFIXES[suffix]


def read_rows(
    path: str | Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> TableReader:
    """Open a CSV, XLSX or GeoJSON file and read its header; rows follow lazily."""
    path = Path(path)
    fmt = sniff_format(path)
    try:
        if fmt == "csv":
            return _read_csv(path, encoding=encoding, delimiter=delimiter)
        if fmt == "xlsx":
            return _read_xlsx(path, sheet=sheet)
        return _read_geojson(path)
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}") from exc


# ---------------------------------------------------------------------------------------------
# shared
# ---------------------------------------------------------------------------------------------


def _cell(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _letter(position: int) -> str:
    """Spreadsheet column letter: 1 -> A, 27 -> AA."""
    letters = ""
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _header(path: Path, cells: list[str | None]) -> list[str]:
    """Column names: stripped, BOM removed, NFC; trailing unnamed columns dropped, others
    named after their spreadsheet letter ("column A" for a pandas index column)."""
    names = [unicodedata.normalize("NFC", (c or "").replace("\ufeff", "").strip()) for c in cells]
    while names and not names[-1]:
        names.pop()
    names = [name or f"column {_letter(position)}" for position, name in enumerate(names, start=1)]
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        if name in seen:
            raise InvalidInput(
                f"{path.name}: the column name '{name}' appears twice in the header "
                f"(columns {_letter(seen[name])} and {_letter(position)})"
            )
        seen[name] = position
    return names


def _row(columns: list[str], cells: list[str | None]) -> Row | None:
    """A row dict, or None when every cell is empty (cells are non-empty text or None)."""
    if not any(cells):
        return None
    row: Row = dict(zip(columns, cells, strict=False))
    if len(cells) < len(columns):
        row.update(dict.fromkeys(columns[len(cells) :]))
    elif len(cells) > len(columns) and any(cells[len(columns) :]):
        row[EXTRA] = cells[len(columns) :]
    return row


def _first_data(path: Path, records: Iterator[list[str | None]]) -> tuple[list[str], int]:
    """Consume records up to the first non-empty one, which is the header; return its row number."""
    for number, cells in enumerate(records, start=1):
        if any(cells):
            return _header(path, cells), number
    raise InvalidInput(f"{path.name} is empty: it has no header row")


def _rows(
    columns: list[str],
    records: Iterator[list[str | None]],
    *,
    start: int,
    on_close: Callable[[], None],
) -> Iterator[tuple[int, Row]]:
    try:
        for number, cells in enumerate(records, start=start):
            row = _row(columns, cells)
            if row is not None:
                yield number, row
    finally:
        on_close()


# ---------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------


def _detect_encoding(path: Path) -> tuple[str, bool]:
    """The file's encoding, and whether every byte of the file was checked against it."""
    with path.open("rb") as f:
        sample = f.read(SAMPLE_BYTES)
        for bom, name in _BOMS:
            if sample.startswith(bom):
                return name, False
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            decoder.decode(sample)
            while chunk := f.read(SAMPLE_BYTES):  # constant memory; catches a late non-UTF-8 byte
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return "utf-8", True
        except UnicodeDecodeError:
            pass
    best = charset_normalizer.from_bytes(sample).best()
    if best is not None and not all(
        block.startswith("Latin") or block in _LATIN_BLOCKS for block in best.alphabets
    ):
        return best.encoding, False
    try:
        sample.decode("cp1252")
        return "cp1252", False
    except UnicodeDecodeError:  # bytes cp1252 leaves undefined: Latin-1 defines all 256
        return "latin-1", False


def _sniff_delimiter(text: str) -> str:
    """The candidate that splits the header into most columns and the next rows alike."""
    lines = text.splitlines(keepends=True)[: _SNIFF_RECORDS + 1]
    if len(lines) > 1:
        lines = lines[:-1]  # the sample may end half-way through a line

    def score(delimiter: str) -> tuple[bool, int, int]:
        records = [r for r in csv.reader(lines, delimiter=delimiter) if r]
        if not records:
            return False, 0, 0
        width = len(records[0])
        return width > 1, sum(len(r) == width for r in records[1:]), width

    return max(_DELIMITERS, key=score)


def _lines(stream: TextIO, *, path: Path, encoding: str) -> Iterator[str]:
    """Decode one line at a time, so that a bad byte is reported on its own line.

    ``stream`` is read as Latin-1, which maps bytes to characters one to one: it only finds the
    line ends (\\n, \\r\\n and the old Mac \\r), which mean the same in every ASCII-based encoding.
    """
    for number, line in enumerate(stream, start=1):
        try:
            yield line.encode("latin-1").decode(encoding)
        except UnicodeDecodeError as exc:
            raise InvalidInput(
                f"{path.name}, line {number} is not valid {encoding} text ({exc.reason} at "
                f"character {exc.start + 1}): give the file's encoding, e.g. cp1252 or utf-8"
            ) from exc


def _records(lines: Iterator[str], *, path: Path, delimiter: str) -> Iterator[list[str | None]]:
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        for record in reader:
            yield [c.strip() or None for c in record]
    except csv.Error as exc:
        raise InvalidInput(f"{path.name}, line {reader.line_num}: {exc}") from exc
    except UnicodeDecodeError as exc:  # only from a UTF-16/32 stream, decoded in blocks
        raise InvalidInput(
            f"{path.name} is not valid {exc.encoding} text after line {reader.line_num}"
        ) from exc


def _read_csv(path: Path, *, encoding: str | None, delimiter: str | None) -> TableReader:
    with path.open("rb") as f:
        is_zip = f.read(len(_ZIP_MAGIC)) == _ZIP_MAGIC
    if is_zip:
        raise InvalidInput(f"{path.name} is an Excel workbook, not CSV: rename it to .xlsx")
    checked = False
    if encoding is None:
        encoding, checked = _detect_encoding(path)
    try:
        wide = codecs.lookup(encoding).name.startswith(("utf-16", "utf-32"))
    except LookupError:
        raise InvalidInput(f"unknown text encoding '{encoding}'") from None
    if delimiter is None:
        with path.open(encoding=encoding, errors="replace", newline="") as f:
            delimiter = _sniff_delimiter(f.read(SAMPLE_BYTES))
    if wide or checked:  # nothing to report line by line: a wide stream, or bytes known good
        stream = path.open(encoding=encoding, newline="")
        lines: Iterator[str] = stream
    else:
        stream = path.open(encoding="latin-1", newline="")
        lines = _lines(stream, path=path, encoding=encoding)
    return _reader(path, "csv", encoding, _records(lines, path=path, delimiter=delimiter), stream.close)


# ---------------------------------------------------------------------------------------------
# Excel
# ---------------------------------------------------------------------------------------------


def _float_text(value: float) -> str:
    """12.0 -> "12", 1e-07 -> "0.0000001": no trailing ".0", no exponent."""
    if value.is_integer():
        return str(int(value))
    return format(Decimal(repr(value)), "f")


def _excel_text(value: object) -> str | None:
    """A cell value as the text a person sees: 12 not 12.0, dates as ISO 8601."""
    if value is None or isinstance(value, str):
        return _cell(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, datetime):
        if value.time() == time():
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _read_xlsx(path: Path, *, sheet: str | None) -> TableReader:
    import openpyxl  # heavy; only for workbooks
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, InvalidFileException, KeyError) as exc:
        raise InvalidInput(f"{path.name} cannot be opened as an Excel workbook: {exc}") from exc
    names = [ws.title for ws in book.worksheets]
    if sheet is not None and sheet not in names:
        book.close()
        raise InvalidInput(
            f"{path.name} has no sheet named '{sheet}'; its sheets are: {', '.join(names)}"
        )
    ws = book[sheet] if sheet is not None else book.worksheets[0]
    ws.reset_dimensions()  # some exporters write wrong dimensions; read every row there is
    records = (
        [_excel_text(v) for v in values] for values in ws.iter_rows(min_row=1, values_only=True)
    )
    return _reader(path, "xlsx", None, records, book.close)


def _reader(path: Path, fmt: str, encoding: str | None, records, close) -> "TableReader":
    """A TableReader over ``records`` (lists of cells), the first non-empty one being the header."""
    try:
        columns, header_row = _first_data(path, records)
    except InvalidInput:
        close()
        raise
    rows = _rows(columns, records, start=header_row + 1, on_close=close)
    return TableReader(path=path, format=fmt, encoding=encoding, columns=columns, rows=rows, close=close)


# ---------------------------------------------------------------------------------------------
# GeoJSON
# ---------------------------------------------------------------------------------------------


def _json_text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return _cell(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _read_geojson(path: Path) -> TableReader:
    data = path.read_bytes()
    encoding = json.detect_encoding(data)
    try:
        document = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path.name} is not valid JSON: {exc}") from exc
    kind = document.get("type") if isinstance(document, dict) else type(document).__name__
    if kind != "FeatureCollection" or not isinstance(document.get("features"), list):
        raise InvalidInput(f"{path.name} is not a GeoJSON FeatureCollection (found {kind!r})")
    features = document["features"]
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise InvalidInput(f"{path.name}: feature {number} is not a GeoJSON Feature")
        if not isinstance(feature.get("properties") or {}, dict):
            raise InvalidInput(
                f"{path.name}: feature {number} has properties that are not an object"
            )
    columns = list(dict.fromkeys(k for f in features for k in f.get("properties") or {}))

    def rows() -> Iterator[tuple[int, Row]]:
        for number, feature in enumerate(features, start=1):
            properties = feature.get("properties") or {}
            row: Row = {name: _json_text(properties.get(name)) for name in columns}
            row[GEOMETRY] = feature.get("geometry")
            yield number, row

    return TableReader(
        path=path,
        format="geojson",
        encoding=encoding,
        columns=columns,
        rows=rows(),
        close=lambda: None,
    )
