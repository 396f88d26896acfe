#!/usr/bin/env bash
# Makes sure what the tests need is running on this machine: PostgreSQL on 127.0.0.1:5432,
# Redis on 127.0.0.1:6379, Debian's Chromium (for the widget's browser tests), Debian's PgBouncer
# (the tests start private instances of it on free ports, as they do of redis-server, in cluster
# and in sentinel mode too) and Debian's Prometheus, for its `promtool` (the metrics test checks
# the plugin's Prometheus output with it). It starts or installs each exactly as .ci/run does, or says in one
# line what is missing and exits 1.
set -uo pipefail

fail() { echo "tresta: $1" >&2; exit 1; }

postgres_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
redis_up() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; }
wait_for() { for _ in $(seq 1 60); do "$1" && return 0; sleep 0.5; done; return 1; }

if ! postgres_up; then
  command -v pg_ctlcluster >/dev/null || fail "PostgreSQL is not running on 127.0.0.1:5432 and pg_ctlcluster is not installed"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start >/dev/null 2>&1
  wait_for postgres_up || fail "PostgreSQL did not start on 127.0.0.1:5432"
fi

if ! redis_up; then
  command -v redis-server >/dev/null || fail "Redis is not running on 127.0.0.1:6379 and redis-server is not installed"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log >/dev/null
  wait_for redis_up || fail "Redis did not start on 127.0.0.1:6379"
fi

# Debian packages the tests run, installed once (one apt-get for all that are missing).
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ] || missing+=(pgbouncer)
command -v promtool >/dev/null || missing+=(prometheus)
if [ "${#missing[@]}" -gt 0 ]; then
  [ "$(id -u)" = 0 ] || fail "missing ${missing[*]}: run 'apt-get update && apt-get install -y ${missing[*]}' as root"
  # The tests want these packages' programs, never their daemons (a Prometheus server on :9090, a
  # system PgBouncer): a policy-rc.d answering 101 tells the packages' scripts not to start them,
  # under systemd and sysvinit alike, and spares the install from failing where no init system
  # runs (a container). A policy-rc.d the machine already has is left as it is.
  policy=/usr/sbin/policy-rc.d
  own_policy=false
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && own_policy=true
  fi
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") >/dev/null 2>&1
  installed=$?
  if [ "$own_policy" = true ]; then rm -f "$policy"; fi
  [ "$installed" = 0 ] || fail "${missing[*]} could not be installed from Debian's packages (apt-get install ${missing[*]})"
fi
exit 0
