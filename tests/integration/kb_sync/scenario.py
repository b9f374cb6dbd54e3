"""A small help centre in the Drive double, and request counting, shared by the S3 scenario tests."""

from __future__ import annotations

from collections import Counter

from .world import World

PDF = b"%PDF-1.7\n% a small pdf\n%%EOF"


def drive_calls(world: World) -> Counter[str]:
    return Counter(world.drive.calls)


def calls_since(world: World, before: Counter[str]) -> Counter[str]:
    after = Counter(world.drive.calls)
    after.subtract(before)
    return +after


def help_centre(world: World) -> dict[str, str]:
    d = world.drive
    shipping = d.add_folder("shipping", world.root)
    returns = d.add_folder("returns", world.root)
    return {
        "rates": d.add_doc("Rates", shipping, "# Rates\n\nStandard shipping costs $5."),
        "policy": d.add_doc("Return policy", returns, "# Return policy\n\nReturn within 30 days."),
        "warranty": d.add_file("Warranty.pdf", returns, "application/pdf", PDF),
        "logo": d.add_file("logo.png", world.root, "image/png", b"\x89PNG"),
        "shipping": shipping,
        "returns": returns,
    }
