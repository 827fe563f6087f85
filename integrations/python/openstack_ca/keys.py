"""Keys, CSRs, certificates and the JWS a machine signs with its certificate's key (x5c).

What lib/enroll/certificateJws.ts verifies on the service's side: ES256/ES384 as raw r||s, RS256,
PS256 and EdDSA, `typ` and `aud` naming the purpose, `exp` at most 300 s after `iat`, a fresh
`jti`. python3-cryptography and the standard library only; nothing here prints a key.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import socket
import time
from typing import Any, Optional, Union

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

KEY_TYPES = ("EC-P256", "EC-P384", "RSA-2048", "RSA-3072", "RSA-4096", "Ed25519")
DEFAULT_KEY_TYPE = "EC-P256"

# typ (header) and aud (claim) of each signed step: a JWS made for one step is refused by another.
JWS_TYPES = {"enroll-machine": "enroll-machine+jwt", "enroll-approval": "enroll-approval+jwt", "renew": "renew+jwt"}
JWS_ALGORITHMS = ("ES256", "ES384", "RS256", "PS256", "EdDSA")
MAX_JWS_LIFETIME = 300
DEFAULT_JWS_LIFETIME = 120

PrivateKey = Union[ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey, ed25519.Ed25519PrivateKey]

_PEM = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\s*(.*?)\s*-----END \1-----", re.S)
_LOGIN_CA_OU = re.compile(r"^login CA ([0-9a-fA-F-]{36})$")


class EnrollError(Exception):
    """A local refusal: a file, a key that does not fit, a hash that differs. No secret in its text."""


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
