"""HTTP API (FastAPI) and the web UI it serves; ``sdga serve`` runs it with uvicorn."""

from sdga.api.app import create_app

__all__ = ["create_app"]
