"""The derived tables (users, submissions, versions): written in the same transaction as each
event, re-derived from the events whenever they lag. No decision reads them."""

from __future__ import annotations

from secreview import workflow as wf
from secreview.directory import IDENTITY_ACTIONS, Directory
from secreview.ledger.storage import Storage
from secreview.model import Event


def project(tx: Storage, sid: str | None = None) -> None:
    """After an append inside ``tx``: the item's row (if any) and the projection mark."""
    from secreview.integrity import project_state  # (not at import: queue reads, issue 17)

    if sid is not None:
        state = wf.fold_submission(tx.events_for(sid))
        if state is not None:
            row, versions = project_state(state)
            tx.put_submission(row, versions)
    tx.set_projection_seq(tx.head()[0])


def project_users(tx: Storage, d: Directory) -> None:
    seq = tx.head()[0]
    for a in d.accounts.values():
        tx.put_user(a.name, list(a.roles), list(a.depts), a.active, seq)
    tx.set_projection_seq(seq)


class Projections:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    def lagging(self) -> bool:
        return self.storage.projection_seq() != self.storage.head()[0]

    def rebuild(self) -> int:
        """Re-derive users/submissions/versions from the events. Returns the events read."""
        from secreview.integrity import project_state

        with self.storage.write() as tx:
            tx.clear_projections()
            by_sid: dict[str, list[Event]] = {}
            directory = Directory()
            n = 0
            for ev in tx.iter_events():
                n += 1
                if ev.action in IDENTITY_ACTIONS:
                    directory.apply_event(ev)
                elif ev.submission_id is not None and ev.action in wf.ITEM_ACTIONS:
                    by_sid.setdefault(ev.submission_id, []).append(ev)
            project_users(tx, directory)
            for events in by_sid.values():
                state = wf.fold_submission(events)
                if state is not None:
                    row, versions = project_state(state)
                    tx.put_submission(row, versions)
            tx.set_projection_seq(tx.head()[0])
        return n
