"""A real SAML 2.0 identity provider for the tests: pysaml2's IdP ``Server`` with a fresh
self-signed key, driven directly (no network): it reads the AuthnRequest the portal sent by the
HTTP-Redirect binding and answers with a signed Response by the HTTP-POST binding, as a
university's Shibboleth IdP does. Signing uses the ``xmlsec1`` program (Debian package xmlsec1).
"""

from __future__ import annotations

import datetime
import html
import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

BASE = "https://idp.example.ac.jp"
ENTITY_PATH = "/idp/shibboleth"
SSO_PATH = "/idp/profile/SAML2/Redirect/SSO"
ENTITY_ID = BASE + ENTITY_PATH
REFEDS_MFA = "https://refeds.org/profile/mfa"
PASSWORD_PROTECTED = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"


def xmlsec_binary() -> str | None:
    return shutil.which("xmlsec1")


def self_signed(directory: Path, common_name: str) -> tuple[Path, Path]:
    """A 2048-bit RSA key and a self-signed certificate valid for a day, as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = directory / f"{common_name}.key", directory / f"{common_name}.crt"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


class LocalIdP:
    def __init__(self, directory: Path, base: str = BASE):
        self.directory = directory
        self.entity_id = base + ENTITY_PATH
        self.sso_url = base + SSO_PATH
        self.key_file, self.cert_file = self_signed(directory, "idp.example.ac.jp")
        self.metadata_file = directory / "idp-metadata.xml"
        self.metadata_file.write_text(self._metadata(), encoding="utf-8")
        self.server = None

    def _config(self, sp_metadata: Path | None = None):
        from saml2 import BINDING_HTTP_REDIRECT
        from saml2.config import IdPConfig
        from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_TRANSIENT

        conf = {
            "entityid": self.entity_id,
            "service": {"idp": {
                "endpoints": {"single_sign_on_service": [(self.sso_url, BINDING_HTTP_REDIRECT)]},
                "name_id_format": [NAMEID_FORMAT_TRANSIENT],
                "policy": {"default": {"lifetime": {"minutes": 5}, "attribute_restrictions": None,
                                       "name_form": NAME_FORMAT_URI}},
            }},
            "key_file": str(self.key_file),
            "cert_file": str(self.cert_file),
            "xmlsec_binary": xmlsec_binary(),
            "metadata": {"local": [str(sp_metadata)]} if sp_metadata else {},
        }
        config = IdPConfig()
        config.load(conf)
        return config

    def _metadata(self) -> str:
        from saml2.metadata import entity_descriptor

        return str(entity_descriptor(self._config()))

    def trust_sp(self, sp_metadata_xml: bytes) -> None:
        """Load the portal's SP metadata (what a federation registers) and start the IdP."""
        from saml2.server import Server

        path = self.directory / "sp-metadata.xml"
        path.write_bytes(sp_metadata_xml)
        self.server = Server(config=self._config(path))

    def respond(self, redirect_url: str, *, eppn: str, mail: str, authn_context: str = PASSWORD_PROTECTED,
                given_name: str = "花子", surname: str = "山本") -> str:
        """Sign the person in: the portal's redirect to the IdP → the IdP's auto-POST page."""
        from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
        from saml2.saml import NAMEID_FORMAT_TRANSIENT, NameID
        from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

        assert redirect_url.startswith(self.sso_url + "?"), redirect_url
        query = parse_qs(urlsplit(redirect_url).query)
        request = self.server.parse_authn_request(query["SAMLRequest"][0], BINDING_HTTP_REDIRECT)
        args = self.server.response_args(request.message)
        response = self.server.create_authn_response(
            {"eduPersonPrincipalName": [eppn], "mail": [mail], "givenName": [given_name], "sn": [surname]},
            name_id=NameID(format=NAMEID_FORMAT_TRANSIENT, text="transient-" + eppn.split("@")[0]),
            authn={"class_ref": authn_context, "authn_auth": self.entity_id},
            sign_response=True, sign_assertion=True, sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256,
            **args,
        )
        http = self.server.apply_binding(BINDING_HTTP_POST, str(response), args["destination"],
                                         query.get("RelayState", [""])[0], response=True)
        return http["data"]

    def answer(self, redirect_url: str, **person) -> tuple[str, dict]:
        """As ``respond``, read as the browser would: (ACS URL, POST fields)."""
        form = self.respond(redirect_url, **person)
        action = html.unescape(re.search(r'<form[^>]+action="([^"]+)"', form).group(1))
        fields = {html.unescape(name): html.unescape(value)
                  for name, value in re.findall(r'<input[^>]+name="([^"]+)"[^>]+value="([^"]*)"', form)}
        return action, fields


LOGIN_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Example University IdP</title></head>
<body><h1>Example University sign-in</h1>
<form method="post" action="{action}">
<input type="hidden" name="query" value="{query}">
<label>ePPN <input name="eppn" data-testid="idp-eppn"></label>
<label><input type="checkbox" name="mfa" value="1" data-testid="idp-mfa"> second factor used</label>
<button type="submit" data-testid="idp-sign-in">Sign in</button>
</form></body></html>"""


class IdPServer:
    """The same IdP over HTTP on 127.0.0.1 (random port), for browser journeys: its SSO URL shows
    a sign-in form (ePPN, "second factor used"), whose answer is the auto-POST to the portal."""

    def __init__(self, directory: Path):
        import threading
        from wsgiref.simple_server import WSGIRequestHandler, make_server

        class QuietHandler(WSGIRequestHandler):
            def log_message(self, *args):
                pass

        self.httpd = make_server("127.0.0.1", 0, self.app, handler_class=QuietHandler)
        self.idp = LocalIdP(directory, base=f"http://127.0.0.1:{self.httpd.server_port}")
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def app(self, environ, start_response):
        path, method = environ["PATH_INFO"], environ["REQUEST_METHOD"]
        if path == SSO_PATH and method == "GET":
            body = LOGIN_PAGE.format(action=html.escape(SSO_PATH), query=html.escape(environ.get("QUERY_STRING", "")))
        elif path == SSO_PATH and method == "POST":
            size = int(environ.get("CONTENT_LENGTH") or 0)
            form = {k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(size).decode()).items()}
            body = self.idp.respond(
                f"{self.idp.sso_url}?{form['query']}", eppn=form["eppn"], mail=form["eppn"],
                authn_context=REFEDS_MFA if form.get("mfa") else PASSWORD_PROTECTED)
        else:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [body.encode()]
