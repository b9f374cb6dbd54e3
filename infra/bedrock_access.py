"""Least-privilege access to the answer model, whether a foundation model id or an inference profile.

A cross-Region inference profile (``global.``, ``apac.``, ``us.``...) needs the profile ARN in
this Region *and* the foundation model in every Region it may route to. For ``global.`` those
are all commercial Regions plus the Region-less ARN ``arn:aws:bedrock:::foundation-model/<m>``,
so the model statement names the model exactly but leaves the Region open — and is bound by
``bedrock:InferenceProfileArn`` so the model can be reached only through that profile.
"""

from __future__ import annotations

from .iam import AccountContext, Statement, allow

PROFILE_PREFIXES = ("global.", "us.", "us-gov.", "eu.", "apac.", "jp.", "au.", "ca.")
# ConverseStream is authorised as InvokeModelWithResponseStream; the answerer calls nothing else.
STREAM_ACTIONS = ["bedrock:InvokeModelWithResponseStream"]


def split_model_id(model_id: str) -> tuple[str | None, str]:
    """``global.anthropic.x`` -> ("global", "anthropic.x"); ``anthropic.x`` -> (None, "anthropic.x")."""
    for prefix in PROFILE_PREFIXES:
        if model_id.startswith(prefix):
            return prefix.rstrip("."), model_id[len(prefix):]
    return None, model_id


def model_statements(acct: AccountContext, model_id: str) -> list[Statement]:
    scope, base = split_model_id(model_id)
    if scope is None:
        return [allow(STREAM_ACTIONS, [acct.arn("bedrock", f"foundation-model/{base}", account=False)],
                      sid="AnswerModel")]
    profile_arn = acct.arn("bedrock", f"inference-profile/{model_id}")
    routed = [f"arn:{acct.partition}:bedrock:*::foundation-model/{base}"]
    if scope == "global":
        routed.append(f"arn:{acct.partition}:bedrock:::foundation-model/{base}")
    return [
        allow(STREAM_ACTIONS, [profile_arn], sid="AnswerProfile"),
        allow(STREAM_ACTIONS, routed, sid="AnswerModelViaProfile",
              condition={"StringEquals": {"bedrock:InferenceProfileArn": profile_arn}}),
    ]
