"""Web plumbing shared by every domain: sessions, htmx responses, access checks, headers."""
