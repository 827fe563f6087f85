"""Shared fixtures of the enrollment tests (test_enroll*.py): a test CA, JWS verification, temporary directories."""
import base64
import contextlib
import datetime
import hashlib
import io
import json
import os
import stat
import tempfile
import tomllib
import types
import unittest
from importlib import import_module
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from fakes import FakeResponse, FakeSession, run
from osc_lib import exceptions

from openstack_ca import enroll
from openstack_ca.client import ApiError, CAClient
from openstack_ca.osc import login_cas, machine, plugin

LOGIN_CA = "3b1f0c2a-8d1b-4a56-9a61-3f9b1a2c4d5e"
ENROLLMENT = "6f7e9a10-1b2c-4d3e-8f40-5a6b7c8d9e0f"
USER_ID = "0123456789abcdef0123456789abcdef"


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TestCA:
    """A login CA made with cryptography (OU=login CA <id>, as the service names them) that issues
    user certificates CN=<name>, UID=<id>, clientAuth, for any public key."""

    def __init__(self, ca_id: str = LOGIN_CA) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"login CA {ca_id}"),
                          x509.NameAttribute(NameOID.COMMON_NAME, "Keystone Login CA")])
        now = datetime.datetime.now(datetime.timezone.utc)
        self.cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(self.key.public_key())
                     .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
                     .not_valid_after(now + datetime.timedelta(days=1))
                     .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                     .sign(self.key, hashes.SHA256()))
        self.pem = enroll.certificate_pem(self.cert)

    def issue(self, public_key, name: str = "alice") -> x509.Certificate:
        subject = x509.Name([x509.NameAttribute(NameOID.USER_ID, USER_ID), x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = datetime.datetime.now(datetime.timezone.utc)
        return (x509.CertificateBuilder().subject_name(subject).issuer_name(self.cert.subject).public_key(public_key)
                .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
                .not_valid_after(now + datetime.timedelta(hours=8))
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
                .sign(self.key, hashes.SHA256()))

    def holder(self, key_type: str = "EC-P256"):
        key = enroll.generate_key(key_type)
        return self.issue(key.public_key()), key


def verify_jws(jws: str, cert: x509.Certificate) -> tuple[dict, dict]:
    """What the service checks of the signature: the algorithm fits the certificate's key, the
    signature (P-1363 for ECDSA) verifies over header.payload. Returns (header, claims)."""
    h, p, s = jws.split(".")
    header, claims, sig = json.loads(b64url_decode(h)), json.loads(b64url_decode(p)), b64url_decode(s)
    data = f"{h}.{p}".encode()
    key = cert.public_key()
    alg = header["alg"]
    if alg in ("ES256", "ES384"):
        size = 32 if alg == "ES256" else 48
        assert len(sig) == 2 * size, f"{alg} signature of {len(sig)} bytes"
        der = encode_dss_signature(int.from_bytes(sig[:size], "big"), int.from_bytes(sig[size:], "big"))
        key.verify(der, data, ec.ECDSA(hashes.SHA256() if alg == "ES256" else hashes.SHA384()))
    elif alg == "RS256":
        key.verify(sig, data, padding.PKCS1v15(), hashes.SHA256())
    elif alg == "PS256":
        key.verify(sig, data, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())
    elif alg == "EdDSA":
        key.verify(sig, data)
    else:
        raise AssertionError(f"unexpected alg {alg}")
    return header, claims


class TempDirTest(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.mkdtemp()
        self.addCleanup(lambda: __import__("shutil").rmtree(self.dir, ignore_errors=True))

    def path(self, name: str) -> str:
        return os.path.join(self.dir, name)

    def write(self, name: str, data: bytes) -> str:
        with open(self.path(name), "wb") as f:
            f.write(data)
        return self.path(name)
