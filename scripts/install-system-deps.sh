#!/usr/bin/env bash
# Debian packages the project needs: WeasyPrint's libraries, Chromium for browser tests,
# gettext for the catalogues, docker-compose (v1) to validate the compose file, poppler for
# PDF text checks, qpdf for PDF structure checks, flite for the captcha's audio, slapd and
# ldap-utils for the directory (LDAP) tests and demo. Installs only what is missing.
set -u
packages=(
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
  chromium gettext poppler-utils qpdf flite docker-compose slapd ldap-utils
)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo="sudo -n"
else
  echo "warning: cannot install ${missing[*]} (not root, no sudo); the tests that need them skip." >&2
  exit 0
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null
$sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
  || echo "warning: apt-get could not install ${missing[*]}; the tests that need them skip." >&2
exit 0
