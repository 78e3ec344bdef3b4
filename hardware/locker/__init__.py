"""Locker banks: the interface, GPIO relays (gpiozero) and a simulator."""
