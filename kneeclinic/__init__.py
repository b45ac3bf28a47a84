"""Knee Clinic: self-hosted care for runners with runner's knee."""

__version__ = "0.1.0"
