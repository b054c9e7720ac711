"""Oracles for the reader: files whose right reading other applications witnessed."""
