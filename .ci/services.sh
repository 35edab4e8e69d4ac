#!/usr/bin/env bash
# Start the local PostgreSQL and MariaDB the database-destination tests use, if they are not running,
# and make sure the `test` database exists in both. Safe to run again.
set -uo pipefail

pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
my_up() { mariadb-admin -h 127.0.0.1 -P 3306 -u root ping >/dev/null 2>&1 || mysqladmin -h 127.0.0.1 -P 3306 -u root ping >/dev/null 2>&1; }

if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
  fi
fi
if ! my_up; then
  if [ -x /usr/sbin/mariadbd ]; then
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
  fi
fi
for _ in $(seq 1 30); do pg_up && my_up && break; sleep 1; done

if pg_up; then
  psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='test'" 2>/dev/null | grep -q 1 \
    || psql -h 127.0.0.1 -U postgres -d postgres -c "CREATE DATABASE test" >/dev/null 2>&1 || true
  echo "postgresql: up"
else
  echo "postgresql: NOT available (database tests will be skipped)"
fi
if my_up; then
  mariadb -h 127.0.0.1 -P 3306 -u root -e "CREATE DATABASE IF NOT EXISTS test" 2>/dev/null || true
  echo "mariadb: up"
else
  echo "mariadb: NOT available (database tests will be skipped)"
fi
exit 0
