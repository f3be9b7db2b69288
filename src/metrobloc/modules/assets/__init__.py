"""Assets: multi-asset balances (municipal currency, loyalty points, time-bank hours, credits)."""

from metrobloc.modules.assets.keeper import AssetsKeeper
from metrobloc.modules.assets.module import make_module

__all__ = ["AssetsKeeper", "make_module"]
