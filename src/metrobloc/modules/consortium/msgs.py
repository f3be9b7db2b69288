"""Messages of the consortium module, each declared once (the parser, SDK, CLI and spec come from here).

``init`` anyone, once. ``add_member``, ``remove_member`` and ``rotate_key`` only the consortium org's
treasury, as the action of one of its passed proposals on which at least two thirds of the member
organizations voted yes (checked by the handler, docs/spec/consortium.md §4).
"""

from __future__ import annotations

import re
from typing import Annotated

from metrobloc.codec import b64url_encode
from metrobloc.crypto import PrivateKey
from metrobloc.execution.messages import Address, Key32, Message, Signature64, Text, field
from metrobloc.ledger.consortium import key_statement
from metrobloc.modules.consortium import errors

MAX_MEMBERS = 64
"""The most organizations the consortium holds at once (each attestation is checked by every verifier)."""


class OrgId(Text):
    """A member's org id: a lower-case letter, then 2 to 47 lower-case letters, digits and -."""

    pattern = re.compile(r"^[a-z][a-z0-9-]{2,47}$")
    code = errors.BAD_ORG
    example = "org4"


class OrgName(Text):
    """A member's display name: 1 to 80 characters, no control characters."""

    pattern = re.compile(r"^[^\x00-\x1f\x7f]{1,80}$")
    code = errors.BAD_NAME
    example = "Metropolis Water Board"


NodeKey = Annotated[Key32, field("The node's 32-byte Ed25519 public key, which attests headers.")]
KeySignature = Annotated[
    Signature64,
    field("The node key's signature of the key statement (chain id, org, node key): proof it is held."),
]


class Init(Message, tag="consortium/init", frozen=True):
    """Create the consortium org with the current members' voters, one vote each (anyone, once)."""


class AddMember(Message, tag="consortium/add_member", frozen=True):
    """Add an organization and its node key, in force from the next block (the consortium, by 2/3 vote)."""

    org: Annotated[OrgId, field("The new member's org id, never used before.")]
    name: Annotated[OrgName, field("Its display name.")]
    node_key: NodeKey
    voter: Annotated[Address, field("The account that votes for it in the consortium org.")]
    key_signature: KeySignature


class RemoveMember(Message, tag="consortium/remove_member", frozen=True):
    """Remove a member: its node key stops counting from the next block (the consortium, by 2/3 vote)."""

    org: Annotated[OrgId, field("The member to remove.")]


class RotateKey(Message, tag="consortium/rotate_key", frozen=True):
    """Replace a member's node key (and voter) from the next block on (the consortium, by 2/3 vote)."""

    org: Annotated[OrgId, field("The member.")]
    node_key: NodeKey
    key_signature: KeySignature
    voter: Annotated[Address | None, field("A new voter for the member; null keeps the current one.")] = None


MESSAGES = (Init, AddMember, RemoveMember, RotateKey)


def key_signature(chain_id: str, org: str, node_key: PrivateKey) -> str:
    """``sdk.consortium.key_signature``: the node key's signature of its key statement, base64url, for
    ``add_member`` and ``rotate_key`` (sign with the new node's ``node_key.json``)."""
    return b64url_encode(node_key.sign(key_statement(chain_id, org, node_key.public_key.raw)))
