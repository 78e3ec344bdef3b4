"""Lane signals: traffic light, buzzer and vehicle-present input (gpiozero) and a simulator.

May import: the standard library, gpiozero and ``hardware`` helpers; nothing else of ambil.
"""
