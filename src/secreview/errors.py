"""Errors the core raises. Each carries the report's error ``code`` (DESIGN.md §3).

The core raises these (``raise ... from e``); it never prints, exits or swallows them.
The CLI maps them to exit codes: input errors → 2, refusals → 1.
"""

from __future__ import annotations


class SecreviewError(Exception):
    """Base class. ``code`` is machine-readable, ``message`` is for people (Chinese first)."""

    code = "error"
    exit_code = 2

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class InputError(SecreviewError):
    """The input file cannot be read as a document."""

    exit_code = 2


class NotFound(InputError):
    code = "not_found"


class NotRegularFile(InputError):
    """A FIFO, device or socket: not a document, and reading it could block or never end."""

    code = "not_regular_file"


class CorruptFile(InputError):
    code = "corrupt_file"


class EncryptedPdf(InputError):
    code = "encrypted_pdf"


class EncryptedFile(InputError):
    code = "encrypted_file"


class UnsupportedFormat(InputError):
    code = "unsupported_format"


class TooLarge(InputError):
    code = "too_large"


class Timeout(InputError):
    code = "timeout"


class MissingTool(InputError):
    code = "missing_tool"


class UsageError(SecreviewError):
    """Bad arguments or configuration (bad rule file, bad model directory …)."""

    code = "usage"
    exit_code = 2


class Refused(SecreviewError):
    """A workflow action refused: permission, state, hash mismatch, failed verify."""

    code = "refused"
    exit_code = 1


class StorageError(SecreviewError):
    """The ledger's database failed (disk, connection, a broken file): nothing was recorded.

    Storage backends wrap their driver's errors (sqlite3, psycopg) in this at their own
    boundary, so no driver exception reaches the application services or the CLI.
    """

    code = "storage_error"
    exit_code = 1


class DiskFull(StorageError):
    """No room to write: the disk (or quota, or this process's file-size limit) is full.
    The failed step left the ledger as it was (DESIGN §4)."""

    code = "disk_full"


class ReadOnlyLedger(StorageError):
    """The ledger can only be read (its file or folder is not writable, or the medium is
    mounted read-only): reading commands work, writing ones are refused with this."""

    code = "read_only"


class LedgerBusy(StorageError):
    """Another writer held the ledger for longer than the wait allowed."""

    code = "ledger_busy"
