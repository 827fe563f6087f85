import unittest

from fakes import ENDPOINT, FakeSession

from openstack_ca.client import ApiError, CAClient, api_root


class ErrorTest(unittest.TestCase):
    def test_api_error_document_becomes_api_error(self):
        s = FakeSession().answer("GET", "/v1/certificates/x", 404, {"error": {
            "code": "CERTIFICATE_NOT_FOUND", "status": 404, "message": "No certificate x.", "request_id": "req-1"}})
        with self.assertRaises(ApiError) as e:
            CAClient(s).get_certificate("x")
        self.assertEqual((e.exception.code, e.exception.status, e.exception.request_id),
                         ("CERTIFICATE_NOT_FOUND", 404, "req-1"))
        self.assertEqual(str(e.exception), "CERTIFICATE_NOT_FOUND (404): No certificate x. [request req-1]")

    def test_non_json_error_keeps_status_and_text(self):
        s = FakeSession().answer("GET", "/v1/cas", 502, "Bad Gateway")
        with self.assertRaises(ApiError) as e:
            CAClient(s).list_cas()
        self.assertEqual((e.exception.code, e.exception.message), ("HTTP_502", "Bad Gateway"))
        self.assertEqual(e.exception.request_id, "req-fake")

    def test_requests_never_raise_in_keystoneauth(self):
        s = FakeSession().answer("GET", "/v1/cas", 200, {"cas": []})
        CAClient(s).list_cas()
        self.assertIs(s.calls[0][2]["raise_exc"], False)


class EndpointTest(unittest.TestCase):
    def test_override_wins_and_catalog_is_not_asked(self):
        s = FakeSession(endpoint=None).answer("GET", "/v1/cas", 200, {"cas": []})
        CAClient(s, "http://override:1/").list_cas()
        self.assertEqual(s.endpoint_queries, [])

    def test_catalog_entry_of_the_service_type(self):
        s = FakeSession(endpoint=ENDPOINT + "/v1/").answer("GET", "/v1/cas", 200, {"cas": []})
        CAClient(s, region_name="RegionTwo").list_cas()
        self.assertEqual(s.endpoint_queries[0]["service_type"], "certificate-authority")
        self.assertEqual(s.endpoint_queries[0]["region_name"], "RegionTwo")
        self.assertEqual(s.calls[0][1], "/v1/cas")

    def test_no_endpoint_is_a_readable_error(self):
        with self.assertRaises(ApiError) as e:
            CAClient(FakeSession(endpoint=None)).list_cas()
        self.assertIn("--os-ca-endpoint", str(e.exception))

    def test_api_root(self):
        self.assertEqual(api_root("https://ca/v1/"), "https://ca")
        self.assertEqual(api_root("https://ca/ca-api"), "https://ca/ca-api")


class PagingTest(unittest.TestCase):
    def test_follows_next_links_by_marker(self):
        s = FakeSession()
        s.answer("GET", "/v1/certificates", 200, {"certificates": [{"id": "a"}], "certificates_links": [
            {"rel": "next", "href": ENDPOINT + "/v1/certificates?ca_id=c&limit=1&marker=a"}]})
        s.answer("GET", "/v1/certificates", 200, {"certificates": [{"id": "b"}], "certificates_links": []})
        items = CAClient(s).list_certificates("c")
        self.assertEqual([i["id"] for i in items], ["a", "b"])
        self.assertEqual([c[2]["params"] for c in s.calls], [{"ca_id": "c"}, {"ca_id": "c", "marker": "a"}])

    def test_limit_stops_early(self):
        s = FakeSession().answer("GET", "/v1/cas", 200, {"cas": [{"id": "a"}, {"id": "b"}], "cas_links": [
            {"rel": "next", "href": ENDPOINT + "/v1/cas?marker=b"}]})
        self.assertEqual(len(CAClient(s).list_cas(limit=1)), 1)
        self.assertEqual(len(s.calls), 1)


if __name__ == "__main__":
    unittest.main()
