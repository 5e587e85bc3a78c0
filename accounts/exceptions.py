"""Domain errors of the accounts app, mapped to form errors by the views."""


class AccountsError(Exception):
    """Base class of accounts errors."""


class EmailAlreadyInUse(AccountsError):
    """Another account already has this email address (any letter case)."""


class UsernameAlreadyInUse(AccountsError):
    """Another account already has this username."""


class SignupLinkInvalid(AccountsError):
    """A sign-up confirmation link that is forged, expired or already used."""


class TokenInvalid(AccountsError):
    """An API token that is forged, expired, revoked or of the wrong kind."""

    code = "token_not_valid"


class TokenReused(TokenInvalid):
    """A refresh token presented again after it was rotated: its family is revoked."""

    code = "token_reused"
