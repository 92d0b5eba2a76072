"""Organisations (tenants), users and roles."""
