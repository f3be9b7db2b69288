"""Schemathesis hooks: data for the formats a regular expression cannot describe.

An ``mb1-address`` is bech32 with a checksum: strings that only match its pattern would be refused
by the node, rightly. Loaded through ``SCHEMATHESIS_HOOKS`` by ``test_openapi.py``.
"""

from __future__ import annotations

import schemathesis
from hypothesis import strategies as st

from metrobloc.codec import encode_address

schemathesis.openapi.format("mb1-address", st.binary(min_size=20, max_size=20).map(encode_address))
