"""The system issues log: gaps in how the agencies work together, found on cases."""
