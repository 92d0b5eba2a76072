"""Site hazard: landslide rasters summarised per registered site, with exposure and a provisional level."""
