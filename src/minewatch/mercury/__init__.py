"""Mercury use in ASGM and the Minamata Convention (Article 7, Annex C)."""
