"""The single entry point the CLI, the review desk and tests call: :class:`Ledger`.

It opens one office's chain of a ledger (a SQLite file or a PostgreSQL database, chosen by
``ledger/backends.py`` from ``--db``) and hands each call to the application service that does
it (secreview.services): Submissions, Items, Reviews, Publications, Archive, Verification,
Audits, Sweeps, Projections and Accounts. The methods here are thin delegation with the names
and signatures they always had; the work, and the permission checks, are in the services.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from secreview import workflow as wf
from secreview.checks import ensure_fingerprints
from secreview.config import Config
from secreview.errors import UsageError
from secreview.integrity import refusal
from secreview.ledger.backends import open_backend
from secreview.ledger.blobs import Blobs
from secreview.ledger.chain import VerifyResult
from secreview.ledger.keys import DEFAULT_COST
from secreview.ledger.signing import Signer
from secreview.ledger.storage import Storage, office_key
from secreview.mask import mask_deep
from secreview.model import Report
from secreview.pipeline import provenance
from secreview.report.audit import Audit
from secreview.services.accounts import Accounts, Clock
from secreview.services.archive import Archive
from secreview.services.audits import Audits
from secreview.services.base import Context
from secreview.services.items import Items
from secreview.services.projections import Projections
from secreview.services.publications import Publications
from secreview.services.reviews import Reviews
from secreview.services.submissions import Submissions
from secreview.services.sweeps import Sweeps
from secreview.services.verification import Verification

# Names other modules imported from here before the split.
_ensure_fingerprints = ensure_fingerprints
__all__ = ["Ledger", "mask_deep", "provenance", "refusal"]


class Ledger:
    """One office's ledger (storage + blob store) and the services over it."""

    def __init__(
        self,
        storage: Storage,
        blobs: Blobs,
        config: Config,
        *,
        clock: Clock | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.storage = storage
        self.blobs = blobs
        self.config = config
        self.accounts = Accounts(storage, clock=clock, sleep=sleep)
        self.ctx = Context(storage, blobs, config, self.accounts)
        self.submissions = Submissions(self.ctx)
        self.views = Items(self.ctx)  # queue, show, listing, document
        self.reviews = Reviews(self.ctx)
        self.publications = Publications(self.ctx)
        self.archive = Archive(self.ctx)
        self.verification = Verification(self.ctx)
        self.audits = Audits(self.ctx)
        self.sweeps = Sweeps(self.ctx)
        self.projections = Projections(storage)

    # -- opening ----------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        config: Config,
        *,
        create: bool = False,
        refresh: bool = True,
        clock: Clock | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> Ledger:
        """Open the ledger; re-derive the projections if they lag the events.

        ``refresh=False`` (verify) reads the events only and writes nothing.
        """
        backend = open_backend(config.db, config.ledger_office, create=create)
        ledger = cls(backend.storage, backend.blobs, config, clock=clock, sleep=sleep)
        try:
            if refresh and not ledger.storage.read_only and ledger.projections.lagging():
                ledger.rebuild_projections()
        except BaseException:
            ledger.close()
            raise
        return ledger

    @classmethod
    def init(
        cls,
        config: Config,
        admin: str,
        passphrase: str,
        office: str | None = None,
        kdf_cost: int = DEFAULT_COST,
        *,
        clock: Clock | None = None,
    ) -> tuple[Ledger, dict[str, Any]]:
        """Create the ledger with its first admin (their key, under their passphrase)."""
        from dataclasses import replace

        office = (office or "").strip() or None
        if config.db_url:  # in PostgreSQL the office names the chain to create
            office = office or config.ledger_office
            if not office:
                raise UsageError(
                    "在 PostgreSQL 台账中建立单位须写明单位名称：init --admin 姓名 --office 单位"
                )
            office = office_key(office)
            config = replace(config, ledger_office=office)
        ledger = cls.open(config, create=True, clock=clock)
        try:
            ledger.blobs.create_root()
            info = ledger.accounts.create(admin, passphrase, office, kdf_cost)
        except BaseException:
            ledger.close()
            raise
        info["db"] = ledger.storage.location if config.db_url else str(config.db_path)
        return ledger, info

    def unlock(
        self, name: str | None, passphrase: str, what: str = "操作", *, lockout: bool = False
    ) -> Signer:
        """The user's key, opened with their passphrase. ``lockout`` (the review desk, reached
        over the network): refuse at once, without trying the passphrase, while the account is
        locked after repeated failures (accounts.py)."""
        if lockout:
            self.accounts.check_lockout(name, what)
        return self.accounts.unlock(name, passphrase, what)

    def close(self) -> None:
        self.storage.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def now(self) -> str:
        return self.ctx.now()

    # -- delegation (names and signatures as before the split) --------------------------------

    def rebuild_projections(self) -> int:
        return self.projections.rebuild()

    def users(self) -> dict[str, wf.User]:
        return self.ctx.users()

    def whoami(self, actor: str | None, what: str) -> wf.User:
        return self.ctx.whoami(actor, what)

    def scan(self, data: bytes, filename: str) -> tuple[Report, str | None]:
        return self.submissions.scan(data, filename)

    def submit(
        self,
        file_path: str | Path,
        title: str | None,
        dept: str | None,
        channel: str | None,
        revises: str | None,
        signer: Signer,
        *,
        precomputed: tuple[Report, str | None] | None = None,
        allow_duplicate: bool = False,
    ) -> dict[str, Any]:
        return self.submissions.submit(
            file_path,
            title,
            dept,
            channel,
            revises,
            signer,
            precomputed=precomputed,
            allow_duplicate=allow_duplicate,
        )

    def queue(self, actor: str | None) -> list[dict[str, Any]]:
        return self.views.queue(actor)

    def items(self, actor: str | None) -> list[dict[str, Any]]:
        """Every item the caller may read, newest first (the desk's listing)."""
        return self.views.list_items(actor)

    def document(
        self, sid: str, actor: str | None, version: int | None = None, *, data: bool = True
    ) -> dict[str, Any]:
        """One stored version for reading its text in place (see ``Items.document``)."""
        return self.views.document(sid, actor, version, data=data)

    def overview(self, actor: str | None) -> dict[str, Any]:
        """Verify status, last checkpoint, latest sweeps — for auditors; not recorded."""
        return self.verification.overview(actor)

    def show(
        self,
        sid: str,
        actor: str | None,
        reveal: bool = False,
        version: int | None = None,
        signer: Signer | None = None,
    ) -> dict[str, Any]:
        return self.views.show(sid, actor, reveal=reveal, version=version, signer=signer)

    def review(
        self,
        sid: str,
        signer: Signer,
        approve: bool,
        dismissals: Sequence[tuple[str | int, str]] = (),
        comment: str | None = None,
    ) -> dict[str, Any]:
        return self.reviews.review(sid, signer, approve, dismissals, comment)

    def sign(
        self,
        sid: str,
        signer: Signer,
        approve: bool,
        accept_dismissals: bool = False,
        comment: str | None = None,
    ) -> dict[str, Any]:
        return self.reviews.sign(sid, signer, approve, accept_dismissals, comment)

    def publish(
        self, sid: str, signer: Signer, channel: str | None = None, url: str | None = None
    ) -> dict[str, Any]:
        return self.publications.publish(sid, signer, channel, url)

    def check(self, data: bytes) -> dict[str, Any] | None:
        return self.publications.check(data)

    def explain_unsigned(self, data: bytes, filename: str) -> dict[str, Any]:
        return self.publications.explain_unsigned(data, filename)

    def export(self, sid: str, version: int | None, signer: Signer) -> tuple[bytes, dict[str, Any]]:
        return self.archive.export(sid, version, signer)

    def verify(
        self,
        expect_head: str | None = None,
        checkpoints: Path | None = None,
        jobs: int | None = None,
    ) -> VerifyResult:
        return self.verification.verify(expect_head, checkpoints, jobs)

    def checkpoint(self, signer: Signer, path: Path | None = None) -> dict[str, Any]:
        return self.verification.checkpoint(signer, path)

    def audit(
        self,
        signer: Signer,
        period_from: str | None = None,
        period_to: str | None = None,
        dept: str | None = None,
        office: str | None = None,
        fmt: str = "text",
        annual: int | None = None,
        *,
        offices: Sequence[str] | None = None,
    ) -> Audit:
        return self.audits.audit(
            signer, period_from, period_to, dept, office, fmt, annual, offices=offices
        )

    def sweep(
        self,
        signer: Signer,
        paths: Sequence[str | Path],
        jobs: int | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> dict[str, Any]:
        return self.sweeps.sweep(signer, paths, jobs=jobs, progress=progress)
