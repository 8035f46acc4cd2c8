#!/usr/bin/env bash
# Checks the system packages the portal needs before anything is installed into .venv.
#
#   scripts/check-system.sh          what `make run` needs: the shared libraries WeasyPrint
#                                    loads (pango, pangoft2, harfbuzz, harfbuzz-subset,
#                                    fontconfig) and a font
#   scripts/check-system.sh --tests  the same, plus what the tests drive: chromium and pdftoppm
#
# As root, missing Debian packages are installed with apt-get. Otherwise it stops with one line
# naming the exact `apt-get install ...` command, and exits 1.
#
# Overrides, for tests of this script:
#   PORTAL_SYSTEM_LIBS="libname.so.N=debian-package ..."  the libraries to look for
#   PORTAL_SYSTEM_INSTALL=never                           never install, only tell (as non-root)
set -euo pipefail

libs="${PORTAL_SYSTEM_LIBS:-libpango-1.0.so.0=libpango-1.0-0 libpangoft2-1.0.so.0=libpangoft2-1.0-0 libharfbuzz.so.0=libharfbuzz0b libharfbuzz-subset.so.0=libharfbuzz-subset0 libfontconfig.so.1=libfontconfig1}"
commands=""
if [ "${1:-}" = "--tests" ]; then
  commands="chromium=chromium pdftoppm=poppler-utils"
fi

ldconfig_bin=$(command -v ldconfig || echo /sbin/ldconfig)
known_libs=$("$ldconfig_bin" -p 2>/dev/null || true)

missing=()
for entry in $libs; do
  name=${entry%%=*}
  package=${entry#*=}
  if ! grep -qF " $name " <<<"$known_libs" && ! grep -qF "/$name" <<<"$known_libs"; then
    missing+=("$package")
  fi
done

# A font: WeasyPrint renders nothing readable without one.
if ! find /usr/share/fonts /usr/local/share/fonts -type f \( -name '*.ttf' -o -name '*.otf' \) \
    -print -quit 2>/dev/null | grep -q .; then
  missing+=("fonts-dejavu-core")
fi

for entry in $commands; do
  if ! command -v "${entry%%=*}" >/dev/null 2>&1; then
    missing+=("${entry#*=}")
  fi
done

[ ${#missing[@]} -eq 0 ] && exit 0

install_line="apt-get install -y ${missing[*]}"
if [ "$(id -u)" = "0" ] && [ "${PORTAL_SYSTEM_INSTALL:-auto}" != "never" ]; then
  echo "Installing missing system packages: ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi
echo "Missing system packages; run: sudo $install_line" >&2
exit 1
