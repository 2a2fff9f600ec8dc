"""Benchmarks: pushing, syncing and drift checking at enterprise size against a real scim2-server.

Run `python -m bench` (or `python -m bench --quick`); bench/README.md has the figures.
"""
