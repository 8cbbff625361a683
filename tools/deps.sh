#!/bin/sh
# Install the Debian packages dtfs needs, if any is missing.
# As root: apt-get install. Otherwise: print the exact command and fail.
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" != 0 ]; then
	echo "dtfs: missing packages; as root run: apt-get update && $cmd" >&2
	exit 1
fi
echo "dtfs: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq && $cmd -qq
