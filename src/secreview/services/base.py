"""What every application service shares: one office's storage and blobs, the config, the
accounts service and the clock — and the few steps every write takes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from secreview import workflow as wf
from secreview.config import Config
from secreview.errors import Refused, UsageError
from secreview.ledger.blobs import Blobs
from secreview.ledger.storage import Storage
from secreview.model import Event
from secreview.services.accounts import Accounts
from secreview.services.projections import project

# The chain, verification and the outside anchors are imported by the steps that write or
# verify, not here: a read (``queue``) needs none of them (start-up, issue 17).
if TYPE_CHECKING:
    from secreview.ledger import checkpoints as cps
    from secreview.ledger.signing import Signer


@dataclass
class Context:
    storage: Storage
    blobs: Blobs
    config: Config
    accounts: Accounts

    # -- time and identity -------------------------------------------------------------------

    def now(self) -> str:
        return self.accounts.now()

    def users(self) -> dict[str, wf.User]:
        """Who is registered (an unverified read; writes authorize on the verified fold)."""
        return self.accounts.unverified().users()

    def whoami(self, actor: str | None, what: str) -> wf.User:
        return wf.require_user(self.users(), wf.user_name(actor) if actor else None, what)

    def authorize(self, tx: Storage, signer: Signer, what: str) -> wf.User:
        return self.accounts.authorize(tx, signer, what)[0]

    # -- writing -----------------------------------------------------------------------------

    def append(
        self,
        tx: Storage,
        signer: Signer,
        action: str,
        sid: str | None,
        version: int | None,
        payload: dict[str, Any],
    ) -> Event:
        """Sign and append one event (chain.append: the chain is computed here, above
        the storage), inside ``tx``."""
        from secreview.ledger.chain import append

        return append(tx, signer, action, sid, version, payload, self.now())

    def record_audit(self, signer: Signer, what: str, payload: dict[str, Any]) -> None:
        """An audit request, recorded (signed, by an auditor or admin) before the audit is
        built, so that the head hash it prints covers it."""
        with self.storage.write() as tx:
            wf.check_audit(self.authorize(tx, signer, what))
            self.append(tx, signer, "audit", None, None, payload)
            tx.set_projection_seq(tx.head()[0])

    def project(self, tx: Storage, sid: str | None = None) -> None:
        project(tx, sid)

    # -- reading an item ---------------------------------------------------------------------

    def state(
        self, sid: str, user: wf.User | None = None, tx: Storage | None = None
    ) -> wf.SubmissionState:
        state = wf.fold_submission((tx or self.storage).events_for(sid))
        if state is None:
            who = f"{user.label()}：" if user else ""
            raise Refused(f"{who}台账中没有稿件 {sid}")
        return state

    def verified_state(self, tx: Storage, sid: str, user: wf.User, what: str) -> wf.SubmissionState:
        """The item's state from its verified events — or a refusal saying what is wrong."""
        from secreview.integrity import refusal, verify_item

        result, state = verify_item(
            tx, self.blobs, sid, checkpoints=self.checkpoints(), where=self.where()
        )
        if not result.ok:
            raise Refused(f"{user.label()}不能{what}：{refusal(result)}", code="ledger_broken")
        if state is None:
            raise Refused(f"{user.label()}：台账中没有稿件 {sid}")
        return state

    # -- outside anchors ---------------------------------------------------------------------

    def checkpoints(self, path: Path | None = None) -> list[cps.Checkpoint]:
        """The outside anchors verify checks this chain against: the auditor's checkpoint
        file, and (an office of a PostgreSQL ledger) the heads city audits recorded."""
        from secreview.ledger import checkpoints as cps
        from secreview.services.anchors import city_anchors

        target = path or self.config.checkpoints_path()
        try:
            known = cps.load(target)
        except cps.CheckpointFileError as e:
            raise UsageError(str(e), code="bad_checkpoints") from e
        if self.storage.office is not None:
            known += city_anchors(self.config.db, self.storage.office)
        return known

    def where(self) -> str:
        """Where this chain lives (checkpoints name it): a resolved path, or URL#office."""
        return self.storage.location
