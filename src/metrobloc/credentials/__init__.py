"""Verifiable credentials, offline: DIDs and Multikey, W3C VC 2.0 with Data Integrity
(eddsa-jcs-2022), SD-JWT VC, and status lists (W3C Bitstring Status List, IETF Token Status List).

Pure code over codec, crypto and ledger: no server, no SQLite, so a verifier can be a small
program (docs/spec/credentials.md).
"""

__all__: list[str] = []
