"""Renderers: a derived Network in, text out. Each format in its own module, imported only when used."""
