"""``sdga ask``, ``sdga chat`` and ``sdga kb``: the agent and its knowledge base at the command line.

``ask`` turns one plain-English request into validated, generated data and a markdown report (exit 0),
stops with exit 1 when validation says no, and exits 2 for requests it refuses or asks about (the
question and its options on stderr). The request may start with "-" (a pasted bullet list) and may come
on stdin (``sdga ask -`` or no argument). ``chat`` keeps a session so follow-ups edit the previous plan
and answers complete a question; ``kb`` searches, evaluates and exports the knowledge base.
"""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperCommand

from sdga.cli.common import EXIT_BAD_INPUT, EXIT_INVALID, fail, handle_errors, print_json

_BACKEND_HELP = (
    "offline (default, no network), bedrock (Converse tool use), bedrock-agent (deployed agent), agentcore "
    "(Bedrock AgentCore) or openai (any OpenAI-compatible server)."
)


def _backend(name: str | None, *, trace: bool = False, model_id: str | None = None, echo: bool = True) -> Any:
    from sdga.agent import backend_names, get_backend

    chosen = (name or "").strip().lower() or None
    if chosen is not None and chosen not in backend_names():
        raise fail(
            f"invalid value for '--backend': {name!r} is not one of {', '.join(backend_names())} "
            "(see 'sdga ask --help')",
            EXIT_BAD_INPUT,
        )
    options: dict[str, Any] = {"model_id": model_id}
    if echo:
        # bedrock-agent/agentcore: show the answer as it streams (stderr; the report still goes to stdout).
        options["on_chunk"] = lambda text: (sys.stderr.write(text), sys.stderr.flush())
    if trace:
        from sdga.agent.bedrock_agent import summarize_trace

        options["trace"] = True
        options["on_trace"] = lambda t: typer.echo(f"trace: {summarize_trace(t)}", err=True)
    return get_backend(chosen, **{k: v for k, v in options.items() if v is not None})


def _with_output(result_plan: Any, out: Path | None) -> None:
    """``--out`` fills in a local destination when the request did not name one."""
    if out is None or result_plan is None:
        return
    from sdga.models import Destination, DestinationType

    request = result_plan.request
    if request.destination.type == DestinationType.LOCAL and not request.destination.location:
        request.destination = Destination(type=DestinationType.LOCAL, location=str(out))
        result_plan.understood.append(f"destination: local {out} (--out)")
        result_plan.assumptions = [a for a in result_plan.assumptions if not a.startswith("destination:")]


def read_prompt(words: list[str] | None) -> str:
    """The request from the arguments, or from stdin for ``-`` or none; capped in length."""
    from sdga.errors import SdgaError
    from sdga.limits import check_prompt

    if not words or words == ["-"]:
        if sys.stdin is None or sys.stdin.isatty():
            raise fail("no request given: pass it as an argument or on stdin (see 'sdga ask --help')")
        prompt = sys.stdin.read().strip()
    else:
        prompt = " ".join(words) if len(words) > 1 else words[0]
    try:
        check_prompt(prompt)  # the error never echoes the request: it may be long, or not meant to be printed
    except SdgaError as exc:
        raise fail(exc.message) from None
    if not prompt.strip():
        raise fail("the request is empty: describe the data you need")
    return prompt


def plan_json(result: Any) -> dict[str, Any]:
    """What ``--plan-only --json`` prints: the request plus what was understood, assumed and asked."""
    plan = result.plan
    return {
        "prompt": result.prompt,
        "backend": result.backend,
        "template": plan.template if plan else None,
        "confidence": plan.confidence if plan else None,
        "understood": list(plan.understood) if plan else [],
        "assumed": list(plan.assumptions) if plan else [],
        "warnings": list(plan.warnings) if plan else [],
        "question": result.question.to_dict() if result.question else None,
        "tables": dict(plan.table_rows) if plan else {},
        "request": result.request.model_dump(mode="json", by_alias=True, exclude_none=True) if result.request else None,
        "answer": result.answer if not plan else "",
    }


def _emit(result: Any, as_json: bool, plan_only: bool) -> None:
    """The report (or JSON) on stdout; a question goes to stderr (and into the JSON)."""
    if as_json and plan_only:
        print_json(plan_json(result))
    elif as_json:
        print_json(result.to_dict())
    elif result.question is None:
        sys.stdout.write(result.report())
    if result.question is not None:
        typer.echo(f"question: {result.question.render()}", err=True)


def _exit_code(result: Any) -> int:
    from sdga.agent.offline import validation_failed

    if result.question is not None:
        return EXIT_BAD_INPUT
    if validation_failed(result):
        return EXIT_INVALID
    if result.error:
        return 3 if str(result.error.get("error")) in {"destination_failed", "agent_backend_failed"} else 2
    return 0


def _refused(exc: Any, as_json: bool, prompt: str, backend: str) -> typer.Exit:
    """A refusal or conflict: one ``error:`` line (and with --json the structured error on stdout)."""
    if as_json:
        print_json({"prompt": prompt, "backend": backend, "request": None, "question": None,
                    "error": exc.code, "message": exc.message, "details": exc.details or {}})  # fmt: skip
    return fail(exc.message, EXIT_BAD_INPUT)


class _RequestCommand(TyperCommand):
    """``ask``'s words are the request, even when they start with "-" (a pasted bullet list): only the
    command's own options are read as options, wherever they are; everything else is the request."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        takes_value: dict[str, bool] = dict.fromkeys(ctx.help_option_names, False)
        for param in self.params:
            for opt in [*getattr(param, "opts", []), *getattr(param, "secondary_opts", [])]:
                if opt.startswith("-"):
                    takes_value[opt] = not getattr(param, "is_flag", False) and not getattr(param, "count", False)
        options: list[str] = []
        words: list[str] = []
        i = 0
        while i < len(args):
            arg = args[i]
            if arg == "--":
                words += args[i + 1 :]
                break
            name = arg.split("=", 1)[0]
            if name in takes_value:
                options.append(arg)
                if takes_value[name] and "=" not in arg and i + 1 < len(args):
                    options.append(args[i + 1])
                    i += 1
            else:
                words.append(arg)
            i += 1
        parsed: list[str] = super().parse_args(ctx, [*options, "--", *words])
        return parsed


def register(app: typer.Typer) -> None:
    @app.command("ask", cls=_RequestCommand)
    @handle_errors
    def ask(
        prompt: list[str] = typer.Argument(
            None,
            help='What you need, e.g. "5,000 GDPR-compliant user profiles as CSV"; "-" or nothing reads stdin.',
            show_default=False,
        ),
        backend: str = typer.Option(None, "--backend", "-b", help=_BACKEND_HELP + " Default: SDGA_LLM_BACKEND."),
        plan_only: bool = typer.Option(False, "--plan-only", help="Print the request it would run; run nothing."),
        as_json: bool = typer.Option(
            False,
            "--json",
            help="Machine-readable output (with --plan-only: the request, understood, assumed, question).",
        ),
        out: Path = typer.Option(None, "--out", "-o", help="Write here when the request names no destination."),
        trace: bool = typer.Option(False, "--trace", help="bedrock-agent/agentcore: stream the trace to stderr."),
        model_id: str = typer.Option(None, "--model-id", help="bedrock/openai: the model (or inference profile) id."),
    ) -> None:
        """Ask for test data in plain English; get validated data and a report."""
        text = read_prompt(prompt)
        agent = _backend(backend, trace=trace, model_id=model_id, echo=not as_json)
        from sdga.agent.planning import ClarificationNeeded, PlanningError

        if agent.name == "offline":
            from sdga.agent.base import AgentResult

            try:
                plan = agent.plan(text)
            except ClarificationNeeded as exc:
                result = AgentResult(prompt=text, backend=agent.name, question=exc.question)
                _emit(result, as_json, plan_only)
                raise typer.Exit(EXIT_BAD_INPUT) from None
            except PlanningError as exc:
                raise _refused(exc, as_json, text, agent.name) from None
            _with_output(plan, out)
            result = AgentResult(prompt=text, backend=agent.name, plan=plan, request=plan.request)
            if plan_only:
                result.steps.append("planned (not run: plan only)")
            else:
                result = agent.run(result)
        else:
            result = agent.ask(text, plan_only=plan_only)
        _emit(result, as_json, plan_only)
        raise typer.Exit(_exit_code(result))

    @app.command("chat")
    @handle_errors
    def chat(
        backend: str = typer.Option(None, "--backend", "-b", help=_BACKEND_HELP),
        auto_run: bool = typer.Option(False, "--run", help="offline: run every plan at once instead of on 'run'."),
        out: Path = typer.Option(None, "--out", "-o", help="Write here when a request names no destination."),
        trace: bool = typer.Option(False, "--trace", help="bedrock-agent/agentcore: stream the trace to stderr."),
        model_id: str = typer.Option(None, "--model-id", help="bedrock/openai: the model (or inference profile) id."),
    ) -> None:
        """A conversation: follow-ups ("make it 10k and add a loyalty tier") change the previous plan.

        Offline, each message updates the plan and shows it; type 'run' to generate it, 'plan' to see it
        again as JSON, 'reset' to start over and 'quit' to leave. When the agent asks a question, answer
        with an option's number, a template's name or the fields you need.
        """
        from sdga.agent import ChatSession, PlanningError
        from sdga.agent.base import AgentResult, max_prompt_chars
        from sdga.errors import SdgaError

        agent = _backend(backend, trace=trace, model_id=model_id)
        session = ChatSession(session_id=uuid.uuid4().hex)
        offline = agent.name == "offline"
        limit = max_prompt_chars()
        typer.echo(f"sdga chat ({agent.name}). Describe the data you need; 'quit' to leave.", err=True)
        while True:
            typer.echo("> ", nl=False, err=True)
            line = sys.stdin.readline()
            if not line:
                break
            text = line.strip()
            if not text:
                continue
            if len(text) > limit:
                typer.echo(f"error: the message is {len(text):,} characters long; the limit is {limit:,}", err=True)
                continue
            command = text.lower().rstrip("!.")
            if command in {"quit", "exit", "bye", "q"}:
                break
            if command in {"reset", "start over", "new"}:
                session = ChatSession(session_id=uuid.uuid4().hex)
                typer.echo("(new session)", err=True)
                continue
            try:
                if offline and command in {"plan", "show plan", "json"}:
                    if session.plan is None:
                        typer.echo("no plan yet: describe the data first", err=True)
                    else:
                        print_json(session.plan.request)
                    continue
                if offline and command in {"run", "go", "yes", "generate", "do it", "generate it", "ok"}:
                    if session.plan is None:
                        typer.echo("no plan yet: describe the data first", err=True)
                        continue
                    result = AgentResult(
                        prompt=session.plan.prompt, backend=agent.name, plan=session.plan,
                        request=session.plan.request, session_id=session.session_id,
                    )  # fmt: skip
                    sys.stdout.write(agent.run(result, session).report())
                    continue
                if offline:
                    result = agent.ask(text, session=session, plan_only=True)
                    if result.question is not None:
                        sys.stdout.write(f"? {result.question.render()}\n")
                        typer.echo("(answer with a number, a template's name or the fields you need)", err=True)
                        continue
                    _with_output(session.plan, out)
                    if auto_run:
                        result = agent.run(result, session)
                        sys.stdout.write(result.report())
                    else:
                        assert session.plan is not None
                        sys.stdout.write(session.plan.explain() + "\n")
                        typer.echo("('run' to generate, or refine the request)", err=True)
                else:
                    result = agent.ask(text, session=session)
                    sys.stdout.write(result.report())
            except PlanningError as exc:
                typer.echo(f"sorry: {exc.message}", err=True)
            except SdgaError as exc:
                typer.echo(f"error: {exc.message}", err=True)
            sys.stdout.flush()

    kb = typer.Typer(
        help="The knowledge base: search it, measure retrieval, export it for Bedrock.", no_args_is_help=True
    )
    app.add_typer(kb, name="kb")

    @kb.command("search")
    @handle_errors
    def kb_search(
        query: str = typer.Argument(..., help="What to look for."),
        k: int = typer.Option(5, "--k", "-k", min=1, max=50, help="Number of results."),
        as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    ) -> None:
        """Search templates, domain notes, compliance rules and remembered generations."""
        from sdga.knowledge import get_retriever

        hits = get_retriever().search(query, k=k)
        rows = [
            {"score": round(h.score, 3), "kind": h.document.kind, "template": h.document.template,
             "title": h.document.title, "source": h.document.source}
            for h in hits
        ]  # fmt: skip
        if as_json:
            print_json(rows)
            return
        if not rows:
            typer.echo("no matches")
        for r in rows:
            typer.echo(f"{r['score']:8.3f}  {r['kind']:<10} {r['template'] or '-':<16} {r['title']}")

    @kb.command("eval")
    @handle_errors
    def kb_eval(
        as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
        held_out: bool = typer.Option(False, "--held-out", help="Use the held-out query set (never tuned on)."),
    ) -> None:
        """Retrieval quality: hit@1 of the template ranking on the shipped query set."""
        import os

        from sdga.knowledge import LocalKnowledgeBase, get_retriever
        from sdga.knowledge.evaluation import evaluate

        # Locally the shipped documents only (remembered runs would make the figure depend on history).
        bedrock = (os.environ.get("SDGA_KB_BACKEND") or "local").lower() == "bedrock"
        report = evaluate(get_retriever() if bedrock else LocalKnowledgeBase(None), held_out=held_out)
        if as_json:
            print_json(report)
            return
        typer.echo(f"hit@1 {report['hit_at_1']:.3f} ({report['hits']}/{report['queries']} queries)")
        for name, score in sorted(report["per_template"].items()):
            typer.echo(f"  {name:<16} {score:.2f}")
        for miss in report["misses"]:
            typer.echo(f"  miss: {miss['query']!r} -> {miss['got']} (expected {miss['expected']})")

    @kb.command("export")
    @handle_errors
    def kb_export(
        directory: Path = typer.Argument(..., help="Directory to write the documents into (for an S3 sync)."),
    ) -> None:
        """Write every knowledge-base document (templates, notes, rules) as files for the Bedrock KB."""
        from sdga.knowledge import export_documents

        files = export_documents(directory)
        typer.echo(json.dumps({"directory": str(directory), "files": len(files)}))
