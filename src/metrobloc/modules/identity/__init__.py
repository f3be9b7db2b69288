"""Identity: did:mb DIDs with key history, trusted issuers and schemas, status-list anchors, and the
log of access to personal data kept off the ledger (docs/spec/did-method.md, credentials.md)."""

from metrobloc.execution import EventSpec, Module, QuerySpec, error_codes
from metrobloc.modules.identity import errors
from metrobloc.modules.identity.handlers import AGENCY, ROOT, IdentityHandlers
from metrobloc.modules.identity.keeper import IdentityKeeper
from metrobloc.modules.identity.msgs import MESSAGES

KEEPER = IdentityKeeper()

MODULE = Module(
    name="identity",
    doc="DIDs (did:mb), trusted issuers and schemas, status-list anchors, personal-data access log.",
    package=__name__,
    messages=MESSAGES,
    handlers=lambda accounts: IdentityHandlers(KEEPER, accounts),
    needs={"accounts": "accounts"},
    keeper=KEEPER,
    events=(
        EventSpec("identity/create_did", ("did",), "A DID was created with the account's current key."),
        EventSpec("identity/set_services", ("did",), "A DID document's services changed."),
        EventSpec("identity/deactivate_did", ("did", "reason_digest"), "A DID was deactivated for good."),
        EventSpec("identity/mark_key_compromised", ("did", "since_ms"), "A former key was marked compromised."),
        EventSpec(
            "identity/accredit",
            ("accreditation", "subject", "accreditor", "types"),
            "An issuer was accredited for credential types (comma-separated).",
        ),
        EventSpec("identity/revoke_accreditation", ("accreditation", "subject"), "An accreditation was revoked."),
        EventSpec("identity/register_schema", ("schema_id", "digest"), "A credential schema was registered."),
        EventSpec(
            "identity/anchor_status", ("issuer", "list_id", "version"), "A status list publication was anchored."
        ),
        EventSpec(
            "identity/enrol",
            ("issuer", "credential_type", "holders", "accreditation"),
            "An issuer enrolled holders (how many) in the census of a credential type under its accreditation.",
        ),
        EventSpec(
            "identity/unenrol",
            ("issuer", "credential_type", "holders"),
            "An issuer ended its enrolments of holders (how many) for a credential type.",
        ),
        EventSpec(
            "identity/log_access",
            ("subject", "document_digest", "agency"),
            "An agency read a personal document kept off the ledger.",
        ),
        EventSpec("identity/record_erasure", ("subject", "document_digest"), "A personal document was erased."),
    ),
    errors=error_codes(vars(errors)),
    queries=(
        QuerySpec(
            "did",
            "/1.0/identifiers/{did}",
            "Resolve a DID (W3C DID Resolution).",
            (("versionId", "The document as of this block height."), ("versionTime", "... or of this date-time.")),
        ),
        QuerySpec(
            "accreditations",
            "/v1/identity/issuers/{address}",
            "An issuer's accreditations.",
            (("type", "With --at-ms: was it accredited for this credential type?"), ("at_ms", "At this Unix ms.")),
        ),
        QuerySpec("schema", "/v1/identity/schemas/{schema_id}", "A registered credential schema."),
        QuerySpec("status", "/v1/identity/status/{issuer}/{list_id}", "A status list's last anchored publication."),
    ),
)

__all__ = ["AGENCY", "KEEPER", "MODULE", "ROOT", "IdentityKeeper"]
