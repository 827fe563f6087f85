import unittest

from fakes import FakeSession, job

try:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from octavia.common import exceptions
    from oslo_config import cfg

    from openstack_ca.octavia.generator import OpenStackCACertGenerator
except ImportError as e:  # python3-octavia is not installed
    raise unittest.SkipTest(f"octavia is not importable: {e}")

CA = "0d7c2a4e-8d1b-4a56-9a61-3f9b1a2c4d5e"
BARBICAN = "http://barbican.example.org:9311"
CONTAINER = f"{BARBICAN}/v1/containers/11111111-2222-3333-4444-555555555555"
LEAF = "-----BEGIN CERTIFICATE-----\nLEAF\n-----END CERTIFICATE-----\n"
CHAIN = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
KEY_PEM = KEY.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def generator(session: FakeSession, **overrides) -> OpenStackCACertGenerator:
    conf = cfg.ConfigOpts()
    gen = OpenStackCACertGenerator(conf=conf, session=session)
    conf([], project="octavia-test")
    for name, value in {"ca_id": CA, "profile": "octavia", "endpoint": "http://ca.example.org", **overrides}.items():
        conf.set_override(name, value, group="openstack_ca")
    return gen


def issuing_session(container_ref=CONTAINER, status="succeeded", reason=None) -> FakeSession:
    s = FakeSession()
    s.answer("POST", f"/v1/cas/{CA}/certificates", 202, {"certificate": {"id": "c1"}, **job("queued")})
    s.answer("GET", "/v1/jobs/j1", 200, job("running"))
    s.answer("GET", "/v1/jobs/j1", 200, job(status, reason=reason))
    s.answer("GET", "/v1/certificates/c1", 200, {"certificate": {
        "id": "c1", "certificate": LEAF.strip(), "chain": CHAIN, "container_ref": container_ref}})
    refs = [{"name": n, "secret_ref": f"{BARBICAN}/v1/secrets/{n}"} for n in ("certificate", "private_key", "intermediates")]
    s.answer("GET", "/v1/containers/11111111-2222-3333-4444-555555555555", 200, {"type": "certificate", "secret_refs": refs})
    s.answer("GET", "/v1/secrets/private_key/payload", 200, KEY_PEM)
    s.answer("GET", "/v1/secrets/certificate/payload", 200, LEAF.encode())
    s.answer("GET", "/v1/secrets/intermediates/payload", 200, CHAIN.encode())
    return s


class GenerateCertKeyPairTest(unittest.TestCase):
    def test_server_side_key_request_and_the_key_read_back_from_barbican(self):
        s = issuing_session()
        cert = generator(s).generate_cert_key_pair(cn="amp-1", validity=3600)
        self.assertEqual(s.bodies("POST", f"/v1/cas/{CA}/certificates"), [{
            "profile": "octavia", "key_type": "RSA-2048", "subject": {"CN": "amp-1"}, "object_id": "amp-1",
            "sans": ["DNS:amp-1"], "ttl": 3600}])
        self.assertEqual(cert.get_certificate(), LEAF.encode())
        self.assertEqual(cert.get_intermediates(), CHAIN.encode())
        self.assertIsNone(cert.get_private_key_passphrase())
        key = serialization.load_pem_private_key(cert.get_private_key(), password=None)
        self.assertEqual(key.private_numbers(), KEY.private_numbers())
        self.assertTrue(cert.get_private_key().startswith(b"-----BEGIN RSA PRIVATE KEY-----"))
        accepts = [kw["headers"]["Accept"] for m, p, kw in s.calls if p.endswith("/payload")]
        self.assertEqual(set(accepts), {"application/octet-stream"})

    def test_passphrase_encrypts_the_key_and_bit_length_picks_the_key_type(self):
        s = issuing_session()
        cert = generator(s).generate_cert_key_pair("amp-2", 60, bit_length=4096, passphrase=b"s3cret")
        self.assertEqual(s.bodies("POST", f"/v1/cas/{CA}/certificates")[0]["key_type"], "RSA-4096")
        self.assertIn(b"ENCRYPTED", cert.get_private_key())
        with self.assertRaises(TypeError):
            serialization.load_pem_private_key(cert.get_private_key(), password=None)
        key = serialization.load_pem_private_key(cert.get_private_key(), password=b"s3cret")
        self.assertEqual(key.private_numbers(), KEY.private_numbers())
        self.assertEqual(cert.get_private_key_passphrase(), b"s3cret")

    def test_configured_sans_come_after_the_amphora_id(self):
        s = issuing_session()
        generator(s, sans=["DNS:amp-1", "DNS:amphorae.example.org"]).generate_cert_key_pair("amp-1", 60)
        self.assertEqual(s.bodies("POST", f"/v1/cas/{CA}/certificates")[0]["sans"], ["DNS:amp-1", "DNS:amphorae.example.org"])

    def test_barbican_endpoint_rebases_container_references(self):
        s = issuing_session(container_ref="http://internal:9311/v1/containers/11111111-2222-3333-4444-555555555555")
        generator(s, barbican_endpoint=BARBICAN + "/v1").generate_cert_key_pair("amp-3", 60)
        self.assertIn(("GET", "/v1/containers/11111111-2222-3333-4444-555555555555"), [(m, p) for m, p, _ in s.calls])

    def test_a_failed_job_is_a_certificate_generation_exception_with_the_reason(self):
        s = issuing_session(status="failed", reason="KEY_OWNER_NOT_MEMBER: no role on the project")
        with self.assertRaises(exceptions.CertificateGenerationException) as e:
            generator(s).generate_cert_key_pair("amp-4", 60)
        self.assertIn("KEY_OWNER_NOT_MEMBER", str(e.exception))

    def test_no_ca_id_is_a_readable_error(self):
        with self.assertRaises(exceptions.CertificateGenerationException) as e:
            generator(FakeSession(), ca_id=None).generate_cert_key_pair("amp-5", 60)
        self.assertIn("ca_id", str(e.exception))


class SignCertTest(unittest.TestCase):
    def test_csr_and_the_configured_ttl_win_over_validity(self):
        s = issuing_session()
        pem = generator(s, ttl=7200, sans=["DNS:amp.example.org"]).sign_cert(b"-----BEGIN CERTIFICATE REQUEST-----\n", 60)
        self.assertEqual(pem, LEAF.encode())
        self.assertEqual(s.bodies("POST", f"/v1/cas/{CA}/certificates"), [{
            "profile": "octavia", "csr": "-----BEGIN CERTIFICATE REQUEST-----\n", "ttl": 7200, "sans": ["DNS:amp.example.org"]}])

    def test_api_error_keeps_its_code(self):
        s = FakeSession().answer("POST", f"/v1/cas/{CA}/certificates", 400, {"error": {
            "code": "CSR_MALFORMED", "status": 400, "message": "Not a CSR."}})
        with self.assertRaises(exceptions.CertificateGenerationException) as e:
            generator(s).sign_cert("x", 60)
        self.assertIn("CSR_MALFORMED (400): Not a CSR.", str(e.exception))


if __name__ == "__main__":
    unittest.main()
