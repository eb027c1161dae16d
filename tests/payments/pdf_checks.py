"""What a screen reader needs from a PDF, checked on the file itself: a structure tree (tagged
PDF), the document's language and title, real headings and table headers, alt text on images,
and a file qpdf finds sound."""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import dataclass, field

import pytest
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject

QPDF = shutil.which("qpdf") or shutil.which("qpdf", path="/usr/bin")


@dataclass
class Tagged:
    lang: str
    title: str
    pages: int
    # Structure types in document order ("H1", "P", "Table", "TH", "Figure", …).
    roles: list[str] = field(default_factory=list)
    # The alt text of each figure (image), in order.
    alts: list[str] = field(default_factory=list)

    def count(self, role: str) -> int:
        return self.roles.count(role)


def _walk(node, tagged: Tagged, seen: set[int]) -> None:
    if isinstance(node, ArrayObject):
        for item in node:
            _walk(item, tagged, seen)
        return
    ref = getattr(node, "idnum", None)
    if ref is not None:
        if ref in seen:
            return
        seen.add(ref)
    node = node.get_object()
    if not isinstance(node, DictionaryObject) or node.get("/Type") not in (None, "/StructElem"):
        return
    if "/S" not in node:
        return
    role = str(node["/S"]).lstrip("/")
    tagged.roles.append(role)
    if role == "Figure":
        tagged.alts.append(str(node.get("/Alt", "")))
    if "/K" in node:
        _walk(node["/K"], tagged, seen)


def check_tagged_pdf(content: bytes, tmp_path) -> Tagged:
    """The PDF is tagged (a structure tree, /MarkInfo /Marked true), has a language and a title
    shown as the window title, each page is tied to the tree, and `qpdf --check` passes.
    Returns what a screen reader would find, for the caller to check further."""
    reader = PdfReader(io.BytesIO(content))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root, "no structure tree: the PDF is not tagged"
    assert root["/MarkInfo"]["/Marked"].value is True, "/MarkInfo /Marked is not true"
    assert root["/ViewerPreferences"]["/DisplayDocTitle"]
    lang = str(root.get("/Lang", ""))
    assert lang, "no /Lang"
    title = str((reader.metadata or {}).get("/Title", ""))
    assert title.strip(), "no document title"
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert 'pdfuaid:part="1"' in xmp, "the metadata does not declare PDF/UA-1"
    assert reader.pdf_header == "%PDF-1.7"

    struct = root["/StructTreeRoot"].get_object()
    tagged = Tagged(lang=lang, title=title, pages=len(reader.pages))
    _walk(struct["/K"], tagged, set())
    assert tagged.roles and tagged.roles[0] == "Document", tagged.roles[:3]

    keys = set(struct["/ParentTree"]["/Nums"][::2])
    page_keys = [page.get("/StructParents") for page in reader.pages]
    assert None not in page_keys, "a page is not tied to the structure tree"
    assert set(page_keys) <= keys and len(set(page_keys)) == len(page_keys)

    if QPDF is None:
        pytest.skip("qpdf is not installed (apt-get install qpdf): the file check cannot run")
    path = tmp_path / "checked.pdf"
    path.write_bytes(content)
    check = subprocess.run([QPDF, "--check", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No syntax or stream encoding errors found" in check.stdout
    return tagged
