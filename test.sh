#!/usr/bin/env bash
# The test command: installs what the tests use on a Debian/Ubuntu machine where it can, then runs every test.
#   7zip        builds the real solid archives the end-to-end tests extract (7zz)
#   chromium    opens the report in the browser test
#   slurm-wlm, munge   a real throw-away single-node Slurm cluster for the Slurm tests
#   python3     runs the parity driver's refusal checks (standard library only)
# Where nothing can be installed (no apt-get, not root), the tests that need a missing tool skip with the reason.
set -euo pipefail
cd "$(dirname "$0")"

need=()
command -v 7zz >/dev/null 2>&1 || command -v 7z >/dev/null 2>&1 || need+=(7zip)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v python3 >/dev/null 2>&1 || need+=(python3)
command -v slurmctld >/dev/null 2>&1 || [ -x /usr/sbin/slurmctld ] || need+=(slurm-wlm munge)
if [ ${#need[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "test.sh: cannot install ${need[*]} here (needs apt-get as root); the tests that use them will skip." >&2
  fi
fi

exec dotnet test "$@"
