"""A label's punctuation belongs to its translation (issue 21): French writes "Numéro de
TVA : FR..." with a no-break space, other languages put other words around a value. So no
template adds a colon after a translated label, and no template glues text to a translated
label with ``~``; the label and its value go into one message with a placeholder
(``_("VAT number: %(number)s", number=...)``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
GETTEXT = r"(?:_|gettext|pgettext|ngettext|npgettext)\("
#: Markup that may stand between a label and its colon (``<strong>Label</strong>:``).
TAGS = r"(?:\s|</?[a-zA-Z][^<>]*>)*"
PATTERNS = {
    # {{ _("VAT number") }}: ...  and  {{ _("Remarks") }}</strong>: ...
    "colon after a translated label": re.compile(
        r"\{\{-?\s*" + GETTEXT + r"[^{}]*?-?\}\}" + TAGS + r":(?!//)"
    ),
    # {% trans %}Label{% endtrans %}: ...
    "colon after a translated block": re.compile(r"\{%-?\s*endtrans\s*-?%\}" + TAGS + r":(?!//)"),
    # {{ labels[x] }}: {{ value }}  (a translated label from a table, glued to a value)
    "colon between two values": re.compile(r"\}\}" + TAGS + r":\s*\{\{"),
    # _("Discount") ~ " (%)"
    "concatenation after a translated label": re.compile(
        GETTEXT + r"(?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)\s*~"
    ),
    # "..." ~ _("...")
    "concatenation before a translated label": re.compile(r"~\s*" + GETTEXT),
}


def problems_in(text: str) -> list[tuple[int, str, str]]:
    found = []
    for what, pattern in PATTERNS.items():
        for match in pattern.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append((line, what, match.group(0)[:80]))
    return found


def _templates() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*") if p.suffix in (".html", ".txt"))


def test_no_template_adds_a_colon_or_glues_text_to_a_translated_label():
    problems = [
        f"templates/{path.relative_to(TEMPLATES)}:{line}: {what}: {snippet!r}"
        for path in _templates()
        for line, what, snippet in problems_in(path.read_text(encoding="utf-8"))
    ]
    assert not problems, "put the punctuation inside the message:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    "bad",
    [
        '<p>{{ _("VAT number") }}: {{ vat }}</p>',
        '<strong>{{ _("Internal remarks") }}</strong>: {{ remarks }}',
        "{{ _('Priority') -}}\n: high",
        "{% trans %}Priority{% endtrans %}: {{ p }}",
        'aria-label="{{ area_names[area] }}: {{ capability_names[cap] }}"',
        '{{ cell(row.discount, _("Discount") ~ " (%)") }}',
        '{{ pgettext("invoice", "Paid") ~ ":" }}',
        '{{ "Total " ~ _("net") }}',
    ],
)
def test_the_check_finds_each_kind_of_problem(bad):
    assert problems_in(bad), bad


@pytest.mark.parametrize(
    "good",
    [
        '<p>{{ _("VAT number: %(number)s", number=vat) }}</p>',
        '<a href="https://example.com">{{ _("Home") }}</a>',
        "{% set name = area ~ '.' ~ cap %}",
        '{{ _("Hello %(name)s,", name=n) }}',
        '<td>{{ _("Time") }}</td><td>12:30</td>',
    ],
)
def test_the_check_leaves_correct_templates_alone(good):
    assert not problems_in(good), good
