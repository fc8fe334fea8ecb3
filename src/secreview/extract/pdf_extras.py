"""PDF residue outside the page drawing: document properties (Info + XMP), annotations,
form-field values and embedded files. Functions take pdfminer objects and return plain data.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import defusedxml.ElementTree as SafeET
from pdfminer.pdftypes import PDFStream, resolve1
from pdfminer.psparser import PSLiteral
from pdfplumber.utils.pdfinternals import decode_text

log = logging.getLogger(__name__)

INFO_FIELDS = ("Title", "Author", "Subject", "Keywords", "Creator", "Producer")
SKIP_INFO = frozenset(("CreationDate", "ModDate", "Trapped"))
MAX_TREE_DEPTH = 32
MAX_ITEMS = 10_000

# XMP elements worth showing: (namespace, local name) → field label
XMP_FIELDS = {
    ("http://purl.org/dc/elements/1.1/", "creator"): "XMP dc:creator",
    ("http://purl.org/dc/elements/1.1/", "title"): "XMP dc:title",
    ("http://purl.org/dc/elements/1.1/", "description"): "XMP dc:description",
    ("http://purl.org/dc/elements/1.1/", "subject"): "XMP dc:subject",
    ("http://purl.org/dc/elements/1.1/", "rights"): "XMP dc:rights",
    ("http://ns.adobe.com/pdf/1.3/", "Producer"): "XMP pdf:Producer",
    ("http://ns.adobe.com/pdf/1.3/", "Keywords"): "XMP pdf:Keywords",
    ("http://ns.adobe.com/xap/1.0/", "CreatorTool"): "XMP xmp:CreatorTool",
    ("http://ns.adobe.com/photoshop/1.0/", "AuthorsPosition"): "XMP photoshop:AuthorsPosition",
}


def to_text(obj: Any) -> str:
    """A PDF string/name/number as text ('' for anything else)."""
    obj = resolve1(obj)
    if isinstance(obj, bytes):
        return decode_text(obj).replace("\x00", "").strip()
    if isinstance(obj, str):
        return obj.strip()
    if isinstance(obj, PSLiteral):
        return decode_text(obj.name).strip() if isinstance(obj.name, (bytes, str)) else ""
    if isinstance(obj, (int, float)) and not isinstance(obj, bool):
        return str(obj)
    if isinstance(obj, list):
        return "; ".join(t for t in (to_text(o) for o in obj[:100]) if t)
    return ""


def info_fields(infos: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(field, value) from the Info dictionaries: the usual six first, then custom ones."""
    merged: dict[str, Any] = {}
    for info in infos:
        if isinstance(info, dict):
            merged.update(info)
    out: list[tuple[str, str]] = []
    for key in INFO_FIELDS:
        value = to_text(merged.get(key))
        if value:
            out.append((key, value))
    for key, raw in merged.items():
        if key in INFO_FIELDS or key in SKIP_INFO:
            continue
        value = to_text(raw)
        if value:
            out.append((str(key), value))
    return out


def xmp_fields(catalog: dict[str, Any]) -> list[tuple[str, str]]:
    stream = resolve1(catalog.get("Metadata"))
    if not isinstance(stream, PDFStream):
        return []
    try:
        data = stream.get_data()
        root = SafeET.fromstring(data.strip(b"\x00 \r\n\t"))
    except Exception as e:  # malformed XMP is residue we cannot read, not a broken PDF
        log.debug("unreadable XMP: %s", e)
        return []
    out: list[tuple[str, str]] = []
    for el in root.iter():
        tag = el.tag if isinstance(el.tag, str) else ""
        if not tag.startswith("{"):
            continue
        ns, _, local = tag[1:].partition("}")
        label = XMP_FIELDS.get((ns, local))
        if label is None:
            continue
        text = "; ".join(t.strip() for t in el.itertext() if t.strip())
        if text:
            out.append((label, text))
    return out


def _kids(node: Any, key: str, depth: int) -> Iterator[dict[str, Any]]:
    node = resolve1(node)
    if not isinstance(node, dict) or depth > MAX_TREE_DEPTH:
        return
    yield node
    for kid in resolve1(node.get(key)) or []:
        yield from _kids(kid, key, depth + 1)


def form_fields(catalog: dict[str, Any]) -> list[tuple[str, str]]:
    """(field name, value) of AcroForm fields that hold a value."""
    form = resolve1(catalog.get("AcroForm"))
    if not isinstance(form, dict):
        return []
    out: list[tuple[str, str]] = []
    for top in resolve1(form.get("Fields")) or []:
        for node in _kids(top, "Kids", 0):
            if len(out) >= MAX_ITEMS:
                return out
            value = to_text(node.get("V"))
            if value and value not in ("Off",):
                out.append((to_text(node.get("T")) or "?", value))
    return out


def page_annotations(annots: Any) -> list[tuple[str, str]]:
    """(label, text) of a page's annotations: comments, free text, stamps, their authors."""
    out: list[tuple[str, str]] = []
    for raw in (resolve1(annots) or [])[:MAX_ITEMS]:
        annot = resolve1(raw)
        if not isinstance(annot, dict):
            continue
        subtype = to_text(annot.get("Subtype"))
        if subtype in ("Popup", "Widget", "Link"):
            continue  # popups repeat their parent; widgets are form fields
        contents = to_text(annot.get("Contents"))
        if contents:
            out.append((subtype or "Annot", contents))
        author = to_text(annot.get("T"))
        if author:
            out.append((f"{subtype or 'Annot'} author", author))
    return out


def embedded_files(catalog: dict[str, Any], max_bytes: int) -> Iterator[tuple[str, bytes | None]]:
    """(name, data) of embedded files; data is None when the file is over ``max_bytes``."""
    names = resolve1(catalog.get("Names"))
    if not isinstance(names, dict):
        return
    count = 0
    for node in _kids(names.get("EmbeddedFiles"), "Kids", 0):
        pairs = resolve1(node.get("Names")) or []
        for i in range(0, len(pairs) - 1, 2):
            count += 1
            if count > MAX_ITEMS:
                return
            spec = resolve1(pairs[i + 1])
            if not isinstance(spec, dict):
                continue
            name = to_text(spec.get("UF")) or to_text(spec.get("F")) or to_text(pairs[i])
            ef = resolve1(spec.get("EF"))
            if not isinstance(ef, dict):
                continue
            stream = resolve1(ef.get("UF") or ef.get("F"))
            if not isinstance(stream, PDFStream):
                continue
            params = resolve1(stream.attrs.get("Params"))
            declared = resolve1(params.get("Size")) if isinstance(params, dict) else None
            if isinstance(declared, int) and declared > max_bytes:
                yield name or "?", None
                continue
            data = stream.get_data()
            yield name or "?", (None if len(data) > max_bytes else data)


def hidden_layers(catalog: dict[str, Any]) -> tuple[frozenset[int], list[str]]:
    """Object ids and names of the optional-content groups (layers) OFF in the default view.

    /OCProperties /D: /BaseState /OFF turns every group off except those in /ON; otherwise
    the groups listed in /OFF are off.
    """
    from pdfminer.pdftypes import PDFObjRef

    ocp = resolve1(catalog.get("OCProperties"))
    if not isinstance(ocp, dict):
        return frozenset(), []
    default = resolve1(ocp.get("D"))
    default = default if isinstance(default, dict) else {}
    groups = [g for g in (resolve1(ocp.get("OCGs")) or [])[:MAX_ITEMS] if isinstance(g, PDFObjRef)]
    base = to_text(default.get("BaseState")) or "ON"
    listed = {
        g.objid
        for g in (resolve1(default.get("ON" if base == "OFF" else "OFF")) or [])[:MAX_ITEMS]
        if isinstance(g, PDFObjRef)
    }
    if base == "OFF":
        off = {g.objid for g in groups} - listed
    else:
        off = listed
    names = []
    for g in groups:
        if g.objid in off:
            group = resolve1(g)
            names.append(to_text(group.get("Name")) if isinstance(group, dict) else "")
    return frozenset(off), [n or "?" for n in names]


def _js_of(action: Any, depth: int = 0) -> Iterator[str]:
    """JavaScript code of an action dictionary and of the actions chained after it (/Next)."""
    action = resolve1(action)
    if not isinstance(action, dict) or depth > MAX_TREE_DEPTH:
        return
    if to_text(action.get("S")) == "JavaScript":
        js = resolve1(action.get("JS"))
        if isinstance(js, PDFStream):
            try:
                yield decode_text(js.get_data()[:65536]).strip() or "(脚本)"
            except Exception:  # noqa: BLE001 — undecodable script: still a script
                yield "(脚本)"
        else:
            yield to_text(js) or "(脚本)"
    nxt = resolve1(action.get("Next"))
    for a in nxt if isinstance(nxt, list) else [nxt] if nxt is not None else []:
        yield from _js_of(a, depth + 1)


def javascript(catalog: dict[str, Any], page_annots: list[Any]) -> list[tuple[str, str]]:
    """(where, code) of every JavaScript: document-level scripts (/Names /JavaScript), the
    open action, additional actions (/AA) of the catalog, and actions of annotations."""
    out: list[tuple[str, str]] = []
    names = resolve1(catalog.get("Names"))
    if isinstance(names, dict):
        for node in _kids(names.get("JavaScript"), "Kids", 0):
            pairs = resolve1(node.get("Names")) or []
            for i in range(1, len(pairs), 2):
                out.extend(("document", code) for code in _js_of(pairs[i]))
    out.extend(("open", code) for code in _js_of(catalog.get("OpenAction")))
    aa = resolve1(catalog.get("AA"))
    if isinstance(aa, dict):
        for key, action in list(aa.items())[:MAX_ITEMS]:
            out.extend((f"AA {key}", code) for code in _js_of(action))
    for annots in page_annots:
        for raw in (resolve1(annots) or [])[:MAX_ITEMS]:
            annot = resolve1(raw)
            if not isinstance(annot, dict):
                continue
            out.extend(("annotation", code) for code in _js_of(annot.get("A")))
            aa = resolve1(annot.get("AA"))
            if isinstance(aa, dict):
                for action in list(aa.values())[:MAX_ITEMS]:
                    out.extend(("annotation", code) for code in _js_of(action))
        if len(out) >= MAX_ITEMS:
            break
    return out[:MAX_ITEMS]


def earlier_revisions(data: bytes, limit: int = 10) -> list[int]:
    """End offsets of the earlier revisions an incremental update left in the file.

    Each incremental save appends objects, a new xref and a trailer ending in %%EOF; the bytes
    up to an earlier %%EOF are the document as it was then. A %%EOF followed only by
    whitespace is the end of the file; linearized files have a first-page section whose
    %%EOF is followed by the rest of the file and come out as one "revision" that only
    repeats what the file shows (the caller compares texts).
    """
    ends: list[int] = []
    pos = 0
    while True:
        i = data.find(b"%%EOF", pos)
        if i < 0:
            break
        end = i + 5
        pos = end
        if data[end:].strip(b"\r\n \t\x00"):
            ends.append(end)
    return ends[-limit:]
