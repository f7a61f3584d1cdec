"""Licence-plate reading: Korean plates with qrpark's own model, Latin plates with RapidOCR."""
