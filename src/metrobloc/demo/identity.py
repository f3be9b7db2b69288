"""The Demo City's identity: the agencies' DIDs with their websites, the city's root authority (City
Hall) accrediting issuers (one through the University as an accreditation authority, one revoked),
registered schemas, residents with DIDs, their residency credentials (VC-DI, eddsa-jcs-2022) in a
demo wallet directory, and the Population Register's key rotation after it issued them.

The chapters are seeded blocks like the rest of the history (``history.py`` runs them after the
market days); the credentials are signed off the ledger, as an issuer does, from the seed alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from metrobloc.credentials import vc
from metrobloc.credentials.verify import iso_ms
from metrobloc.crypto import PrivateKey
from metrobloc.demo.people import Agency, derive_key
from metrobloc.sdk import accounts, identity

if TYPE_CHECKING:
    from metrobloc.demo.city import DemoCity

RESIDENCY, DIPLOMA, STUDENT, VACCINATION = (
    "ResidencyCredential",
    "DiplomaCredential",
    "StudentCredential",
    "VaccinationCredential",
)
RESIDENTS = 5
"""Citizens 1 .. RESIDENTS take DIDs and receive a residency credential."""
WINDOW_MS = 10 * 365 * 86_400_000
"""Accreditations run ten years from the genesis."""
WALLET_DIR = "demo-wallet"
"""``<data-dir>/demo-wallet/<citizen>/*.json``: the residents' credentials."""
SCHEMA_BASE = "https://demo-city.example"
"""Where credentials say their schema is; verifiers read the schema id from it and ask their node."""
CHAPTERS = (
    "Agencies take their DIDs",
    "The city accredits its issuers",
    "Schemas, and a revoked accreditation",
    "Residents take their DIDs",
    "The Population Register rotates its key",
)
"""The identity blocks' titles (the time-bank and watch-list chapters follow them)."""
ISSUED_CHAPTER = 4
"""The credentials carry the time of the fourth identity block (the residents' DIDs)."""
UNIVERSITY_ACCREDITATION, MISTAKEN_ACCREDITATION = 2, 4
"""Ids of the second and fourth accreditations of the city's fresh chain (ids count from 1)."""
DISTRICTS = ("old-town", "riverside", "harbour", "university-hill", "north-park")
SCHEMAS: dict[str, tuple[str, dict[str, Any]]] = {
    "residency-v1": (
        RESIDENCY,
        {"required": ["id", "district"], "properties": {"district": {"enum": list(DISTRICTS)}}},
    ),
    "diploma-v1": (DIPLOMA, {"required": ["id", "degree"], "properties": {"degree": {"type": "string"}}}),
    "vaccination-v1": (VACCINATION, {"required": ["id", "vaccine"], "properties": {"vaccine": {"type": "string"}}}),
}
"""Schema id -> (credential type, what its JSON Schema adds to an object with a string ``id``)."""


class Historian(Protocol):
    """What the identity chapters need of ``history.py``'s historian."""

    city: DemoCity
    height: int

    def tx(self, keys: list[PrivateKey], msgs: list[dict[str, Any]], memo: str, expect: str = "ok") -> None: ...


@dataclass(frozen=True)
class IdentityParties:
    """The two agencies identity adds to the city, and the Population Register's next key."""

    register: Agency
    """The Population Register: accredited for ResidencyCredential, rotates its key after issuing."""
    register_next: PrivateKey
    """The Population Register's key after the rotation (``keys/population-register.json``)."""
    hospital: Agency
    """Metro General Hospital: VaccinationCredential from City Hall, StudentCredential from the University."""

    @classmethod
    def of_seed(cls, seed: int) -> IdentityParties:
        register = Agency("Population Register", "population-register", (), derive_key(seed, "population-register"))
        hospital = Agency("Metro General Hospital", "hospital", (), derive_key(seed, "hospital"))
        return cls(register, derive_key(seed, "population-register/2"), hospital)


def schema_document(schema_id: str) -> dict[str, Any]:
    """The JSON Schema registered as ``schema_id``."""
    _, extra = SCHEMAS[schema_id]
    properties = {"id": {"type": "string"}, **extra["properties"]}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "required": extra["required"],
        "properties": properties,
    }


def chapters(h: Historian) -> list[tuple[str, Callable[[], None]]]:
    """The identity blocks, in order: each a title and the function that writes its txs."""
    city = h.city
    people, parties = city.people, IdentityParties.of_seed(city.seed)
    hall = people.city_hall.key
    start = city.genesis_time_ms
    window = (start, start + WINDOW_MS)

    def dids() -> None:
        for agency in (*people.agencies, parties.register, parties.hospital):
            site = {
                "id": "website",
                "type": "LinkedDomains",
                "endpoint": f"https://{agency.key_name}.demo-city.example/",
            }
            h.tx(
                [agency.key],
                [identity.create_did(agency.key.public_key.to_b64(), [site])],
                f"{agency.name} takes its DID",
            )

    def accreditations() -> None:
        grants = [
            identity.accredit(parties.register.address, [RESIDENCY], *window),
            identity.accredit(people.university.address, [DIPLOMA, STUDENT], *window, True),
            identity.accredit(parties.hospital.address, [VACCINATION], *window),
            identity.accredit(people.registry.address, [RESIDENCY], *window),  # a mistake, revoked next block
        ]
        h.tx([hall], grants, "the root authority accredits the city's issuers")
        by_university = identity.accredit(parties.hospital.address, [STUDENT], *window, False, UNIVERSITY_ACCREDITATION)
        h.tx([people.university.key], [by_university], "the University accredits the teaching hospital")

    def schemas() -> None:
        issuers = {RESIDENCY: parties.register.key, DIPLOMA: people.university.key, VACCINATION: parties.hospital.key}
        for schema_id, (credential_type, _) in SCHEMAS.items():
            document = json.dumps(schema_document(schema_id), sort_keys=True)
            h.tx(
                [issuers[credential_type]], [identity.register_schema(schema_id, credential_type, document)], schema_id
            )
        h.tx(
            [hall],
            [identity.revoke_accreditation(MISTAKEN_ACCREDITATION)],
            "the Land Registry's accreditation was a mistake: revoked",
        )

    def residents() -> None:
        for citizen in people.citizens[:RESIDENTS]:
            h.tx([citizen.key], [identity.create_did(citizen.key.public_key.to_b64())], f"{citizen.name} takes a DID")

    def rotation() -> None:
        move = accounts.rotate_key(city.genesis.chain_id, parties.register.address, parties.register_next)
        h.tx([parties.register.key], [move], "the Population Register rotates its key")

    return list(zip(CHAPTERS, (dids, accreditations, schemas, residents, rotation), strict=True))


def issued_ms(city: DemoCity) -> int:
    """The time the residents' credentials carry: the block of their DIDs (found by its title, so
    chapters seeded after identity's do not move it)."""
    title = CHAPTERS[ISSUED_CHAPTER - 1]
    return next(b.time_ms for b in city.blocks if b.title == title)


def wallet(city: DemoCity) -> dict[str, dict[str, dict[str, Any]]]:
    """Citizen name -> file name -> credential: each resident's residency credential, and one diploma."""
    parties, people = IdentityParties.of_seed(city.seed), city.people
    valid_from = iso_ms(issued_ms(city))

    def issue(issuer: PrivateKey, credential_type: str, schema_id: str, subject: dict[str, Any]) -> dict[str, Any]:
        did = f"did:mb:{issuer.address}"
        unsigned = vc.build_credential(
            issuer=did,
            credential_type=credential_type,
            subject=subject,
            valid_from=valid_from,
            schema_url=f"{SCHEMA_BASE}{vc.SCHEMA_PATH}{schema_id}",
        )
        return vc.issue_credential(unsigned, issuer, did + "#key-1")

    out: dict[str, dict[str, dict[str, Any]]] = {}
    for citizen in people.citizens[:RESIDENTS]:
        subject = {"id": f"did:mb:{citizen.address}", "district": DISTRICTS[citizen.number % len(DISTRICTS)]}
        out[citizen.name] = {"residency.json": issue(parties.register.key, RESIDENCY, "residency-v1", subject)}
    graduate = people.citizens[1]
    degree = {"id": f"did:mb:{graduate.address}", "degree": "BSc Urban Systems"}
    out[graduate.name]["diploma.json"] = issue(people.university.key, DIPLOMA, "diploma-v1", degree)
    return out


def write_wallet(data_dir: Path, city: DemoCity) -> Path:
    """Write ``wallet(city)`` under ``<data_dir>/demo-wallet/``; its path."""
    root = Path(data_dir) / WALLET_DIR
    for name, files in wallet(city).items():
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        for file, credential in files.items():
            (folder / file).write_text(json.dumps(credential, indent=2) + "\n")
    return root


def agency_keys(city: DemoCity) -> dict[str, PrivateKey]:
    """Key file name -> key of the identity agencies (the Population Register's current key)."""
    parties = IdentityParties.of_seed(city.seed)
    return {parties.register.key_name: parties.register_next, parties.hospital.key_name: parties.hospital.key}


__all__ = ["WALLET_DIR", "IdentityParties", "agency_keys", "chapters", "schema_document", "wallet", "write_wallet"]
