"""The CLI's side of the admin endpoint: JSON over HTTP with the admin token."""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from fixvenue.app.config import VenueConfig, load
from fixvenue.app.venue import admin_token

TIMEOUT_SECONDS = 30.0


class AdminRefusedError(Exception):
    """The venue could not be reached or refused the request; the message says why."""


class AdminClient:
    def __init__(self, config: VenueConfig) -> None:
        endpoint = config.admin.endpoint
        self._base = f"http://{endpoint.host}:{endpoint.port}"
        self._token = admin_token(config)

    def get(self, path: str) -> dict[str, Any]:
        return self._call("GET", path, None)

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", path, body)

    def _call(self, method: str, path: str, body: dict[str, Any] | None) -> dict[str, Any]:
        request = urllib.request.Request(
            self._base + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={
                "Authorization": f"Bearer {self._token}",
                "Content-Type": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                answer: dict[str, Any] = json.loads(response.read())
                return answer
        except urllib.error.HTTPError as error:
            raise AdminRefusedError(_refusal(error)) from None
        except (ValueError, http.client.HTTPException) as error:
            raise AdminRefusedError(f"cannot ask the venue: {error}") from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise AdminRefusedError(
                f"the venue is not running or not reachable at {self._base}: {reason}"
            ) from None


def client_for(config_path: Path) -> AdminClient:
    return AdminClient(load(config_path))


def _refusal(error: urllib.error.HTTPError) -> str:
    try:
        message = json.loads(error.read())["error"]
    except (ValueError, KeyError, TypeError):
        message = error.reason
    if error.code == 401:
        return f"the venue refused the admin token: {message}"
    return str(message)
