"""Application services: what the CLI and the review desk call, each named for what it does.

Each is a small class over one office's :class:`~secreview.ledger.storage.Storage` and its
blob store, sharing a :class:`~secreview.services.base.Context` (storage, blobs, config, the
accounts service, the clock). Permissions are enforced here, in the core: inside one write
transaction the signer's key is checked against the verified key history, the policy
(workflow.py) is re-checked on the events themselves, and the event is signed and appended
(ledger/chain.py) — two people acting at once cannot both win. A refusal raises
:class:`~secreview.errors.Refused` before anything is written.

| module | service | does |
|---|---|---|
| accounts.py | Accounts | init, users, enrolment, passphrases, keys, unlocking |
| submissions.py | Submissions | scan and record a submitted version |
| items.py | Items | the queue, an item's findings and history (``show``, ``--reveal``) |
| reviews.py | Reviews | the reviewer's decision and the leader's sign-off |
| publications.py | Publications | ``publish`` and the CMS gate ``check`` |
| archive.py | Archive | ``export`` of stored bytes |
| verification.py | Verification | ``ledger verify`` and ``ledger checkpoint`` |
| audits.py | Audits | the printed 台账 of an office (city-wide: city.py) |
| city.py | City | the city level of a PostgreSQL ledger: every office's chain, city audits |
| anchors.py | city_anchors | office heads recorded by city audits, checked by verify |
| sweeps.py | Sweeps | 定期梳理 of published files |
| projections.py | Projections | the derived tables, kept and rebuilt from events |
| copying.py | copy_ledger | ``ledger copy``: an office's chain into another ledger |

``secreview.service.Ledger`` is the single entry point over all of them.
"""
