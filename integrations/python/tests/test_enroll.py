"""The machine side of enrollment: keys, CSRs and their hash, the JWS (checked with cryptography as
lib/enroll/certificateJws.ts checks it), the flows against a fake API, and the commands' arguments."""
from enroll_fixtures import *  # noqa: F401,F403  (the fixtures and the modules they import)


class JwsTest(unittest.TestCase):
    ca = TestCA()

    def check(self, key_type: str, expected_alg: str, **kw) -> tuple[dict, dict]:
        cert, key = self.ca.holder(key_type)
        jws = enroll.sign_jws(cert, key, "enroll-approval", {"enrollment_id": ENROLLMENT, "csr_sha256": "abc"}, **kw)
        header, claims = verify_jws(jws, cert)
        self.assertEqual(header, {"alg": expected_alg, "typ": "enroll-approval+jwt",
                                  "x5c": [base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()]})
        self.assertEqual(claims["aud"], "openstack-ca:enroll-approval")
        self.assertEqual((claims["enrollment_id"], claims["csr_sha256"]), (ENROLLMENT, "abc"))
        self.assertIsInstance(claims["iat"], int)
        self.assertLess(0, claims["exp"] - claims["iat"])
        self.assertLessEqual(claims["exp"] - claims["iat"], 300)
        self.assertTrue(8 <= len(claims["jti"]) <= 128)
        self.assertNotIn("=", jws)
        return header, claims

    def test_es256_raw_r_s(self):
        self.check("EC-P256", "ES256")

    def test_es384(self):
        self.check("EC-P384", "ES384")

    def test_rs256_and_ps256(self):
        self.check("RSA-2048", "RS256")
        self.check("RSA-2048", "PS256", alg="PS256")

    def test_eddsa(self):
        self.check("Ed25519", "EdDSA")

    def test_every_jws_has_a_new_jti_and_its_purpose(self):
        cert, key = self.ca.holder()
        tokens = [enroll.sign_jws(cert, key, p) for p in ("enroll-machine", "renew", "renew")]
        heads = [json.loads(b64url_decode(t.split(".")[0]))["typ"] for t in tokens]
        jtis = {json.loads(b64url_decode(t.split(".")[1]))["jti"] for t in tokens}
        self.assertEqual(heads, ["enroll-machine+jwt", "renew+jwt", "renew+jwt"])
        self.assertEqual(len(jtis), 3)

    def test_refusals(self):
        cert, key = self.ca.holder()
        with self.assertRaises(enroll.EnrollError):
            enroll.sign_jws(cert, enroll.generate_key(), "renew")  # another key than the certificate's
        with self.assertRaises(enroll.EnrollError):
            enroll.sign_jws(cert, key, "renew", lifetime=301)
        with self.assertRaises(enroll.EnrollError):
            enroll.sign_jws(cert, key, "login")
        with self.assertRaises(enroll.EnrollError):
            enroll.sign_jws(cert, key, "renew", alg="RS256")  # an EC key signs ES256 only

    def test_a_tampered_jws_does_not_verify(self):
        cert, key = self.ca.holder()
        h, p, s = enroll.sign_jws(cert, key, "renew", {"csr_sha256": "a"}).split(".")
        forged = base64.urlsafe_b64encode(json.dumps({**json.loads(b64url_decode(p)), "csr_sha256": "b"}).encode()).rstrip(b"=").decode()
        with self.assertRaises(InvalidSignature):
            verify_jws(f"{h}.{forged}.{s}", cert)


class KeysAndCsrTest(TempDirTest):
    def test_csr_hash_is_base64url_sha256_of_the_der(self):
        for key_type in ("EC-P256", "RSA-2048", "Ed25519"):
            key = enroll.generate_key(key_type)
            pem = enroll.make_csr(key)
            csr = x509.load_pem_x509_csr(pem.encode())
            self.assertTrue(csr.is_signature_valid)
            self.assertEqual(enroll.key_type_of(csr.public_key()), key_type)
            der = csr.public_bytes(serialization.Encoding.DER)
            expected = base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()
            self.assertEqual(enroll.csr_sha256(pem), expected)
            self.assertEqual(len(expected), 43)
        with self.assertRaises(enroll.EnrollError):
            enroll.csr_sha256("no PEM here")

    def test_key_types(self):
        self.assertEqual(enroll.key_type_of(enroll.generate_key()), "EC-P256")
        self.assertEqual(enroll.key_type_of(enroll.generate_key("RSA-2048")), "RSA-2048")
        with self.assertRaises(enroll.EnrollError):
            enroll.generate_key("DSA-1024")

    def test_login_ca_id_from_the_issuer_and_first_certificate_of_a_file(self):
        ca = TestCA()
        cert, key = ca.holder()
        bundle = (enroll.certificate_pem(cert) + ca.pem).encode()
        loaded = enroll.load_certificate(bundle)
        self.assertEqual(loaded, cert)
        self.assertEqual(enroll.login_ca_id_of(loaded), LOGIN_CA)
        self.assertIsNone(enroll.login_ca_id_of(TestCA("not-an-id").cert))
        self.assertTrue(enroll.key_matches(cert, key))

    def test_key_file_is_0600_and_not_replaced_without_force(self):
        path = self.path("me.key")
        enroll.write_private_file(path, b"k1")
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        with self.assertRaises(enroll.EnrollError):
            enroll.write_private_file(path, b"k2")
        os.chmod(path, 0o644)
        enroll.write_private_file(path, b"k2", force=True)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        with open(path, "rb") as f:
            self.assertEqual(f.read(), b"k2")

    def test_credentials_must_belong_together(self):
        ca = TestCA()
        cert, key = ca.holder()
        c = self.write("me.pem", enroll.certificate_pem(cert).encode())
        k = self.write("me.key", enroll.key_pem(key))
        other = self.write("other.key", enroll.key_pem(enroll.generate_key()))
        self.assertEqual(enroll.load_credentials(c, k)[0], cert)
        with self.assertRaises(enroll.EnrollError):
            enroll.load_credentials(c, other)
        with self.assertRaises(enroll.EnrollError):
            enroll.load_credentials(c, self.path("missing.key"))


class IssuingSession(FakeSession):
    """A fake API that issues: a redeemed (or renewed) CSR gets a certificate from `ca` at the next
    GET of its enrollment; machine enrollments wait for an approval first."""

    def __init__(self, ca: TestCA, kind: str = "otp") -> None:
        super().__init__()
        self.ca = ca
        self.kind = kind
        self.csr = None
        self.approved = False

    def enrollment(self, status: str, **extra) -> dict:
        base = {"id": ENROLLMENT, "login_ca_id": LOGIN_CA, "kind": self.kind, "status": status,
                "user": {"id": USER_ID, "name": "alice"}, "csr_sha256": enroll.csr_sha256(self.csr) if self.csr else None,
                "certificate": None, "chain": None, "failure_reason": None}
        return {**base, **extra}

    def request(self, url: str, method: str, **kwargs):
        path = urlsplit(url).path
        if (method, path) in self.answers:
            return super().request(url, method, **kwargs)
        self.calls.append((method, path, kwargs))
        body = kwargs.get("json") or {}
        if method == "POST" and path.endswith("/redeem"):
            self.csr = body["csr"]
            status = "awaiting_approval" if self.kind == "machine" else "issuing"
            return FakeResponse(202, {"enrollment": self.enrollment(status)})
        if method == "POST" and path == "/v1/user-certificates/renew":
            self.csr = body["csr"]
            self.kind = "renewal"
            return FakeResponse(202, {"enrollment": self.enrollment("issuing")})
        if method == "POST" and path.endswith("/approve"):
            self.approved = True
            return FakeResponse(202, {"enrollment": self.enrollment("issuing")})
        if method == "GET" and path == f"/v1/enrollments/{ENROLLMENT}":
            if not self.csr:
                return FakeResponse(200, {"enrollment": self.enrollment("pending")})
            if self.kind == "machine" and not self.approved:
                self.approved = True  # the next poll sees it approved
                return FakeResponse(200, {"enrollment": self.enrollment("awaiting_approval")})
            public = x509.load_pem_x509_csr(self.csr.encode()).public_key()
            cert = enroll.certificate_pem(self.ca.issue(public))
            return FakeResponse(200, {"enrollment": self.enrollment("issued", certificate=cert, chain=self.ca.pem,
                                                                    serial="01", not_after="2030-01-01T00:00:00Z")})
        return FakeResponse(404, {"error": {"code": "FAKE_NO_ROUTE", "status": 404, "message": f"{method} {path}"}})


class EnrollCommandTest(TempDirTest):
    def run_enroll(self, session, *extra):
        return run(machine.Enroll, CAClient(session), [ENROLLMENT, "--one-time-password", "7KQ2-SECRET-OTP",
                                                       "--key-out", self.path("me.key"), "--cert-out",
                                                       self.path("me.pem"), *extra])

    def test_redeems_waits_and_writes_key_and_certificate(self):
        s = IssuingSession(TestCA())
        (columns, values), app = self.run_enroll(s, "--chain-out", self.path("ca.pem"))
        shown = dict(zip(columns, values))
        body = s.bodies("POST", f"/v1/enrollments/{ENROLLMENT}/redeem")[0]
        self.assertEqual(body["one_time_password"], "7KQ2-SECRET-OTP")
        self.assertIs([kw for m, p, kw in s.calls if m == "POST"][0]["log"], False)
        key = enroll.load_private_key(Path(self.path("me.key")).read_bytes())
        cert = enroll.load_certificate(Path(self.path("me.pem")).read_bytes())
        self.assertTrue(enroll.key_matches(cert, key))
        self.assertEqual(x509.load_pem_x509_csr(body["csr"].encode()).public_key().public_numbers(),
                         key.public_key().public_numbers())
        self.assertEqual(stat.S_IMODE(os.stat(self.path("me.key")).st_mode), 0o600)
        self.assertEqual(Path(self.path("ca.pem")).read_text(), s.ca.pem)
        self.assertEqual((shown["status"], shown["key_file"], shown["csr_sha256"]),
                         ("issued", self.path("me.key"), enroll.csr_sha256(body["csr"])))
        out = app.stdout.getvalue() + app.stderr.getvalue() + json.dumps([str(v) for v in values])
        self.assertNotIn("7KQ2-SECRET-OTP", out)
        self.assertNotIn("PRIVATE KEY", out)

    def test_rsa_key_type(self):
        s = IssuingSession(TestCA())
        self.run_enroll(s, "--key-type", "RSA-2048")
        key = enroll.load_private_key(Path(self.path("me.key")).read_bytes())
        self.assertEqual(enroll.key_type_of(key), "RSA-2048")

    def test_a_machine_enrollment_shows_the_fingerprint_while_it_waits_for_approval(self):
        s = IssuingSession(TestCA(), kind="machine")
        _, app = self.run_enroll(s)
        err = app.stderr.getvalue()
        digest = enroll.csr_sha256(s.csr)
        self.assertIn(f"awaiting_approval after", err)
        self.assertIn(f"CSR sha256: {digest}", err)
        self.assertIn(f"openstack ca enrollment approve {ENROLLMENT} ", err)
        self.assertTrue(os.path.exists(self.path("me.pem")))

    def test_a_refused_password_removes_the_new_key_and_prints_the_code(self):
        s = FakeSession().answer("POST", f"/v1/enrollments/{ENROLLMENT}/redeem", 401, {"error": {
            "code": "ENROLLMENT_DENIED", "status": 401, "message": "No.", "request_id": "req-1"}})
        with self.assertRaises(exceptions.CommandError) as e:
            self.run_enroll(s)
        self.assertEqual(str(e.exception), "ENROLLMENT_DENIED (401): No. [request req-1]")
        self.assertFalse(os.path.exists(self.path("me.key")))

    def test_an_existing_key_file_is_kept_and_nothing_is_sent(self):
        self.write("me.key", b"precious")
        s = FakeSession()
        with self.assertRaises(exceptions.CommandError) as e:
            self.run_enroll(s)
        self.assertIn("--force", str(e.exception))
        self.assertEqual(s.calls, [])
        self.assertEqual(Path(self.path("me.key")).read_bytes(), b"precious")

    def test_a_failed_enrollment_is_an_error_with_its_reason_and_its_key_goes(self):
        s = FakeSession().answer("POST", f"/v1/enrollments/{ENROLLMENT}/redeem", 202, {"enrollment": {"id": ENROLLMENT, "status": "issuing"}})
        s.answer("GET", f"/v1/enrollments/{ENROLLMENT}", 200, {"enrollment": {"id": ENROLLMENT, "status": "failed",
                                                                             "failure_reason": "CA_EXPIRED: expired"}})
        with self.assertRaises(exceptions.CommandError) as e:
            self.run_enroll(s)
        self.assertIn("CA_EXPIRED: expired", str(e.exception))
        self.assertFalse(os.path.exists(self.path("me.key")))

    def test_a_timeout_keeps_the_key_and_says_how_to_resume(self):
        s = FakeSession().answer("POST", f"/v1/enrollments/{ENROLLMENT}/redeem", 202, {"enrollment": {"id": ENROLLMENT}})
        s.answer("GET", f"/v1/enrollments/{ENROLLMENT}", 200, {"enrollment": {"id": ENROLLMENT, "status": "awaiting_approval",
                                                                             "csr_sha256": "x"}})
        with self.assertRaises(exceptions.CommandError) as e:
            self.run_enroll(s, "--wait-timeout", "0")
        self.assertIn(f"--resume --key {self.path('me.key')}", str(e.exception))
        self.assertTrue(os.path.exists(self.path("me.key")))

    def test_resume_waits_for_the_certificate_of_the_given_key(self):
        ca = TestCA()
        key = enroll.generate_key()
        k = self.write("me.key", enroll.key_pem(key))
        s = IssuingSession(ca)
        s.csr = enroll.make_csr(key)
        run(machine.Enroll, CAClient(s), [ENROLLMENT, "--resume", "--key", k, "--cert-out", self.path("me.pem")])
        self.assertEqual([m for m, _, _ in s.calls], ["GET"])
        self.assertTrue(enroll.key_matches(enroll.load_certificate(Path(self.path("me.pem")).read_bytes()), key))

    def test_the_password_from_a_file_or_the_environment(self):
        otp = self.write("otp", b"FROM-FILE\n")
        s = IssuingSession(TestCA())
        run(machine.Enroll, CAClient(s), [ENROLLMENT, "--one-time-password-file", otp, "--key-out", self.path("a.key"),
                                          "--cert-out", self.path("a.pem")])
        os.environ[machine.OTP_ENV] = "FROM-ENV"
        self.addCleanup(os.environ.pop, machine.OTP_ENV, None)
        s2 = IssuingSession(TestCA())
        run(machine.Enroll, CAClient(s2), [ENROLLMENT, "--key-out", self.path("b.key"), "--cert-out", self.path("b.pem")])
        self.assertEqual([b["one_time_password"] for b in s.bodies("POST", f"/v1/enrollments/{ENROLLMENT}/redeem") +
                          s2.bodies("POST", f"/v1/enrollments/{ENROLLMENT}/redeem")], ["FROM-FILE", "FROM-ENV"])

    def test_arguments(self):
        with self.assertRaises(exceptions.CommandError):  # no password anywhere, no terminal
            run(machine.Enroll, CAClient(FakeSession()), [ENROLLMENT, "--key-out", self.path("k"), "--cert-out", self.path("c")])
        with self.assertRaises(exceptions.CommandError):
            run(machine.Enroll, CAClient(FakeSession()), [ENROLLMENT, "--one-time-password", "x", "--cert-out", self.path("c")])
        with self.assertRaises(exceptions.CommandError):
            run(machine.Enroll, CAClient(FakeSession()), [ENROLLMENT, "--resume", "--key-out", self.path("k"), "--cert-out", "c"])
        with self.assertRaises(SystemExit), contextlib.redirect_stderr(io.StringIO()):  # argparse: --cert-out is required
            run(machine.Enroll, CAClient(FakeSession()), [ENROLLMENT, "--one-time-password", "x", "--key-out", "k"])


class HolderTest(TempDirTest):
    """The commands a machine that holds a certificate runs: mint, approve, renew."""

    def setUp(self) -> None:
        super().setUp()
        self.ca = TestCA()
        self.cert, self.key = self.ca.holder()
        self.cert_path = self.write("me.pem", enroll.certificate_pem(self.cert).encode())
        self.key_path = self.write("me.key", enroll.key_pem(self.key))

    def test_machine_enrollment_create_signs_for_the_login_ca_of_the_certificate(self):
        s = FakeSession().answer("POST", "/v1/enrollments", 201, {"enrollment": {"id": ENROLLMENT, "status": "pending",
                                                                                 "login_ca_id": LOGIN_CA},
                                                                  "one_time_password": "ABCD-EFGH"})
        (columns, values), app = run(machine.CreateMachineEnrollment, CAClient(s),
                                     ["--cert", self.cert_path, "--key", self.key_path, "--expires-in", "10m"])
        body = s.bodies("POST", "/v1/enrollments")[0]
        self.assertEqual(body["login_ca_id"], LOGIN_CA)
        header, claims = verify_jws(body["jws"], self.cert)
        self.assertEqual((header["typ"], claims["aud"], claims["expires_in"]),
                         ("enroll-machine+jwt", "openstack-ca:enroll-machine", 600))
        self.assertEqual(dict(zip(columns, values))["one_time_password"], "ABCD-EFGH")
        self.assertEqual(columns[:2], ("id", "one_time_password"))
        self.assertNotIn("ABCD-EFGH", app.stderr.getvalue())

    def pending(self, digest: str = "FINGERPRINT") -> FakeSession:
        s = FakeSession().answer("GET", f"/v1/enrollments/{ENROLLMENT}", 200, {"enrollment": {
            "id": ENROLLMENT, "status": "awaiting_approval", "csr_sha256": digest, "user": {"name": "alice"}}})
        s.answer("POST", f"/v1/enrollments/{ENROLLMENT}/approve", 202, {"enrollment": {"id": ENROLLMENT, "status": "issuing"}})
        return s

    def approve(self, s, *extra):
        return run(machine.ApproveEnrollment, CAClient(s), [ENROLLMENT, "--cert", self.cert_path, "--key", self.key_path, *extra])

    def test_approve_signs_the_pending_csr_hash(self):
        s = self.pending()
        (columns, values), _ = self.approve(s, "--csr-sha256", "FINGERPRINT")
        header, claims = verify_jws(s.bodies("POST", f"/v1/enrollments/{ENROLLMENT}/approve")[0]["jws"], self.cert)
        self.assertEqual((header["typ"], claims["aud"], claims["enrollment_id"], claims["csr_sha256"]),
                         ("enroll-approval+jwt", "openstack-ca:enroll-approval", ENROLLMENT, "FINGERPRINT"))
        self.assertEqual(dict(zip(columns, values))["status"], "issuing")

    def test_approve_refuses_locally_when_the_fingerprint_differs(self):
        s = self.pending("SOMETHING-ELSE")
        with self.assertRaises(exceptions.CommandError) as e:
            self.approve(s, "--csr-sha256", "FINGERPRINT")
        self.assertIn("SOMETHING-ELSE", str(e.exception))
        self.assertEqual(s.bodies("POST", f"/v1/enrollments/{ENROLLMENT}/approve"), [])

    def test_approve_without_a_fingerprint_needs_yes_or_a_terminal(self):
        s = self.pending()
        with self.assertRaises(exceptions.CommandError) as e:
            self.approve(s)
        self.assertIn("FINGERPRINT", str(e.exception))
        self.assertEqual(s.bodies("POST", f"/v1/enrollments/{ENROLLMENT}/approve"), [])
        self.approve(s, "--yes")
        self.assertEqual(len(s.bodies("POST", f"/v1/enrollments/{ENROLLMENT}/approve")), 1)

    def test_approve_before_the_new_machine_redeemed(self):
        s = FakeSession().answer("GET", f"/v1/enrollments/{ENROLLMENT}", 200, {"enrollment": {
            "id": ENROLLMENT, "status": "pending", "csr_sha256": None}})
        with self.assertRaises(exceptions.CommandError) as e:
            self.approve(s, "--csr-sha256", "x")
        self.assertIn("redeems its one-time password first", str(e.exception))

    def test_renew_writes_a_new_key_and_its_certificate(self):
        s = IssuingSession(self.ca)
        (columns, values), _ = run(machine.RenewUserCertificate, CAClient(s), [
            "--cert", self.cert_path, "--key", self.key_path, "--key-out", self.path("new.key"),
            "--cert-out", self.path("new.pem")])
        body = s.bodies("POST", "/v1/user-certificates/renew")[0]
        self.assertEqual(body["login_ca_id"], LOGIN_CA)
        header, claims = verify_jws(body["jws"], self.cert)
        self.assertEqual((header["typ"], claims["aud"], claims["csr_sha256"]),
                         ("renew+jwt", "openstack-ca:renew", enroll.csr_sha256(body["csr"])))
        new_key = enroll.load_private_key(Path(self.path("new.key")).read_bytes())
        new_cert = enroll.load_certificate(Path(self.path("new.pem")).read_bytes())
        self.assertTrue(enroll.key_matches(new_cert, new_key))
        self.assertFalse(enroll.key_matches(new_cert, self.key))
        self.assertEqual(Path(self.key_path).read_bytes(), enroll.key_pem(self.key))  # the current key stays
        self.assertEqual(dict(zip(columns, values))["key_file"], self.path("new.key"))

    def test_renew_never_writes_the_new_key_over_the_current_one(self):
        s = FakeSession()
        with self.assertRaises(exceptions.CommandError):
            run(machine.RenewUserCertificate, CAClient(s), ["--cert", self.cert_path, "--key", self.key_path,
                                                            "--key-out", self.key_path, "--cert-out", self.cert_path,
                                                            "--force"])
        self.assertEqual(s.calls, [])
        self.assertEqual(Path(self.key_path).read_bytes(), enroll.key_pem(self.key))

    def test_a_refused_renewal_removes_the_new_key(self):
        s = FakeSession().answer("POST", "/v1/user-certificates/renew", 401, {"error": {
            "code": "JWS_CERTIFICATE_REVOKED", "status": 401, "message": "Revoked."}})
        with self.assertRaises(exceptions.CommandError) as e:
            run(machine.RenewUserCertificate, CAClient(s), ["--cert", self.cert_path, "--key", self.key_path,
                                                            "--key-out", self.path("new.key"), "--cert-out", self.path("new.pem")])
        self.assertIn("JWS_CERTIFICATE_REVOKED (401)", str(e.exception))
        self.assertFalse(os.path.exists(self.path("new.key")))

    def test_the_key_must_be_the_certificates(self):
        other = self.write("other.key", enroll.key_pem(enroll.generate_key()))
        with self.assertRaises(exceptions.CommandError):
            run(machine.CreateMachineEnrollment, CAClient(FakeSession()), ["--cert", self.cert_path, "--key", other])


if __name__ == "__main__":
    unittest.main()
