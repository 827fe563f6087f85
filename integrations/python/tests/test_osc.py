import json
import os
import tempfile
import types
import unittest

from fakes import FakeSession, job, run
from osc_lib import exceptions

from openstack_ca.client import CAClient
from openstack_ca.osc import acme, cas, certificates, plugin, profiles

CA = "0d7c2a4e-8d1b-4a56-9a61-3f9b1a2c4d5e"
CERT = {"id": "c1", "ca_id": CA, "status": "pending", "subject": {"CN": "web"}, "sans": ["DNS:web"],
        "certificate": None, "chain": None, "links": []}
ISSUED = {**CERT, "status": "issued", "certificate": "-----BEGIN CERTIFICATE-----\nAA\n-----END CERTIFICATE-----\n",
          "chain": "-----BEGIN CERTIFICATE-----\nBB\n-----END CERTIFICATE-----\n"}


def session_with_issue() -> FakeSession:
    s = FakeSession()
    s.answer("POST", f"/v1/cas/{CA}/certificates", 202, {"certificate": CERT, **job("queued")})
    s.answer("GET", "/v1/certificates/c1", 200, {"certificate": ISSUED})
    return s


class RequestMappingTest(unittest.TestCase):
    def test_certificate_request_with_a_csr(self):
        with tempfile.NamedTemporaryFile("w", suffix=".csr", delete=False) as f:
            f.write("-----BEGIN CERTIFICATE REQUEST-----\n")
        self.addCleanup(os.unlink, f.name)
        s = session_with_issue()
        columns, values = run(certificates.RequestCertificate, CAClient(s), [
            CA, "--csr", f.name, "--san", "DNS:a.example.org", "--san", "IP:192.0.2.1", "--ttl", "720h",
            "--profile", "web", "--renewal-percent", "33", "--renewal-days", "7"])[0]
        self.assertEqual(s.bodies("POST", f"/v1/cas/{CA}/certificates"), [{
            "csr": "-----BEGIN CERTIFICATE REQUEST-----\n", "sans": ["DNS:a.example.org", "IP:192.0.2.1"],
            "ttl": "720h", "profile": "web", "renewal": {"percent": 33, "days": 7}}])
        self.assertEqual(dict(zip(columns, values))["status"], "pending")

    def test_certificate_request_with_a_server_side_key_and_seconds(self):
        s = session_with_issue()
        run(certificates.RequestCertificate, CAClient(s),
            [CA, "--key-type", "RSA-2048", "--subject-cn", "amp-1", "--ttl", "3600", "--object-id", "amp-1"])
        self.assertEqual(s.bodies("POST", f"/v1/cas/{CA}/certificates"), [
            {"key_type": "RSA-2048", "subject": {"CN": "amp-1"}, "ttl": 3600, "object_id": "amp-1"}])

    def test_csr_and_key_type_together_are_refused(self):
        with self.assertRaises(exceptions.CommandError):
            run(certificates.RequestCertificate, CAClient(FakeSession()), [CA, "--csr", "/dev/null", "--key-type", "EC-P256"])

    def test_certificate_list_with_search_filters(self):
        s = FakeSession()
        s.answer("GET", "/v1/certificates", 200, {"certificates": [], "certificates_links": [
            {"rel": "next", "href": "https://ca.example/v1/certificates?san_suffix=example.org&marker=c1"}]})
        s.answer("GET", "/v1/certificates", 200, {"certificates": [ISSUED], "certificates_links": []})
        app = run(certificates.ListCertificate, CAClient(s), [
            "--san-suffix", "example.org", "--status", "issued", "--serial", "0A:FF", "--profile", "web",
            "--expires-before", "2031-01-01T00:00:00Z", "--expires-after", "2030-01-01"])[1]
        wanted = {"san_suffix": "example.org", "status": "issued", "serial": "0A:FF", "profile": "web",
                  "expires_before": "2031-01-01T00:00:00Z", "expires_after": "2030-01-01"}
        # An empty page with a next link is followed (a search page may end early).
        self.assertEqual([c[2]["params"] for c in s.calls], [wanted, {**wanted, "marker": "c1"}])
        self.assertIn("c1", app.stdout.getvalue())

    def test_certificate_list_by_exact_san_only_sends_what_was_given(self):
        s = FakeSession().answer("GET", "/v1/certificates", 200, {"certificates": [], "certificates_links": []})
        run(certificates.ListCertificate, CAClient(s), ["--san", "www.example.org"])
        self.assertEqual([c[2]["params"] for c in s.calls], [{"san": "www.example.org"}])

    def test_certificate_list_refuses_an_unknown_status(self):
        with self.assertRaises(SystemExit):
            run(certificates.ListCertificate, CAClient(FakeSession()), ["--status", "valid"])

    def test_ca_create(self):
        s = FakeSession().answer("POST", "/v1/cas", 202, {"ca": {"id": CA, "status": "pending"}, **job("queued")})
        run(cas.CreateCA, CAClient(s), ["Root", "--subject-cn", "Demo Root", "--subject-o", "Demo", "--key-type",
                                        "RSA-3072", "--validity-days", "365", "--path-len", "1",
                                        "--permitted-dns", "example.org"])
        self.assertEqual(s.bodies("POST", "/v1/cas"), [{
            "name": "Root", "subject": {"CN": "Demo Root", "O": "Demo"}, "key_type": "RSA-3072",
            "validity_days": 365, "path_len": 1, "name_constraints": {"permitted_dns": ["example.org"]}}])

    def test_ca_create_with_a_parent_by_name(self):
        s = FakeSession().answer("GET", "/v1/cas", 200, {"cas": [{"id": CA, "name": "Root"}]})
        s.answer("POST", "/v1/cas", 202, {"ca": {"id": "i1"}, **job("queued")})
        run(cas.CreateCA, CAClient(s), ["--subject-cn", "Apps", "--parent", "Root"])
        self.assertEqual(s.bodies("POST", "/v1/cas")[0]["parent_ca_id"], CA)

    def test_profile_set_booleans_lists_and_integers(self):
        s = FakeSession().answer("PUT", f"/v1/cas/{CA}/profiles/octavia", 201, {"profile": {"name": "octavia"}})
        run(profiles.SetProfile, CAClient(s), [CA, "octavia", "--allow-any-name", "--no-require-san",
                                               "--key-type", "RSA", "--max-ttl", "86400"])
        self.assertEqual(s.bodies("PUT", f"/v1/cas/{CA}/profiles/octavia"), [
            {"allow_any_name": True, "require_san": False, "key_types": ["RSA"], "max_ttl": 86400}])

    def test_revoke_and_eab(self):
        s = FakeSession().answer("POST", "/v1/certificates/c1/revoke", 200, {"certificate": ISSUED})
        s.answer("POST", f"/v1/cas/{CA}/acme/eab-keys", 201, {"eab_key": {"kid": "k", "hmac_key": "h"}})
        run(certificates.RevokeCertificate, CAClient(s), ["c1", "--reason", "keyCompromise"])
        columns, values = run(acme.CreateEAB, CAClient(s), [CA, "--expires-in", "3600"])[0]
        self.assertEqual(s.bodies("POST", "/v1/certificates/c1/revoke"), [{"reason": "keyCompromise"}])
        self.assertEqual(s.bodies("POST", f"/v1/cas/{CA}/acme/eab-keys"), [{"expires_in": 3600}])
        self.assertEqual(columns[:2], ("kid", "hmac_key"))


class WaitAndErrorsTest(unittest.TestCase):
    def test_wait_shows_progress_on_stderr_then_the_issued_certificate(self):
        s = session_with_issue()
        for st in ("queued", "running", "succeeded"):
            s.answer("GET", "/v1/jobs/j1", 200, job(st))
        (columns, values), app = run(certificates.RequestCertificate, CAClient(s), [CA, "--csr", "/dev/null", "--wait"])
        shown = dict(zip(columns, values))
        self.assertEqual(shown["status"], "issued")
        lines = app.stderr.getvalue().splitlines()
        self.assertEqual([ln.split(": ")[1].split(" ")[0] for ln in lines], ["queued", "running", "succeeded"])
        self.assertTrue(lines[0].startswith("job j1 (certificate.issue): queued after "))

    def test_wait_on_a_failed_job_is_a_command_error_with_its_reason(self):
        s = session_with_issue().answer("GET", "/v1/jobs/j1", 200, job("failed", reason="CA_EXPIRED: the CA expired"))
        with self.assertRaises(exceptions.CommandError) as e:
            run(certificates.RequestCertificate, CAClient(s), [CA, "--csr", "/dev/null", "--wait"])
        self.assertIn("CA_EXPIRED: the CA expired", str(e.exception))

    def test_api_error_is_a_command_error_with_its_code(self):
        s = FakeSession().answer("GET", "/v1/certificates/nope", 404, {"error": {
            "code": "CERTIFICATE_NOT_FOUND", "status": 404, "message": "No such certificate.", "request_id": "req-9"}})
        with self.assertRaises(exceptions.CommandError) as e:
            run(certificates.ShowCertificate, CAClient(s), ["nope"])
        self.assertEqual(str(e.exception), "CERTIFICATE_NOT_FOUND (404): No such certificate. [request req-9]")


class DownloadTest(unittest.TestCase):
    def test_writes_certificate_chain_and_fullchain(self):
        s = FakeSession().answer("GET", "/v1/certificates/c1", 200, {"certificate": ISSUED})
        with tempfile.TemporaryDirectory() as d:
            _, app = run(certificates.DownloadCertificate, CAClient(s), ["c1", "--chain", "--output-dir", d])
            self.assertEqual(sorted(os.listdir(d)), ["c1.chain.pem", "c1.fullchain.pem", "c1.pem"])
            with open(os.path.join(d, "c1.fullchain.pem")) as f:
                self.assertEqual(f.read(), ISSUED["certificate"] + ISSUED["chain"])
            self.assertEqual(len(app.stdout.getvalue().splitlines()), 3)

    def test_to_stdout_without_chain(self):
        s = FakeSession().answer("GET", "/v1/certificates/c1", 200, {"certificate": ISSUED})
        _, app = run(certificates.DownloadCertificate, CAClient(s), ["c1"])
        self.assertEqual(app.stdout.getvalue(), ISSUED["certificate"])


class PluginTest(unittest.TestCase):
    def manager(self, config: dict):
        return types.SimpleNamespace(get_configuration=lambda: config, session=FakeSession(), interface="internal",
                                     _region_name="RegionOne")

    def test_endpoint_from_option_then_clouds_yaml(self):
        self.assertEqual(plugin.make_client(self.manager({"ca_endpoint": "http://a", "ca_endpoint_override": "http://b"})).endpoint, "http://a")
        self.assertEqual(plugin.make_client(self.manager({"ca_endpoint_override": "http://b/v1"})).endpoint, "http://b")

    def test_catalog_with_the_manager_interface_and_region(self):
        client = plugin.make_client(self.manager({}))
        client.endpoint
        self.assertEqual(client.session.endpoint_queries, [
            {"service_type": "certificate-authority", "interface": "internal", "region_name": "RegionOne"}])

    def test_hooks(self):
        import argparse
        parser = plugin.build_option_parser(argparse.ArgumentParser())
        args = parser.parse_args(["--os-ca-endpoint", "http://x"])
        self.assertEqual((args.os_ca_endpoint, args.os_ca_api_version), ("http://x", "1"))
        self.assertEqual((plugin.API_NAME, list(plugin.API_VERSIONS)), ("ca", ["1"]))


class SubjectTest(unittest.TestCase):
    def test_cn_of_fields_and_of_strings(self):
        from openstack_ca.osc.common import subject_cn
        self.assertEqual(subject_cn({"subject": {"CN": "Root"}}), "Root")
        self.assertEqual(subject_cn({"subject": "CN=web.example.org"}), "web.example.org")
        self.assertEqual(subject_cn({"subject": "O=Demo,CN=a\\,b"}), "a\\,b")
        self.assertIsNone(subject_cn({"subject": None}))


class JsonOutputTest(unittest.TestCase):
    def test_machine_readable_values(self):
        s = FakeSession().answer("GET", f"/v1/cas/{CA}", 200, {"ca": {"id": CA, "subject": {"CN": "R"}, "links": []}})
        columns, values = run(cas.ShowCA, CAClient(s), [CA])[0]
        self.assertNotIn("links", columns)
        self.assertEqual(json.loads(json.dumps(values[columns.index("subject")].machine_readable())), {"CN": "R"})


if __name__ == "__main__":
    unittest.main()
