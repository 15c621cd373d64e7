#!/bin/sh
# The deployment test (part of make test): builds the Debian package, installs it on this machine,
# runs docs/operations.md through it and purges it. It needs root: through sudo when not root.
cd "$(dirname "$0")/../.." || exit 1
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		exec sudo -n --preserve-env=SALA_SRC python3 tests/deploy/deploy.py "$@"
	fi
	echo "FAIL deploy: the deployment test installs a package and needs root (or sudo without a password)"
	echo "0 passed, 1 failed"
	exit 1
fi
exec python3 tests/deploy/deploy.py "$@"
