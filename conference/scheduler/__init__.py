"""Scheduled jobs: one scheduler process, a lock against a second, every run recorded."""
