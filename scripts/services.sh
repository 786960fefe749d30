#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer on 127.0.0.1 for the test suite; installs them from
# Debian and starts private instances (loopback only) when they are missing. Fails loudly.
set -euo pipefail
PGPORT=${SHEQUN_TEST_PGPORT:-5432}
REDISPORT=${SHEQUN_TEST_REDISPORT:-6379}
if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
apt_install() {
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "$@" >/dev/null
}

if ! pg_isready -q -h 127.0.0.1 -p "$PGPORT" 2>/dev/null; then
  command -v pg_isready >/dev/null 2>&1 || apt_install postgresql
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
  if [ -n "$(ls /etc/postgresql 2>/dev/null)" ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main start || true
  fi
  if ! pg_isready -q -h 127.0.0.1 -p "$PGPORT" 2>/dev/null; then
    data=/tmp/shequn-pg
    if [ ! -f "$data/PG_VERSION" ]; then
      mkdir -p "$data" && chown postgres "$data"
      su postgres -c "$bindir/initdb -D $data -A trust -U postgres" >/dev/null
    fi
    su postgres -c "$bindir/pg_ctl -D $data -o '-c listen_addresses=127.0.0.1 -p $PGPORT -k /tmp' -l $data/log -w start" >/dev/null
  fi
fi
pg_isready -q -h 127.0.0.1 -p "$PGPORT" || { echo "PostgreSQL is not reachable on 127.0.0.1:$PGPORT" >&2; exit 1; }

if ! (exec 3<>/dev/tcp/127.0.0.1/"$REDISPORT") 2>/dev/null; then
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDISPORT" --save "" --appendonly no \
    --dir /tmp --logfile /tmp/shequn-redis.log
  for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/"$REDISPORT") 2>/dev/null && break; sleep 0.1; done
fi
(exec 3<>/dev/tcp/127.0.0.1/"$REDISPORT") 2>/dev/null || { echo "Redis is not reachable on 127.0.0.1:$REDISPORT" >&2; exit 1; }
