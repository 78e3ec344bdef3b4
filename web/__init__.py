"""The HTTP face of ambil: office API, lane API, lane screen, health."""
