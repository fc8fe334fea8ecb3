"""ZIP bundles of attachments (附件.zip): every member is reviewed as a document of its own.

The archive goes through ``safezip.open_package`` first (member count, sizes, compression
ratio), so a zip bomb is ``too_large`` before anything is inflated. Members are extracted by
``nested.extract_inner`` (format from their bytes, nested archives to a small depth) and
located as ``attachment`` with the member path. An encrypted member is an error: its content
cannot be reviewed. A member that cannot be read is listed in a ``review`` residue note.
"""

from __future__ import annotations

import posixpath
import zipfile
import zlib
from collections.abc import Iterator

from secreview.config import Limits
from secreview.errors import CorruptFile, EncryptedFile
from secreview.extract import nested
from secreview.extract.safezip import open_package, read_member
from secreview.model import Document, Location, ResidueNote

_UTF8_FLAG = 0x800
_ENCRYPTED_FLAG = 0x1
# Files an archiver adds that hold no document content.
_JUNK_PREFIXES = ("__MACOSX/",)
_JUNK_NAMES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its author wrote it: Chinese Windows archivers store GBK names
    without the UTF-8 flag, which Python decodes as CP437 (乱码)."""
    name = info.filename
    if not info.flag_bits & _UTF8_FLAG:
        try:
            name = name.encode("cp437").decode("gb18030")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return name


def _members(zf: zipfile.ZipFile, limits: Limits) -> Iterator[tuple[str, bytes]]:
    for info in zf.infolist():
        if info.is_dir():
            continue
        name = member_name(info)
        if name.startswith(_JUNK_PREFIXES) or posixpath.basename(name) in _JUNK_NAMES:
            continue
        if info.flag_bits & _ENCRYPTED_FLAG:
            raise EncryptedFile(
                f"压缩包中的文件「{name}」已加密（需要密码），无法审查，请解除密码后重新打包提交"
            )
        try:
            data = read_member(zf, info.filename, limits)
        except zlib.error as e:
            raise CorruptFile(f"压缩包中的文件「{name}」已损坏（{e}）") from e
        if data is None:
            continue
        if not data:
            continue  # an empty file has nothing to review
        yield name, data


def extract(data: bytes, path: str, limits: Limits) -> Document:
    doc = Document(path=path, format="zip")
    zf = open_package(data, limits)
    try:
        outcome = nested.extract_inner(doc, _members(zf, limits), limits, label="压缩包文件")
    finally:
        zf.close()
    doc.facts["members"] = outcome.read + [name for name, _ in outcome.unread]
    nested.unread_note(doc, outcome, "压缩包")
    if not doc.facts["members"]:
        doc.residue.append(
            ResidueNote(
                "empty_bundle",
                "压缩包中没有可审查的文件（为空或只有文件夹），请确认打包是否完整",
                Location(part="attachment"),
                severity="review",
            )
        )
    return doc
