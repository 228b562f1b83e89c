"""Actions: what each agency agreed to do at a conference, tracked until closed."""
