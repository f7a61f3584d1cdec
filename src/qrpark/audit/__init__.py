"""The audit log: who changed what, append-only."""
