"""Widget hosting: a private S3 bucket behind CloudFront with origin access control (OAC).

Its own bucket (not a prefix of the data bucket) so that nothing CloudFront can read ever sits
next to transcripts. The file is short-cached (5 min) because its name is not versioned: a
redeploy reaches visitors within minutes without an invalidation.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pulumi
import pulumi_aws as aws

from .iam import policy_json

WIDGET_KEY = "assistant-widget.js"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"  # AWS managed cache policy
SECURITY_HEADERS = "67f7725c-6f97-4210-82d7-5512b31e9d03"  # AWS managed SecurityHeadersPolicy


# Shown before the first message unless the stack config sets ``greeting``.
DEFAULT_GREETING = "Hi! Ask me anything about our help centre."


@dataclass(frozen=True)
class WidgetOptions:
    """Every owner choice the widget reads from its script tag (``data-*``), from the stack config."""

    greeting: str = ""  # shown before the first message; no round trip needed
    title: str = ""  # the panel's heading
    placeholder: str = ""
    accent: str = ""  # any CSS colour
    position: str = ""  # "left" or "right"
    open_on_load: bool = False
    strings: Mapping[str, str] = field(default_factory=dict)  # any of the widget's strings, e.g. another language
    history: str = ""  # "local": the conversation follows the visitor across tabs and visits (localStorage)
    history_days: int = 0  # how long such a conversation is kept (the widget's default: 7)

    def __post_init__(self) -> None:
        # A typo here would silently give the default; the owner should hear about it at `pulumi up`.
        if self.position not in ("", "left", "right"):
            raise ValueError(f"widget_position must be 'left' or 'right', not {self.position!r}")
        if self.history not in ("", "local", "tab"):
            raise ValueError(f"widget_history must be 'local' or 'tab', not {self.history!r}")
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in self.strings.items()):
            raise ValueError("widget_strings must map string names to string texts")

    def attributes(self) -> list[tuple[str, str]]:
        attrs = [("data-title", self.title), ("data-greeting", self.greeting), ("data-placeholder", self.placeholder),
                 ("data-accent", self.accent), ("data-position", self.position),
                 ("data-open", "true" if self.open_on_load else ""),
                 ("data-strings", json.dumps(dict(self.strings), ensure_ascii=False) if self.strings else ""),
                 ("data-history", "local" if self.history == "local" else ""),
                 ("data-history-days", str(self.history_days) if self.history_days else "")]
        return [(name, value) for name, value in attrs if value]


def embed_snippet(widget_url: str, token_url: str, options: WidgetOptions) -> str:
    """The one tag an owner pastes: every attribute value HTML-escaped, so config text never becomes markup."""
    attrs = [("src", widget_url), ("data-token-url", token_url), *options.attributes()]
    return "<script " + " ".join(f'{name}="{html.escape(value)}"' for name, value in attrs) + " defer></script>"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def csp_directives(widget_url: str, token_url: str, websocket_url: str) -> str:
    """What a host page's Content-Security-Policy must allow for the widget: its script, the token POST and the
    WebSocket. Nothing else is needed: the widget loads no images or fonts and styles itself through a
    constructed stylesheet (CSSOM), so no ``style-src 'unsafe-inline'``."""
    connect = " ".join(dict.fromkeys((_origin(token_url), _origin(websocket_url))))
    return f"script-src {_origin(widget_url)}; connect-src {connect}"


@dataclass
class WidgetHostingArgs:
    widget_file: Path  # uploaded when present; the URL is stable either way
    token_url: pulumi.Input[str]
    websocket_url: pulumi.Input[str]
    options: WidgetOptions = field(default_factory=WidgetOptions)


class WidgetHosting(pulumi.ComponentResource):
    def __init__(self, name: str, args: WidgetHostingArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("website-assistant:infra:WidgetHosting", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.bucket = aws.s3.Bucket("chat-assistant-widget", opts=child)
        in_bucket = pulumi.ResourceOptions(parent=self.bucket)
        block = aws.s3.BucketPublicAccessBlock(
            "chat-assistant-widget-public-block", bucket=self.bucket.id, block_public_acls=True,
            block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True, opts=in_bucket)
        aws.s3.BucketServerSideEncryptionConfiguration(
            "chat-assistant-widget-sse", bucket=self.bucket.id,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}], opts=in_bucket)

        oac = aws.cloudfront.OriginAccessControl(
            "widget-oac", name="chat-assistant-widget-oac", origin_access_control_origin_type="s3",
            signing_behavior="always", signing_protocol="sigv4", opts=child)
        self.distribution = aws.cloudfront.Distribution(
            "widget-cdn", enabled=True, is_ipv6_enabled=True, http_version="http2and3",
            price_class="PriceClass_200",  # includes Asia edges, excludes the priciest regions
            comment="website assistant widget",
            origins=[{"origin_id": "widget", "domain_name": self.bucket.bucket_regional_domain_name,
                      "origin_access_control_id": oac.id}],
            default_cache_behavior={
                "target_origin_id": "widget", "viewer_protocol_policy": "redirect-to-https",
                "allowed_methods": ["GET", "HEAD"], "cached_methods": ["GET", "HEAD"], "compress": True,
                "cache_policy_id": CACHING_OPTIMIZED, "response_headers_policy_id": SECURITY_HEADERS,
            },
            restrictions={"geo_restriction": {"restriction_type": "none"}},
            viewer_certificate={"cloudfront_default_certificate": True},
            opts=child)
        # Only this distribution may read, and only the widget objects.
        aws.s3.BucketPolicy(
            "chat-assistant-widget-policy", bucket=self.bucket.id,
            policy=policy_json([
                {"Sid": "CloudFrontRead", "Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"},
                 "Action": "s3:GetObject", "Resource": pulumi.Output.concat(self.bucket.arn, "/*"),
                 "Condition": {"StringEquals": {"AWS:SourceArn": self.distribution.arn}}},
                {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                 "Resource": [self.bucket.arn, pulumi.Output.concat(self.bucket.arn, "/*")],
                 "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
            ]),
            opts=pulumi.ResourceOptions(parent=self.bucket, depends_on=[block]))

        if args.widget_file.is_file():
            aws.s3.BucketObjectv2(
                "widget-js", bucket=self.bucket.id, key=WIDGET_KEY, source=pulumi.FileAsset(str(args.widget_file)),
                content_type="text/javascript; charset=utf-8", cache_control="public, max-age=300",
                opts=in_bucket)
        else:
            pulumi.log.warn(f"{args.widget_file} not found: the widget URL will 404 until it is built and deployed")

        self.widget_url = pulumi.Output.concat("https://", self.distribution.domain_name, "/", WIDGET_KEY)
        options = args.options
        self.embed_snippet = pulumi.Output.all(self.widget_url, args.token_url).apply(
            lambda urls: embed_snippet(urls[0], urls[1], options))
        self.csp = pulumi.Output.all(self.widget_url, args.token_url, args.websocket_url).apply(
            lambda urls: csp_directives(*urls))
        self.register_outputs({"widget_url": self.widget_url, "embed_snippet": self.embed_snippet, "csp": self.csp})
