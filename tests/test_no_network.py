"""No test may reach the network: pytest-socket allows loopback only (see pyproject addopts)."""

from __future__ import annotations

import socket

import pytest
from pytest_socket import SocketConnectBlockedError


def test_connections_beyond_loopback_are_blocked() -> None:
    with pytest.raises(SocketConnectBlockedError):
        socket.create_connection(("198.51.100.1", 80), timeout=1)  # TEST-NET-2: never a real host


def test_loopback_is_allowed() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    with socket.create_connection(server.getsockname(), timeout=1):
        pass
    server.close()
