"""The offline copy's shims (Infrastructure/scripts/terraform_offline.py) keep the configuration's meaning."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from typing import Any

from infra_tf import OPTIONS, SCRIPTS, hcl2

_spec = importlib.util.spec_from_file_location("terraform_offline", SCRIPTS / "terraform_offline.py")
assert _spec and _spec.loader
offline: Any = importlib.util.module_from_spec(_spec)
sys.modules["terraform_offline"] = offline
_spec.loader.exec_module(offline)

MODULE = """
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.3, < 7.0"
    }
    time = {
      source  = "hashicorp/time"
      version = ">= 0.11, < 1.0"
    }
  }
}

data "aws_region" "current" {}

resource "time_sleep" "wait" {
  count           = var.on ? 1 : 0
  create_duration = "60s"
  triggers        = { arn = aws_s3_bucket.b.arn, text = "x-${var.name}" }
}

resource "aws_bedrockagentcore_gateway" "gw" {
  name     = "${var.name}-gw"
  role_arn = aws_iam_role.r.arn
  authorizer_configuration {
    custom_jwt_authorizer {
      discovery_url = var.url
    }
  }
  dynamic "tag" {
    for_each = var.tags
    content {
      key   = tag.key
      value = tag.value
    }
  }
  lifecycle {
    ignore_changes = [name]
  }
  depends_on = [time_sleep.wait]
}

output "gateway" {
  value = [aws_bedrockagentcore_gateway.gw.gateway_arn, one(time_sleep.wait[*].id), data.aws_region.current.region]
}
"""


def test_unknown_resources_become_terraform_data_with_every_argument(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(MODULE, encoding="utf-8")
    log: list[str] = []
    known = {"aws_s3_bucket", "aws_iam_role"}
    offline.rewrite_module(tmp_path, known, {"hashicorp/aws"}, set(), log)
    text = (tmp_path / "main.tf").read_text(encoding="utf-8")
    parsed = hcl2.loads(text, serialization_options=OPTIONS)  # still valid HCL
    resources = {name for entry in parsed["resource"] for named in entry.values() for name in named}
    assert resources == {"time_sleep__wait", "aws_bedrockagentcore_gateway__gw"}
    assert 'version = ">= 5.100, < 7.0"' in text and "hashicorp/time" not in text
    assert "data.aws_region.current.name" in text and "current.region" not in text
    # Arguments and nested blocks survive as input attributes, so their references are still evaluated.
    assert "role_arn = aws_iam_role.r.arn" in text and "discovery_url = var.url" in text
    assert re.search(
        r"dynamic_tag = \[for tag_key, tag_value in var.tags : \{\s*key = tag_key\s*value = tag_value", text
    )
    assert "count = var.on ? 1 : 0" in text and 'text = "x-${var.name}"' in text
    # References go to the stand-in's output, which carries every attribute read elsewhere.
    assert "terraform_data.aws_bedrockagentcore_gateway__gw.output.gateway_arn" in text
    assert "one(terraform_data.time_sleep__wait[*].output.id)" in text
    assert "depends_on = [terraform_data.time_sleep__wait]" in text
    assert re.search(r'gateway_arn = "known after apply"', text)
    assert "ignore_changes" not in text
    assert any("time_sleep.wait -> terraform_data.time_sleep__wait" in line for line in log)


def test_braces_inside_strings_heredocs_and_comments_do_not_end_a_block() -> None:
    text = 'resource "x" "y" {\n  a = "}${f("}")}"\n  # }\n  b = <<-EOT\n  }\n  EOT\n}\ntail'
    header = re.search(r'^resource "x" "y" \{', text, re.M)
    assert header
    start, end = offline.block_span(text, header)
    assert start == 0
    assert text[end:] == "\ntail"
