# tests/wide/: displays across subnets (wide-area DNS-SD, docs/widearea.md)
# on the routed test hosts (tests/hosts/routed.sh).
WIDE_TAP := tests/wide/10-session.t tests/wide/20-busy.t tests/wide/30-failures.t tests/wide/40-browse-domain.t
TAP_TESTS += $(WIDE_TAP)
