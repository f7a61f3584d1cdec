"""Double-entry ledger: every movement of money is a balanced, append-only journal entry."""
