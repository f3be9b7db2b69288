"""The one rooted tree of expected failures, each with a stable code.

    MetroblocError                 any expected failure; ``code`` is ``"<module>.<reason>"``
    ├── InvalidInput               malformed bytes, JSON, schema or limits (HTTP 400)
    ├── InvalidTx                  a well-formed tx that can never be valid (HTTP 400)
    ├── Unauthorized               a signature or role does not allow the action (HTTP 401)
    ├── NotFound                   the thing asked for does not exist (HTTP 404)
    ├── Conflict                   the tx clashes with the ledger's state (HTTP 409)
    ├── TooLarge                   a size limit was exceeded (HTTP 413)
    ├── Unavailable                the node cannot take the request now (HTTP 503)
    └── VerificationFailed         an offline proof or signature check failed

Handlers raise these to fail a transaction; the API maps each class to one HTTP status in one
table. Bugs are not part of this tree: they stay ``assert`` or ordinary Python exceptions.
"""

from __future__ import annotations


class MetroblocError(Exception):
    """An expected failure with a stable machine-readable code such as ``assets.insufficient_funds``."""

    default_code = "metrobloc.error"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = str(code or self.default_code)  # a plain str, also for a registered ErrorCode

    def to_dict(self) -> dict[str, str]:
        """The ``{"code", "message"}`` object carried in receipts and HTTP errors."""
        return {"code": self.code, "message": self.message}


class InvalidInput(MetroblocError):
    default_code = "request.invalid"


class InvalidTx(MetroblocError):
    default_code = "tx.invalid"


class Unauthorized(MetroblocError):
    default_code = "tx.unauthorized"


class NotFound(MetroblocError):
    default_code = "request.not_found"


class Conflict(MetroblocError):
    default_code = "tx.conflict"


class TooLarge(MetroblocError):
    default_code = "request.too_large"


class Unavailable(MetroblocError):
    default_code = "node.unavailable"


class VerificationFailed(MetroblocError):
    default_code = "verify.failed"


__all__ = [
    "Conflict",
    "InvalidInput",
    "InvalidTx",
    "MetroblocError",
    "NotFound",
    "TooLarge",
    "Unauthorized",
    "Unavailable",
    "VerificationFailed",
]
