"""Stateful handlers of the identity module: one method per message of ``msgs.py``."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from metrobloc.codec import canonical_json, parse_json
from metrobloc.crypto import sha256
from metrobloc.errors import InvalidInput, TooLarge
from metrobloc.execution import Context
from metrobloc.modules.identity import errors, keys
from metrobloc.modules.identity.expected import Accounts
from metrobloc.modules.identity.keeper import (
    MAX_CHAIN,
    Accreditation,
    DidRecord,
    Enrolment,
    IdentityKeeper,
    load,
    store,
)
from metrobloc.modules.identity.msgs import (
    Accredit,
    AnchorStatus,
    CreateDid,
    DeactivateDid,
    Enrol,
    LogAccess,
    MarkKeyCompromised,
    RecordErasure,
    RegisterSchema,
    RevokeAccreditation,
    Service,
    SetServices,
    Unenrol,
)

ROOT = "identity_root"
"""The city's root authority for accreditations (an admin holds every role)."""
AGENCY = "pds_agency"
"""An agency that keeps personal documents off the ledger and logs their use."""


def _services(services: tuple[Service, ...]) -> list[dict[str, str]]:
    return [{"id": s.id, "type": s.type, "endpoint": s.endpoint} for s in services]


class IdentityHandlers:
    """The handlers, over the identity keeper and the accounts keeper."""

    def __init__(self, keeper: IdentityKeeper, accounts: Accounts) -> None:
        self.keeper, self.accounts = keeper, accounts

    # -- DIDs ----------------------------------------------------------------------------------
    def create_did(self, ctx: Context, msg: CreateDid) -> None:
        if self.keeper.did(ctx, ctx.sender) is not None:
            raise errors.DID_EXISTS.error(f"{ctx.sender} already has a DID")
        if not self.accounts.key_matches(ctx, ctx.sender, msg.public_key):
            raise errors.BAD_KEY.error("public_key is not the sender's current key")
        self.accounts.start_key_history(ctx, ctx.sender, msg.public_key, ctx.height, ctx.block_time_ms)
        h, t = ctx.height, ctx.block_time_ms
        self.keeper.put_did(ctx, ctx.sender, DidRecord(h, t, h, t, _services(msg.services)))
        ctx.emit("identity/create_did", did=f"did:mb:{ctx.sender}")

    def _live_did(self, ctx: Context) -> DidRecord:
        record = self.keeper.did(ctx, ctx.sender)
        if record is None:
            raise errors.NO_DID.error(f"{ctx.sender} has no DID")
        if record.deactivated:
            raise errors.DEACTIVATED.error(f"did:mb:{ctx.sender} is deactivated")
        return record

    def set_services(self, ctx: Context, msg: SetServices) -> None:
        record = self._live_did(ctx)
        updated = DidRecord(
            record.created_height, record.created_ms, ctx.height, ctx.block_time_ms, _services(msg.services)
        )
        self.keeper.put_did(ctx, ctx.sender, updated)
        ctx.emit("identity/set_services", did=f"did:mb:{ctx.sender}")

    def deactivate_did(self, ctx: Context, msg: DeactivateDid) -> None:
        record = self._live_did(ctx)
        h, t = ctx.height, ctx.block_time_ms
        self.keeper.put_did(ctx, ctx.sender, DidRecord(record.created_height, record.created_ms, h, t, [], True))
        ctx.emit("identity/deactivate_did", did=f"did:mb:{ctx.sender}", reason_digest=msg.reason_digest or "")

    def mark_key_compromised(self, ctx: Context, msg: MarkKeyCompromised) -> None:
        record = self._live_did(ctx)
        # A key may be in the history more than once (rotated away from, then back to).
        entries = [e for e in self.accounts.key_history(ctx, ctx.sender) if e.public_key == msg.public_key]
        if not entries:
            raise errors.UNKNOWN_KEY.error("that key is not in the sender's key history")
        if any(e.to_height is None for e in entries):
            raise errors.KEY_CURRENT.error("rotate away from a key before marking it compromised")
        if not any(e.from_time_ms <= msg.since_ms <= min(e.to_time_ms or 0, ctx.block_time_ms) for e in entries):
            windows = ", ".join(f"{e.from_time_ms} to {e.to_time_ms}" for e in entries)
            raise errors.BAD_SINCE.error(f"since_ms must lie in the key's time in force: {windows}")
        self.accounts.mark_compromised(ctx, ctx.sender, msg.public_key, msg.since_ms)
        # The document changes (the method gets ``revoked``), so this block makes a new version of it.
        self.keeper.put_did(ctx, ctx.sender, replace(record, updated_height=ctx.height, updated_ms=ctx.block_time_ms))
        ctx.emit("identity/mark_key_compromised", did=f"did:mb:{ctx.sender}", since_ms=str(msg.since_ms))

    # -- accreditations ------------------------------------------------------------------------
    def accredit(self, ctx: Context, msg: Accredit) -> None:
        if msg.parent is None:
            if not self.accounts.has_role(ctx, ctx.sender, ROOT):
                raise errors.NOT_ROOT.error("accrediting without a parent needs the role identity_root")
        else:
            self._check_parent(ctx, msg)
        acc = Accreditation(
            self.keeper.next_accreditation_id(ctx),
            msg.subject,
            ctx.sender,
            msg.parent,
            list(msg.types),
            msg.valid_from_ms,
            msg.valid_until_ms,
            msg.may_accredit,
            ctx.height,
            ctx.block_time_ms,
        )
        self.keeper.put_accreditation(ctx, acc)
        ctx.emit(
            "identity/accredit",
            accreditation=str(acc.id),
            subject=msg.subject,
            accreditor=ctx.sender,
            types=",".join(msg.types),
        )

    def _check_parent(self, ctx: Context, msg: Accredit) -> None:
        assert msg.parent is not None
        parent = self.keeper.accreditation(ctx, msg.parent)
        if (
            parent is None
            or parent.subject != ctx.sender
            or not parent.may_accredit
            or not self.keeper.accredited(ctx, parent, ctx.block_time_ms, None)
            or self.keeper.depth(ctx, parent) >= MAX_CHAIN  # the new one could never verify
            or not set(msg.types) <= set(parent.types)
            or msg.valid_from_ms < parent.valid_from_ms
            or msg.valid_until_ms > parent.valid_until_ms
        ):
            raise errors.BAD_PARENT.error(f"accreditation {msg.parent} does not allow this accreditation")

    def revoke_accreditation(self, ctx: Context, msg: RevokeAccreditation) -> None:
        acc = self.keeper.accreditation(ctx, msg.accreditation)
        if acc is None:
            raise errors.UNKNOWN_ACCREDITATION.error(f"no accreditation {msg.accreditation}")
        if acc.accreditor != ctx.sender and not self.accounts.has_role(ctx, ctx.sender, ROOT):
            raise errors.NOT_ACCREDITOR.error("only its accreditor or the root authority may revoke it")
        if acc.revoked_height is not None:
            raise errors.REVOKED.error(f"accreditation {acc.id} was revoked at height {acc.revoked_height}")
        revoked = Accreditation(**{**acc.to_json(), "revoked_height": ctx.height, "revoked_ms": ctx.block_time_ms})
        self.keeper.put_accreditation(ctx, revoked)
        ctx.emit("identity/revoke_accreditation", accreditation=str(acc.id), subject=acc.subject)

    # -- schemas and status lists ----------------------------------------------------------------
    def _require_issuer(self, ctx: Context, credential_type: str | None) -> None:
        """The sender is the root authority, or holds an accreditation in force (for the type, if given)."""
        if self.accounts.has_role(ctx, ctx.sender, ROOT):
            return
        if self.keeper.in_force_for(ctx, ctx.sender, ctx.block_time_ms, credential_type) is None:
            what = f"type {credential_type}" if credential_type else "any type"
            raise errors.NOT_ISSUER.error(f"{ctx.sender} holds no accreditation in force for {what}")

    def register_schema(self, ctx: Context, msg: RegisterSchema) -> None:
        if load(ctx, keys.schema_key(msg.schema_id)) is not None:
            raise errors.SCHEMA_EXISTS.error(f"schema {msg.schema_id} is registered")
        document = _json_object(msg.document)
        self._require_issuer(ctx, msg.credential_type)
        digest = sha256(canonical_json(document)).hex()
        record = {
            "schema_id": msg.schema_id,
            "credential_type": msg.credential_type,
            "document": document,
            "digest": digest,
            "registered_by": ctx.sender,
            "height": ctx.height,
        }
        ctx.set(keys.schema_key(msg.schema_id), canonical_json(record))  # JCS: its keys are the author's
        ctx.emit("identity/register_schema", schema_id=msg.schema_id, digest=digest)

    def anchor_status(self, ctx: Context, msg: AnchorStatus) -> None:
        self._require_issuer(ctx, None)
        last = load(ctx, keys.status_key(ctx.sender, msg.list_id))
        if last is not None and msg.version <= last["version"]:
            raise errors.STALE_VERSION.error(f"version {msg.version} does not exceed {last['version']}")
        if msg.valid_until_ms <= ctx.block_time_ms:
            raise errors.BAD_VALID_UNTIL.error("valid_until_ms must be after the block time")
        anchor = {
            "issuer": ctx.sender,
            "list_id": msg.list_id,
            "kind": msg.kind,
            "version": msg.version,
            "digest": msg.digest,
            "valid_until_ms": msg.valid_until_ms,
            "height": ctx.height,
            "time_ms": ctx.block_time_ms,
        }
        store(ctx, keys.status_key(ctx.sender, msg.list_id), anchor)
        store(ctx, keys.status_version_key(ctx.sender, msg.list_id, msg.version), anchor)
        ctx.emit("identity/anchor_status", issuer=ctx.sender, list_id=msg.list_id, version=str(msg.version))

    # -- the census ------------------------------------------------------------------------------
    def enrol(self, ctx: Context, msg: Enrol) -> None:
        acc = self.keeper.in_force_for(ctx, ctx.sender, ctx.block_time_ms, msg.credential_type)
        if acc is None:
            raise errors.NOT_ISSUER.error(f"{ctx.sender} holds no accreditation in force for {msg.credential_type}")
        now = ctx.block_time_ms
        if msg.until_ms is not None and msg.until_ms <= now:
            raise errors.BAD_UNTIL.error("until_ms must be after the block time")
        for holder in msg.holders:
            last = self.keeper.enrolment(ctx, msg.credential_type, holder, ctx.sender)
            since = last.from_ms if last is not None and last.in_force(now) else now  # a renewal keeps its start
            rec = Enrolment(acc.id, now, since, msg.until_ms, None, ctx.height)
            self.keeper.put_enrolment(ctx, msg.credential_type, holder, ctx.sender, rec)
        ctx.emit(
            "identity/enrol",
            issuer=ctx.sender,
            credential_type=msg.credential_type,
            holders=str(len(msg.holders)),
            accreditation=str(acc.id),
        )

    def unenrol(self, ctx: Context, msg: Unenrol) -> None:
        now = ctx.block_time_ms
        for holder in msg.holders:
            last = self.keeper.enrolment(ctx, msg.credential_type, holder, ctx.sender)
            if last is None or not last.in_force(now):
                raise errors.NOT_ENROLLED.error(f"{ctx.sender} has no enrolment in force of {holder}")
            ended = replace(last, ended_ms=now, height=ctx.height)
            self.keeper.put_enrolment(ctx, msg.credential_type, holder, ctx.sender, ended)
        ctx.emit(
            "identity/unenrol", issuer=ctx.sender, credential_type=msg.credential_type, holders=str(len(msg.holders))
        )

    # -- personal data kept off the ledger ---------------------------------------------------------
    def log_access(self, ctx: Context, msg: LogAccess) -> None:
        self._require_agency(ctx)
        raw = ctx.get(keys.access_count_key(msg.subject))
        seq = 0 if raw is None else int(raw)
        entry = {
            "agency": ctx.sender,
            "document_digest": msg.document_digest,
            "purpose_digest": msg.purpose_digest,
            "height": ctx.height,
            "time_ms": ctx.block_time_ms,
        }
        store(ctx, keys.access_key(msg.subject, seq), entry)
        ctx.set(keys.access_count_key(msg.subject), str(seq + 1).encode())
        ctx.emit("identity/log_access", subject=msg.subject, document_digest=msg.document_digest, agency=ctx.sender)

    def record_erasure(self, ctx: Context, msg: RecordErasure) -> None:
        self._require_agency(ctx)
        if load(ctx, keys.erasure_key(msg.document_digest)) is not None:
            raise errors.ERASED.error("this document's erasure is already recorded")
        entry = {"subject": msg.subject, "agency": ctx.sender, "height": ctx.height, "time_ms": ctx.block_time_ms}
        store(ctx, keys.erasure_key(msg.document_digest), entry)
        ctx.emit("identity/record_erasure", subject=msg.subject, document_digest=msg.document_digest)

    def _require_agency(self, ctx: Context) -> None:
        if not self.accounts.has_role(ctx, ctx.sender, AGENCY):
            raise errors.NOT_AGENCY.error("this needs the role pds_agency")


def _json_object(text: str) -> dict[str, Any]:
    """The schema document, parsed strictly (I-JSON, integers only: the ledger stores no floats)."""
    try:
        document = parse_json(text)
    except (InvalidInput, TooLarge) as exc:
        raise errors.BAD_SCHEMA.error(f"document is not a JSON Schema the ledger can store: {exc.message}") from None
    if not isinstance(document, dict):
        raise errors.BAD_SCHEMA.error("document must be a JSON object (a JSON Schema)")
    return document
