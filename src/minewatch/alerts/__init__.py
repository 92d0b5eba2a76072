"""Alerts to miners (issue 7 part 4): one message per person assigned at the chosen sites."""
