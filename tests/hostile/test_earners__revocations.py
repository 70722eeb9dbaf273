"""The committee revokes awards and writes down why, in the earner files. The reason is the
committee's record about a person; the hosted assertion and the public revocation list are read
by anyone who has, or guesses, the link. A revoked assertion keeps only what Open Badges 2.0
asks of it, and no reason the committee wrote is published, whoever the earner is.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from conftest import REPO, run_cli

SITE_URL = "http://127.0.0.1:8000/"
MINIMAL = {"@context", "type", "id", "revoked", "revocationReason"}
PUBLIC_REASON = "withdrawn by the issuer (the reason is not published)"


def revoked_awards(earners: Path) -> list[tuple[dict, dict]]:
    found = []
    for path in sorted(earners.glob("[!_]*.yml")):
        earner = yaml.safe_load(path.read_text(encoding="utf-8"))
        found += [(earner, award) for award in earner["awards"] if "revoked" in award]
    return found


def private_words(earner: dict, award: dict) -> list[str]:
    """What of the earner and the committee's record must not be in a public file."""
    words = [earner["name"], earner["email"], *earner["name"].split()]
    evidence = award.get("evidence") or []
    for item in evidence if isinstance(evidence, list) else [evidence]:
        words += [v for v in (item.get("url"), item.get("narrative")) if v]
    words.append(" ".join(str(award["revoked"]["reason"]).split()))
    return words


def test_a_revoked_assertion_serves_only_what_open_badges_requires(sample_site: Path) -> None:
    revoked = revoked_awards(REPO / "earners")
    assert len(revoked) >= 2
    listing_text = (sample_site / "revocations.json").read_text(encoding="utf-8")
    listing = json.loads(listing_text)
    for earner, award in revoked:
        text = (sample_site / "assertions" / f"{award['id']}.json").read_text(encoding="utf-8")
        document = json.loads(text)
        assert set(document) == MINIMAL, sorted(document)  # no recipient, badge, evidence, narrative
        assert document["id"] == f"{SITE_URL}assertions/{award['id']}.json" and document["revoked"] is True
        assert document["revocationReason"] == f"Revoked on {award['revoked']['date']}: {PUBLIC_REASON}"
        for word in private_words(earner, award):
            assert word not in text, f"{word!r} is published in the revoked assertion {award['id']}"
            assert word not in listing_text, f"{word!r} is published in /revocations.json"
        entry = next(e for e in listing["revokedAssertions"] if e["id"] == document["id"])
        assert entry == {"id": document["id"], "revocationReason": document["revocationReason"]}


def test_a_public_earners_revocation_reason_is_not_published_either(project: Path, capsys) -> None:
    """Olivia opted in to a profile, not to a public record of why a badge was taken back. (Not
    Ana: her milestones count on the badge, so revoking it would be refused until they went too.)"""
    path = project / "earners" / "olivia-martin.yml"
    text = path.read_text(encoding="utf-8")
    reason = "Olivia Martin submitted a colleague's lesson video as her own."
    text = text.replace(
        "    expires: 2029-01-16\n",
        f"    expires: 2029-01-16\n    revoked:\n      date: 2026-06-01\n      reason: {reason}\n",
        1,
    )
    path.write_text(text, encoding="utf-8")
    assert run_cli(project, "build") == 0, capsys.readouterr().err

    site = project / "site"
    for published in site.rglob("*"):
        if published.is_file() and published.suffix in (".json", ".html", ".xml", ".txt", ".js"):
            content = published.read_text(encoding="utf-8", errors="replace")
            assert "a colleague's lesson video" not in content, published
            assert "portfolio/olivia/wait-time" not in content, published
    assertion = json.loads((site / "assertions" / "j7fxr56brmqynn7jpjxz5zuwly.json").read_text(encoding="utf-8"))
    assert set(assertion) == MINIMAL
    # The committee's own verify still says when, and that it is revoked.
    capsys.readouterr()
    assert run_cli(project, "verify", assertion["id"]) == 1
    assert capsys.readouterr().out.startswith(f"REVOKED: revoked on 2026-06-01: {PUBLIC_REASON}")
