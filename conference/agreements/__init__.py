"""Each MARAC's information-sharing agreement: its versions, and who accepted which."""
