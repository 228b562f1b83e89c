"""Conferences: each MARAC's meeting rule, the conferences it plans, and their agendas."""
