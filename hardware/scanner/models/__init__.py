"""Model files the scanner loads at run time (package data, found with importlib.resources)."""
