# tests/hosts/tap.sh -- kept so that tests written against it still work; the TAP library is tests/lib/tap.sh.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/tap.sh"
