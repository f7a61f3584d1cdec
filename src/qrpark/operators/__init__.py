"""Operators (tenants), their staff and API tokens."""
