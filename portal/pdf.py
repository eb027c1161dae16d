"""Every PDF the portal makes is a tagged PDF/UA-1 document: a structure tree (headings,
paragraphs, tables with their headers, images with their alt text) that screen readers follow,
the document's language (`lang` of the html element) and its title (`<title>`) shown as the
window title. WeasyPrint writes all of it from the HTML; `pdf_join` keeps it when several
rendered parts are put together."""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from typing import Any

# The PDF/UA profile: PDF 1.7, tagged, XMP metadata that declares PDF/UA-1.
PDF_VARIANT = "pdf/ua-1"

# WeasyPrint logs every rendering step at INFO: a 500-page batch would flood the logs.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def pdf_from_html(html: str, *, url_fetcher: Any = None) -> bytes:
    """A tagged PDF/UA-1 document from HTML whose root element has a `lang` and whose head has
    a `<title>`."""
    from weasyprint import HTML

    options: dict[str, Any] = {}
    if url_fetcher is not None:
        options["url_fetcher"] = url_fetcher
    return HTML(string=html, **options).write_pdf(pdf_variant=PDF_VARIANT)


def pdf_join(parts: Sequence[bytes]) -> bytes:
    """Tagged PDFs made by `pdf_from_html` (same language, same title), one after the other, as
    one tagged PDF: pages, then every part's structure tree under one document element, with the
    page ↔ structure mapping (`/StructParents`, the parent tree) renumbered so that the keys of
    each part follow those of the part before it. Language, title, mark info and the PDF/UA
    metadata are those of the first part."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DictionaryObject,
        NameObject,
        NumberObject,
    )

    if not parts:
        raise ValueError("nothing to join")
    if len(parts) == 1:
        return parts[0]

    writer = PdfWriter()
    readers = [PdfReader(io.BytesIO(part)) for part in parts]
    root = writer.root_object

    document = DictionaryObject(
        {NameObject("/Type"): NameObject("/StructElem"), NameObject("/S"): NameObject("/Document")}
    )
    document_ref = writer._add_object(document)
    parent_tree_nums = ArrayObject()
    parent_tree_ref = writer._add_object(DictionaryObject({NameObject("/Nums"): parent_tree_nums}))
    struct_root = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/StructTreeRoot"),
            NameObject("/K"): ArrayObject([document_ref]),
            NameObject("/ParentTree"): parent_tree_ref,
        }
    )
    struct_root_ref = writer._add_object(struct_root)
    document[NameObject("/P")] = struct_root_ref
    children = ArrayObject()
    document[NameObject("/K")] = children

    offset = 0
    for reader in readers:
        first_page = len(writer.pages)
        writer.append(reader, import_outline=True)
        source_root: Any = reader.trailer["/Root"]
        source_struct: Any = source_root["/StructTreeRoot"].get_object()
        # Cloned after the pages: references to this reader's pages land on the appended ones.
        cloned_struct: Any = source_struct.clone(writer)
        for top in cloned_struct["/K"]:
            for child_ref in top.get_object()["/K"]:
                child = child_ref.get_object()
                child[NameObject("/P")] = document_ref
                children.append(child_ref)

        nums: Any = cloned_struct["/ParentTree"].get_object()["/Nums"]
        highest = -1
        for index in range(0, len(nums), 2):
            key = int(nums[index])
            highest = max(highest, key)
            parent_tree_nums.append(NumberObject(key + offset))
            parent_tree_nums.append(nums[index + 1])
        # pypdf drops the pages' and annotations' keys into the parent tree: put them back.
        for source_page, page in zip(reader.pages, writer.pages[first_page:], strict=True):
            if "/StructParents" in source_page:
                page_key = int(source_page["/StructParents"]) + offset  # type: ignore[call-overload]
                page[NameObject("/StructParents")] = NumberObject(page_key)
            source_annots: Any = source_page.get("/Annots") or []
            annots: Any = page.get("/Annots") or []
            for source_ref, annot_ref in zip(source_annots, annots, strict=False):
                source_annot = source_ref.get_object()
                if "/StructParent" in source_annot:
                    annot_key = int(source_annot["/StructParent"]) + offset
                    annot_ref.get_object()[NameObject("/StructParent")] = NumberObject(annot_key)
        offset += highest + 1

    first: Any = readers[0].trailer["/Root"]
    root[NameObject("/StructTreeRoot")] = struct_root_ref
    for name in ("/MarkInfo", "/ViewerPreferences", "/Lang", "/Metadata"):
        if name in first:
            root[NameObject(name)] = first.raw_get(name).clone(writer)
    if readers[0].metadata:
        writer.add_metadata(dict(readers[0].metadata))
    writer.pdf_header = readers[0].pdf_header
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_mark_languages(pdf: bytes, languages: Sequence[str]) -> bytes:
    """Give the n-th top-level structure element (one `<section>` of the HTML each) the
    language `languages[n]`, where it differs from the document's: WeasyPrint tags only the
    document's language, and a screen reader must switch voices for a letter in another.
    Unchanged if the tree does not have one top-level element per language given."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, TextStringObject

    reader = PdfReader(io.BytesIO(pdf))
    root: Any = reader.trailer["/Root"]
    document_lang = str(root.get("/Lang", ""))
    if all(language == document_lang for language in languages):
        return pdf
    writer = PdfWriter(clone_from=reader)
    writer.pdf_header = reader.pdf_header
    struct: Any = writer.root_object["/StructTreeRoot"].get_object()
    document: Any
    (document,) = [top.get_object() for top in struct["/K"]]
    elements = [child.get_object() for child in document["/K"]]
    if len(elements) != len(languages):
        logging.getLogger(__name__).warning(
            "pdf: %s top-level elements for %s languages, left as is",
            len(elements),
            len(languages),
        )
        return pdf
    for element, language in zip(elements, languages, strict=True):
        if language != document_lang:
            element[NameObject("/Lang")] = TextStringObject(language)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
