"""Documents inside documents: ZIP members, e-mail attachments, OFD attachments.

Each inner file is extracted as a document of its own (format decided from its bytes), to a
small nesting depth, and its segments are merged into the outer document located as
``attachment`` with ``field`` = the member path (``附件/通知.docx``), the inner part and field
kept after a ``|`` (``通知.docx|comment:作者：张三``) so a reader can find the text.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field

from secreview.config import Limits
from secreview.errors import EncryptedFile, EncryptedPdf, InputError, SecreviewError
from secreview.extract import ocr
from secreview.model import Document, Location, ResidueNote, Segment, Span

# A ZIP inside a ZIP inside a ZIP: deeper than this is not followed (reported, not read).
MAX_DEPTH = 3
_depth: ContextVar[int] = ContextVar("secreview_nested_depth", default=0)


def attachment_location(loc: Location, name: str) -> Location:
    """``loc`` of a piece of an inner document named ``name``, seen from the outer one."""
    if loc.part == "attachment":  # already an attachment of the inner file: extend the path
        return loc.with_(field=f"{name}/{loc.field}" if loc.field else name)
    inner = "" if loc.part == "body" else loc.part
    if loc.field:
        inner = f"{inner}:{loc.field}" if inner else loc.field
    return loc.with_(part="attachment", field=f"{name}|{inner}" if inner else name)


def merge(doc: Document, inner: Document, name: str, label: str = "附件") -> None:
    """Append ``inner``'s segments and residue to ``doc``, located under ``name``."""

    def relocate(loc: Location) -> Location:
        return attachment_location(loc, name)

    for seg in inner.segments:
        doc.segments.append(
            Segment(
                seg.text,
                relocate(seg.location),
                tuple(Span(s.start, s.end, relocate(s.location)) for s in seg.spans),
            )
        )
    for note in inner.residue:
        doc.residue.append(
            ResidueNote(
                note.kind,
                f"{label}「{name}」：{note.message}",
                relocate(note.location),
                note.count,
                note.severity,
                note.sample,
            )
        )


@dataclass
class Outcome:
    """What happened to the inner files of one container."""

    read: list[str] = field(default_factory=list)
    unread: list[tuple[str, str]] = field(default_factory=list)  # (name, reason)


def extract_inner(
    doc: Document, files: Iterable[tuple[str, bytes]], limits: Limits, label: str = "附件"
) -> Outcome:
    """Extract and merge each (name, bytes); an unreadable one is listed, never dropped.

    Encryption is an error for the whole container (its content cannot be reviewed), and
    so is a time-out; other failures (unsupported, corrupt, too large) are listed in
    ``Outcome.unread`` for a residue note that asks for a manual check.
    """
    with ocr.shared_budget(limits.ocr_seconds):
        return _extract_all(doc, files, limits, label)


def _extract_all(
    doc: Document, files: Iterable[tuple[str, bytes]], limits: Limits, label: str
) -> Outcome:
    from secreview.extract import extract_bytes  # late: extract/__init__ imports us lazily

    out = Outcome()
    depth = _depth.get()
    for name, data in files:
        if depth >= MAX_DEPTH:
            out.unread.append((name, f"嵌套超过 {MAX_DEPTH} 层，未展开"))
            continue
        token = _depth.set(depth + 1)
        try:
            inner = extract_bytes(data, f"{doc.path}!{name}", limits)
        except (EncryptedFile, EncryptedPdf) as e:
            raise type(e)(f"{label}「{name}」：{e.message}") from e
        except InputError as e:
            if e.code == "timeout":
                raise
            out.unread.append((name, e.message))
            continue
        except SecreviewError:
            raise
        except Exception as e:  # noqa: BLE001 — a library choking on one malformed member
            out.unread.append((name, f"无法解析，文件可能已损坏（{type(e).__name__}）"))
            continue
        finally:
            _depth.reset(token)
        out.read.append(name)
        merge(doc, inner, name, label)
    return out


def unread_note(doc: Document, outcome: Outcome, what: str) -> None:
    """One ``review`` residue note listing the inner files that could not be reviewed."""
    if not outcome.unread:
        return
    listed = "；".join(f"{name}（{reason}）" for name, reason in outcome.unread[:10])
    more = f" 等 {len(outcome.unread)} 个" if len(outcome.unread) > 10 else ""
    doc.residue.append(
        ResidueNote(
            "attachments_unread",
            f"{what}中有文件无法自动审查，需人工核对：{listed}{more}",
            Location(part="attachment", field=outcome.unread[0][0]),
            count=len(outcome.unread),
            severity="review",
            sample="、".join(name for name, _ in outcome.unread[:5]),
        )
    )
