"""A thin client of the OpenStack CA API (/v1) over a keystoneauth session.

The session does authentication (the token goes in X-Auth-Token); this module only builds requests
and turns the API's error documents ({"error": {"code", "status", "message", "request_id"}}) into
ApiError.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional, Protocol
from urllib.parse import parse_qs, quote, urlsplit

SERVICE_TYPE = "certificate-authority"

Body = Optional[Mapping[str, Any]]
Params = Optional[Mapping[str, Any]]


class Response(Protocol):
    status_code: int
    headers: Mapping[str, str]
    text: str

    def json(self) -> Any: ...


class Session(Protocol):
    """What this client needs of keystoneauth1.session.Session (tests pass a fake)."""

    def request(self, url: str, method: str, **kwargs: Any) -> Response: ...

    def get_endpoint(self, **kwargs: Any) -> Optional[str]: ...


class ApiError(Exception):
    """An error answer of the API, with its code (branch on it), status and request id."""

    def __init__(self, status: int, code: str, message: str, request_id: Optional[str] = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id

    def __str__(self) -> str:
        text = f"{self.code} ({self.status}): {self.message}"
        return f"{text} [request {self.request_id}]" if self.request_id else text


def error_from(resp: Response) -> ApiError:
    """The ApiError an answer of 400 or more stands for, even when it is not the API's JSON."""
    request_id = resp.headers.get("x-openstack-request-id") or resp.headers.get("x-request-id")
    try:
        err = resp.json()["error"]
        return ApiError(int(err.get("status", resp.status_code)), str(err["code"]), str(err.get("message", "")),
                        err.get("request_id") or request_id)
    except (ValueError, KeyError, TypeError):
        text = (resp.text or "").strip()[:200] or "no body"
        return ApiError(resp.status_code, f"HTTP_{resp.status_code}", text, request_id)


def api_root(endpoint: str) -> str:
    """The service root: a catalog entry may name it with or without the version."""
    root = endpoint.rstrip("/")
    return root[: -len("/v1")] if root.endswith("/v1") else root


class CAClient:
    """One method per API call; each returns the answer's JSON document (None for 204)."""

    def __init__(self, session: Session, endpoint: Optional[str] = None, *, interface: Optional[str] = "public",
                 region_name: Optional[str] = None, timeout: Optional[float] = 60.0) -> None:
        self.session = session
        self._endpoint = endpoint
        self.interface = interface
        self.region_name = region_name
        self.timeout = timeout

    @property
    def endpoint(self) -> str:
        if not self._endpoint:
            found = self.session.get_endpoint(service_type=SERVICE_TYPE, interface=self.interface,
                                              region_name=self.region_name)
            if not found:
                raise ApiError(0, "ENDPOINT_NOT_FOUND",
                               f"no {SERVICE_TYPE} endpoint in the catalog: give --os-ca-endpoint "
                               "(OS_CA_ENDPOINT) or ca_endpoint_override in clouds.yaml")
            self._endpoint = found
        return api_root(self._endpoint)

    def request(self, method: str, path: str, body: Body = None, params: Params = None, *, secret: bool = False) -> Any:
        """`secret`: the request or its answer carries a one-time password or a signed request, so
        keystoneauth must not log it even with --debug."""
        kwargs: dict[str, Any] = {"raise_exc": False, "headers": {"Accept": "application/json"}}
        if secret:
            kwargs["log"] = False
        if body is not None:
            kwargs["json"] = dict(body)
        if params:
            kwargs["params"] = {k: v for k, v in params.items() if v is not None}
        if self.timeout:
            kwargs["timeout"] = self.timeout
        resp = self.session.request(self.endpoint + path, method, **kwargs)
        if resp.status_code >= 400:
            raise error_from(resp)
        if resp.status_code == 204 or not resp.text:
            return None
        return resp.json()

    def get(self, path: str, params: Params = None) -> Any:
        return self.request("GET", path, params=params)

    def list_all(self, path: str, key: str, params: Params = None, limit: Optional[int] = None) -> list[dict]:
        """Follows the OpenStack paging links (`<key>_links` rel next) until `limit` items or the end."""
        query = dict(params or {})
        items: list[dict] = []
        while True:
            page = self.get(path, query)
            items.extend(page.get(key, []))
            nxt = next((link for link in page.get(f"{key}_links", []) if link.get("rel") == "next"), None)
            if not nxt or (limit is not None and len(items) >= limit):
                return items[:limit] if limit is not None else items
            # A search page may be short, even empty, and still have a next page (the service
            # reads a bounded number of index entries per page): only a marker that does not move ends.
            marker = _query_value(nxt["href"], "marker")
            if marker is None or marker == query.get("marker"):
                return items
            query["marker"] = marker

    # CAs
    def create_ca(self, body: Mapping[str, Any]) -> dict:
        return self.request("POST", "/v1/cas", body)

    def list_cas(self, limit: Optional[int] = None) -> list[dict]:
        return self.list_all("/v1/cas", "cas", limit=limit)

    def get_ca(self, ca_id: str) -> dict:
        return self.get(f"/v1/cas/{ca_id}")["ca"]

    def rotate_ca(self, ca_id: str) -> dict:
        return self.request("POST", f"/v1/cas/{ca_id}/rotate")

    def reissue_ca(self, ca_id: str, limit: Optional[int] = None, marker: Optional[str] = None) -> dict:
        return self.request("POST", f"/v1/cas/{ca_id}/reissue", params={"limit": limit, "marker": marker})

    def get_chain(self, ca_id: str, cross: bool = False) -> dict:
        return self.get(f"/v1/cas/{ca_id}/chain", {"variant": "cross"} if cross else None)

    def get_csr(self, ca_id: str) -> dict:
        return self.get(f"/v1/cas/{ca_id}/csr")

    def regenerate_csr(self, ca_id: str, subject: Mapping[str, str]) -> dict:
        return self.request("POST", f"/v1/cas/{ca_id}/csr", {"subject": dict(subject)})

    def upload_ca_certificate(self, ca_id: str, certificate: str, chain: str) -> dict:
        return self.request("PUT", f"/v1/cas/{ca_id}/certificate", {"certificate": certificate, "chain": chain})

    # Profiles
    def set_profile(self, ca_id: str, name: str, body: Mapping[str, Any]) -> dict:
        return self.request("PUT", f"/v1/cas/{ca_id}/profiles/{name}", body)["profile"]

    def list_profiles(self, ca_id: str) -> list[dict]:
        return self.get(f"/v1/cas/{ca_id}/profiles")["profiles"]

    def delete_profile(self, ca_id: str, name: str) -> None:
        self.request("DELETE", f"/v1/cas/{ca_id}/profiles/{name}")

    # Certificates
    def request_certificate(self, ca_id: str, body: Mapping[str, Any]) -> dict:
        return self.request("POST", f"/v1/cas/{ca_id}/certificates", body)

    #: The filters of GET /v1/certificates (each combines with the others and with ca_id).
    CERTIFICATE_FILTERS = ("san", "san_suffix", "serial", "status", "expires_before", "expires_after", "profile")

    def list_certificates(self, ca_id: Optional[str] = None, limit: Optional[int] = None,
                          **filters: Optional[str]) -> list[dict]:
        unknown = set(filters) - set(self.CERTIFICATE_FILTERS)
        if unknown:
            raise TypeError(f"unknown certificate filters: {', '.join(sorted(unknown))}")
        params = {"ca_id": ca_id, **{k: v for k, v in filters.items() if v is not None}}
        return self.list_all("/v1/certificates", "certificates", params, limit=limit)

    def get_certificate(self, cert_id: str) -> dict:
        return self.get(f"/v1/certificates/{cert_id}")["certificate"]

    def revoke_certificate(self, cert_id: str, reason: Optional[str] = None) -> dict:
        body = {"reason": reason} if reason else {}
        return self.request("POST", f"/v1/certificates/{cert_id}/revoke", body)["certificate"]

    # Jobs
    def get_job(self, job_id: str) -> dict:
        return self.get(f"/v1/jobs/{job_id}")["job"]

    # Containers
    def register_container(self, container_ref: str, name: Optional[str] = None) -> dict:
        body = {"container_ref": container_ref, **({"name": name} if name else {})}
        return self.request("POST", "/v1/containers", body)

    def list_containers(self, limit: Optional[int] = None) -> list[dict]:
        return self.list_all("/v1/containers", "containers", limit=limit)

    def get_container(self, container_id: str) -> dict:
        return self.get(f"/v1/containers/{container_id}")["container"]

    # The project: webhook, events, policies
    def set_webhook(self, url: str, events: Optional[list[str]] = None) -> dict:
        return self.request("PUT", "/v1/webhook", {"url": url, **({"events": events} if events else {})})

    def get_webhook(self) -> dict:
        return self.get("/v1/webhook")["webhook"]

    def delete_webhook(self) -> None:
        self.request("DELETE", "/v1/webhook")

    def list_events(self, action: Optional[str] = None, object_id: Optional[str] = None,
                    limit: Optional[int] = None) -> list[dict]:
        return self.list_all("/v1/events", "events", {"action": action, "object_id": object_id}, limit=limit)

    def get_policies(self) -> dict:
        return self.get("/v1/policies")

    # ACME
    def create_eab_key(self, ca_id: str, expires_in: Optional[int] = None) -> dict:
        body = {"expires_in": expires_in} if expires_in else {}
        return self.request("POST", f"/v1/cas/{ca_id}/acme/eab-keys", body)["eab_key"]

    def list_eab_keys(self, ca_id: str) -> list[dict]:
        return self.list_all(f"/v1/cas/{ca_id}/acme/eab-keys", "eab_keys")

    def list_acme_accounts(self, ca_id: Optional[str] = None) -> list[dict]:
        return self.list_all("/v1/acme/accounts", "accounts", {"ca_id": ca_id})

    def list_acme_orders(self, ca_id: Optional[str] = None, account_id: Optional[str] = None) -> list[dict]:
        return self.list_all("/v1/acme/orders", "orders", {"ca_id": ca_id, "account_id": account_id})

    def get_acme_order(self, order_id: str) -> dict:
        return self.get(f"/v1/acme/orders/{order_id}")["order"]

    # Login CAs (system-scoped admin) and their enrollments and user certificates
    def create_login_ca(self, body: Mapping[str, Any]) -> dict:
        return self.request("POST", "/v1/login-cas", body)

    def list_login_cas(self, limit: Optional[int] = None) -> list[dict]:
        return self.list_all("/v1/login-cas", "login_cas", limit=limit)

    def get_login_ca(self, login_ca_id: str) -> dict:
        return self.get(f"/v1/login-cas/{_seg(login_ca_id)}")["login_ca"]

    def get_login_ca_keystone(self, login_ca_id: str) -> dict:
        return self.get(f"/v1/login-cas/{_seg(login_ca_id)}/keystone")["keystone"]

    def create_enrollment(self, login_ca_id: str, body: Mapping[str, Any]) -> dict:
        """The answer holds `one_time_password`, shown this once."""
        return self.request("POST", f"/v1/login-cas/{_seg(login_ca_id)}/enrollments", body, secret=True)

    def list_enrollments(self, login_ca_id: str, user_id: Optional[str] = None) -> list[dict]:
        return self.list_all(f"/v1/login-cas/{_seg(login_ca_id)}/enrollments", "enrollments", {"user_id": user_id})

    def list_user_certificates(self, login_ca_id: str, user_id: Optional[str] = None) -> list[dict]:
        return self.list_all(f"/v1/login-cas/{_seg(login_ca_id)}/certificates", "certificates", {"user_id": user_id})

    def revoke_user_certificate(self, login_ca_id: str, cert_id: str, reason: Optional[str] = None) -> dict:
        body = {"reason": reason} if reason else {}
        return self.request("POST", f"/v1/login-cas/{_seg(login_ca_id)}/certificates/{_seg(cert_id)}/revoke", body)["certificate"]

    def revoke_user_certificates(self, login_ca_id: str, user_id: str, reason: Optional[str] = None) -> list[dict]:
        body = {"reason": reason} if reason else {}
        return self.request("POST", f"/v1/login-cas/{_seg(login_ca_id)}/users/{_seg(user_id)}/revoke", body)["certificates"]

    # Enrollment without a token: a one-time password, or a JWS signed with a user certificate's key
    def get_enrollment(self, enrollment_id: str) -> dict:
        return self.get(f"/v1/enrollments/{_seg(enrollment_id)}")["enrollment"]

    def redeem_enrollment(self, enrollment_id: str, one_time_password: str, csr: str) -> dict:
        body = {"one_time_password": one_time_password, "csr": csr}
        return self.request("POST", f"/v1/enrollments/{_seg(enrollment_id)}/redeem", body, secret=True)["enrollment"]

    def create_machine_enrollment(self, login_ca_id: str, jws: str) -> dict:
        """The answer holds `one_time_password` for the new machine, shown this once."""
        return self.request("POST", "/v1/enrollments", {"login_ca_id": login_ca_id, "jws": jws}, secret=True)

    def approve_enrollment(self, enrollment_id: str, jws: str) -> dict:
        return self.request("POST", f"/v1/enrollments/{_seg(enrollment_id)}/approve", {"jws": jws}, secret=True)["enrollment"]

    def renew_user_certificate(self, login_ca_id: str, jws: str, csr: str) -> dict:
        body = {"login_ca_id": login_ca_id, "jws": jws, "csr": csr}
        return self.request("POST", "/v1/user-certificates/renew", body, secret=True)["enrollment"]


def _seg(value: str) -> str:
    """A path segment from the command line: quoted, so that it can only name one object."""
    return quote(str(value), safe="")


def _query_value(url: str, name: str) -> Optional[str]:
    values = parse_qs(urlsplit(url).query).get(name)
    return values[0] if values else None
