"""Build the SAML provider configuration from the environment (see README "Single sign-on").

Called from ``portal/settings.py`` with its ``env`` reader, and from the tests with a plain dict,
so one function decides what each ``PORTAL_SSO_*`` variable means.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

EPPN = "urn:oid:1.3.6.1.4.1.5923.1.1.1.6"
MAIL = "urn:oid:0.9.2342.19200300.100.1.3"
GIVEN_NAME = "urn:oid:2.5.4.42"
SURNAME = "urn:oid:2.5.4.4"
DISPLAY_NAME = "urn:oid:2.16.840.1.113730.3.1.241"
# REFEDS MFA profile, and the AAL2 profile of the GakuNin assurance framework.
DEFAULT_MFA_CONTEXTS = ["https://refeds.org/profile/mfa", "https://www.gakunin.jp/profile/AAL2"]
PROVIDER_CLASS = "portal.sso.provider.PortalSAMLProvider"


def _list(value: str | None, default: list[str]) -> list[str]:
    if value is None or not value.strip():
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def _read(path: str, name: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ImproperlyConfigured(f"{name}: cannot read {path}: {exc}") from exc


def _pem_body(text: str) -> str:
    """python3-saml wants a certificate or key without the PEM armour lines."""
    return "".join(line.strip() for line in text.splitlines() if line and not line.startswith("-----"))


def idp_from_metadata(xml: str, entity_id: str) -> dict:
    """The IdP's SSO URL and signing certificate from a metadata file (single or aggregate,
    e.g. GakuNin's federation metadata, where ``entity_id`` picks the university's IdP)."""
    from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

    parsed = OneLogin_Saml2_IdPMetadataParser.parse(xml, entity_id=entity_id).get("idp")
    if not parsed or parsed.get("entityId") != entity_id:
        raise ImproperlyConfigured(f"PORTAL_SSO_IDP_METADATA_FILE has no IdP {entity_id!r}")
    cert = parsed.get("x509cert") or (parsed.get("x509certMulti", {}).get("signing") or [None])[0]
    sso_url = parsed.get("singleSignOnService", {}).get("url")
    if not cert or not sso_url:
        raise ImproperlyConfigured(f"PORTAL_SSO_IDP_METADATA_FILE: {entity_id!r} has no signing certificate or SSO URL")
    idp = {"entity_id": entity_id, "x509cert": cert, "sso_url": sso_url}
    slo_url = parsed.get("singleLogoutService", {}).get("url")
    if slo_url:
        idp["slo_url"] = slo_url
    return idp


def saml_providers(env: Callable[[str], str | None]) -> dict:
    """``SOCIALACCOUNT_PROVIDERS``; no SAML app (SSO off) unless PORTAL_SSO_IDP_ENTITY_ID is set."""
    providers: dict = {"saml": {"provider_class": PROVIDER_CLASS, "APPS": []}}
    entity_id = (env("PORTAL_SSO_IDP_ENTITY_ID") or "").strip()
    if not entity_id:
        return providers
    metadata_url = (env("PORTAL_SSO_IDP_METADATA_URL") or "").strip()
    metadata_file = (env("PORTAL_SSO_IDP_METADATA_FILE") or "").strip()
    if metadata_url:
        idp = {"entity_id": entity_id, "metadata_url": metadata_url}
    elif metadata_file:
        idp = idp_from_metadata(_read(metadata_file, "PORTAL_SSO_IDP_METADATA_FILE"), entity_id)
    else:
        sso_url = (env("PORTAL_SSO_IDP_SSO_URL") or "").strip()
        cert_file = (env("PORTAL_SSO_IDP_CERT_FILE") or "").strip()
        if not sso_url or not cert_file:
            raise ImproperlyConfigured(
                "PORTAL_SSO_IDP_ENTITY_ID is set: also set PORTAL_SSO_IDP_METADATA_URL, "
                "PORTAL_SSO_IDP_METADATA_FILE, or PORTAL_SSO_IDP_SSO_URL and PORTAL_SSO_IDP_CERT_FILE."
            )
        idp = {"entity_id": entity_id, "sso_url": sso_url,
               "x509cert": _pem_body(_read(cert_file, "PORTAL_SSO_IDP_CERT_FILE"))}
    advanced = {
        # GakuNin IdPs (Shibboleth) sign their assertions; an unsigned one is refused.
        "want_assertion_signed": True,
        "reject_idp_initiated_sso": True,
        "strict": True,
    }
    sp_cert = (env("PORTAL_SSO_SP_CERT_FILE") or "").strip()
    sp_key = (env("PORTAL_SSO_SP_KEY_FILE") or "").strip()
    if sp_cert and sp_key:  # published in the SP metadata; lets the IdP encrypt assertions
        advanced["x509cert"] = _pem_body(_read(sp_cert, "PORTAL_SSO_SP_CERT_FILE"))
        advanced["private_key"] = _pem_body(_read(sp_key, "PORTAL_SSO_SP_KEY_FILE"))
    elif sp_cert or sp_key:
        raise ImproperlyConfigured("PORTAL_SSO_SP_CERT_FILE and PORTAL_SSO_SP_KEY_FILE go together")
    app_settings = {
        "idp": idp,
        "advanced": advanced,
        "attribute_mapping": {
            "uid": _list(env("PORTAL_SSO_ATTR_UID"), [EPPN]),
            "email": _list(env("PORTAL_SSO_ATTR_EMAIL"), [MAIL]),
            "first_name": _list(env("PORTAL_SSO_ATTR_GIVEN_NAME"), [GIVEN_NAME]),
            "last_name": _list(env("PORTAL_SSO_ATTR_SURNAME"), [SURNAME]),
        },
    }
    sp_entity_id = (env("PORTAL_SSO_SP_ENTITY_ID") or "").strip()
    if sp_entity_id:
        app_settings["sp"] = {"entity_id": sp_entity_id}
    providers["saml"]["APPS"] = [{
        "client_id": (env("PORTAL_SSO_SLUG") or "gakunin").strip(),
        "name": (env("PORTAL_SSO_NAME") or "").strip(),
        "settings": app_settings,
    }]
    return providers


def mfa_contexts(env: Callable[[str], str | None]) -> list[str]:
    return _list(env("PORTAL_SSO_MFA_CONTEXTS"), DEFAULT_MFA_CONTEXTS)


def form_action_origins(providers: dict) -> list[str]:
    """Origins the login form may be redirected to (CSP ``form-action`` covers redirects): the
    IdP's SSO URL, or, with a metadata URL, the origin of the IdP's entity id and metadata."""
    origins = []
    for app in providers.get("saml", {}).get("APPS", []):
        idp = app["settings"]["idp"]
        for url in (idp.get("sso_url"), idp.get("entity_id"), idp.get("metadata_url")):
            parts = urlsplit(url or "")
            if parts.scheme in {"http", "https"} and parts.netloc:
                origin = f"{parts.scheme}://{parts.netloc}"
                if origin not in origins:
                    origins.append(origin)
            if idp.get("sso_url"):
                break
    return origins
