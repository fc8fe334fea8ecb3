"""Guarded access to OOXML packages: member count, sizes, ratio, and XML without DTDs.

Used by the DOCX and XLSX extractors before any library opens the package, so a zip bomb
or a billion-laughs entity is refused with ``too_large``/``corrupt_file`` instead of a hang.
"""

from __future__ import annotations

import io
import re
import zipfile

import lxml.etree

from secreview.config import Limits
from secreview.errors import CorruptFile, TooLarge

_PARSER = lxml.etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, remove_comments=False
)


_XML_PARTS = (".xml", ".rels", ".vml")


class Package(zipfile.ZipFile):
    """A zip package whose XML parts are decompressed once: ``check_all_xml`` reads the small
    ones whole (and only the head of a large one), the extractor then reads the ones it
    parses (issue 17)."""

    def __init__(self, file: io.BytesIO) -> None:
        super().__init__(file)
        self.parts: dict[str, bytes] = {}


def open_package(data: bytes, limits: Limits) -> zipfile.ZipFile:
    """Open a zip package after checking it is not a bomb. Caller closes it."""
    try:
        zf = Package(io.BytesIO(data))
    except (zipfile.BadZipFile, EOFError, ValueError, OSError) as e:
        raise CorruptFile(f"文件已损坏，无法作为 Office 文档打开（{e}）") from e
    infos = zf.infolist()
    if len(infos) > limits.max_zip_members:
        zf.close()
        raise TooLarge(f"文档包含的部件过多（{len(infos)} 个，上限 {limits.max_zip_members}）")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > limits.max_member_bytes:
            zf.close()
            raise TooLarge(
                f"文档部件 {info.filename} 解压后过大（{info.file_size / 1048576:.0f} MB），疑似压缩炸弹"
            )
        if info.compress_size > 0 and info.file_size > 1024 * 1024:
            if info.file_size / info.compress_size > limits.max_compression_ratio:
                zf.close()
                raise TooLarge(f"文档部件 {info.filename} 压缩比异常，疑似压缩炸弹（zip bomb）")
    if total > limits.max_uncompressed_bytes:
        zf.close()
        raise TooLarge(f"文档解压后总大小过大（{total / 1048576:.0f} MB），疑似压缩炸弹")
    return zf


def read_member(zf: zipfile.ZipFile, name: str, limits: Limits) -> bytes | None:
    """Read one member with a hard size cap (the header sizes can lie)."""
    cache = zf.parts if isinstance(zf, Package) else None
    if cache is not None and name in cache:
        return cache[name]
    data = _read_member(zf, name, limits)
    if cache is not None and data is not None and name.endswith(_XML_PARTS):
        cache[name] = data
    return data


def _read_member(zf: zipfile.ZipFile, name: str, limits: Limits) -> bytes | None:
    try:
        info = zf.getinfo(name)
    except KeyError:
        return None
    cap = limits.max_member_bytes
    try:
        with zf.open(info) as fh:
            data = fh.read(cap + 1)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as e:
        raise CorruptFile(f"文档部件 {name} 已损坏（{e}）") from e
    if len(data) > cap:
        raise TooLarge(f"文档部件 {name} 解压后过大，疑似压缩炸弹")
    return data


_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)
DOCTYPE_WINDOW = 4096  # a DTD comes before the root element
ENTITY_WINDOW = 65536


def check_xml(data: bytes, name: str) -> None:
    """OOXML parts never carry a DTD; one that does is hostile (billion laughs, XXE)."""
    if (
        _DOCTYPE.search(data, 0, DOCTYPE_WINDOW) is not None
        or _ENTITY.search(data, 0, ENTITY_WINDOW) is not None
    ):
        raise CorruptFile(f"文档部件 {name} 含有 DTD/实体声明（可能是恶意构造的文件），拒绝处理")


def parse_xml(data: bytes, name: str) -> lxml.etree._Element:
    check_xml(data, name)
    try:
        return lxml.etree.fromstring(data, parser=_PARSER)
    except lxml.etree.XMLSyntaxError as e:
        raise CorruptFile(f"文档部件 {name} 不是有效的 XML（{e}）") from e


def check_all_xml(zf: zipfile.ZipFile, limits: Limits) -> None:
    """Refuse the package if any XML part declares a DTD/entities.

    ``check_xml`` looks at a part's first ENTITY_WINDOW bytes only, so only those of a larger
    part are inflated here (Word's styles.xml and stylesWithEffects.xml are ~400 KB each and
    the extractors never read the latter); a part read later is read whole, with its CRC and
    size checks, by ``read_member``.
    """
    for info in zf.infolist():
        if info.filename.endswith(_XML_PARTS):
            if info.file_size <= ENTITY_WINDOW:
                data = read_member(zf, info.filename, limits)
            else:
                data = _read_head(zf, info)
            if data is not None:
                check_xml(data, info.filename)


def _read_head(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    cache = zf.parts if isinstance(zf, Package) else {}
    if info.filename in cache:
        return cache[info.filename]
    try:
        with zf.open(info) as fh:
            return fh.read(ENTITY_WINDOW)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as e:
        raise CorruptFile(f"文档部件 {info.filename} 已损坏（{e}）") from e
