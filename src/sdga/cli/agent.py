"""``sdga ask``, ``sdga chat`` and ``sdga kb``: the agent and its knowledge base at the command line.

``ask`` turns one plain-English request into validated, generated data and a markdown report (exit 0),
stops with exit 1 when validation says no, and exits 2 for requests it cannot serve (with a hint).
``chat`` keeps a session so follow-ups edit the previous plan; ``kb`` searches, evaluates and exports
the knowledge base.
"""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path
from typing import Any

import typer

from sdga.cli.common import EXIT_INVALID, handle_errors, print_json
from sdga.errors import InvalidInputError, SdgaError

_BACKEND_HELP = "offline (default, no network), bedrock (Converse tool use) or bedrock-agent (deployed agent)."


def _backend(name: str | None, *, trace: bool = False, model_id: str | None = None, echo: bool = True) -> Any:
    from sdga.agent import get_backend
    from sdga.agent.bedrock_agent import summarize_trace

    options: dict[str, Any] = {"model_id": model_id}
    if echo:
        # bedrock-agent: show the answer as it streams (stderr; the report still goes to stdout).
        options["on_chunk"] = lambda text: (sys.stderr.write(text), sys.stderr.flush())
    if trace:
        options["trace"] = True
        options["on_trace"] = lambda t: typer.echo(f"trace: {summarize_trace(t)}", err=True)
    return get_backend(name, **{k: v for k, v in options.items() if v is not None})


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


def _emit(result: Any, as_json: bool, plan_only: bool) -> None:
    if as_json and plan_only:
        if result.request is None:
            raise InvalidInputError("the backend produced no request to show")
        print_json(result.request)
    elif as_json:
        print_json(result.to_dict())
    else:
        sys.stdout.write(result.report())


def _exit_code(result: Any) -> int:
    from sdga.agent.offline import validation_failed

    if validation_failed(result):
        return EXIT_INVALID
    if result.error:
        return 3 if str(result.error.get("error")) in {"destination_failed", "agent_backend_failed"} else 2
    return 0


def register(app: typer.Typer) -> None:
    @app.command("ask")
    @handle_errors
    def ask(
        prompt: str = typer.Argument(..., help='What you need, e.g. "5,000 GDPR-compliant user profiles as CSV".'),
        backend: str = typer.Option(None, "--backend", "-b", help=_BACKEND_HELP + " Default: SDGA_LLM_BACKEND."),
        plan_only: bool = typer.Option(False, "--plan-only", help="Print the request it would run; run nothing."),
        as_json: bool = typer.Option(False, "--json", help="Machine-readable output (the request with --plan-only)."),
        out: Path = typer.Option(None, "--out", "-o", help="Write here when the request names no destination."),
        trace: bool = typer.Option(False, "--trace", help="bedrock-agent: stream the agent's trace to stderr."),
        model_id: str = typer.Option(None, "--model-id", help="bedrock: the model or inference profile id."),
    ) -> None:
        """Ask for test data in plain English; get validated data and a report."""
        from sdga.agent.offline import OfflineBackend

        agent = _backend(backend, trace=trace, model_id=model_id, echo=not as_json)
        if isinstance(agent, OfflineBackend):
            from sdga.agent.base import AgentResult

            plan = agent.planner.plan(prompt)
            _with_output(plan, out)
            result = AgentResult(prompt=prompt, backend=agent.name, plan=plan, request=plan.request)
            if plan_only:
                result.steps.append("planned (not run: plan only)")
            else:
                result = agent.run(result)
        else:
            result = agent.ask(prompt, plan_only=plan_only)
        _emit(result, as_json, plan_only)
        raise typer.Exit(_exit_code(result))

    @app.command("chat")
    @handle_errors
    def chat(
        backend: str = typer.Option(None, "--backend", "-b", help=_BACKEND_HELP),
        auto_run: bool = typer.Option(False, "--run", help="offline: run every plan at once instead of on 'run'."),
        out: Path = typer.Option(None, "--out", "-o", help="Write here when a request names no destination."),
        trace: bool = typer.Option(False, "--trace", help="bedrock-agent: stream the agent's trace to stderr."),
        model_id: str = typer.Option(None, "--model-id", help="bedrock: the model or inference profile id."),
    ) -> None:
        """A conversation: follow-ups ("make it 10k and add a loyalty tier") change the previous plan.

        Offline, each message updates the plan and shows it; type 'run' to generate it, 'plan' to see it
        again as JSON, 'reset' to start over and 'quit' to leave.
        """
        from sdga.agent import ChatSession, PlanningError
        from sdga.agent.base import AgentResult
        from sdga.agent.offline import OfflineBackend

        agent = _backend(backend, trace=trace, model_id=model_id)
        session = ChatSession(session_id=uuid.uuid4().hex)
        offline = isinstance(agent, OfflineBackend)
        typer.echo(f"sdga chat ({agent.name}). Describe the data you need; 'quit' to leave.", err=True)
        while True:
            typer.echo("> ", nl=False, err=True)
            line = sys.stdin.readline()
            if not line:
                break
            text = line.strip()
            if not text:
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
            typer.echo(f"{r['score']:8.3f}  {r['kind']:<10} {r['template'] or '-':<14} {r['title']}")

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
            typer.echo(f"  {name:<14} {score:.2f}")
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
