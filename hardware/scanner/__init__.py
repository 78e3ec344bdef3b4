"""Code scanners: the interface, the QR decoder, an OpenCV camera driver, a serial scanner, a simulator.

May import: the standard library, OpenCV, zxing-cpp, pyzbar, pyserial and ``hardware`` helpers;
nothing else of ambil.
"""
