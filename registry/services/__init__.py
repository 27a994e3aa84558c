"""Business actions. Each takes a session and the acting user, flushes, never commits."""


class ServiceError(Exception):
    """An action a service refuses; `message` tells the person why (often a lazy translation,
    rendered in the reader's language when shown)."""

    message = "This action cannot happen now."

    def __init__(self, message=None):
        if message is not None:
            self.message = message
        super().__init__(self.message)
