"""How long a closed case is kept, and what happens after: anonymised or deleted, unless held."""
