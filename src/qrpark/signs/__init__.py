"""Signed area QR signs: the URL, its signature, the printable sheets, and the landing page."""
