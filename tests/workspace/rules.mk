# tests/workspace/: the workspace backend's TAP tests (need root, Xvfb, x11vnc).
TAP_TESTS += tests/workspace/regions.t
TAP_TESTS += tests/workspace/session.t
