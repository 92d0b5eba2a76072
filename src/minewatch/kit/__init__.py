"""Small domain-free helpers (parsing, vocabularies, findings, hashing)."""
