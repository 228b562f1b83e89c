"""Meetings: opening a conference, the chair's console, the follow view and concluding."""
