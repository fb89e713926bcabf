"""Shared test settings."""
import os

import matplotlib

matplotlib.use("Agg")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes more than ~10 s (skipped by `make test-fast`)")
