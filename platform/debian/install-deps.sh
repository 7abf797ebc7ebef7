#!/usr/bin/env bash
# Installs the Debian packages listed in packages.txt that are not installed yet.
# Runs apt-get only when something is missing, so a warm machine pays ~50 ms.
# Uses sudo when not root. Groups: pass "app" or "test" (or nothing for all).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
want=()
group=""
while IFS= read -r line; do
  case "$line" in
    "# group: "*) group=${line#"# group: "}; continue ;;
    \#*|"") continue ;;
  esac
  pkg=${line%%#*}; pkg=${pkg//[[:space:]]/}
  [ -n "$pkg" ] || continue
  if [ $# -eq 0 ] || [[ " build $* " == *" $group "* ]]; then want+=("$pkg"); fi
done < "$here/packages.txt"

missing=()
for p in "${want[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
