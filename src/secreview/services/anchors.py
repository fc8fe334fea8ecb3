"""Outside anchors an office's chain is verified against besides the auditor's checkpoint
file: the heads of it that validly signed city audits recorded (services/city.py)."""

from __future__ import annotations

import json
from pathlib import Path

from secreview.directory import IDENTITY_ACTIONS, Directory
from secreview.ledger.backends import is_url, list_offices, open_backend
from secreview.ledger.chain import KeyLookup, check_rows
from secreview.ledger.checkpoints import Checkpoint
from secreview.ledger.storage import CITY, Storage


def city_anchors(db: str | Path, office: str) -> list[Checkpoint]:
    """The heads of ``office`` that validly signed city audits recorded (outside anchors)."""
    if not is_url(db) or office == CITY or CITY not in list_offices(db):
        return []
    city = open_backend(db, CITY)
    try:
        return _anchors(city.storage, office)
    finally:
        city.storage.close()


def _anchors(city: Storage, office: str) -> list[Checkpoint]:
    with city.reading():
        directory = Directory.fold(city.raw_with_actions(IDENTITY_ACTIONS), check=True)
        rows = city.raw_with_actions(["audit"])
    _checked, bad = check_rows(rows, KeyLookup(directory.spans()))
    bad_seqs = {seq for seq, _ in bad}
    out = []
    for row in rows:
        if row[0] in bad_seqs:
            continue
        try:
            anchor = json.loads(row[6]).get("offices", {}).get(office)
            if anchor:
                out.append(
                    Checkpoint(
                        str(anchor["ledger_id"]),
                        str(anchor["genesis"]),
                        int(anchor["seq"]),
                        str(anchor["head"]),
                        row[1],
                        f"{row[2]}（全市检查）",
                        f"{city.location}",
                    )
                )
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
    return out
