#!/usr/bin/env bash
# Stops what scripts/openstack-up.sh started. Usage: scripts/openstack-down.sh STATE_DIR
state=${1:?usage: openstack-down.sh STATE_DIR}
[ -f "$state/pids" ] && . "$state/pids"
for pid in ${BARBICAN_PID:-} ${KEYSTONE_PID:-} ${KEYSTONE_JWS_PID:-}; do kill "$pid" 2>/dev/null || true; done
[ -f "$state/pg/postmaster.pid" ] && su postgres -c "/usr/lib/postgresql/15/bin/pg_ctl -D $state/pg -m fast stop" >/dev/null 2>&1
exit 0
