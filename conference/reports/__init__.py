"""The quarterly MARAC data return and the figures on how the MARAC is working."""
