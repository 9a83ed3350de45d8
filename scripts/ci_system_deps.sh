#!/usr/bin/env bash
# System packages the test suite needs beyond Python: Debian's headless Chromium for the
# browser tests (tests/test_browser.py drive it with Playwright; no browser is downloaded).
# Idempotent: does nothing when /usr/bin/chromium is already there. Runs as root, or via sudo.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo -n"
else
    echo "ci_system_deps: /usr/bin/chromium is missing and we are not root (no sudo);" \
         "install Debian's chromium package to run the browser tests" >&2
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ci_system_deps: no apt-get on this machine; install chromium by hand" \
         "(the browser tests skip without /usr/bin/chromium)" >&2
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
echo "ci_system_deps: installing chromium (Debian package) for the browser tests"
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
test -x /usr/bin/chromium
echo "ci_system_deps: $(/usr/bin/chromium --version 2>/dev/null || echo chromium installed)"
