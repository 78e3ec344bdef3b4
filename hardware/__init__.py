"""Device drivers for the lane: one package per kind of device.

Each package has an ``interface.py`` (the small abstract interface the lane uses), the real
drivers, and a ``sim`` driver that ships in the product. ``hardware`` imports nothing else of
ambil; drivers take plain keyword options so the composition root can build them from config.
"""
