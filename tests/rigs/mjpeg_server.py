"""A tiny MJPEG-over-HTTP camera on loopback, like an IP camera's ``/video`` endpoint.

``MjpegServer(frames)`` serves the frames (looping) as ``multipart/x-mixed-replace`` at ``fps``
to every client, on 127.0.0.1 and a free port. Use it as a context manager; ``.url`` is the
stream address. ``pause()`` makes the camera stop sending frames (connections stay open),
``resume()`` sends again: that is how a test sees a stalled stream.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cv2
import numpy as np

log = logging.getLogger(__name__)

BOUNDARY = "ambilframe"


class MjpegServer:
    """Serve ``frames`` (BGR arrays) as an endless MJPEG stream at ``http://127.0.0.1:<port>/stream``."""

    def __init__(self, frames: Iterable[np.ndarray], *, fps: float = 10.0, jpeg_quality: int = 90):
        self.jpegs = [_encode_jpeg(frame, jpeg_quality) for frame in frames]
        if not self.jpegs:
            raise ValueError("MjpegServer needs at least one frame")
        self.fps = fps
        self.frames_sent = 0
        self._sending = threading.Event()
        self._sending.set()
        self._closing = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("MjpegServer is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/stream"

    def start(self) -> MjpegServer:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="mjpeg-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._closing.set()
        self._sending.set()  # wake paused handlers so they can exit
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def pause(self) -> None:
        """Stop sending frames; clients stay connected and see a stalled stream."""
        self._sending.clear()

    def resume(self) -> None:
        self._sending.set()

    def __enter__(self) -> MjpegServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def _encode_jpeg(frame: np.ndarray, quality: int) -> bytes:
    ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("could not encode a frame as JPEG")
    return data.tobytes()


def _handler_for(camera: MjpegServer) -> type[BaseHTTPRequestHandler]:
    class StreamHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # the stream ends when the connection closes

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            if self.path.split("?")[0] != "/stream":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY}")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            index = 0
            try:
                while not camera._closing.is_set():
                    camera._sending.wait()
                    if camera._closing.is_set():
                        break
                    jpeg = camera.jpegs[index % len(camera.jpegs)]
                    part = (
                        f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n"
                    ).encode()
                    self.wfile.write(part + jpeg + b"\r\n")
                    self.wfile.flush()
                    camera.frames_sent += 1
                    index += 1
                    camera._closing.wait(1.0 / camera.fps)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client went away

        def log_message(self, format: str, *args) -> None:  # noqa: A002
            log.debug("mjpeg: " + format, *args)

    return StreamHandler
