"""Versioned tariffs and the fee engine."""
