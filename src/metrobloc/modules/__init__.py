"""Civic applications, one package each, all with the same shape (see STYLE.md)."""
