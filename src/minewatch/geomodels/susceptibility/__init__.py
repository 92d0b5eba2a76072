"""Landslide susceptibility (issue 8)."""
