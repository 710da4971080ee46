#!/usr/bin/env bash
# The studio's browser tests drive Debian's headless Chromium (Playwright cannot download browsers
# offline). Install chromium + chromium-driver with apt when they are missing; as root only.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" != "0" ]; then
  echo "chromium is missing: install Debian's chromium package (browser tests will be skipped)" >&2
  exit 0
fi
echo "installing chromium for the browser tests" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
apt-get install -y -q chromium chromium-driver >&2
