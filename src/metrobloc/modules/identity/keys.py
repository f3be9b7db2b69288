"""State key layout of the identity module (docs/spec/state.md §identity)."""

PREFIX = b"identity/"


def _join(*parts: str) -> bytes:
    return PREFIX + "/".join(parts).encode()


def did_key(address: str) -> bytes:
    """``identity/did/<address>`` -> JCS of the DID record (services, created, updated, deactivated)."""
    return _join("did", address)


def did_version_key(address: str, height: int) -> bytes:
    """``identity/didv/<address>/<height, 12 digits>`` -> the DID record as a block left it."""
    return _join("didv", address, f"{height:012d}")


def did_version_prefix(address: str) -> bytes:
    return _join("didv", address) + b"/"


def next_accreditation_key() -> bytes:
    """``identity/next_acc`` -> the next accreditation id, ASCII digits (absent: 1)."""
    return _join("next_acc")


def accreditation_key(acc_id: int) -> bytes:
    """``identity/acc/<id, 10 digits>`` -> JCS of the accreditation."""
    return _join("acc", f"{acc_id:010d}")


def issuer_key(subject: str) -> bytes:
    """``identity/issuer/<address>`` -> JCS list of the ids of the accreditations granted to it, in order."""
    return _join("issuer", subject)


def schema_key(schema_id: str) -> bytes:
    """``identity/schema/<schema id>`` -> JCS of the schema record (the JSON Schema and its digest)."""
    return _join("schema", schema_id)


def status_key(issuer: str, list_id: str) -> bytes:
    """``identity/status/<issuer>/<list id>`` -> JCS of the last anchored publication."""
    return _join("status", issuer, list_id)


def status_version_key(issuer: str, list_id: str, version: int) -> bytes:
    """``identity/statusv/<issuer>/<list id>/<version, 10 digits>`` -> JCS of that publication's anchor."""
    return _join("statusv", issuer, list_id, f"{version:010d}")


def access_count_key(subject: str) -> bytes:
    """``identity/access_n/<subject>`` -> how many accesses to the subject's documents are logged."""
    return _join("access_n", subject)


def access_key(subject: str, seq: int) -> bytes:
    """``identity/access/<subject>/<seq, 12 digits>`` -> JCS of one logged access."""
    return _join("access", subject, f"{seq:012d}")


def access_prefix(subject: str) -> bytes:
    return _join("access", subject) + b"/"


def erasure_key(document_digest: str) -> bytes:
    """``identity/erasure/<digest>`` -> JCS of the erasure record of a personal document."""
    return _join("erasure", document_digest)


def enrolment_key(credential_type: str, holder: str, issuer: str) -> bytes:
    """``identity/enrol/<credential type>/<holder>/<issuer>`` -> JCS of the issuer's latest enrolment of the holder."""
    return _join("enrol", credential_type, holder, issuer)


def enrolled_by_key(credential_type: str, holder: str) -> bytes:
    """``identity/enrolled_by/<credential type>/<holder>`` -> JCS list of the issuers that enrolled it, in order."""
    return _join("enrolled_by", credential_type, holder)
