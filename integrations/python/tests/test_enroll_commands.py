"""The admin commands of the login CA plugin and its entry points."""
from enroll_fixtures import *  # noqa: F401,F403  (the fixtures and the modules they import)


class AdminCommandTest(unittest.TestCase):
    def test_login_ca_create_with_durations(self):
        s = FakeSession().answer("POST", "/v1/login-cas", 202, {"login_ca": {"id": LOGIN_CA, "status": "pending"},
                                                                "job": {"id": "j1"}})
        run(login_cas.CreateLoginCA, CAClient(s), ["Cloud Login CA", "--organization", "Example", "--default-ttl", "8h",
                                                   "--max-ttl", "7d"])
        self.assertEqual(s.bodies("POST", "/v1/login-cas"), [{"name": "Cloud Login CA", "organization": "Example",
                                                              "user_certificates": {"default_ttl": 28800, "max_ttl": 604800}}])

    def test_login_ca_create_wait_follows_the_ca(self):
        s = FakeSession().answer("POST", "/v1/login-cas", 202, {"login_ca": {"id": LOGIN_CA, "status": "pending"}, "job": {}})
        s.answer("GET", f"/v1/login-cas/{LOGIN_CA}", 200, {"login_ca": {"id": LOGIN_CA, "status": "active"}})
        (columns, values), app = run(login_cas.CreateLoginCA, CAClient(s), ["L", "--wait"])
        self.assertEqual(dict(zip(columns, values))["status"], "active")
        self.assertIn(f"login CA {LOGIN_CA}: active after", app.stderr.getvalue())

    def test_enrollment_create_shows_the_password_once_and_never_logs_it(self):
        s = FakeSession().answer("POST", f"/v1/login-cas/{LOGIN_CA}/enrollments", 201, {
            "enrollment": {"id": ENROLLMENT, "status": "pending", "user": {"id": USER_ID}}, "one_time_password": "P-1"})
        (columns, values), _ = run(login_cas.CreateEnrollment, CAClient(s), [LOGIN_CA, "--user", USER_ID, "--ttl", "1h",
                                                                            "--expires-in", "2d"])
        self.assertEqual(s.bodies("POST", f"/v1/login-cas/{LOGIN_CA}/enrollments"),
                         [{"user_id": USER_ID, "ttl": 3600, "expires_in": 172800}])
        self.assertIs(s.calls[0][2]["log"], False)
        self.assertEqual(columns[:2], ("id", "one_time_password"))
        self.assertEqual(values[1], "P-1")

    def test_a_login_ca_by_name_and_a_user_by_name_through_keystone(self):
        s = FakeSession().answer("GET", "/v1/login-cas", 200, {"login_cas": [{"id": LOGIN_CA, "name": "Login"}]})
        s.answer("GET", f"/v1/login-cas/{LOGIN_CA}/enrollments", 200, {"enrollments": [
            {"id": ENROLLMENT, "kind": "otp", "status": "issued", "user": {"id": USER_ID, "name": "alice"}}]})
        looked_up = []

        def find_user(identity, name, domain):
            looked_up.append((name, domain))
            return types.SimpleNamespace(id=USER_ID)

        import openstackclient.identity.common as identity_common
        original = identity_common.find_user
        identity_common.find_user = find_user
        self.addCleanup(setattr, identity_common, "find_user", original)
        app_with_identity = types.SimpleNamespace(client_manager=types.SimpleNamespace(identity=object()))
        self.assertEqual(login_cas.resolve_user(app_with_identity, "alice", "Default"), USER_ID)
        _, app = run(login_cas.ListEnrollment, CAClient(s), ["Login", "--user", USER_ID])
        self.assertIn("alice", app.stdout.getvalue())
        self.assertIn(ENROLLMENT, app.stdout.getvalue())
        self.assertEqual(s.calls[-1][2]["params"], {"user_id": USER_ID})
        self.assertEqual(looked_up, [("alice", "Default")])

    def test_user_certificate_revoke_one_or_all(self):
        s = FakeSession().answer("POST", f"/v1/login-cas/{LOGIN_CA}/certificates/c1/revoke", 200,
                                 {"certificate": {"id": "c1", "status": "revoked"}})
        s.answer("POST", f"/v1/login-cas/{LOGIN_CA}/users/{USER_ID}/revoke", 200,
                 {"certificates": [{"id": "c2", "status": "revoked"}, {"id": "c3", "status": "revoked"}]})
        run(login_cas.RevokeUserCertificate, CAClient(s), [LOGIN_CA, "c1", "--reason", "keyCompromise"])
        _, app = run(login_cas.RevokeUserCertificate, CAClient(s), [LOGIN_CA, "--user", USER_ID])
        self.assertEqual([ln.split("|")[1].strip() for ln in app.stdout.getvalue().splitlines() if "| revoked |" in ln], ["c2", "c3"])
        self.assertEqual(s.bodies("POST", f"/v1/login-cas/{LOGIN_CA}/certificates/c1/revoke"), [{"reason": "keyCompromise"}])
        for argv in ([LOGIN_CA], [LOGIN_CA, "c1", "--user", USER_ID]):
            with self.assertRaises(exceptions.CommandError):
                run(login_cas.RevokeUserCertificate, CAClient(s), argv)

    def test_keystone_objects_and_path_segments_are_quoted(self):
        s = FakeSession().answer("GET", f"/v1/login-cas/{LOGIN_CA}/keystone", 200, {"keystone": {
            "identity_provider_id": "login-ca-x", "mapping": {"rules": []}, "apache": ["SSLVerifyClient optional"]}})
        columns, _ = run(login_cas.ShowLoginCAKeystone, CAClient(s), [LOGIN_CA])[0]
        self.assertEqual(columns[0], "identity_provider_id")
        with self.assertRaises(ApiError):
            CAClient(s).get_enrollment("../../v1/login-cas")
        self.assertEqual(s.calls[-1][1], "/v1/enrollments/..%2F..%2Fv1%2Flogin-cas")

    def test_durations(self):
        self.assertEqual([login_cas.duration(t) for t in ("3600", "90m", "8h", "7d", "30s")], [3600, 5400, 28800, 604800, 30])
        with self.assertRaises(Exception):
            login_cas.duration("soon")


class PluginAndEntryPointsTest(unittest.TestCase):
    def test_machine_commands_need_no_token_and_admin_ones_do(self):
        for cls in (machine.Enroll, machine.CreateMachineEnrollment, machine.ApproveEnrollment, machine.RenewUserCertificate):
            self.assertIs(cls.auth_required, False, cls.__name__)
        for cls in (login_cas.CreateLoginCA, login_cas.CreateEnrollment, login_cas.ListUserCertificate):
            self.assertIsNot(getattr(cls, "auth_required", True), False, cls.__name__)

    def test_without_a_session_the_client_is_anonymous_and_needs_an_endpoint(self):
        def manager(config):
            return types.SimpleNamespace(get_configuration=lambda: config, session=None, interface=None,
                                         _cli_options=types.SimpleNamespace(get_requests_verify_args=lambda: (True, None)))

        client = plugin.make_client(manager({"ca_endpoint": "http://ca:1/v1"}))
        self.assertIsInstance(client.session, plugin.AnonymousSession)
        self.assertEqual(client.endpoint, "http://ca:1")
        with self.assertRaises(ApiError) as e:
            plugin.make_client(manager({})).endpoint
        self.assertIn("--os-ca-endpoint", str(e.exception))

    def test_anonymous_session_never_authenticates(self):
        seen = {}
        inner = types.SimpleNamespace(request=lambda url, method, **kw: seen.update(kw) or FakeResponse(200, {}))
        plugin.AnonymousSession(inner).request("http://x/v1/enrollments/1", "GET")
        self.assertIs(seen["authenticated"], False)

    def test_every_entry_point_names_a_command(self):
        pyproject = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
        commands = pyproject["project"]["entry-points"]["openstack.ca.v1"]
        for name in ("ca_enroll", "ca_login-ca_create", "ca_machine-enrollment_create", "ca_enrollment_approve",
                     "ca_user-certificate_renew", "ca_user-certificate_revoke"):
            self.assertIn(name, commands)
        for name, target in commands.items():
            module, cls = target.split(":")
            self.assertTrue(hasattr(import_module(module), cls), name)


if __name__ == "__main__":
    unittest.main()
