"""MetroBloc: a permissioned ledger for metropolitan governance."""

__version__ = "0.1.0"
