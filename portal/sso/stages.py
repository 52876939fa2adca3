"""allauth's TOTP login stage, skipped when the IdP's asserted MFA is trusted (see ``mfa``)."""

from allauth.mfa.stages import AuthenticateStage as AllauthAuthenticateStage

from portal.sso import mfa


class AuthenticateStage(AllauthAuthenticateStage):
    def _should_handle(self, request) -> bool:
        sociallogin = (self.login.signal_kwargs or {}).get("sociallogin")
        if mfa.trusted(sociallogin):
            return False
        return super()._should_handle(request)
