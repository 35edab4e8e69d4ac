"""Where local paths from requests may point.

Paths from requests are confined to ``SDGA_HOME`` and ``SDGA_ALLOWED_ROOTS``; a local destination inside
``SDGA_HOME`` must be under ``data/`` and never inside a stored generation. The command line, run by the
user on their own machine, lifts the confinement (``restrict = False``).
"""

from __future__ import annotations

import uuid
from pathlib import Path

from sdga.config import Settings
from sdga.errors import InvalidInputError, NotFoundError


class PathPolicy:
    def __init__(self, settings: Settings, *, restrict: bool = True) -> None:
        self.settings = settings
        self.restrict = restrict

    def resolve_local(self, location: str | Path, *, must_exist: bool) -> Path:
        """A local path from a request, confined to the allowed roots unless restrictions are lifted."""
        raw = str(location)
        if "\x00" in raw:
            raise InvalidInputError("path contains a NUL character")
        path = Path(raw).expanduser()
        if not path.is_absolute():
            path = (Path.cwd() if not self.restrict else self.settings.data_dir) / path
        resolved = path.resolve()
        if self.restrict:
            roots = self.settings.path_roots()
            if not any(resolved == r or resolved.is_relative_to(r) for r in roots):
                raise InvalidInputError(
                    f"path {raw!r} is outside the allowed directories (SDGA_HOME and SDGA_ALLOWED_ROOTS)",
                    details={"field": "location"},
                )
        if must_exist and not resolved.exists():
            raise NotFoundError(f"no such file or directory: {raw}")
        return resolved

    def resolve_output(self, location: str | Path) -> Path:
        """A local destination: inside ``SDGA_HOME`` only under ``data/``, and never inside a stored generation."""
        path = self.resolve_local(location, must_exist=False)
        if not self.restrict:
            return path
        home, data = self.settings.home_dir, self.settings.data_dir.resolve()
        if path == home or path.is_relative_to(home):
            inside = path.relative_to(data).parts if path.is_relative_to(data) else None
            if not inside:
                raise InvalidInputError(
                    f"local destination {str(location)!r} would overwrite service files; use a path under data/",
                    details={"field": "destination.location"},
                )
            try:
                uuid.UUID(inside[0])
            except ValueError:
                return path
            raise InvalidInputError(
                f"local destination {str(location)!r} is inside a stored generation; choose another directory",
                details={"field": "destination.location"},
            )
        return path
