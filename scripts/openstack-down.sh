#!/usr/bin/env bash
# Stops what scripts/openstack-up.sh started (and scripts/keystone-x509-up.sh's Apache). Usage: scripts/openstack-down.sh STATE_DIR
state=${1:?usage: openstack-down.sh STATE_DIR}
[ -f "$state/pids" ] && . "$state/pids"
# Apache first (its parent stops its children and the mod_wsgi Keystone); wait, so :5443 is free again.
if [ -n "${APACHE_PID:-}" ] && kill "$APACHE_PID" 2>/dev/null; then
  for i in $(seq 50); do kill -0 "$APACHE_PID" 2>/dev/null || break; sleep 0.1; done
fi
for pid in ${BARBICAN_PID:-} ${KEYSTONE_PID:-} ${KEYSTONE_JWS_PID:-}; do kill "$pid" 2>/dev/null || true; done
# $state/pg links to the data directory outside the state directory (see openstack-up.sh).
pg=$(readlink -f "$state/pg" 2>/dev/null || true)
[ -n "$pg" ] && [ -f "$pg/postmaster.pid" ] && su postgres -c "cd / && /usr/lib/postgresql/15/bin/pg_ctl -D $pg -m fast stop" >/dev/null 2>&1
exit 0
