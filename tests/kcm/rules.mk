# tests/kcm/: KCM across the two test hosts (tests/hosts/hosts.sh).
KCM_TAP := tests/kcm/10-tunnel.t
TAP_TESTS += $(KCM_TAP)
