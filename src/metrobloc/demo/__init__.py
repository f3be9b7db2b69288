"""The Demo City: a seeded, reproducible chain of agencies, citizens, City Coin and land records, then live activity.

``metrobloc up --demo [--seed N]`` seeds a fresh data dir (``seeding.py``) with the history of
``DemoCity(N)`` (``city.py``, ``history.py``) and, while the node serves, ``Activity`` keeps a few
txs per second flowing (``activity.py``). README.md tells what the city holds.
"""

from metrobloc.demo.activity import Activity
from metrobloc.demo.city import CHAIN_ID, DEFAULT_SEED, DemoCity, SeededBlock, SeededTx
from metrobloc.demo.people import Agency, Citizen, People
from metrobloc.demo.seeding import Seeded, recognise, seed_city

__all__ = [
    "CHAIN_ID",
    "DEFAULT_SEED",
    "Activity",
    "Agency",
    "Citizen",
    "DemoCity",
    "People",
    "Seeded",
    "SeededBlock",
    "SeededTx",
    "recognise",
    "seed_city",
]
