"""Printers: the interface, a CUPS driver (pycups, in one worker thread) and a simulator.

May import: the standard library, pycups and ``hardware`` helpers; nothing else of ambil.
"""
