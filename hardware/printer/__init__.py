"""Printers: the interface, a CUPS driver and a simulator."""
