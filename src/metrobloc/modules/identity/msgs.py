"""Messages of the identity module, each declared once (the parser, SDK, CLI and spec come from here)."""

from __future__ import annotations

import re
from typing import Annotated

from msgspec import Meta

from metrobloc.errors import InvalidInput
from metrobloc.execution.messages import Address, Key32, Message, Record, Text, field
from metrobloc.modules.identity import errors

MAX_SERVICES = 8
MAX_TYPES = 16
MAX_SCHEMA_CHARS = 16384
MAX_TIME_MS = 2**53 - 1
MAX_HOLDERS = 256
"""Holders one enrol or unenrol message names."""


class CredentialType(Text):
    """A credential type: an upper-case letter, then letters and digits (e.g. ResidencyCredential)."""

    pattern = re.compile(r"^[A-Z][A-Za-z0-9]{0,63}$")
    example = "ResidencyCredential"


class SchemaId(Text):
    """A schema id: lower-case letters, digits, . _ and -, 1 to 64 characters (e.g. residency-v1)."""

    pattern = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
    example = "residency-v1"


class ListId(Text):
    """A status list id: lower-case letters, digits, . _ and -, 1 to 64 characters (e.g. revocation-1)."""

    pattern = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
    example = "revocation-1"


class ListKind(Text):
    """``bitstring`` (W3C Bitstring Status List, for VC-DI credentials) or ``token`` (IETF Token Status List)."""

    pattern = re.compile(r"^(bitstring|token)$")
    example = "bitstring"


class Digest(Text):
    """A SHA-256 digest in lower-case hex (of a document kept off the ledger)."""

    pattern = re.compile(r"^[0-9a-f]{64}$")
    code = "identity.bad_digest"
    example = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


class ServiceId(Text):
    """A service's fragment: a lower-case letter, then lower-case letters, digits and - (e.g. website)."""

    pattern = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
    example = "website"


class ServiceType(Text):
    """A service type, e.g. LinkedDomains or BitstringStatusList: letters and digits."""

    pattern = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,63}$")
    example = "LinkedDomains"


class Endpoint(Text):
    """An https URL of printable ASCII without spaces, at most 512 characters."""

    pattern = re.compile(r"^https://[!-~]{1,504}$")
    code = "identity.bad_endpoint"
    example = "https://city.example/"


class Service(Record, frozen=True):
    """A DID document service: ``#<id>``, its type and its endpoint."""

    id: Annotated[ServiceId, field("Fragment of the service id (did:mb:...#<id>).")]
    type: Annotated[ServiceType, field("Service type, e.g. LinkedDomains.")]
    endpoint: Annotated[Endpoint, field("An https URL.")]


Services = Annotated[tuple[Service, ...], Meta(max_length=MAX_SERVICES)]


def _unique_services(services: tuple[Service, ...]) -> None:
    if len({s.id for s in services}) != len(services):
        raise InvalidInput("service ids must be unique", "identity.duplicate_service")


class CreateDid(Message, tag="identity/create_did", frozen=True):
    """Create the sender's DID, did:mb:<address>, with its current key (which signs the tx)."""

    public_key: Annotated[Key32, field("The account's current Ed25519 key (the one signing this tx).")]
    services: Annotated[Services, field("Services of the DID document (a website, a status list...).")] = ()

    def __post_init__(self) -> None:
        _unique_services(self.services)


class SetServices(Message, tag="identity/set_services", frozen=True):
    """Replace the services of the sender's DID document."""

    services: Annotated[Services, field("The new services (all of them).")]

    def __post_init__(self) -> None:
        _unique_services(self.services)


class DeactivateDid(Message, tag="identity/deactivate_did", frozen=True):
    """Deactivate the sender's DID for good: resolution then answers 410 with deactivated: true."""

    reason_digest: Annotated[Digest | None, field("Digest of a reason kept off the ledger.")] = None


class MarkKeyCompromised(Message, tag="identity/mark_key_compromised", frozen=True):
    """Mark one of the sender's former keys compromised: its signatures from since_ms on are invalid."""

    public_key: Annotated[Key32, field("The former key (rotate away from a key before marking it).")]
    since_ms: Annotated[
        int, Meta(ge=0, le=MAX_TIME_MS), field("Block time (Unix ms) from which its signatures are invalid.")
    ]


class Accredit(Message, tag="identity/accredit", frozen=True):
    """Accredit an issuer for credential types within a window (root authority, or a parent accreditation)."""

    subject: Annotated[Address, field("The issuer (an agency, a university, a hospital...).")]
    types: Annotated[
        tuple[CredentialType, ...], Meta(min_length=1, max_length=MAX_TYPES), field("Credential types it may issue.")
    ]
    valid_from_ms: Annotated[int, Meta(ge=0, le=MAX_TIME_MS), field("Start of the window (Unix ms).")]
    valid_until_ms: Annotated[int, Meta(ge=1, le=MAX_TIME_MS), field("End of the window (Unix ms, exclusive).")]
    may_accredit: Annotated[
        bool, field("It may accredit others for these types within this window.", cli="may-accredit/--no-may-accredit")
    ] = False
    parent: Annotated[
        int | None,
        field("The sender's own accreditation that allows this (none: the sender is the root authority)."),
    ] = None

    def __post_init__(self) -> None:
        if self.parent is not None and not 1 <= self.parent <= MAX_TIME_MS:
            raise InvalidInput("parent is an accreditation id, from 1", errors.BAD_PARENT_ID)
        if len(set(self.types)) != len(self.types):
            raise InvalidInput("types must be unique", "identity.duplicate_type")
        if self.valid_until_ms <= self.valid_from_ms:
            raise InvalidInput("valid_until_ms must be after valid_from_ms", "identity.bad_window")


class RevokeAccreditation(Message, tag="identity/revoke_accreditation", frozen=True):
    """Revoke an accreditation (whoever granted it, or the root authority)."""

    accreditation: Annotated[int, Meta(ge=1, le=MAX_TIME_MS), field("The accreditation's id.")]


class RegisterSchema(Message, tag="identity/register_schema", frozen=True):
    """Register a credential schema: a JSON Schema document, stored with its digest."""

    schema_id: Annotated[SchemaId, field("The schema's id.")]
    credential_type: Annotated[CredentialType, field("The credential type it describes.")]
    document: Annotated[str, Meta(min_length=2, max_length=MAX_SCHEMA_CHARS), field("The JSON Schema, as JSON text.")]


class AnchorStatus(Message, tag="identity/anchor_status", frozen=True):
    """Anchor one publication of the sender's status list: its version, digest and validity."""

    list_id: Annotated[ListId, field("The list's id.")]
    kind: Annotated[ListKind, field("bitstring or token.")]
    version: Annotated[int, Meta(ge=1, le=MAX_TIME_MS), field("Publication number; each exceeds the last.")]
    digest: Annotated[Digest, field("SHA-256 of the published list credential or token, as served.")]
    valid_until_ms: Annotated[int, Meta(ge=1, le=MAX_TIME_MS), field("Verifiers refuse this publication after.")]


class Enrol(Message, tag="identity/enrol", frozen=True):
    """Enrol holders of a credential type in the census: their addresses only, no personal data (an issuer
    accredited for the type; the credential itself stays with its holder, off the ledger)."""

    credential_type: Annotated[
        CredentialType, field("The credential type the holders hold (e.g. ResidencyCredential).")
    ]
    holders: Annotated[
        tuple[Address, ...], Meta(min_length=1, max_length=MAX_HOLDERS), field("The holders' addresses, unique.")
    ]
    until_ms: Annotated[
        Annotated[int, Meta(ge=1, le=MAX_TIME_MS)] | None,
        field("The enrolment ends then (Unix ms, exclusive); none: no end."),
    ] = None

    def __post_init__(self) -> None:
        _unique_holders(self.holders)


class Unenrol(Message, tag="identity/unenrol", frozen=True):
    """End the sender's enrolments of holders for a credential type (the credential was revoked, the resident left)."""

    credential_type: Annotated[CredentialType, field("The credential type.")]
    holders: Annotated[
        tuple[Address, ...], Meta(min_length=1, max_length=MAX_HOLDERS), field("The holders' addresses, unique.")
    ]

    def __post_init__(self) -> None:
        _unique_holders(self.holders)


def _unique_holders(holders: tuple[str, ...]) -> None:
    if len(set(holders)) != len(holders):
        raise InvalidInput("holders must be unique", "identity.duplicate_holder")


class LogAccess(Message, tag="identity/log_access", frozen=True):
    """Log an access to a subject's personal document kept off the ledger (role pds_agency)."""

    subject: Annotated[Address, field("Whose document was read.")]
    document_digest: Annotated[Digest, field("The document's digest.")]
    purpose_digest: Annotated[Digest, field("Digest of the signed request (who, why, on what basis).")]


class RecordErasure(Message, tag="identity/record_erasure", frozen=True):
    """Record that a personal document was erased from the agency's store (role pds_agency)."""

    subject: Annotated[Address, field("Whose document was erased.")]
    document_digest: Annotated[Digest, field("The erased document's digest (it stays valid as a digest).")]


MESSAGES = (
    CreateDid,
    SetServices,
    DeactivateDid,
    MarkKeyCompromised,
    Accredit,
    RevokeAccreditation,
    RegisterSchema,
    AnchorStatus,
    Enrol,
    Unenrol,
    LogAccess,
    RecordErasure,
)
