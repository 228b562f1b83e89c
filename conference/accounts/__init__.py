"""Users, agencies, MARACs, roles and signing in."""
