"""One ledger client process for the concurrency tests: submits through the core, one after
another, printing one JSON line per submit. Run as ``python -m tests.helpers.pg_client``.

    --db URL --office O --user U --count N (0: until killed) --docs DIR --tag T
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from secreview.config import Config
from secreview.service import Ledger
from tests.helpers.ledger import passphrase, write_doc


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--office", default=None)
    ap.add_argument("--user", required=True)
    ap.add_argument("--count", type=int, default=20)
    ap.add_argument("--docs", type=Path, required=True)
    ap.add_argument("--tag", required=True)
    args = ap.parse_args()
    config = replace(Config(), db_url=args.db, ledger_office=args.office, use_classifier=False)
    with Ledger.open(config) as ledger:
        import psycopg

        with psycopg.connect(args.db) as conn:  # where the server sees this client from
            row = conn.execute("SELECT host(inet_client_addr())").fetchone()
        print(json.dumps({"client": row[0] if row else None}), flush=True)
        signer = ledger.unlock(args.user, passphrase(args.user))
        args.docs.mkdir(parents=True, exist_ok=True)
        i = 0
        while args.count == 0 or i < args.count:
            i += 1
            doc = write_doc(args.docs, f"{args.tag}-{i}.txt", "pass", salt=f"{args.tag}-{i}")
            info = ledger.submit(doc, f"{args.tag}-{i}", "办公室", None, None, signer)
            print(json.dumps({"id": info["id"], "seq": info["seq"]}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
