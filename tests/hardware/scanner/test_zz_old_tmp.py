import importlib.util, sys
spec = importlib.util.spec_from_file_location("old_camera_mod", "/tmp/old_camera_mod.py")
mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
import tests.hardware.scanner.test_camera_live as t
t.CameraScanner = mod.CameraScanner
test_slow = t.test_slow_decoding_always_gets_the_freshest_frame
scanners = t.scanners
