"""Child labour cases (CLMRS): identification, remediation, follow-up, indicators."""
