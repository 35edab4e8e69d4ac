"""The moto server fixtures of the service area, shared with the Lambda tests."""

from tests.service.conftest import aws_env, moto_endpoint

__all__ = ["aws_env", "moto_endpoint"]
