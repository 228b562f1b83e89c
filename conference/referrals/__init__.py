"""Referrals and screening: the risk checklist, the four criteria, repeat detection."""
