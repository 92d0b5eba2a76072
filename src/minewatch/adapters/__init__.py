"""The outside world behind small interfaces: databases, files, keys."""
