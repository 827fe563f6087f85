#!/usr/bin/env bash
# Puts Apache mod_ssl + mod_wsgi in front of the REAL Keystone of scripts/openstack-up.sh, so that
# X.509 client certificates from the given CAs get Keystone tokens through federation
# (OS-FEDERATION .../identity_providers/IDP/protocols/x509/auth, or /v3/auth/tokens method "mapped").
#
#   scripts/keystone-x509-up.sh STATE_DIR CLIENT_CAS_PEM [OCSP_URL]        (root)
#
# STATE_DIR       the state directory of a running scripts/openstack-up.sh
# CLIENT_CAS_PEM  the ONLY CAs whose client certificates Apache accepts (one or more PEM certificates)
# OCSP_URL        the OCSP responder asked about every client certificate (SSLOCSPOverrideResponder);
#                 without it, each certificate's own AIA OCSP URL is used (none: refused)
#
# https://127.0.0.1:5443/v3 is the same Keystone as http://127.0.0.1:5000/v3: same database, same
# fernet and credential keys, same [auth] methods, so its tokens validate at :5000. Writes
# STATE_DIR/x509.env (KEYSTONE_X509_URL, KEYSTONE_X509_CACERT, KEYSTONE_X509_ERROR_LOG) and appends
# APACHE_PID to STATE_DIR/pids (scripts/openstack-down.sh stops it). Run again with another
# CLIENT_CAS_PEM or OCSP_URL: the running Apache is restarted gracefully with the new trust, and the
# script returns once new TLS handshakes offer exactly the new CA list. Nothing under /etc is changed.
set -euo pipefail
usage='usage: keystone-x509-up.sh STATE_DIR CLIENT_CAS_PEM [OCSP_URL]'
state=${1:?$usage}
cas_in=${2:?$usage}
ocsp_url=${3:-}
PORT=5443
RUNAS=www-data
M=/usr/lib/apache2/modules
started=$(date +%s)

fail() { # MESSAGE [LOG...]
  echo "keystone-x509: $1" >&2
  shift
  for f in "$@"; do [ -s "$f" ] && { echo "--- tail of $f" >&2; tail -n 30 "$f" >&2; }; done
  exit 1
}
[ "$(id -u)" = 0 ] || fail "run as root (Apache binds, then runs Keystone as $RUNAS)"
[ -d "$state" ] && state=$(cd "$state" && pwd) || fail "no state directory $state (run scripts/openstack-up.sh first)"
ks_conf=$state/ks/keystone.conf
[ -f "$ks_conf" ] && [ -f "$state/pids" ] || fail "$state is not a state directory of scripts/openstack-up.sh (no ks/keystone.conf or pids)"
[ -r "$cas_in" ] || fail "cannot read CLIENT_CAS_PEM $cas_in"
case $ocsp_url in ''|http://*|https://*) ;; *) fail "OCSP_URL must be an http(s) URL: $ocsp_url";; esac

# The :5000 Keystone must encode token methods as this one does (fernet tokens number them in
# [auth] methods order): the x509 conf copies its list, which has to name x509.
methods=$(sed -n 's/^[[:space:]]*methods[[:space:]]*=[[:space:]]*//p' "$ks_conf" | tail -n 1 | tr -d ' ')
case ",$methods," in
  *,x509,*) ;;
  *) fail "$ks_conf has no [auth] methods listing x509 (a state directory from an older scripts/openstack-up.sh?): run scripts/openstack-down.sh $state and scripts/openstack-up.sh $state again";;
esac

if [ ! -x /usr/sbin/apache2 ] || [ ! -f $M/mod_ssl.so ] || [ ! -f $M/mod_wsgi.so ]; then
  inst() { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends apache2 libapache2-mod-wsgi-py3 >/dev/null; }
  inst || { apt-get update -qq && inst; } || fail "apt-get install apache2 libapache2-mod-wsgi-py3 failed"
fi

# Everything the mod_wsgi daemon ($RUNAS) reads lives outside the state directory, in a directory
# every user can reach: a checkout under /root (mode 700) is not searchable by $RUNAS. $state/x509
# links to it.
X=/var/tmp/openstack-ca-x509-$(printf %s "$state" | sha256sum | cut -c1-12)
mkdir -p "$X"
# Root writes configuration and keys here: it must be root's own directory, not one planted by a local user.
[ ! -L "$X" ] && [ "$(stat -c %u "$X")" = 0 ] || fail "$X is not a directory owned by root; remove it"
mkdir -p "$X/run" "$X/tls" "$X/ks"
chmod 755 "$X" "$X/ks"; chmod 700 "$X/tls"
[ -L "$state/x509" ] || { rm -rf "$state/x509"; ln -s "$X" "$state/x509"; }
# One run at a time per state directory (tests may call this from several files).
exec 9>"$X/.lock"
flock 9

# ---- the client CAs: every PEM certificate of the file, each checked, into one bundle.
tmp=$(mktemp -d "$X/cas.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
awk -v d="$tmp" '/-----BEGIN CERTIFICATE-----/{n++; f=sprintf("%s/%03d.pem", d, n); in_cert=1} in_cert{print > f} /-----END CERTIFICATE-----/{if (in_cert) close(f); in_cert=0}' "$cas_in"
subjects=()
for f in "$tmp"/*.pem; do
  [ -f "$f" ] || fail "CLIENT_CAS_PEM $cas_in holds no PEM certificate"
  s=$(openssl x509 -in "$f" -noout -subject -nameopt rfc2253 2>/dev/null) || fail "CLIENT_CAS_PEM: $(basename "$f") of $cas_in is no certificate"
  subjects+=("${s#subject=}")
  openssl x509 -in "$f" >> "$tmp/bundle"
done
want=$(printf '%s\n' "${subjects[@]}" | sort)

# ---- the TLS server side: a throw-away CA and a certificate for 127.0.0.1 (kept across runs, so
# KEYSTONE_X509_CACERT stays valid for as long as the state directory lives).
if [ ! -s "$X/tls/server.pem" ] || ! openssl x509 -in "$X/tls/server.pem" -noout -checkend 86400 >/dev/null 2>&1; then
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$X/tls/ca.key" \
    -subj "/CN=keystone-x509 TLS CA $(date -u +%Y%m%dT%H%M%SZ)" -days 365 -out "$X/tls/ca.pem" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$X/tls/server.key" -subj /CN=127.0.0.1 \
    -out "$X/tls/server.csr" 2>/dev/null
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n' > "$X/tls/server.ext"
  openssl x509 -req -in "$X/tls/server.csr" -CA "$X/tls/ca.pem" -CAkey "$X/tls/ca.key" -CAcreateserial -days 364 \
    -extfile "$X/tls/server.ext" -out "$X/tls/server.pem" 2>/dev/null
  cp "$X/tls/ca.pem" "$X/tls-ca.pem"; chmod 644 "$X/tls-ca.pem"
fi

# ---- Keystone's side: the same database and the same keys as :5000, read by the mod_wsgi daemon
# ($RUNAS; Apache refuses to run it as root). The key repositories are copied (root-owned, readable
# by $RUNAS's group) on every run: the :5000 Keystone never rotates them.
x_conf=$X/ks/keystone-x509.conf
x_log=$X/ks/keystone-x509.log
(umask 077; sed -e "s#^log_file = .*#log_file = $x_log#" -e "s#$state/ks/fernet#$X/ks/fernet#g" -e "s#$state/ks/cred#$X/ks/cred#g" "$ks_conf" > "$x_conf.new")
cat >> "$x_conf.new" <<CONF
[federation]
# When a protocol names no remote_id_attribute: the issuer DN as mod_ssl writes it (RFC 2253), so an
# IdP's remote_ids are always checked. (Keystone checks nothing when it finds no attribute at all.)
remote_id_attribute = SSL_CLIENT_I_DN
CONF
ks_changed=
cmp -s "$x_conf.new" "$x_conf" || ks_changed=1
chown root:$RUNAS "$x_conf.new"; chmod 640 "$x_conf.new"; mv "$x_conf.new" "$x_conf"
touch "$x_log"; chown $RUNAS:$RUNAS "$x_log"; chmod 640 "$x_log"
for name in fernet cred; do
  [ -d "$state/ks/$name" ] || fail "no key repository $state/ks/$name"
  if ! diff -rq "$state/ks/$name" "$X/ks/$name" >/dev/null 2>&1; then
    rm -rf "$X/ks/$name.new"; (umask 077; cp -r "$state/ks/$name" "$X/ks/$name.new")
    rm -rf "$X/ks/$name"; mv "$X/ks/$name.new" "$X/ks/$name"; ks_changed=1
  fi
  chown -R root:$RUNAS "$X/ks/$name"; chmod 750 "$X/ks/$name"; find "$X/ks/$name" -type f -exec chmod 640 {} +
done
cat > "$X/keystone.wsgi.new" <<PY
# mod_wsgi does not pass SetEnv to os.environ: the script names its config file itself.
import os
os.environ['OS_KEYSTONE_CONFIG_FILES'] = '$x_conf'
from keystone.server.wsgi import initialize_public_application
application = initialize_public_application()
PY
# Replaced only when it changes: mod_wsgi restarts the daemon when the script's mtime does.
if cmp -s "$X/keystone.wsgi.new" "$X/keystone.wsgi"; then rm "$X/keystone.wsgi.new"; else mv "$X/keystone.wsgi.new" "$X/keystone.wsgi"; ks_changed=1; fi
for f in "$x_conf" "$X/ks/fernet/0" "$X/ks/cred/0" "$X/keystone.wsgi"; do
  su -s /bin/sh $RUNAS -c "test -r '$f'" || fail "$RUNAS cannot read $f"
done

# ---- Apache: its own httpd.conf; the vhost's SSL* lines are the ones that matter.
if [ -n "$ocsp_url" ]; then
  ocsp_lines="    SSLOCSPDefaultResponder $ocsp_url
    SSLOCSPOverrideResponder on"
else
  ocsp_lines="    # no default responder: each certificate's AIA OCSP URL (a certificate without one is refused)"
fi
cat > "$X/httpd.conf.new" <<CONF
# Written by scripts/keystone-x509-up.sh; rewritten on every run.
ServerRoot $X
DefaultRuntimeDir $X/run
PidFile $X/run/httpd.pid
ServerName 127.0.0.1
Listen 127.0.0.1:$PORT
User $RUNAS
Group $RUNAS
LoadModule mpm_event_module $M/mod_mpm_event.so
LoadModule authz_core_module $M/mod_authz_core.so
LoadModule socache_shmcb_module $M/mod_socache_shmcb.so
LoadModule ssl_module $M/mod_ssl.so
LoadModule wsgi_module $M/mod_wsgi.so
ErrorLog $X/error.log
# ssl:info logs why a client certificate was refused (AH02276 ..., OCSP errors).
LogLevel info ssl:info
LogFormat "%h %t \"%r\" %>s verify=%{SSL_CLIENT_VERIFY}x s_dn=\"%{SSL_CLIENT_S_DN}x\" i_dn=\"%{SSL_CLIENT_I_DN}x\" serial=%{SSL_CLIENT_M_SERIAL}x %Dus" x509
CustomLog $X/access.log x509
SSLSessionCache shmcb:$X/run/ssl_scache(512000)
WSGISocketPrefix $X/run/wsgi

<VirtualHost 127.0.0.1:$PORT>
    SSLEngine on
    SSLCertificateFile    $X/tls/server.pem
    SSLCertificateKeyFile $X/tls/server.key
    # Trust for CLIENT certificates: only the CAs allowed to log users in (a copy of $cas_in).
    SSLCACertificateFile  $X/client-cas.pem
    # optional: password and token clients keep working without a certificate.
    SSLVerifyClient optional
    SSLVerifyDepth  2
    # SSL_CLIENT_* into the request environment: mod_wsgi hands it to Keystone's mapping engine.
    SSLOptions +StdEnvVars
    # Revocation by OCSP (no CRL, nothing to reload when a certificate is revoked). Fails closed:
    # a responder that does not answer in time means the certificate is refused.
    SSLCARevocationCheck none
    SSLOCSPEnable leaf
$ocsp_lines
    SSLOCSPResponderTimeout 3
    # Pre-signed answers (RFC 5019, as this service's responder and most CAs' give) carry no nonce:
    # mod_ssl's default would refuse them all ("bad nonce").
    SSLOCSPUseRequestNonce off
    # One process, one thread: Keystone's own threading model, and one Keystone to load on each
    # (re)start (~4 s of CPU; two processes took twice as long on a 2-core machine).
    WSGIDaemonProcess ks-x509 processes=1 threads=1 user=$RUNAS group=$RUNAS display-name=ks-x509 shutdown-timeout=1
    WSGIProcessGroup ks-x509
    WSGIApplicationGroup %{GLOBAL}
    WSGIPassAuthorization On
    # process-group and application-group given here: each daemon loads Keystone when it starts,
    # not on its first request.
    WSGIScriptAlias / $X/keystone.wsgi process-group=ks-x509 application-group=%{GLOBAL}
    <Directory $X>
        Require all granted
    </Directory>
</VirtualHost>
CONF
unchanged=
[ -z "$ks_changed" ] && cmp -s "$tmp/bundle" "$X/client-cas.pem" && cmp -s "$X/httpd.conf.new" "$X/httpd.conf" && unchanged=1
cp "$tmp/bundle" "$X/client-cas.pem.new"; chmod 644 "$X/client-cas.pem.new"
mv "$X/client-cas.pem.new" "$X/client-cas.pem"
mv "$X/httpd.conf.new" "$X/httpd.conf"
/usr/sbin/apache2 -f "$X/httpd.conf" -t >"$tmp/configtest" 2>&1 || fail "apache2 -t: $(cat "$tmp/configtest")"

# ---- start, or restart gracefully with the new trust (nothing to do when the trust is the same)
running=
if pid=$(sed -n 's/^APACHE_PID=//p' "$state/pids" | tail -n 1) && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null \
   && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$X/httpd.conf"; then
  running=$pid
fi
touch "$X/error.log"
log_lines=$(wc -l < "$X/error.log")
if [ -n "$running" ] && [ -n "$unchanged" ]; then
  what="already up with this trust"
elif [ -n "$running" ]; then
  kill -USR1 "$running"
  what="restarted (graceful)"
else
  sed -i '/^APACHE_PID=/d' "$state/pids"
  rm -f "$X/run/httpd.pid"
  # 9>&-: Apache must not inherit (and hold forever) the lock of this script.
  /usr/sbin/apache2 -f "$X/httpd.conf" -k start >"$tmp/start" 2>&1 9>&- || fail "apache2 did not start: $(cat "$tmp/start")" "$X/error.log"
  for i in $(seq 100); do [ -s "$X/run/httpd.pid" ] && break; sleep 0.1; done
  [ -s "$X/run/httpd.pid" ] || fail "apache2 wrote no pid file" "$X/error.log"
  running=$(cat "$X/run/httpd.pid")
  echo "APACHE_PID=$running" >> "$state/pids"
  what=started
fi
# The parent has (re)read its configuration once it logs "... configured -- resuming normal operations".
for i in $(seq 101); do
  [ "$what" = "already up with this trust" ] && break
  tail -n +"$((log_lines + 1))" "$X/error.log" | grep -q 'resuming normal operations' && break
  kill -0 "$running" 2>/dev/null || fail "apache2 exited" "$X/error.log"
  [ "$i" -le 100 ] || fail "apache2 did not (re)load its configuration in 10 s" "$X/error.log"
  sleep 0.1
done
# New handshakes must offer exactly the new CAs (twice in a row: no old child answering).
offered() {
  openssl s_client -connect 127.0.0.1:$PORT -CAfile "$X/tls/ca.pem" -nameopt rfc2253 </dev/null 2>/dev/null \
    | sed -n '/^Acceptable client certificate CA names/,/^[A-Z][a-z]/p' | sed -n '2,$p' | grep -v '^[A-Z][a-z]' | sort
}
ok=0
for i in $(seq 100); do
  if [ "$(offered)" = "$want" ]; then ok=$((ok + 1)); [ $ok -ge 2 ] && break; else ok=0; fi
  sleep 0.1
done
[ $ok -ge 2 ] || fail "Apache on :$PORT does not offer the CAs of $cas_in (offers: $(offered | tr '\n' ';'))" "$X/error.log"
# ...and Keystone answers through it (the mod_wsgi daemons restart with Apache).
url=https://127.0.0.1:$PORT/v3
deadline=$((SECONDS + 90))
until curl -sf --max-time 60 --cacert "$X/tls/ca.pem" -o /dev/null "$url"; do
  [ $SECONDS -lt $deadline ] || fail "Keystone does not answer at $url" "$X/error.log" "$x_log"
  sleep 0.1
done

cat > "$state/x509.env" <<ENV
KEYSTONE_X509_URL=$url
KEYSTONE_X509_CACERT=$X/tls-ca.pem
KEYSTONE_X509_ERROR_LOG=$X/error.log
ENV
echo "keystone-x509: $what in $(( $(date +%s) - started )) s: $url, trusting ${#subjects[@]} client CA(s): $(printf '%s; ' "${subjects[@]}")OCSP ${ocsp_url:-from each certificate (AIA)}"
