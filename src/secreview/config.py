"""Run configuration: a frozen dataclass passed down explicitly (no global settings)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from secreview.clock import OfficeClock

PACKAGE_DIR = Path(__file__).resolve().parent
# An installed wheel carries rules/, models/ and corpus/ here (pyproject: force-include).
BUNDLED_DIR = PACKAGE_DIR / "data"


def source_tree() -> Path | None:
    """The repository root when running from a checkout (editable install), else None."""
    root = PACKAGE_DIR.parent.parent
    if (root / "pyproject.toml").is_file() and (root / "src" / "secreview").is_dir():
        return root
    return None


def shipped_dir(name: str) -> Path:
    """``rules``, ``models`` or ``corpus``: the copy inside the package, else the checkout's."""
    bundled = BUNDLED_DIR / name
    if bundled.is_dir():
        return bundled
    root = source_tree()
    return (root if root is not None else PACKAGE_DIR) / name


def _default_rules_dir() -> Path:
    return shipped_dir("rules")


def _default_model_dir() -> Path:
    return shipped_dir("models") / "default"


@dataclass(frozen=True)
class Limits:
    """Bounds for hostile input. Each can be changed; the defaults suit office documents."""

    max_file_bytes: int = 200 * 1024 * 1024
    max_pages: int = 2000
    max_zip_members: int = 10_000
    max_uncompressed_bytes: int = 1024 * 1024 * 1024 // 2  # 512 MiB in all members
    max_member_bytes: int = 256 * 1024 * 1024
    max_compression_ratio: float = 200.0
    max_text_chars: int = 50_000_000
    # CPU seconds a file's extraction and checks may use: on a loaded machine a big file is
    # slow in wall time but not in CPU time, and only a hostile file uses this much CPU.
    seconds_per_file: float = 120.0
    # Wall-clock ceiling per file (a file stuck waiting, not computing).
    wall_seconds_per_file: float = 1200.0
    convert_seconds: float = 120.0
    max_xlsx_cells: int = 5_000_000
    # Images: refuse a picture larger than this before decoding it (decompression bombs);
    # OCR stops after ``ocr_seconds`` of CPU time per file (half of ``seconds_per_file``) and
    # lists the pages left for a person.
    max_image_pixels: int = 90_000_000
    ocr_seconds: float = 60.0


def _env_db() -> str | None:
    value = os.environ.get("SECREVIEW_DB")
    return None if value is None or "://" in value else value


def _env_url() -> str | None:
    value = os.environ.get("SECREVIEW_DB")
    return value if value and "://" in value else None


@dataclass(frozen=True)
class Config:
    rules_dirs: tuple[Path, ...] = field(default_factory=lambda: (_default_rules_dir(),))
    model_dir: Path | None = field(default_factory=_default_model_dir)
    limits: Limits = field(default_factory=Limits)
    db_path: Path = field(default_factory=lambda: Path(_env_db() or "secreview.db"))
    # A PostgreSQL ledger (``postgresql://user@host/db``): many offices on one ledger; when
    # set it is used instead of db_path.
    db_url: str | None = field(default_factory=lambda: _env_url())
    # Which office's chain of a multi-office (PostgreSQL) ledger: global ``--office`` or
    # SECREVIEW_OFFICE; ``*`` is the city level (the city's inspectors). None: the only one.
    ledger_office: str | None = None
    user: str | None = None
    use_classifier: bool = True
    # Processes a scan may use (``scan --jobs``); None: every core. With 2 or more, one large
    # document's classifier work is shared with a helper process (classify/split.py).
    jobs: int | None = None
    # from secreview.toml (settings.py); None: not set
    office: str | None = None
    default_channel: str | None = None
    time_zone: str = "Asia/Shanghai"
    pdf_font: str | None = None
    # The auditor's checkpoint file (outside the ledger); None: $SECREVIEW_HOME or ~/.secreview.
    checkpoints: Path | None = None

    def clock(self) -> OfficeClock:
        """The office clock for every time shown to people (``time_zone``; 北京时间)."""
        from secreview.clock import office_clock

        return office_clock(self.time_zone)

    @property
    def db(self) -> str | Path:
        """The ``--db`` value: a PostgreSQL URL, or the SQLite file."""
        return self.db_url if self.db_url else self.db_path

    def checkpoints_path(self) -> Path:
        from secreview.ledger.checkpoints import default_path

        return self.checkpoints or default_path()
