"""Stays: a vehicle's visit from entry to paid exit, and the driver's pages and API around it."""
