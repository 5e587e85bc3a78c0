"""Domain errors of the accounts app, mapped to form errors by the views."""


class AccountsError(Exception):
    """Base class of accounts errors."""


class EmailAlreadyInUse(AccountsError):
    """Another account already has this email address (any letter case)."""


class UsernameAlreadyInUse(AccountsError):
    """Another account already has this username."""
