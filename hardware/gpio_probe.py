"""Probe for ``ambil doctor``: which gpiozero pin factory would drive the lane's pins."""

from __future__ import annotations


def pin_factory_name() -> str:
    """The class name of gpiozero's pin factory; raises when no pin library can be loaded."""
    import warnings

    from gpiozero import Device

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        factory = Device.pin_factory or Device._default_pin_factory()
    return type(factory).__name__
