"""Helpers shared by the CLI command modules: error handling and output."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import typer
from pydantic import BaseModel, ValidationError

from sdga.cli.signals import Terminated
from sdga.errors import ConfigurationError, InvalidInputError, SdgaError, from_validation_error
from sdga.models import ComplianceRequirement

P = ParamSpec("P")
R = TypeVar("R")

# Exit codes: 1 = the action ran and said "no" (e.g. schema invalid), 2 = bad input (arguments, files or the
# configuration), 3 = failure outside.
EXIT_INVALID = 1
EXIT_BAD_INPUT = 2
EXIT_FAILED = 3


def fail(message: str, code: int = EXIT_BAD_INPUT) -> typer.Exit:
    """Print one line to stderr and return the Exit to raise."""
    first_line = " ".join(str(message).split())
    typer.echo(f"error: {first_line}", err=True)
    return typer.Exit(code)


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Decorator: SdgaError / pydantic / OS errors become one stderr line and a non-zero exit.

    Any other exception (a bug) is one line too, exit 3; set ``SDGA_DEBUG=1`` to get the traceback.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except typer.Exit:
            raise
        except ConfigurationError as exc:
            # On the command line the configuration (SDGA_* variables, SDGA_CONFIG) is the user's input:
            # an unknown backend or a missing bucket is a usage error, not a failure outside.
            raise fail(exc.message, EXIT_BAD_INPUT) from None
        except SdgaError as exc:
            code = EXIT_BAD_INPUT if exc.http_status < 500 and exc.http_status != 502 else EXIT_FAILED
            raise fail(exc.message, code) from None
        except ValidationError as exc:
            raise fail(from_validation_error(exc).message) from None
        except Terminated:
            raise fail("terminated (SIGTERM); nothing partial was left behind", 143) from None
        except KeyboardInterrupt:
            raise fail("interrupted", 130) from None
        except OSError as exc:
            raise fail(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), EXIT_FAILED) from None
        except Exception as exc:
            # A bug, not bad input: still one line (exit 3); SDGA_DEBUG=1 keeps the traceback for a report.
            if os.environ.get("SDGA_DEBUG", "").strip() not in ("", "0"):
                raise
            raise fail(
                f"unexpected {type(exc).__name__}: {exc} (SDGA_DEBUG=1 shows the traceback)", EXIT_FAILED
            ) from None

    return wrapper


def print_json(data: BaseModel | dict[str, Any] | list[Any]) -> None:
    """Print a model or plain data as indented JSON on stdout (aliases used, e.g. ``schema``)."""
    if isinstance(data, BaseModel):
        text = data.model_dump_json(by_alias=True, indent=2, exclude_none=False)
    else:
        text = json.dumps(data, indent=2, default=str)
    sys.stdout.write(text + "\n")


def parse_compliance(value: str | None) -> list[ComplianceRequirement]:
    """``"GDPR,hipaa, pci_dss"`` → requirements (case and ``-``/``_`` insensitive)."""
    if not value:
        return []
    by_key = {m.value.replace("-", "").upper(): m for m in ComplianceRequirement}
    out: list[ComplianceRequirement] = []
    for item in value.split(","):
        key = item.strip().replace("-", "").replace("_", "").upper()
        if not key:
            continue
        if key not in by_key:
            allowed = ", ".join(m.value for m in ComplianceRequirement)
            raise InvalidInputError(f"unknown compliance requirement '{item.strip()}': choose from {allowed}")
        if by_key[key] not in out:
            out.append(by_key[key])
    return out
