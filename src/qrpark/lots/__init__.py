"""Lots and the areas a QR sign stands for, with their location information."""
