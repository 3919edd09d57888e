"""Tiny probe models for `edgequant doctor`."""
