"""Administration pages: MARACs, agencies, users and roles."""
