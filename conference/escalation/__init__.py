"""The escalation ladder for long-overdue actions (the point of contact, then the register)."""
