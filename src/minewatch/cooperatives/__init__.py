"""Cooperatives of miners."""
