# tests/usb/: the latency probe and the USB-cable fallback on the two test
# hosts (tests/hosts/hosts.sh), with the wifi link delayed.
TAP_TESTS += $(sort $(wildcard tests/usb/*.t))
