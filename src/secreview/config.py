"""Run configuration: a frozen dataclass passed down explicitly (no global settings)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _default_rules_dir() -> Path:
    # Source checkout / editable install: <repo>/rules. Installed wheel: bundled copy.
    repo = PACKAGE_DIR.parent.parent / "rules"
    return repo if repo.is_dir() else PACKAGE_DIR / "data" / "rules"


def _default_model_dir() -> Path:
    repo = PACKAGE_DIR.parent.parent / "models" / "default"
    return repo if repo.is_dir() else PACKAGE_DIR / "data" / "models" / "default"


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
    seconds_per_file: float = 120.0
    convert_seconds: float = 120.0
    max_xlsx_cells: int = 5_000_000
    # Images: refuse a picture larger than this before decoding it (decompression bombs);
    # OCR stops after ``ocr_seconds`` per file and lists the pages left for a person.
    max_image_pixels: int = 90_000_000
    ocr_seconds: float = 60.0


@dataclass(frozen=True)
class Config:
    rules_dirs: tuple[Path, ...] = field(default_factory=lambda: (_default_rules_dir(),))
    model_dir: Path | None = field(default_factory=_default_model_dir)
    limits: Limits = field(default_factory=Limits)
    db_path: Path = field(
        default_factory=lambda: Path(os.environ.get("SECREVIEW_DB", "secreview.db"))
    )
    user: str | None = None
    use_classifier: bool = True
