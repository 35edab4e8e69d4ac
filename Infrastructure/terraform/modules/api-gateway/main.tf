# HTTP API (payload format 2.0) in front of the action Lambdas and the Converse agent Lambda: the fallback path that
# works in accounts where Bedrock Agents (classic) is not available, and the backend of the web UI.

resource "aws_cloudwatch_log_group" "access" {
  name              = "/aws/apigateway/${var.name_prefix}-http-api"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.logs_kms_key_arn
  tags              = var.tags
}

resource "aws_apigatewayv2_api" "this" {
  name          = "${var.name_prefix}-http-api"
  description   = "Synthetic data agent HTTP API (generate, status, download, history, validate-schema, quality-metrics, agent)."
  protocol_type = "HTTP"
  tags          = var.tags

  dynamic "cors_configuration" {
    for_each = length(var.cors_allow_origins) > 0 ? [1] : []

    content {
      allow_origins = var.cors_allow_origins
      allow_methods = ["GET", "POST", "OPTIONS"]
      allow_headers = ["authorization", "content-type", "x-api-key", "x-amz-date", "x-amz-security-token"]
      max_age       = 3600
    }
  }
}

resource "aws_apigatewayv2_authorizer" "jwt" {
  count = var.authorization_type == "JWT" ? 1 : 0

  api_id           = aws_apigatewayv2_api.this.id
  name             = "${var.name_prefix}-jwt"
  authorizer_type  = "JWT"
  identity_sources = ["$request.header.Authorization"]

  jwt_configuration {
    issuer   = var.jwt_issuer
    audience = var.jwt_audience
  }

  lifecycle {
    precondition {
      condition     = var.jwt_issuer != null && length(var.jwt_audience) > 0
      error_message = "authorization_type = JWT needs jwt_issuer and jwt_audience."
    }
  }
}

resource "aws_apigatewayv2_integration" "lambda" {
  for_each = var.integrations

  api_id                 = aws_apigatewayv2_api.this.id
  integration_type       = "AWS_PROXY"
  integration_method     = "POST"
  integration_uri        = each.value.invoke_arn
  payload_format_version = "2.0"
  # HTTP APIs cap integrations at 30 s; long generations must use an S3 destination and poll status.
  timeout_milliseconds = 30000
}

resource "aws_apigatewayv2_route" "this" {
  # checkov:skip=CKV_AWS_309:authorization_type is a variable (AWS_IAM by default, or JWT); NONE passes the plan only together with a configured x-api-key that every function checks (precondition below).
  for_each = var.routes

  api_id             = aws_apigatewayv2_api.this.id
  route_key          = each.key
  target             = "integrations/${aws_apigatewayv2_integration.lambda[each.value].id}"
  authorization_type = var.authorization_type
  authorizer_id      = var.authorization_type == "JWT" ? aws_apigatewayv2_authorizer.jwt[0].id : null

  lifecycle {
    precondition {
      condition     = var.authorization_type != "NONE" || var.api_key_required
      error_message = "api_authorization_type = NONE leaves the API open: set api_key (TF_VAR_api_key) so every function requires the x-api-key header, or use AWS_IAM / JWT."
    }
  }
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.this.id
  name        = "$default"
  auto_deploy = true
  tags        = var.tags

  default_route_settings {
    throttling_rate_limit    = var.throttling_rate_limit
    throttling_burst_limit   = var.throttling_burst_limit
    detailed_metrics_enabled = true
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    format = jsonencode({
      requestId        = "$context.requestId"
      ip               = "$context.identity.sourceIp"
      caller           = "$context.identity.caller"
      user             = "$context.identity.user"
      requestTime      = "$context.requestTime"
      httpMethod       = "$context.httpMethod"
      routeKey         = "$context.routeKey"
      status           = "$context.status"
      protocol         = "$context.protocol"
      responseLength   = "$context.responseLength"
      latency          = "$context.responseLatency"
      integrationError = "$context.integrationErrorMessage"
    })
  }
}

resource "aws_lambda_permission" "api" {
  for_each = var.integrations

  statement_id  = "AllowHttpApi-${aws_apigatewayv2_api.this.id}"
  action        = "lambda:InvokeFunction"
  function_name = each.value.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.this.execution_arn}/*/*"
}
