"""Taking registry data in (importers, profiles, the IPIS format) and out (exports)."""
