"""Locker banks: the interface, GPIO relays (gpiozero), serial lock boards (codec per protocol), a sim.

May import: the standard library, gpiozero, pyserial and ``hardware`` helpers; nothing else of ambil.
"""
