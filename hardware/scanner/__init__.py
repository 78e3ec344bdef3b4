"""Code scanners: the interface, the QR decoder, an OpenCV camera driver and a simulator."""
