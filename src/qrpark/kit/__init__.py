"""Generic plumbing with no parking words: money, clock, ids, database, errors, signing."""
