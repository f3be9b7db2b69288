"""Land registry: parcels, titles, multi-party transfers, liens, consensus oracles, revenue rights."""

from metrobloc.modules.land.keeper import LandKeeper
from metrobloc.modules.land.module import make_module
from metrobloc.modules.land.msgs import registration_digest
from metrobloc.modules.land.parties import LENDER, MODULE_ADDRESS, ORACLE, REGISTRAR

__all__ = ["LENDER", "MODULE_ADDRESS", "ORACLE", "REGISTRAR", "LandKeeper", "make_module", "registration_digest"]
