"""Grievances and incident reports (issue 7): reports, cases, stages, SLAs, escalation."""
