"""What every delivery channel is: where a user can be reached, and how one message
(or a batch) is sent. Providers' errors are raised as ``DeliveryError``."""

from __future__ import annotations


class DeliveryError(Exception):
    """A send that did not go through. ``permanent``: retrying will not help (a refused
    address, a blocked bot); ``configuration``: the deployment is not set up (a missing
    or bad credential), shown to the admin."""

    def __init__(self, message: str, permanent: bool = False, configuration: bool = False):
        super().__init__(message)
        self.permanent = permanent
        self.configuration = configuration


class Channel:
    name = "channel"
    label = ""

    def configured(self) -> bool:
        """Whether the admin has set the channel up."""
        return True

    def address(self, user, profile) -> str | None:
        """Where ``user`` is reached on this channel, or ``None`` (unreachable)."""
        raise NotImplementedError

    def send(self, user, address: str, message) -> str | None:
        """Send one message; returns the provider's reference. Raises ``DeliveryError``."""
        raise NotImplementedError

    def send_many(self, items):
        """``items``: (user, address, message) triples. Yields, in order, the provider's
        reference or the ``DeliveryError`` of each; channels with a connection to keep
        (SMTP) override this to use one for the whole batch."""
        for user, address, message in items:
            try:
                yield self.send(user, address, message)
            except DeliveryError as exc:
                yield exc


def http_error(provider: str, exc) -> DeliveryError:
    """A ``requests`` exception as a clear message: the provider is unreachable. Only the
    kind of failure is kept: the exception's text holds the URL, and a URL may hold a
    secret (Telegram's bot token is part of every Bot API address)."""
    return DeliveryError(f"{provider}: could not reach the service ({type(exc).__name__})")
