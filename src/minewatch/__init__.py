"""minewatch: a registry and safety platform for artisanal and small-scale mining support organisations."""

__version__ = "0.1.0"
