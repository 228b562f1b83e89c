"""Synthetic demonstration data. Every name, place and detail here is invented."""
