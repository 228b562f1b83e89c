"""The notification outbox and the in-app list of notifications."""
