# tests/kcm/: KCM across the two test hosts (tests/hosts/hosts.sh).
KCM_TAP := tests/kcm/10-tunnel.t tests/kcm/20-two-displays.t tests/kcm/30-encrypted.t tests/kcm/40-identity.t tests/kcm/50-session.t tests/kcm/55-sasl.t tests/kcm/60-missing.t tests/kcm/70-ipv6.t tests/kcm/80-back-to-back.t tests/kcm/90-half-open.t
TAP_TESTS += $(KCM_TAP)
