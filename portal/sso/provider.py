"""allauth's SAML provider, keeping what the IdP said about how the person authenticated."""

from allauth.socialaccount.providers.saml.provider import SAMLProvider

AUTHN_CONTEXTS_KEY = "portal_authn_contexts"


class PortalSAMLProvider(SAMLProvider):
    """Installed through ``SOCIALACCOUNT_PROVIDERS["saml"]["provider_class"]``.

    ``data`` is python3-saml's ``OneLogin_Saml2_Auth`` after it validated the response, so the
    AuthnContextClassRef values come from the signed assertion it accepted.
    """

    package = "allauth.socialaccount.providers.saml"  # its URLs and views stay allauth's

    def extract_extra_data(self, data):
        extra = dict(super().extract_extra_data(data))
        extra[AUTHN_CONTEXTS_KEY] = list(data.get_last_authn_contexts() or [])
        return extra


provider_classes = [PortalSAMLProvider]
