"""Minutes: drafted from what a meeting recorded, finalised, corrected and printed."""
