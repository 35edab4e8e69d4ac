"""Operations docs: diagram, cost section with the seed's estimates, and the seed's checklists with their checks."""

from __future__ import annotations

from infra_tf import INFRA

DOCS = INFRA / "docs"
MVI = [
    "Terraform can successfully deploy all resources",
    "Bedrock agent is created and accessible",
    "Lambda functions are deployed and functional",
    "Action groups link Lambda to Bedrock agent",
    "S3 bucket stores generated data",
    "DynamoDB stores generation history",
    "CloudWatch logging is enabled",
    "IAM roles follow least privilege",
    "Basic documentation is complete",
]
PRODUCTION = [
    "All MVI criteria met",
    "Knowledge base is configured and functional",
    "CloudWatch alarms are set up",
    "Encryption is enabled on all resources",
    "CI/CD pipeline is working",
    "Multi-environment support (dev, staging, prod)",
    "Comprehensive documentation",
    "Validation checklists complete",
    "Security review passed",
    "Cost optimisation implemented",
]


def test_docs_exist() -> None:
    for name in ("ARCHITECTURE.md", "DEPLOYMENT.md", "TROUBLESHOOTING.md"):
        assert len((DOCS / name).read_text(encoding="utf-8")) > 3000, name


def test_architecture_has_diagram_costs_and_checklists() -> None:
    text = (DOCS / "ARCHITECTURE.md").read_text(encoding="utf-8")
    assert "```mermaid" in text
    for figure in ("~$730-820", "~$1,070-2,249", "~$700+", "~$90"):
        assert figure in text, figure
    assert "enable_knowledge_base = false" in text  # the cheaper vector-store option
    rows = {line.split("|")[1].strip() for line in text.splitlines() if line.startswith("| ") and line.count("|") >= 3}
    for item in MVI + PRODUCTION:
        assert item in rows, f"checklist item missing: {item}"
    for line in text.splitlines():
        if line.startswith("| ") and line.split("|")[1].strip() in MVI + PRODUCTION:
            assert len(line.split("|")[2].strip()) > 20, f"no verification for: {line}"


def test_every_module_readme_is_substantive() -> None:
    for readme in (INFRA / "terraform" / "modules").glob("*/README.md"):
        assert len(readme.read_text(encoding="utf-8")) > 300, readme


def test_deploy_guide_walks_from_zero_to_smoke_test_to_destroy() -> None:
    """docs/deploy.md names the scripts in the order a new account runs them, and every script it names exists."""
    import re

    from infra_tf import REPO, SCRIPTS

    text = (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
    steps = [
        "bootstrap-backend.sh",
        "terraform-ci.sh",
        "build-lambda.sh",
        "deploy.sh dev",
        "sdga ask",
        "destroy.sh dev",
    ]
    positions = [text.index(step) for step in steps]
    assert positions == sorted(positions), "the steps are in the order they are run"
    for script in set(re.findall(r"Infrastructure/scripts/([\w.-]+\.sh)", text)):
        assert (SCRIPTS / script).is_file(), script
    for command in ("terraform -chdir=Infrastructure/terraform plan", "docker buildx build", "--provenance=false"):
        assert command in text, command
