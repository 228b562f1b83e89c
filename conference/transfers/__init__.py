"""Transfers between MARACs: a case follows its victim when she moves."""
