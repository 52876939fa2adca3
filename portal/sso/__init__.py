"""Single sign-on with GakuNin (SAML 2.0) through django-allauth's SAML provider.

- ``conf``: the ``SOCIALACCOUNT_PROVIDERS`` entry built from ``PORTAL_SSO_*`` variables.
- ``provider``: allauth's SAML provider, also keeping the AuthnContextClassRef the IdP asserted.
- ``adapter``: signs a person in only as their roster account (ePPN, then mail); an unknown
  person is refused unless ``PORTAL_SSO_ALLOW_SIGNUP`` is on.
- ``mfa``: when the IdP asserted multi-factor authentication and ``PORTAL_SSO_TRUST_IDP_MFA`` is
  on, the portal's own TOTP (set-up and code) is not asked for in that session.
"""
