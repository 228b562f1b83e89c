"""Closing a case, and the 12 months it stays flagged for repeats after its last conference."""
