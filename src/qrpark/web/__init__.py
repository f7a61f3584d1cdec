"""The HTTP layer shared by every domain: app factory, dependencies, locale, errors, templates."""
