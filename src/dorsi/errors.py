"""Errors a user can act on. The CLI prints them as one line and exits with status 2."""


class DorsiError(Exception):
    """Base class: the message is a complete sentence fit for a person."""


class InputError(DorsiError):
    """Bad input: a file, packet or argument we cannot use. Exit status 2."""


class DeviceError(DorsiError):
    """A sensor or the Bluetooth stack is unavailable or failed."""


class StorageError(DorsiError):
    """The session store or an export target cannot be used."""
