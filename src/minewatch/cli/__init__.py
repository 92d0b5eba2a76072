"""The command line: thin adapters over services, one module per command group."""
