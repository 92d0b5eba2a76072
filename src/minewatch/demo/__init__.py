"""The demo: real public data when ``../shared/data`` is present, else a small generated data set."""
