"""Synthetic camera frames for the tests: the product's renderer (``web.cli.bench.lane_frames``)."""

from __future__ import annotations

from web.cli.bench.lane_frames import blank_frame, phone_frame, render_qr, write_video

__all__ = ["blank_frame", "phone_frame", "render_qr", "write_video"]
