#!/usr/bin/env bash
# Installs and prepares what the local lab needs: sshd, nginx, a JDK, sudo and the
# login users; with --images also a Docker CLI, podman, docker-registry and busybox-static
# for image mode; with --debian also zsh, fish and the debian profile's users (deploy,
# deploy-zsh, deploy-fish, in group docker); with --fleet also iproute2, util-linux and the fleet
# lab's user bgfleet. Idempotent and quick when everything is already there.
set -euo pipefail

IMAGES=0
DEBIAN=0
FLEET=0
for arg in "$@"; do
  case $arg in
    --images) IMAGES=1 ;;
    --debian) DEBIAN=1 ;;
    --fleet) FLEET=1 ;;
    *) echo "usage: provision.sh [--images] [--debian] [--fleet]" >&2; exit 2 ;;
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
# Login shells other than bash (users below, and the unit test that runs commands through each).
have zsh || missing+=(zsh)
have fish || missing+=(fish)
have tcsh || missing+=(tcsh)
have busybox || missing+=(busybox-static)

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

if [ "$DEBIAN" = 1 ]; then
  have zsh || missing+=(zsh)
  have fish || missing+=(fish)
  have openssl || missing+=(openssl)
  have unshare || missing+=(util-linux)
  have nsenter || missing+=(util-linux)
  have flock || missing+=(util-linux)
fi

if [ "$FLEET" = 1 ]; then
  have ip || missing+=(iproute2)
  have openssl || missing+=(openssl)
  have unshare || missing+=(util-linux)
  have nsenter || missing+=(util-linux)
  have timeout || missing+=(coreutils)
  have scp || missing+=(openssh-client)
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
  local user=$1 shell=${2:-/bin/bash}
  if ! id "$user" >/dev/null 2>&1; then
    echo "provision.sh: creating user $user"
    as_root useradd --create-home --home-dir "/home/$user" --shell "$shell" "$user"
  fi
  if [ "$(getent passwd "$user" | cut -d: -f7)" != "$shell" ]; then as_root usermod --shell "$shell" "$user"; fi
  # The lab sshd runs without PAM, so a locked ("!") password would also block key logins.
  if ! as_root grep -q "^$user:\\\$" /etc/shadow; then
    echo "$user:$LAB_PASSWORD" | as_root chpasswd
  fi
}

ensure_user bgdeploy
ensure_user bgnosudo
# Its only sudo rule is the README's, which each lab installs for its own paths (lab/privilege.mjs).
ensure_user bgleast

# Login users whose shell is not a quiet bash, as on managed servers: a greeting in ~/.bashrc (which bash
# reads for `ssh host command` too), zsh and fish, each greeting on stdout and stderr before every command.
GREETING_TAG='# bgdeploy lab greeting'
ensure_greeting() {
  local user=$1 file=$2 text=$3 home dir tmp
  home=/home/$user
  if ! as_root grep -qF "$GREETING_TAG" "$home/$file" 2>/dev/null; then
    dir=$home
    for part in $(dirname "$file" | tr / ' '); do
      [ "$part" = . ] || { dir=$dir/$part; as_root install -d -o "$user" -g "$user" "$dir"; }
    done
    tmp=$(mktemp)
    { printf '%s\n%s\n' "$GREETING_TAG" "$text"; as_root cat "$home/$file" 2>/dev/null || true; } >"$tmp"
    as_root install -o "$user" -g "$user" -m 0644 "$tmp" "$home/$file"
    rm -f "$tmp"
  fi
}
ensure_user bglsbash /bin/bash
ensure_user bglszsh "$(command -v zsh)"
ensure_user bglsfish "$(command -v fish)"
ensure_greeting bglsbash .bashrc 'echo "Welcome to the bgdeploy lab, $USER!"; echo "(bash greeting on stderr)" >&2'
ensure_greeting bglszsh .zshenv 'echo "Welcome to the bgdeploy lab, $USER!"; echo "(zsh greeting on stderr)" >&2'
ensure_greeting bglsfish .config/fish/config.fish 'echo "Welcome to the bgdeploy lab, $USER!"; echo "(fish greeting on stderr)" >&2'

ensure_sudoers() {
  local file=$1 line=$2 tmp
  if [ "$(as_root cat "$file" 2>/dev/null || true)" != "$line" ]; then
    tmp=$(mktemp)
    printf '%s\n' "$line" >"$tmp"
    if command -v visudo >/dev/null 2>&1 || [ -x /usr/sbin/visudo ]; then
      as_root "$(command -v visudo || echo /usr/sbin/visudo)" -cf "$tmp" >/dev/null
    fi
    as_root install -o root -g root -m 0440 "$tmp" "$file"
    rm -f "$tmp"
    echo "provision.sh: wrote $file"
  fi
}
ensure_sudoers /etc/sudoers.d/bgdeploy-login-shells 'bglsbash,bglszsh,bglsfish ALL=(ALL) NOPASSWD: ALL'

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

# The debian profile's users: key login only ('*' is no password, yet not locked), in group docker
# as the common guides set it up; their sudo rules live in the profile's private /etc/sudoers.d.
ensure_profile_user() {
  local user=$1 shell=$2
  if ! id "$user" >/dev/null 2>&1; then
    echo "provision.sh: creating user $user ($shell)"
    as_root useradd --create-home --home-dir "/home/$user" --shell "$shell" --groups docker "$user"
    as_root usermod -p '*' "$user"
  fi
  if [ "$(getent passwd "$user" | cut -d: -f7)" != "$shell" ]; then as_root usermod --shell "$shell" "$user"; fi
  if ! id -nG "$user" | tr ' ' '\n' | grep -qx docker; then as_root usermod -aG docker "$user"; fi
}

if [ "$DEBIAN" = 1 ]; then
  getent group docker >/dev/null || as_root groupadd --system docker
  ensure_profile_user deploy /bin/bash
  ensure_profile_user deploy-zsh /usr/bin/zsh
  ensure_profile_user deploy-fish /usr/bin/fish
fi

# The fleet lab's user: key login only, bash, no groups; its sudo rule lives in the nginx host's private
# /etc/sudoers.d and its homes are per host, inside each host's namespace.
if [ "$FLEET" = 1 ]; then
  if ! id bgfleet >/dev/null 2>&1; then
    echo "provision.sh: creating user bgfleet"
    as_root useradd --create-home --home-dir /home/bgfleet --shell /bin/bash bgfleet
    as_root usermod -p '*' bgfleet
  fi
  if [ "$(getent passwd bgfleet | cut -d: -f7)" != /bin/bash ]; then as_root usermod --shell /bin/bash bgfleet; fi
fi

exit 0
