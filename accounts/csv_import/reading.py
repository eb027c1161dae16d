"""Reading the uploaded file: its encoding, its delimiter, its header and its rows."""

import csv
import io
import unicodedata

from django.utils.translation import gettext as _

from accounts.csv_import.plan import (
    COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    REQUIRED_COLUMNS,
    CsvImportError,
    SourceRow,
)

_DELIMITERS = (";", ",", "\t")


def _fold(value: str) -> str:
    """'Élève ' -> 'eleve': case and accents do not matter in headers and keywords."""
    decomposed = unicodedata.normalize("NFKD", value.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _decode(data: bytes) -> str:
    if not data.strip():
        raise CsvImportError(_("Le fichier est vide."))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    elif b"\x00" not in data:
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        for encoding in ("utf-8", "cp1252", "latin-1"):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
    raise CsvImportError(
        _(
            "Ce fichier n'est pas un fichier CSV. Dans votre tableur, choisissez « Enregistrer "
            "sous » puis le format CSV."
        )
    )


def _looks_binary(text: str) -> bool:
    controls = sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\r\n\t")
    return controls > 0


def _delimiter(header_line: str) -> str:
    """The delimiter that splits the header into the most known column names."""

    def known(delimiter: str) -> int:
        return sum(1 for name in header_line.split(delimiter) if _fold(name) in COLUMNS)

    return max(_DELIMITERS, key=known)


def csv_read(data: bytes) -> tuple[list[SourceRow], list[str]]:
    """The rows of the file (blank lines skipped) and the header's columns it does not know."""
    if len(data) > MAX_FILE_BYTES:
        raise CsvImportError(
            _("Le fichier dépasse la taille maximale de %(size)d Mo.")
            % {"size": MAX_FILE_BYTES // (1024 * 1024)}
        )
    text = _decode(data)
    if _looks_binary(text):
        raise CsvImportError(
            _(
                "Ce fichier n'est pas un fichier CSV. Dans votre tableur, choisissez « Enregistrer "
                "sous » puis le format CSV."
            )
        )
    text = text.lstrip("\ufeff")
    delimiter = _delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = list(reader)
    except csv.Error as exc:
        raise CsvImportError(
            _("Le fichier CSV est mal formé (guillemet non fermé ou cellule trop longue).")
        ) from exc

    header = [_fold(name) for name in records[0]] if records else []
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise CsvImportError(
            _(
                "La première ligne doit nommer les colonnes ; il manque : %(missing)s. "
                "Colonnes attendues : %(expected)s."
            )
            % {"missing": ", ".join(missing), "expected": ", ".join(COLUMNS)}
        )
    duplicated = sorted({name for name in header if name and header.count(name) > 1})
    if duplicated:
        raise CsvImportError(
            _("Colonnes en double dans la première ligne : %(names)s.")
            % {"names": ", ".join(duplicated)}
        )
    ignored = [name for name in records[0] if name.strip() and _fold(name) not in COLUMNS]

    rows = []
    for index, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        values = dict.fromkeys(COLUMNS, "")
        for name, cell in zip(header, record, strict=False):
            if name in COLUMNS:
                values[name] = cell
        extra = any(cell.strip() for cell in record[len(header) :])
        rows.append(SourceRow(line=index, values=values, extra_cells=extra))
    if not rows:
        raise CsvImportError(_("Le fichier ne contient aucune personne sous la ligne d'en-tête."))
    if len(rows) > MAX_ROWS:
        raise CsvImportError(
            _("Le fichier compte %(count)d personnes ; un import en accepte %(max)d au plus.")
            % {"count": len(rows), "max": MAX_ROWS}
        )
    return rows, ignored
