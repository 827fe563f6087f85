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

KEY_TYPES = ("EC-P256", "EC-P384", "RSA-2048", "RSA-3072", "RSA-4096", "Ed25519")
DEFAULT_KEY_TYPE = "EC-P256"

# typ (header) and aud (claim) of each signed step: a JWS made for one step is refused by another.
JWS_TYPES = {"enroll-machine": "enroll-machine+jwt", "enroll-approval": "enroll-approval+jwt", "renew": "renew+jwt"}
JWS_ALGORITHMS = ("ES256", "ES384", "RS256", "PS256", "EdDSA")
MAX_JWS_LIFETIME = 300
DEFAULT_JWS_LIFETIME = 120

# How an enrollment ends badly (enrollmentState in lib/enroll/views.ts).
ENDED = ("failed", "expired", "locked", "revoked")

PrivateKey = Union[ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey, ed25519.Ed25519PrivateKey]
Progress = Callable[[dict, float], None]

_PEM = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\s*(.*?)\s*-----END \1-----", re.S)
_LOGIN_CA_OU = re.compile(r"^login CA ([0-9a-fA-F-]{36})$")


class EnrollError(Exception):
    """A local refusal: a file, a key that does not fit, a hash that differs. No secret in its text."""


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


# Keys, CSRs, certificates

def generate_key(key_type: str = DEFAULT_KEY_TYPE) -> PrivateKey:
    if key_type == "EC-P256":
        return ec.generate_private_key(ec.SECP256R1())
    if key_type == "EC-P384":
        return ec.generate_private_key(ec.SECP384R1())
    if key_type.startswith("RSA-") and key_type in KEY_TYPES:
        return rsa.generate_private_key(public_exponent=65537, key_size=int(key_type[4:]))
    if key_type == "Ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    raise EnrollError(f"unknown key type {key_type!r}: one of {', '.join(KEY_TYPES)}")


def key_type_of(key: Any) -> str:
    """The KEY_TYPES name of a key (private or public)."""
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        name = {"secp256r1": "EC-P256", "secp384r1": "EC-P384"}.get(key.curve.name)
        if name:
            return name
        raise EnrollError(f"EC curve {key.curve.name} is not accepted (P-256 or P-384)")
    if isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
        return f"RSA-{key.key_size}"
    if isinstance(key, (ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey)):
        return "Ed25519"
    raise EnrollError(f"a {type(key).__name__} is not accepted (EC P-256/P-384, RSA or Ed25519)")


def key_pem(key: PrivateKey) -> bytes:
    """PKCS#8 PEM, unencrypted (what Apache, curl and keystoneauth read)."""
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def load_private_key(data: bytes, path: str = "the key") -> PrivateKey:
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError as e:  # encrypted, no password
        raise EnrollError(f"{path} is encrypted; give an unencrypted PEM key") from e
    except ValueError as e:
        raise EnrollError(f"{path} is not a PEM private key") from e
    key_type_of(key)
    return key  # type: ignore[return-value]


def _hash_for(key: Any) -> Optional[hashes.HashAlgorithm]:
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return None
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp384r1":
        return hashes.SHA384()
    return hashes.SHA256()


def machine_name() -> str:
    """The CSR's CN: informative only, the service writes the subject (CN=<user>, UID=<id>)."""
    name = socket.gethostname().strip()
    return name[:64] if name and name.isprintable() else "machine"


def make_csr(key: PrivateKey, common_name: Optional[str] = None) -> str:
    """A PEM CSR signed with `key` (its signature is the proof of possession)."""
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name or machine_name())])
    csr = x509.CertificateSigningRequestBuilder().subject_name(subject).sign(key, _hash_for(key))
    return csr.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _pem_blocks(data: bytes, labels: tuple[str, ...]) -> list[bytes]:
    out = []
    for label, body in _PEM.findall(data):
        if label.decode() in labels:
            out.append(base64.b64decode(re.sub(rb"\s", b"", body), validate=True))
    return out


def csr_der(csr_pem: Union[str, bytes]) -> bytes:
    data = csr_pem.encode("ascii") if isinstance(csr_pem, str) else csr_pem
    blocks = _pem_blocks(data, ("CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"))
    if len(blocks) != 1:
        raise EnrollError("a CSR is one PEM block (BEGIN CERTIFICATE REQUEST)")
    return blocks[0]


def csr_sha256(csr_pem: Union[str, bytes]) -> str:
    """What an approver compares and signs: base64url (no padding) SHA-256 of the CSR's DER."""
    return b64url(hashlib.sha256(csr_der(csr_pem)).digest())


def load_certificate(data: bytes, path: str = "the certificate") -> x509.Certificate:
    """The first certificate of a PEM file (a chain after it is ignored), or a DER certificate."""
    try:
        blocks = _pem_blocks(data, ("CERTIFICATE",))
        return x509.load_der_x509_certificate(blocks[0] if blocks else data)
    except ValueError as e:
        raise EnrollError(f"{path} holds no certificate (PEM or DER)") from e


def certificate_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _public_der(key: Any) -> bytes:
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def key_matches(cert: x509.Certificate, key: PrivateKey) -> bool:
    return _public_der(cert.public_key()) == _public_der(key.public_key())


def login_ca_id_of(cert: x509.Certificate) -> Optional[str]:
    """A login CA's subject carries its id (OU=login CA <id>): the issuer of a user certificate tells it."""
    for attr in cert.issuer.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME):
        match = _LOGIN_CA_OU.match(str(attr.value))
        if match:
            return match.group(1).lower()
    return None


# The JWS

def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jws_algorithm(key: PrivateKey, alg: Optional[str] = None) -> str:
    """The algorithm the key signs with: ES256/ES384 by curve, RS256 (or PS256 if asked), EdDSA."""
    key_type = key_type_of(key)
    natural = {"EC-P256": "ES256", "EC-P384": "ES384", "Ed25519": "EdDSA"}.get(key_type, "RS256")
    if alg is None or alg == natural:
        return natural
    if alg == "PS256" and natural == "RS256":
        return alg
    raise EnrollError(f"a {key_type} key cannot sign {alg} (it signs {natural}{' or PS256' if natural == 'RS256' else ''})")


def _sign(key: PrivateKey, alg: str, data: bytes) -> bytes:
    if alg in ("ES256", "ES384"):
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        der = key.sign(data, ec.ECDSA(hashes.SHA256() if alg == "ES256" else hashes.SHA384()))
        r, s = decode_dss_signature(der)
        size = (key.curve.key_size + 7) // 8
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")  # IEEE P-1363, as JWS wants (RFC 7518 3.4)
    if alg == "RS256":
        assert isinstance(key, rsa.RSAPrivateKey)
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    if alg == "PS256":
        assert isinstance(key, rsa.RSAPrivateKey)
        return key.sign(data, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    return key.sign(data)


def _json(obj: dict) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode("utf-8")


def sign_jws(cert: x509.Certificate, key: PrivateKey, purpose: str, claims: Optional[dict] = None, *,
             alg: Optional[str] = None, now: Optional[float] = None, lifetime: int = DEFAULT_JWS_LIFETIME,
             jti: Optional[str] = None) -> str:
    """A compact JWS for `purpose` (enroll-machine, enroll-approval, renew), signed with the key of
    `cert`, which goes in `x5c`: aud, iat, exp (iat + lifetime, at most 300 s), a fresh jti, and
    the step's own claims."""
    if purpose not in JWS_TYPES:
        raise EnrollError(f"unknown purpose {purpose!r}")
    if not 0 < lifetime <= MAX_JWS_LIFETIME:
        raise EnrollError(f"a signed request lives at most {MAX_JWS_LIFETIME} s")
    if not key_matches(cert, key):
        raise EnrollError("the key is not the certificate's (they must be the files of the same enrollment)")
    alg = jws_algorithm(key, alg)
    header = {"alg": alg, "typ": JWS_TYPES[purpose],
              "x5c": [base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode("ascii")]}
    iat = int(time.time() if now is None else now)
    body = {"aud": f"openstack-ca:{purpose}", "iat": iat, "exp": iat + lifetime,
            "jti": jti or secrets.token_urlsafe(24), **(claims or {})}
    signing_input = f"{b64url(_json(header))}.{b64url(_json(body))}"
    return f"{signing_input}.{b64url(_sign(key, alg, signing_input.encode('ascii')))}"


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
