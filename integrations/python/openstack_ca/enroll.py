"""The machine side of Keystone user certificate enrollment (/v1/enrollments, /v1/user-certificates).

A machine makes its own key and CSR, redeems a one-time password with them (no token) and waits
for its certificate. A machine that holds a certificate signs requests with its key instead of a
token: a compact JWS whose `x5c` carries the certificate (lib/enroll/certificateJws.ts is the
service's side), to mint a one-time password for another machine of the same user, to approve
that machine's CSR by its hash, and to renew (a new key, a JWS over the new CSR's hash).

Only python3-cryptography and the standard library; the HTTP goes through openstack_ca.client.
Nothing here prints or logs a private key or a one-time password.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import socket
import tempfile
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional, Union

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

from openstack_ca.client import ApiError, CAClient
from openstack_ca.keys import (  # noqa: F401  (re-exported: callers use openstack_ca.enroll)
    DEFAULT_JWS_LIFETIME,
    DEFAULT_KEY_TYPE,
    EnrollError,
    JWS_ALGORITHMS,
    JWS_TYPES,
    KEY_TYPES,
    MAX_JWS_LIFETIME,
    PrivateKey,
    _LOGIN_CA_OU,
    _PEM,
    _hash_for,
    _json,
    _pem_blocks,
    _public_der,
    _sign,
    b64url,
    certificate_pem,
    csr_der,
    csr_sha256,
    generate_key,
    jws_algorithm,
    key_matches,
    key_pem,
    key_type_of,
    load_certificate,
    load_private_key,
    login_ca_id_of,
    machine_name,
    make_csr,
    sign_jws,
)

# How an enrollment ends badly (enrollmentState in lib/enroll/views.ts).
ENDED = ("failed", "expired", "locked", "revoked")

Progress = Callable[[dict, float], None]





class EnrollmentFailed(Exception):
    """The enrollment ended without a certificate: failed (with the reason), expired, locked or revoked."""

    def __init__(self, enrollment: dict) -> None:
        self.enrollment = enrollment
        status = enrollment.get("status")
        why = {
            "failed": f"its certificate request failed: {enrollment.get('failure_reason') or 'no reason given'}",
            "expired": "its one-time password or approval window expired; ask for a new one",
            "locked": "it is locked after too many wrong one-time passwords; ask for a new one",
            "revoked": "its certificate was revoked",
        }.get(str(status), f"it is {status}")
        super().__init__(f"enrollment {enrollment.get('id')}: {why}")


class EnrollmentTimeout(Exception):
    def __init__(self, enrollment: dict, timeout: float) -> None:
        self.enrollment = enrollment
        super().__init__(f"enrollment {enrollment.get('id')} is still {enrollment.get('status')} after {timeout:g} s")


# Files

def read_bytes(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise EnrollError(f"cannot read {path}: {e.strerror}") from e


def load_credentials(cert_path: str, key_path: str) -> tuple[x509.Certificate, PrivateKey]:
    """A machine's certificate and key files, checked to belong together."""
    cert = load_certificate(read_bytes(cert_path), cert_path)
    key = load_private_key(read_bytes(key_path), key_path)
    if not key_matches(cert, key):
        raise EnrollError(f"{key_path} is not the key of the certificate in {cert_path}")
    return cert, key


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def write_private_file(path: str, data: bytes, force: bool = False) -> None:
    """A key file, mode 0600 from its creation; an existing file is replaced only with `force`."""
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | (os.O_TRUNC if force else os.O_EXCL)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError as e:
        raise EnrollError(f"{path} exists; give another file or --force to replace it") from e
    except OSError as e:
        raise EnrollError(f"cannot write {path}: {e.strerror}") from e
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def write_public_file(path: str, text: str) -> None:
    """A certificate file, replaced at once (a reader never sees half of it)."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".openstack-ca-")
    except OSError as e:
        raise EnrollError(f"cannot write {path}: {e.strerror}") from e
    try:
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def pem_text(text: str) -> str:
    return text.strip() + "\n"


@dataclass
class Written:
    """What an enrollment or a renewal left on disk."""

    enrollment: dict
    key: str
    certificate: str
    chain: Optional[str] = None
    key_created: bool = False


def write_certificate(enrollment: dict, key: PrivateKey, cert_out: str, chain_out: Optional[str]) -> None:
    """The issued certificate (checked to be for `key`) and, if asked, the login CA's certificate."""
    pem = enrollment.get("certificate")
    if not pem:
        raise EnrollError(f"enrollment {enrollment.get('id')} has no certificate")
    if not key_matches(load_certificate(pem.encode("ascii")), key):
        raise EnrollError(f"the certificate of enrollment {enrollment.get('id')} is not for this machine's key")
    write_public_file(cert_out, pem_text(pem))
    if chain_out and enrollment.get("chain"):
        write_public_file(chain_out, pem_text(enrollment["chain"]))


class _NewKey:
    """A key for this machine: the given one, or a new one written to `key_out` before anything is
    sent (so that it is never lost once the service holds its CSR), and removed again if the
    service refused the request (nothing was used up)."""

    def __init__(self, key: Optional[PrivateKey], key_out: Optional[str], key_type: str, force: bool,
                 keep_out: tuple[str, ...] = ()) -> None:
        if key is not None:
            self.key, self.path, self.created = key, key_out, False
            return
        if not key_out:
            raise EnrollError("give a file for the new key")
        for other in keep_out:
            if _same_file(key_out, other):
                raise EnrollError(f"the new key must not replace {other} before its certificate exists: "
                                  "write it to another file")
        self.key = generate_key(key_type)
        write_private_file(key_out, key_pem(self.key), force)
        self.path, self.created = key_out, True

    def discard(self) -> None:
        if self.created and self.path:
            os.unlink(self.path)
            self.created = False


def _refused(err: BaseException) -> bool:
    """The service refused the request (nothing was used up) or it was never sent (no endpoint).
    A lost connection is not: the service may have taken the CSR, so the key stays."""
    return isinstance(err, ApiError) and (err.status == 0 or 400 <= err.status < 500)


# Waiting

def wait_for_enrollment(client: CAClient, enrollment_id: str, timeout: float = 1200.0, interval: float = 1.0,
                        progress: Optional[Progress] = None, clock: Callable[[], float] = time.monotonic,
                        sleep: Callable[[float], None] = time.sleep) -> dict:
    """Polls GET /v1/enrollments/{id} (no token) until it is issued (returns it), has ended
    (EnrollmentFailed) or `timeout` passes (EnrollmentTimeout); `progress(enrollment, elapsed)`
    at each change of status (awaiting_approval: the approver compares its csr_sha256)."""
    started = clock()
    last: Optional[str] = None
    delay = min(0.1, interval)
    while True:
        e = client.get_enrollment(enrollment_id)
        elapsed = clock() - started
        if e.get("status") != last:
            last = e.get("status")
            if progress:
                progress(e, elapsed)
        if e.get("status") == "issued" and e.get("certificate"):
            return e
        if e.get("status") in ENDED:
            raise EnrollmentFailed(e)
        if elapsed >= timeout:
            raise EnrollmentTimeout(e, timeout)
        sleep(min(delay, max(0.0, timeout - elapsed)))
        delay = min(delay * 2, interval)


def _wait(client: CAClient, enrollment_id: str, new: "_NewKey", timeout: float, progress: Optional[Progress],
          wait: dict) -> dict:
    """Waits; a key made for an enrollment that ended without a certificate is of no use: removed.
    After a timeout it stays (the certificate may still come)."""
    try:
        return wait_for_enrollment(client, enrollment_id, timeout, progress=progress, **wait)
    except EnrollmentFailed:
        new.discard()
        raise


# The steps

def redeem(client: CAClient, enrollment_id: str, one_time_password: str, key: PrivateKey) -> dict:
    """POST /v1/enrollments/{id}/redeem with a CSR of `key`: the enrollment, issuing or awaiting approval."""
    if not one_time_password:
        raise EnrollError("the one-time password is empty")
    return client.redeem_enrollment(enrollment_id, one_time_password.strip(), make_csr(key))


def enroll(client: CAClient, enrollment_id: str, one_time_password: Optional[str], cert_out: str, *,
           key_out: Optional[str] = None, key: Optional[PrivateKey] = None, key_type: str = DEFAULT_KEY_TYPE,
           chain_out: Optional[str] = None, force: bool = False, timeout: float = 1200.0,
           progress: Optional[Progress] = None, **wait: Any) -> Written:
    """A new machine: its key (new, into `key_out`, or `key`), the one-time password redeemed with
    its CSR, then waiting (through an approval for a machine enrollment) and the certificate into
    `cert_out`. Without a one-time password (an earlier run redeemed it) only the waiting."""
    if one_time_password is None and key is None:
        raise EnrollError("without a one-time password, give the key whose CSR was redeemed")
    new = _NewKey(key, key_out, key_type, force)
    if one_time_password is not None:
        try:
            redeem(client, enrollment_id, one_time_password, new.key)
        except BaseException as err:
            if _refused(err):
                new.discard()
            raise
    done = _wait(client, enrollment_id, new, timeout, progress, wait)
    write_certificate(done, new.key, cert_out, chain_out)
    return Written(done, new.path or "", cert_out, chain_out if done.get("chain") else None, new.created)


def _login_ca(cert: x509.Certificate, login_ca_id: Optional[str]) -> str:
    found = login_ca_id or login_ca_id_of(cert)
    if not found:
        raise EnrollError("the certificate's issuer names no login CA (OU=login CA <id>): give the login CA's id")
    return found


def mint(client: CAClient, cert: x509.Certificate, key: PrivateKey, login_ca_id: Optional[str] = None,
         expires_in: Optional[int] = None, **sign: Any) -> dict:
    """POST /v1/enrollments: a one-time password for a new machine of the certificate's user (the
    answer holds `one_time_password`, shown this once; only this machine can approve it)."""
    claims = {"expires_in": expires_in} if expires_in is not None else {}
    jws = sign_jws(cert, key, "enroll-machine", claims, **sign)
    return client.create_machine_enrollment(_login_ca(cert, login_ca_id), jws)


def check_fingerprint(enrollment: dict, expected: Optional[str]) -> str:
    """The pending CSR's hash, which must equal `expected` when given (compared as the service does)."""
    actual = enrollment.get("csr_sha256")
    if not actual:
        raise EnrollError(f"enrollment {enrollment.get('id')} has no CSR yet (it is {enrollment.get('status')}): "
                          "the new machine redeems its one-time password first")
    if expected is not None and not hmac.compare_digest(actual.encode(), expected.strip().encode()):
        raise EnrollError(f"enrollment {enrollment.get('id')} waits with CSR sha256 {actual}, not {expected.strip()}: "
                          "not approved (is that the machine you meant?)")
    return actual


def approve(client: CAClient, enrollment_id: str, cert: x509.Certificate, key: PrivateKey,
            expected_csr_sha256: Optional[str] = None, enrollment: Optional[dict] = None, **sign: Any) -> dict:
    """POST /v1/enrollments/{id}/approve: a JWS over the pending CSR's hash, after checking it
    against `expected_csr_sha256` (the fingerprint the new machine shows) when given."""
    pending = enrollment or client.get_enrollment(enrollment_id)
    digest = check_fingerprint(pending, expected_csr_sha256)
    if pending.get("status") != "awaiting_approval":
        raise EnrollError(f"enrollment {enrollment_id} is {pending.get('status')}, not awaiting approval")
    jws = sign_jws(cert, key, "enroll-approval", {"enrollment_id": enrollment_id, "csr_sha256": digest}, **sign)
    return client.approve_enrollment(enrollment_id, jws)


def renew(client: CAClient, cert: x509.Certificate, key: PrivateKey, cert_out: str, *, key_out: str,
          current_key_path: Optional[str] = None, login_ca_id: Optional[str] = None, key_type: Optional[str] = None,
          chain_out: Optional[str] = None, force: bool = False, timeout: float = 300.0,
          progress: Optional[Progress] = None, sign: Optional[dict] = None, **wait: Any) -> Written:
    """POST /v1/user-certificates/renew: a new key (into `key_out`, of the current key's type by
    default) and CSR, a JWS over its hash signed with the current key; then the successor into
    `cert_out`. The current key and certificate stay as they are."""
    if not key_matches(cert, key):
        raise EnrollError("the key is not the certificate's")
    new = _NewKey(None, key_out, key_type or key_type_of(key), force, (current_key_path,) if current_key_path else ())
    try:
        csr = make_csr(new.key)
        jws = sign_jws(cert, key, "renew", {"csr_sha256": csr_sha256(csr)}, **(sign or {}))
        started = client.renew_user_certificate(_login_ca(cert, login_ca_id), jws, csr)
    except BaseException as err:
        if _refused(err) or isinstance(err, EnrollError):
            new.discard()
        raise
    done = _wait(client, started["id"], new, timeout, progress, wait)
    write_certificate(done, new.key, cert_out, chain_out)
    return Written(done, key_out, cert_out, chain_out if done.get("chain") else None, True)
