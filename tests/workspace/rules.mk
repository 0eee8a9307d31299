# tests/workspace/: the workspace backend's TAP tests (root, Xvfb, x11vnc,
# vncgrab; launchers.t also the launchers and scripts/display_setup).
TAP_TESTS += tests/workspace/regions.t tests/workspace/session.t \
             tests/workspace/errors.t tests/workspace/launchers.t \
             tests/workspace/stop.t tests/workspace/diskfull.t tests/workspace/appdeath.t
