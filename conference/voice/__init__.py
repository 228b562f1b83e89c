"""The victim's voice: her advocate's record before the meeting and of telling her the outcome."""
