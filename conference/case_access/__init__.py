"""Who has seen this case: every view and change of a case and what belongs to it, from the
audit trail, for the MARAC's coordinators."""
