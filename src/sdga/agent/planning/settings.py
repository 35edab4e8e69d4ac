"""Stage 3a, request settings: output format, destination, SQL dialect, seed, compliance and locale.

Each is read once from anywhere in the request and its words consumed, so "as parquet" or
"s3://bucket/2024/" never reaches the count or constraint readers.
"""

from __future__ import annotations

import re

from sdga.agent.planning.model import ClarificationNeeded, Question
from sdga.agent.planning.state import PlanState

_PATH = r"((?:~|\.{1,2})?/?[\w.-]+(?:/[\w.-]+)*\.(?:csv|jsonl|ndjson|json|parquet|sql|xml)|(?:~|\.{1,2})?/[\w./-]+)"


def run(state: PlanState) -> None:
    _destination(state)
    _seed(state)
    _format(state)
    _compliance(state)
    _dialect(state)
    _locale(state)


def _destination(state: PlanState) -> None:
    t = state.text
    for m in t.finditer(r"s3://[\w.-]+(?:/[\w./=+-]*)?"):
        t.consume(m.start(), m.end())
        state.understood.append(f"destination: S3 {m.group(0)}")
        state.destination = {"type": "s3", "location": m.group(0)}
        return
    for m in t.finditer(r"\b(postgres(?:ql)?|mysql|mariadb|sqlite)(\+\w+)?://\S+"):
        t.consume(m.start(), m.end())
        scheme, driver = m.group(1).lower(), m.group(2)
        url = m.group(0).rstrip(".,;)")
        rest = url.split("://", 1)[1]
        if scheme.startswith("postgres"):
            url, dialect = f"postgresql{driver or '+psycopg'}://{rest}", "postgresql"
        elif scheme in {"mysql", "mariadb"}:
            url, dialect = f"mysql{driver or '+pymysql'}://{rest}", "mysql"
        else:
            dialect = "sqlite"
        state.understood.append(f"destination: database {url.split('@')[-1]} ({dialect})")
        state.destination, state.dialect = {"type": "rds", "location": url}, dialect
        return
    db = t.finditer(
        r"\b(?:into|to|in|load(?:ed)? into|insert(?:ed)? into)\s+(?:a |an |the |my |our )?"
        r"(?:postgres(?:ql)?|mysql|mariadb|rds|database|db)(?:\s+(?:database|db|instance|server))?\b(?!\s*[:=/])"
    )
    if db:
        question = Question(
            "to load into a database, give its URL, e.g. 'into postgresql://user@host:5432/testdb' or "
            "'into mysql://user@host/testdb'. Or should I write a SQL script you load yourself?",
            options=["give the database URL", "write a SQL script instead (e.g. 'as sql for postgres')"],
            reason="destination",
        )
        raise ClarificationNeeded(question, understood=state.understood)
    for m in t.finditer(r"\bto\s+s3\b|\bto\s+(?:the\s+|my\s+|our\s+)?(?:s3\s+)?bucket\b"):
        t.consume(m.start(), m.end())
        state.understood.append("destination: S3 (the configured bucket)")
        state.assumptions.append("S3 location: the deployment's bucket and prefix (SDGA_S3_BUCKET / SDGA_S3_PREFIX)")
        state.destination = {"type": "s3"}
        return
    for m in t.finditer(r"\b(?:inline|in the response|show (?:me )?(?:them|it|the rows)|preview)\b"):
        t.consume(m.start(), m.end())
        state.understood.append("destination: inline (rows returned in the response)")
        state.destination = {"type": "inline"}
        return
    for m in t.finditer(
        rf"\b(?:to|into|in|under|at|save(?:d)? (?:it |them )?(?:to|in|as)|write (?:it |them )?to)\s+(?:the\s+)?"
        rf"(?:file|folder|directory|dir)?\s*{_PATH}"
    ):
        t.consume(m.start(), m.end())
        location = m.group(1).rstrip(".,;")
        state.understood.append(f"destination: local {location}")
        state.destination = {"type": "local", "location": location}
        return


def _seed(state: PlanState) -> None:
    for m in state.text.finditer(r"\b(?:seed(?:ed)?|random seed|random_seed|rng seed)\s*(?:with|of|is|=|:)?\s*(\d+)\b"):
        state.text.consume(m.start(), m.end())
        state.understood.append(f"seed: {m.group(1)}")
        state.seed = int(m.group(1))
        return


def _format(state: PlanState) -> None:
    t, lx = state.text, state.ctx.lexicon
    found: tuple[int, int, int, str] | None = None
    for rank, (rx, fmt) in enumerate(lx.formats):
        for m in t.finditer(rx):
            key = (rank, m.start(), m.end(), fmt)
            if found is None or key < found:
                found = key
            break
    ext = re.search(r"\.(csv|jsonl|ndjson|json|parquet|sql|xml)\b", t.text, re.IGNORECASE)
    if found is not None:
        _rank, start, end, fmt = found
        t.consume(start, end)
        # "format: csv" / "output: jsonl": the label goes with the value.
        label = re.search(r"\b(?:format|output(?: format)?|file type|as a?)\s*[:=]?\s*$", t.text[:start], re.I)
        if label:
            t.consume(label.start(), start)
        state.understood.append(f"format: {fmt}")
        state.output_format = fmt
        return
    if ext:
        fmt = ext.group(1).lower()
        fmt = "jsonl" if fmt == "ndjson" else fmt
        state.understood.append(f"format: {fmt} (from the file name)")
        state.output_format = fmt
        return
    for rx, fmt, why in lx.substitutes:
        for m in t.finditer(rx):
            t.consume(m.start(), m.end())
            state.assumptions.append(f"format: {fmt} ({m.group(0)} asked; {why})")
            state.output_format = fmt
            return


def _compliance(state: PlanState) -> None:
    found: list[str] = []
    for rx, value in state.ctx.lexicon.compliance:
        for m in state.text.finditer(rx):
            state.text.consume(m.start(), m.end())
            if value not in found:
                found.append(value)
    if found:
        state.understood.append("compliance: " + ", ".join(found))
        state.compliance = found


def _dialect(state: PlanState) -> None:
    if state.dialect is not None:
        return
    for rx, value in state.ctx.lexicon.dialects:
        for m in state.text.finditer(rx):
            state.text.consume(m.start(), m.end())
            state.dialect = value
            state.understood.append(f"SQL dialect: {value}")
            return


def _locale(state: PlanState) -> None:
    found = state.ctx.lexicon.detect_locale(state.text.remaining())
    if found is not None:
        locale, cue = found
        at = state.text.remaining().find(cue)
        if at >= 0:
            state.text.consume(at, at + len(cue))
        state.locale = locale
        state.understood.append(f"locale: {locale} (from '{cue}')")
