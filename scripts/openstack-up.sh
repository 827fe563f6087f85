#!/usr/bin/env bash
# Starts a REAL Keystone (127.0.0.1:5000, on PostgreSQL) and Barbican (127.0.0.1:9311, on sqlite)
# from Debian's packages, with the users the tests expect, and writes STATE_DIR/env for the stack.
# Usage: scripts/openstack-up.sh STATE_DIR        (root; installs packages on first use)
set -euo pipefail
state=${1:?usage: openstack-up.sh STATE_DIR}
PY=/usr/bin/python3          # Debian's python, whatever else is on PATH
KS=http://127.0.0.1:5000
KSJ=http://127.0.0.1:5001
BB=http://127.0.0.1:9311
PGBIN=/usr/lib/postgresql/15/bin
started=$(date +%s)

if [ -f "$state/env" ] && curl -sf $KS/v3 >/dev/null && curl -s -o /dev/null -w '%{http_code}' $BB/ | grep -q 300; then
  echo "openstack: already up ($state/env)"; exit 0
fi
here=$(cd "$(dirname "$0")" && pwd)
[ -d "$state" ] && bash "$here/openstack-down.sh" "$state" >/dev/null 2>&1 || true
rm -rf "$state"; mkdir -p "$state"; state=$(cd "$state" && pwd)

if ! command -v keystone-manage >/dev/null || ! command -v openstack >/dev/null || ! $PY -c 'import barbican' 2>/dev/null || [ ! -x $PGBIN/postgres ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    python3-keystone python3-barbican python3-openstackclient postgresql >/dev/null
fi

fail() { echo "openstack: $1" >&2; [ -f "${2:-/dev/null}" ] && tail -30 "$2" >&2; exit 1; }
mkdir -p "$state"/{ks/jws/private,ks/jws/public,ks/fernet,ks/cred,bb}
# PostgreSQL runs as `postgres`, which cannot enter a checkout under /root (mode 700): its data
# directory is outside the state directory, in one every user can reach; $state/pg links to it.
pg=/var/tmp/openstack-ca-pg-$(printf %s "$state" | sha256sum | cut -c1-12)
rm -rf "$pg"; install -d -o postgres -m 700 "$pg"; ln -s "$pg" "$state/pg"

# PostgreSQL for Keystone: its single-threaded wsgi server locks sqlite up within a few requests.
su postgres -c "cd / && $PGBIN/initdb -D $pg -A trust -U postgres" >/dev/null
su postgres -c "cd / && $PGBIN/pg_ctl -D $pg -o '-p 5433 -k $pg -c listen_addresses=127.0.0.1' -l $pg/log -w start" >/dev/null \
  || fail "postgres did not start" "$pg/log"
$PGBIN/createdb -h 127.0.0.1 -p 5433 -U postgres keystone

cat > "$state/ks/keystone.conf" <<CONF
[DEFAULT]
log_file = $state/ks/keystone.log
[database]
connection = postgresql+psycopg2://postgres@127.0.0.1:5433/keystone
[token]
provider = fernet
expiration = 3600
[fernet_tokens]
key_repository = $state/ks/fernet
[fernet_receipts]
key_repository = $state/ks/fernet
[credential]
key_repository = $state/ks/cred
[jwt_tokens]
jws_public_key_repository = $state/ks/jws/public
jws_private_key_repository = $state/ks/jws/private
[auth]
# A fernet token carries its methods as bits numbered in THIS list's order, so every Keystone that
# validates another's tokens needs the same list: scripts/keystone-x509-up.sh copies it for the
# X.509 Keystone behind Apache (x509 = the OS-FEDERATION .../protocols/x509/auth route). With
# Keystone's default list an x509 token read here decodes as oauth1, a delegated method that may
# not be exchanged for another token. No "external": federation and it both read REMOTE_USER.
methods = password,token,mapped,x509,application_credential
CONF
export OS_KEYSTONE_CONFIG_FILES=$state/ks/keystone.conf
km() { keystone-manage --config-file "$state/ks/keystone.conf" "$@" >>"$state/ks/manage.log" 2>&1 || fail "keystone-manage $1 failed" "$state/ks/manage.log"; }
km db_sync
km fernet_setup --keystone-user root --keystone-group root
km credential_setup --keystone-user root --keystone-group root
# ES256 keys for the jws token provider (offline-verifiable tokens); the provider stays fernet.
(cd "$state/ks/jws" && km create_jws_keypair --keystone-user root --keystone-group root && mv private.pem private/ && mv public.pem public/)
km bootstrap --bootstrap-password secret --bootstrap-admin-url $KS/v3 --bootstrap-public-url $KS/v3 \
   --bootstrap-internal-url $KS/v3 --bootstrap-region-id RegionOne
nohup $PY /usr/bin/keystone-wsgi-public --host 127.0.0.1 --port 5000 > "$state/ks/server.log" 2>&1 &
echo "KEYSTONE_PID=$!" > "$state/pids"
# A second Keystone on the same database that issues `jws` tokens (offline-verifiable, ES256).
sed -e 's/^provider = fernet$/provider = jws/' -e "s#^log_file = .*#log_file = $state/ks/keystone-jws.log#" "$state/ks/keystone.conf" > "$state/ks/keystone-jws.conf"
OS_KEYSTONE_CONFIG_FILES=$state/ks/keystone-jws.conf nohup $PY /usr/bin/keystone-wsgi-public --host 127.0.0.1 --port 5001 > "$state/ks/server-jws.log" 2>&1 &
echo "KEYSTONE_JWS_PID=$!" >> "$state/pids"
for i in $(seq 100); do curl -sf $KS/v3 >/dev/null && curl -sf $KSJ/v3 >/dev/null && break; sleep 0.2; done
curl -sf $KS/v3 >/dev/null || fail "keystone did not answer" "$state/ks/server.log"
curl -sf $KSJ/v3 >/dev/null || fail "keystone (jws) did not answer" "$state/ks/server-jws.log"

export OS_AUTH_URL=$KS/v3 OS_USERNAME=admin OS_PASSWORD=secret OS_PROJECT_NAME=admin \
  OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default OS_IDENTITY_API_VERSION=3
os() { openstack "$@" >/dev/null || fail "openstack $*"; }
os project create --domain default service
for r in member reader creator; do openstack role show $r >/dev/null 2>&1 || os role create $r; done
os user create --domain default --password bpass barbican
os role add --project service --user barbican admin
# The CA worker's own service user: stores and reads CA keys in project "service", nothing more.
os user create --domain default --password cwpass caworker
os role add --project service --user caworker creator
# ...and asks Keystone whether the user a server-side key goes to still holds a role on its project
# (GET /v3/role_assignments?user.id=&scope.project.id=&effective, lib/auth/membership.ts). Keystone's
# default identity:list_role_assignments allows that to admin, a system reader, or a reader of the
# domain with a token scoped to it: `reader` on the tenants' domain is the least (a project-scoped
# token would need `admin`, which is cloud-wide). It lets caworker read that domain's users, groups,
# projects and assignments, and change nothing.
os role add --domain default --user caworker reader
os service create --name barbican key-manager
for i in public internal admin; do os endpoint create --region RegionOne key-manager $i $BB; done
os project create --domain default tenant-a
os project create --domain default tenant-b
os user create --domain default --password apass --email alice@example.org alice
for r in member creator reader; do os role add --project tenant-a --user alice $r; done
os user create --domain default --password bpass2 bob
for r in member creator reader; do os role add --project tenant-b --user bob $r; done
os user create --domain default --password cpass3 carol
os role add --project tenant-a --user carol reader
# dave holds a role on tenant-a only through a group (as dev/fixtures.ts has it).
os user create --domain default --password dpass4 dave
os group create --domain default tenant-a-auditors
os group add user tenant-a-auditors dave
os role add --group tenant-a-auditors --project tenant-a reader
for r in member reader; do os role add --project admin --user admin $r; done
# The API's optional revocation reader: Keystone lets only `service` or `admin` list revocation events.
os role create service
os user create --domain default --password rvpass revoker
os role add --project service --user revoker service
# An admin inside a tenant: creates that tenant's CAs in the tests, where alice is only a member.
os role add --project tenant-a --user admin admin

# Barbican needs no Debian service: its paste app is served by wsgiref.
paste=/usr/share/barbican-common/barbican-api-paste.ini
if [ ! -f $paste ]; then
  tmp=$(mktemp -d); (cd "$tmp" && apt-get download barbican-common >/dev/null 2>&1 && dpkg -x barbican-common_*.deb x)
  paste=$(ls "$tmp"/x/usr/share/barbican-common/barbican-api-paste.ini) || fail "no barbican-api-paste.ini"
fi
cp "$paste" "$state/bb/barbican-api-paste.ini"
cat > "$state/bb/barbican.conf" <<CONF
[DEFAULT]
host_href = $BB
sql_connection = sqlite:///$state/bb/barbican.db
db_auto_create = True
log_file = $state/bb/barbican.log
[keystone_authtoken]
www_authenticate_uri = $KS/v3
auth_url = $KS/v3
auth_type = password
username = barbican
password = bpass
project_name = service
user_domain_name = Default
project_domain_name = Default
interface = public
[secretstore]
enabled_secretstore_plugins = store_crypto
[crypto]
enabled_crypto_plugins = simple_crypto
[simple_crypto_plugin]
kek = $($PY -c "import base64,os;print(base64.urlsafe_b64encode(os.urandom(32)).decode())")
CONF
cat > "$state/bb/serve.py" <<PYEOF
from wsgiref.simple_server import make_server, WSGIRequestHandler
from paste.deploy import loadapp
from barbican.common import config
config.CONF(['--config-file', '$state/bb/barbican.conf'], project='barbican')
app = loadapp('config:$state/bb/barbican-api-paste.ini')
class Quiet(WSGIRequestHandler):
    def log_message(self, *a): pass
make_server('127.0.0.1', 9311, app, handler_class=Quiet).serve_forever()
PYEOF
nohup $PY "$state/bb/serve.py" > "$state/bb/server.log" 2>&1 &
echo "BARBICAN_PID=$!" >> "$state/pids"
for i in $(seq 150); do curl -s -o /dev/null -w '%{http_code}' $BB/ | grep -q 300 && break; sleep 0.2; done
curl -s -o /dev/null -w '%{http_code}' $BB/ | grep -q 300 || fail "barbican did not answer" "$state/bb/server.log"

cat > "$state/env" <<ENV
OPENSTACK_STATE_DIR=$state
OS_AUTH_URL=$KS/v3
BARBICAN_URL=$BB
OS_SERVICE_USERNAME=caworker
OS_SERVICE_PASSWORD=cwpass
OS_SERVICE_PROJECT_NAME=service
OS_SERVICE_USER_DOMAIN_NAME=Default
OS_SERVICE_PROJECT_DOMAIN_NAME=Default
KEYSTONE_JWS_URL=$KSJ/v3
KEYSTONE_JWS_PUBLIC_KEY_DIR=$state/ks/jws/public
KEYSTONE_JWS_PRIVATE_KEY_DIR=$state/ks/jws/private
KEYSTONE_REVOCATION_USERNAME=revoker
KEYSTONE_REVOCATION_PASSWORD=rvpass
ENV
echo "openstack: keystone $KS/v3 and barbican $BB up in $(( $(date +%s) - started )) s ($state/env)"
