"""How an admin request is refused: an HTTP status and one line saying why."""

from __future__ import annotations

from http import HTTPStatus


class AdminError(Exception):
    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def bad_request(message: str) -> AdminError:
    return AdminError(HTTPStatus.BAD_REQUEST, message)


def not_found(message: str) -> AdminError:
    return AdminError(HTTPStatus.NOT_FOUND, message)
