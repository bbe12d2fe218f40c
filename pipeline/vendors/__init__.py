"""Vendor clients over one request layer (``http``) and one polling loop (``polling``)."""

from __future__ import annotations
