"""`FieldError`: bad input in one named field, the error every layer raises and the wire reports."""

from __future__ import annotations


class FieldError(ValueError):
    """Bad input in `field` (None: the message as a whole, e.g. invalid JSON).

    `str(error)` is the wire's error text, `"<field>: <reason>"`; `.field` is what the `error`
    message names, so nobody recovers it by splitting the text.
    """

    def __init__(self, field: str | None, reason: str) -> None:
        super().__init__(f"{field}: {reason}" if field else reason)
        self.field = field
        self.reason = reason

    @property
    def message(self) -> str:
        return str(self)
