"""Miners and workers, their cooperative memberships and site assignments, and their consent."""
