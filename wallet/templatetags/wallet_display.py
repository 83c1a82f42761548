"""`{% load wallet_display %}`: the words of wallet.display for templates.

- `{{ value|achievement_type_label }}`, `{{ value|result_type_label }}`, `{{ value|kind_label }}`;
- `{{ issuer_name|name_or_nothing|default:"…" }}`: a name, never a bare DID or URN;
- `{{ result|check_lines }}`, `{{ result|verdict_reasons }}`, `{{ result|verdict_reason }}` for a
  verification (a VerificationResult or its dict);
- `{{ document|badge_image }}`: the image of a credential document (already an allowed `src`, or "").
"""

from django import template

from wallet import display

register = template.Library()

register.filter("achievement_type_label", display.achievement_type_label)
register.filter("result_type_label", display.result_type_label)
register.filter("kind_label", display.kind_label)
register.filter("name_or_nothing", display.name_or_nothing)
register.filter("check_lines", display.check_lines)
register.filter("verdict_reasons", display.verdict_reasons)
register.filter("verdict_reason", display.verdict_reason)


@register.filter
def badge_image(document) -> str:
    return display.credential_view(document).image
