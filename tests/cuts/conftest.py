"""Fixtures for the cuts and live-schedule tests: the rooms tests' private mosquitto."""

from tests.rooms.conftest import broker

__all__ = ["broker"]
