"""Rainfall: station and gridded series, landslide rainfall thresholds and their evaluation (issue 8)."""
