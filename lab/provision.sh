#!/usr/bin/env bash
# Installs and prepares what the local lab needs: sshd, nginx, a JDK, sudo and the
# login users; with --images also a Docker CLI, podman, docker-registry and busybox-static
# for image mode. Idempotent and quick when everything is already there.
set -euo pipefail

IMAGES=0
for arg in "$@"; do
  case $arg in
    --images) IMAGES=1 ;;
    *) echo "usage: provision.sh [--images]" >&2; exit 2 ;;
  esac
done

LAB_PASSWORD='bgdeploy-lab'
SUDOERS_FILE=/etc/sudoers.d/bgdeploy

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
else
  echo "provision.sh: must run as root or with passwordless sudo (sudo -n); neither is available" >&2
  exit 1
fi

as_root() { "${SUDO[@]}" "$@"; }

# Parallel test workers may call us at once: apt and useradd must not race.
LOCK_FILE=${TMPDIR:-/tmp}/bgdeploy-lab-provision.lock
if command -v flock >/dev/null 2>&1 && { exec 9>>"$LOCK_FILE"; } 2>/dev/null; then
  flock 9
  chmod 0666 "$LOCK_FILE" 2>/dev/null || true
fi

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ]; }

missing=()
have sshd || missing+=(openssh-server)
have ssh || missing+=(openssh-client)
have ssh-keygen || missing+=(openssh-client)
have nginx || missing+=(nginx-light)
{ have java && have javac && have jar; } || missing+=(default-jdk-headless)
have sudo || missing+=(sudo)
have ss || missing+=(iproute2)
have ps || missing+=(procps)

installed() { [ -e "/var/lib/dpkg/info/$1.list" ] || [ -e "/var/lib/dpkg/info/$1:amd64.list" ] || [ -e "/var/lib/dpkg/info/$1:$(dpkg --print-architecture 2>/dev/null).list" ]; }

if [ "$IMAGES" = 1 ]; then
  # Debian ships the Docker client only inside docker.io (its dockerd is never started: see policy-rc.d below).
  have docker || missing+=(docker.io)
  { have podman && have conmon; } || missing+=(podman)
  have runc || missing+=(runc)
  [ -x /usr/lib/podman/netavark ] || missing+=(netavark)
  have iptables || missing+=(iptables)
  have tini || missing+=(tini)
  have docker-registry || missing+=(docker-registry)
  have htpasswd || missing+=(apache2-utils)
  # The image's busybox is copied into a scratch root file system, so it must be static.
  installed busybox-static || missing+=(busybox-static)
fi

if [ "${#missing[@]}" -gt 0 ]; then
  # shellcheck disable=SC2207
  pkgs=($(printf '%s\n' "${missing[@]}" | sort -u))
  echo "provision.sh: installing ${pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # docker.io and docker-registry would start dockerd and a registry on *:5000 from their
  # postinst; a policy-rc.d that denies it (only if none exists) keeps the machine quiet.
  policy=/usr/sbin/policy-rc.d
  own_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# written by bgdeploy lab/provision.sh during apt-get install\nexit 101\n' | as_root tee "$policy" >/dev/null
    as_root chmod 0755 "$policy"
    own_policy=1
  fi
  status=0
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq || status=$?
  if [ "$status" = 0 ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" || status=$?
  fi
  if [ "$own_policy" = 1 ]; then as_root rm -f "$policy"; fi
  [ "$status" = 0 ] || exit "$status"
fi

as_root mkdir -p /run/sshd
as_root chmod 0755 /run/sshd

ensure_user() {
  local user=$1
  if ! id "$user" >/dev/null 2>&1; then
    echo "provision.sh: creating user $user"
    as_root useradd --create-home --home-dir "/home/$user" --shell /bin/bash "$user"
  fi
  # The lab sshd runs without PAM, so a locked ("!") password would also block key logins.
  if ! as_root grep -q "^$user:\\\$" /etc/shadow; then
    echo "$user:$LAB_PASSWORD" | as_root chpasswd
  fi
}

ensure_user bgdeploy
ensure_user bgnosudo
# Its only sudo rule is the README's, which each lab installs for its own paths (lab/privilege.mjs).
ensure_user bgleast

sudoers_line='bgdeploy ALL=(ALL) NOPASSWD: ALL'
if [ "$(as_root cat "$SUDOERS_FILE" 2>/dev/null || true)" != "$sudoers_line" ]; then
  tmp=$(mktemp)
  printf '%s\n' "$sudoers_line" >"$tmp"
  if command -v visudo >/dev/null 2>&1 || [ -x /usr/sbin/visudo ]; then
    as_root "$(command -v visudo || echo /usr/sbin/visudo)" -cf "$tmp" >/dev/null
  fi
  as_root install -o root -g root -m 0440 "$tmp" "$SUDOERS_FILE"
  rm -f "$tmp"
  echo "provision.sh: wrote $SUDOERS_FILE"
fi

exit 0
