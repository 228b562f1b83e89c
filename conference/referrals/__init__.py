"""Referrals: the form, the four criteria, repeat detection, screening and the case record."""
