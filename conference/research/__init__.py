"""Research: each invited agency checks its records on every case before the conference."""
