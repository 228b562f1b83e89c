"""Subject access: everything a MARAC holds about one person (victim, perpetrator or child),
found by name and date of birth, with other people named by role only, for its coordinators."""
