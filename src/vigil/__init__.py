"""Vigil: the self-hosted operations backbone for AI home-security cameras."""

__version__ = "0.1.0"
