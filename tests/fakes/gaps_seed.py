"""A seeded week of gaps with known clusters, shared by the report, handler and CLI tests."""

from __future__ import annotations

from assistant_core.answering.ports import GapRecord

WEEK = "2026-W47"  # Monday 16 – Sunday 22 November 2026
SHIP = {"id": "p1", "title": "Shipping rates", "source": "shipping/rates.md", "score": 0.22}
DELIVERY = {"id": "p2", "title": "Delivery times", "source": "shipping/delivery-times.md", "score": 0.18}
SUBS = {"id": "p1", "title": "Managing your subscription", "source": "subscription/manage.md", "score": 0.41}
PRICES = {"id": "p1", "title": "Prices and offers", "source": "payments/prices.md", "score": 0.12}

# (day of month, question, page, tool, reason, closest)
_ROWS = [
    (
        16,
        "Do you ship to Norway?",
        "https://shop.example/shipping?ref=mail",
        "decline",
        "not_in_knowledge",
        [SHIP, DELIVERY],
    ),
    (16, "How do I cancel my subscription?", "https://shop.example/account", "answer", "low_confidence", [SUBS]),
    (
        17,
        "do you ship to norway",
        "https://shop.example/shipping",
        "decline",
        "not_in_knowledge",
        [{**DELIVERY, "score": 0.25}, SHIP],
    ),
    (17, "Is there a student discount?", "https://shop.example/", "decline", "not_in_knowledge", [PRICES]),
    (17, "Do you ship to Sweden?", "https://shop.example/shipping", "decline", "not_in_knowledge", [SHIP]),
    (18, "Can you ship my order to Norway?", "https://shop.example/", "clarify", "clarify", [SHIP]),
    (18, "cancel subscriptions", "https://shop.example/account#plans", "hand_off", "out_of_knowledge", [SUBS]),
    (18, "Can I cancel my order?", "https://shop.example/orders", "clarify", "clarify", []),
    (19, "Student discounts?", "https://shop.example/", "decline", "not_in_knowledge", [PRICES]),
    (
        19,
        "Shipping to Norway??",
        "https://shop.example/shipping",
        "decline",
        "not_in_knowledge",
        [{**SHIP, "score": 0.27}],
    ),
    (
        20,
        "How can I cancel my subscription plan?",
        "https://shop.example/account",
        "hand_off",
        "downgrade:invalid_citation",
        [SUBS],
    ),
    (
        20,
        "What is your student discount code for teachers?",
        "https://shop.example/",
        "decline",
        "not_in_knowledge",
        [PRICES],
    ),
    (21, "Do you ship to Norway?", "https://shop.example/shipping", "decline", "not_in_knowledge", [SHIP]),
    (
        21,
        "Do you offer discounts for students?",
        "https://shop.example/students",
        "decline",
        "not_in_knowledge",
        [PRICES],
    ),
    (22, "What's the weather like?", "https://shop.example/", "decline", "off_topic", []),
]

# Expected groups, ranked: count desc, then most recently asked, then text.
EXPECTED = [
    ("Do you ship to Norway?", 5),
    ("Is there a student discount?", 3),  # last asked on the 21st
    ("How do I cancel my subscription?", 3),  # last asked on the 20th
    ("What's the weather like?", 1),
    ("What is your student discount code for teachers?", 1),  # 2/4 shared with "student discount": below 0.65
    ("Can I cancel my order?", 1),
    ("Do you ship to Sweden?", 1),
]


def seeded_week() -> list[GapRecord]:
    return [
        GapRecord(WEEK, f"2026-11-{day}T10:{i:02d}:00.000Z", f"t{i}", f"s{i}", q, page, tool, reason, closest)
        for i, (day, q, page, tool, reason, closest) in enumerate(_ROWS)
    ]
