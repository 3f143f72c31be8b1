# Shared by the scripts (source it after `cd` to the project root): progress lines, Debian installs, the
# environment every server runs with, the website channel's secret, and waiting for a server to answer.

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

apt_install() {  # apt_install <package...>: Debian packages, with sudo when not root
  local as_root=()
  [ "$(id -u)" -eq 0 ] || as_root=(sudo)
  say "Installing $* (Debian packages)"
  "${as_root[@]}" apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq "$@" >&2
}

# Every server: no telemetry; logs at INFO at most, structured lines as JSON, and deploy/logging.yml's filter
# so they never hold what people type (Rasa reads that file before it adds the project to the import path,
# hence PYTHONPATH). Sets the `logging` array of arguments for `rasa run` and `rasa run actions`.
server_env() {
  export RASA_TELEMETRY_ENABLED=false LOG_LEVEL=INFO FORCE_JSON_LOGGING=1
  export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
  logging=(--logging-config-file deploy/logging.yml)
}

# The website channel signs its session tokens with RC_CHANNEL_SECRET: taken from the environment, else made
# once in .secrets/channel_secret (git-ignored, owner-only) and exported.
channel_secret() {
  if [ -n "${RC_CHANNEL_SECRET:-}" ]; then return; fi
  if [ ! -s .secrets/channel_secret ]; then
    mkdir -p .secrets && chmod 700 .secrets
    (umask 077 && .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(48))' > .secrets/channel_secret)
    say "Created .secrets/channel_secret (the website chat's signing secret)"
  fi
  RC_CHANNEL_SECRET=$(cat .secrets/channel_secret)
  export RC_CHANNEL_SECRET
}

wait_for() {  # wait_for <name> <url> <seconds> <where the logs are>: until the URL answers at all
  local deadline=$(( $(date +%s) + $3 ))
  until curl -s -o /dev/null "$2"; do
    if [ "$(date +%s)" -gt "$deadline" ]; then echo "$1 did not start; see $4" >&2; exit 1; fi
    sleep 1
  done
  echo "$1 is up"
}
