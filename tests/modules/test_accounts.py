"""The accounts module through the real executor: roles, self-revocation, key rotation, signer checks."""

from __future__ import annotations

from typing import Any

import pytest

from metrobloc import sdk
from metrobloc.codec import b64url_encode, canonical_json
from metrobloc.crypto import ROTATE_TAG, PrivateKey
from metrobloc.errors import InvalidInput

CHAIN_ID = "modules-test"
"""The chain id of the ``ledger`` fixture (tests/modules/conftest.py)."""


# -- roles -----------------------------------------------------------------------------------------


def test_genesis_admin_has_the_admin_role(ledger: Any) -> None:
    assert ledger.executor.chain_id == CHAIN_ID
    assert ledger.roles(ledger.admin) == ("admin",)
    assert ledger.roles(ledger.alice) == ()


def test_only_an_admin_grants_and_revokes(ledger: Any) -> None:
    ledger.fails(
        "accounts.missing_role", [ledger.alice], [sdk.accounts.grant_role(ledger.alice.address, "asset_issuer")]
    )
    receipt = ledger.ok([ledger.admin], [sdk.accounts.grant_role(ledger.alice.address, "asset_issuer")])
    assert receipt.events[0].to_json() == {
        "type": "accounts/grant_role",
        "attributes": {"address": ledger.alice.address, "role": "asset_issuer"},
    }
    assert ledger.roles(ledger.alice) == ("asset_issuer",)
    # An issuer is not an admin.
    ledger.fails("accounts.missing_role", [ledger.alice], [sdk.accounts.grant_role(ledger.bob.address, "asset_issuer")])
    ledger.fails(
        "accounts.missing_role", [ledger.bob], [sdk.accounts.revoke_role(ledger.alice.address, "asset_issuer")]
    )
    ledger.ok([ledger.admin], [sdk.accounts.revoke_role(ledger.alice.address, "asset_issuer")])
    assert ledger.roles(ledger.alice) == ()
    ledger.fails("assets.missing_role", [ledger.alice], [sdk.assets.create("PARK", "Park")])


def test_roles_are_a_set(ledger: Any) -> None:
    alice = ledger.alice.address
    ledger.ok([ledger.admin], [sdk.accounts.grant_role(alice, "registrar"), sdk.accounts.grant_role(alice, "auditor")])
    ledger.ok([ledger.admin], [sdk.accounts.grant_role(ledger.alice.address, "auditor")])
    assert ledger.roles(ledger.alice) == ("auditor", "registrar")
    ledger.ok([ledger.admin], [sdk.accounts.revoke_role(ledger.alice.address, "nonexistent")])
    assert ledger.roles(ledger.alice) == ("auditor", "registrar")


def test_an_admin_cannot_revoke_their_own_admin_role(ledger: Any) -> None:
    ledger.fails(
        "accounts.cannot_revoke_own_admin", [ledger.admin], [sdk.accounts.revoke_role(ledger.admin.address, "admin")]
    )
    assert ledger.roles(ledger.admin) == ("admin",)
    # Another admin can, and then the former admin can no longer grant.
    ledger.ok([ledger.admin], [sdk.accounts.grant_role(ledger.bob.address, "admin")])
    ledger.ok([ledger.bob], [sdk.accounts.revoke_role(ledger.admin.address, "admin")])
    assert ledger.roles(ledger.admin) == ()
    ledger.fails(
        "accounts.missing_role", [ledger.admin], [sdk.accounts.grant_role(ledger.alice.address, "asset_issuer")]
    )


def test_self_revocation_in_a_multi_msg_tx_rolls_back_the_whole_tx(ledger: Any) -> None:
    msgs = [
        sdk.accounts.grant_role(ledger.alice.address, "asset_issuer"),
        sdk.accounts.revoke_role(ledger.admin.address, "admin"),
    ]
    ledger.fails("accounts.cannot_revoke_own_admin", [ledger.admin], msgs)
    assert ledger.roles(ledger.alice) == ()


# -- key rotation ---------------------------------------------------------------------------------------


def test_rotate_key_keeps_the_address_and_roles_and_retires_the_old_key(ledger: Any) -> None:
    new = PrivateKey(b"\x40" * 32)
    admin = ledger.admin.address
    receipt = ledger.ok([ledger.admin], [sdk.accounts.rotate_key(CHAIN_ID, admin, new)])
    assert receipt.events[0].to_json() == {"type": "accounts/rotate_key", "attributes": {"address": admin}}
    assert ledger.public_key(admin) == new.public_key.raw
    assert ledger.roles(admin) == ("admin",)
    ledger.fails(
        "accounts.key_mismatch", [ledger.admin], [sdk.accounts.grant_role(ledger.alice.address, "asset_issuer")]
    )
    ledger.ok([new], [sdk.accounts.grant_role(ledger.alice.address, "asset_issuer")], signers=[admin])
    assert ledger.roles(ledger.alice) == ("asset_issuer",)
    # The new key's own address is another, empty account.
    ledger.fails("accounts.missing_role", [new], [sdk.accounts.grant_role(ledger.bob.address, "asset_issuer")])


def test_rotating_twice_retires_the_intermediate_key(ledger: Any) -> None:
    k1, k2 = PrivateKey(b"\x41" * 32), PrivateKey(b"\x42" * 32)
    address = ledger.alice.address
    ledger.ok([ledger.admin], [sdk.assets.create("CITY", "City"), sdk.assets.mint("CITY", address, 10)])
    ledger.ok([ledger.alice], [sdk.accounts.rotate_key(CHAIN_ID, address, k1)])
    ledger.ok([k1], [sdk.accounts.rotate_key(CHAIN_ID, address, k2)], signers=[address])
    ledger.fails("accounts.key_mismatch", [k1], [sdk.assets.transfer("CITY", ledger.bob.address, 1)], signers=[address])
    ledger.fails("accounts.key_mismatch", [ledger.alice], [sdk.assets.transfer("CITY", ledger.bob.address, 1)])
    ledger.ok([k2], [sdk.assets.transfer("CITY", ledger.bob.address, 4)], signers=[address])
    assert ledger.balance("CITY", address) == 6
    # Rotating back to the original key is allowed and makes it the current key again.
    ledger.ok([k2], [sdk.accounts.rotate_key(CHAIN_ID, address, ledger.alice)], signers=[address])
    ledger.ok([ledger.alice], [sdk.assets.transfer("CITY", ledger.bob.address, 1)])
    ledger.fails("accounts.key_mismatch", [k2], [sdk.assets.transfer("CITY", ledger.bob.address, 1)], signers=[address])


def _consent(chain_id: str, address: str, key: PrivateKey, signer: PrivateKey) -> dict[str, Any]:
    """A rotate_key message moving ``address`` to ``key``, its consent signed by ``signer``."""
    pk = key.public_key.to_b64()
    statement = ROTATE_TAG + canonical_json({"chain_id": chain_id, "address": address, "public_key": pk})
    return {"type": "accounts/rotate_key", "public_key": pk, "new_key_signature": b64url_encode(signer.sign(statement))}


def test_rotate_key_needs_the_new_keys_consent(ledger: Any) -> None:
    new = PrivateKey(b"\x43" * 32)
    alice = ledger.alice.address
    bad = [
        _consent(CHAIN_ID, alice, new, ledger.alice),  # signed by the old key, not the new one
        sdk.accounts.rotate_key("another-chain", alice, new),  # consent given on another chain
        sdk.accounts.rotate_key(CHAIN_ID, ledger.bob.address, new),  # consent to join bob's account
        {**sdk.accounts.rotate_key(CHAIN_ID, alice, new), "new_key_signature": b64url_encode(bytes(64))},
    ]
    assert _consent(CHAIN_ID, alice, new, new) == sdk.accounts.rotate_key(CHAIN_ID, alice, new)
    for msg in bad:
        ledger.fails("accounts.bad_rotation", [ledger.alice], [msg])
        assert ledger.public_key(alice) is None
    ledger.ok([ledger.alice], [sdk.accounts.rotate_key(CHAIN_ID, alice, new)])
    assert ledger.public_key(alice) == new.public_key.raw


def test_rotate_key_stateless_checks(ledger: Any) -> None:
    msg = sdk.accounts.rotate_key(CHAIN_ID, ledger.alice.address, PrivateKey(b"\x44" * 32))
    for broken, code in (
        ({**msg, "public_key": msg["public_key"][:-3]}, "codec.bad_length"),
        ({**msg, "new_key_signature": "***"}, "codec.bad_base64url"),
        ({**msg, "address": ledger.alice.address}, "msg.unknown_field"),
    ):
        with pytest.raises(InvalidInput) as info:
            ledger.app.parse_msgs([broken])
        assert info.value.code == code, (broken, info.value.code)


def test_role_names_are_checked(ledger: Any) -> None:
    for role in ("Admin", "a", "x" * 40, "with space", ""):
        with pytest.raises(InvalidInput) as info:
            ledger.app.parse_msgs([sdk.accounts.grant_role(ledger.alice.address, role)])
        assert info.value.code == "msg.bad_string"


# -- the ante check: signers, chain, expiry --------------------------------------------------------------


def test_a_signature_by_another_key_than_the_signers_is_refused(ledger: Any) -> None:
    msgs = [sdk.accounts.grant_role(ledger.bob.address, "x_role")]
    ledger.fails("accounts.key_mismatch", [ledger.bob], msgs, signers=[ledger.admin.address])
    assert ledger.roles(ledger.bob) == ()


def test_every_co_signer_must_sign_with_their_current_key(ledger: Any) -> None:
    ledger.ok([ledger.admin], [sdk.assets.create("CITY", "City"), sdk.assets.mint("CITY", ledger.alice.address, 5)])
    ledger.ok([ledger.bob], [sdk.accounts.rotate_key(CHAIN_ID, ledger.bob.address, ledger.carol)])
    msgs = [sdk.assets.transfer("CITY", ledger.bob.address, 5)]
    ledger.fails("accounts.key_mismatch", [ledger.alice, ledger.bob], msgs)
    ledger.ok([ledger.alice, ledger.carol], msgs, signers=[ledger.alice.address, ledger.bob.address])
    assert ledger.balance("CITY", ledger.bob) == 5


def test_executor_refuses_other_chains_and_expired_txs(ledger: Any) -> None:
    msgs = [sdk.accounts.grant_role(ledger.alice.address, "auditor")]
    ledger.fails("tx.wrong_chain", [ledger.admin], msgs, chain_id="another-chain")
    # valid_until is the last height at which a tx may execute.
    ledger.fails("tx.expired", [ledger.admin], msgs, valid_until=ledger.height)
    ledger.ok([ledger.admin], msgs, valid_until=ledger.height + 1)
