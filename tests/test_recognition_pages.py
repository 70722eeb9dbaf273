"""A teacher reads what a credential counts for (pay, CEUs, points) on the catalog and on its
page, and narrows and orders the catalog by it; a visitor opens a milestone's page from a badge,
a stack or search; a public profile shows the points and CEUs the district publishes, the
milestones reached and the next one, and never what anyone is paid.

Every expectation is computed from the sample's records (catalog/_recognition.yml, the specs,
catalog/_milestones/, earners/*.yml) through cairn.recognition on the loaded district; no
amount is written down here. Browser tests drive Debian's Chromium (tests/browser_support.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import json
import os
import re
import time
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from browser_support import TIMEOUT_MS, axe_violations, describe_violations
from cairn import recognition
from cairn.model import Completion, Credential, District, Earner, Scheme, Threshold
from cairn.settings import build_day
from cairn.sources.load import Sources, load_district
from conftest import REPO, run_cli

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}
SIGNS = {"USD": "$", "EUR": "€", "GBP": "£"}  # how the pages write a currency before its figure


# --------------------------------------------------------------------------- the sample's records


@pytest.fixture(scope="module")
def district() -> District:
    """The sample district as the build loads it, on the build's day (the sample is in UTC)."""
    loaded, problems = load_district(Sources(REPO / "catalog", REPO / "earners", REPO), today())
    assert not problems.errors, [str(p) for p in problems.errors]
    assert loaded.schemes and loaded.milestone_rules, "the sample should count its credentials for something"
    return loaded


def today() -> dt.date:
    return build_day("UTC", os.environ)


def money(scheme: Scheme, amount: Decimal) -> str:
    """What a reader sees of an amount: '$400.00', '1.5 CEU', '50 points'."""
    sign = SIGNS.get(scheme.unit) if scheme.kind == "money" else None
    return f"{sign}{scheme.figure(amount)}" if sign else scheme.describe(amount)


def line_of_amounts(district: District, credential: Credential) -> str:
    """The catalog card's "Counts for": each amount; money, whose unit alone does not say what it
    pays for, followed by its label, as in "1 CEU · 25 points · $200.00 base-pay increase"."""
    parts = []
    for amount in recognition.counts_for(district, credential, "catalog"):
        text = money(amount.scheme, amount.amount)
        label = amount.scheme.label
        parts.append(f"{text} {label[0].lower()}{label[1:]}" if amount.scheme.kind == "money" else text)
    return " · ".join(parts)


def page_path(credential_id: str) -> str:
    return f"credentials/{credential_id}/"


def public_earners(district: District) -> list[Earner]:
    return [e for e in district.earners if e.public and e.slug]


def as_shown(earner: Earner) -> Earner:
    """The earner as their profile shows them: without the awards they hid (`public: false`)."""
    return dataclasses.replace(earner, awards=tuple(a for a in earner.awards if a.public))


def milestone_awards(district: District, earner: Earner) -> list[tuple[str, dt.date]]:
    """(title, issued) of the milestones a profile shows: recorded, not revoked, not hidden."""
    found = [
        (district.credentials[a.credential].title, a.issued)
        for a in earner.awards
        if district.credentials[a.credential].is_milestone and a.revoked is None and a.public
    ]
    return sorted(found, key=lambda m: (m[1], m[0]))


def rule_words(district: District, milestone_id: str) -> str:
    """The rule as the committee wrote it, in words: from _recognition.yml or the stack's _stack.yml."""
    rule = district.milestone_rules[milestone_id]
    if isinstance(rule, Threshold):
        scheme = district.schemes[rule.scheme]
        return f"Earned by reaching {scheme.figure(rule.at)} {scheme.label}."
    assert isinstance(rule, Completion)
    stack = district.stacks[rule.stack].title
    if rule.of is None:
        return f"Earned by holding every active credential of the {stack} stack, current on the same day."
    return f"Earned by holding any {rule.of} credentials of the {stack} stack, current on the same day."


def milestone_files() -> dict[str, dict]:
    """catalog/_milestones/<id>.md: id -> front matter and its Competency text."""
    found = {}
    for path in sorted((REPO / "catalog" / "_milestones").glob("*.md")):
        _, front, body = path.read_text(encoding="utf-8").split("---", 2)
        competency = body.split("## Competency", 1)[1].split("\n## ", 1)[0]
        found[path.stem] = {**yaml.safe_load(front), "competency": " ".join(competency.split())}
    return found


def text_of(page, selector: str) -> str:
    return " ".join(page.locator(selector).inner_text().split())


def visible_paths(page, base: str) -> list[str]:
    """The catalog's cards a reader sees, in the order shown: site paths of their credentials."""
    hrefs = page.locator("#cairn-cards > li.cairn-card:visible .cairn-card__title a").evaluate_all(
        "links => links.map(a => a.href)"
    )
    return [h[len(base) :] for h in hrefs]


def wait_for_paths(page, base: str, expected: list[str], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while (shown := visible_paths(page, base)) != expected and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert shown == expected, f"{what}:\n  shown    {shown}\n  expected {expected}"


def sideways(page) -> int:
    return page.evaluate("() => document.scrollingElement.scrollWidth - window.innerWidth")


# --------------------------------------------------------------------------- the catalog and a credential page


def test_every_catalog_card_says_what_its_credential_counts_for(page, served_site, district) -> None:  # noqa: ANN001
    page.goto(served_site + "credentials/")
    page.locator("#cairn-filters").wait_for(state="visible")
    expected = {page_path(c.id): line_of_amounts(district, c) for c in district.active}
    assert all(expected.values()), "every sample credential should count for something"
    cards = page.locator("#cairn-cards > li.cairn-card")
    shown = {}
    for index in range(cards.count()):
        card = cards.nth(index)
        path = card.locator(".cairn-card__title a").evaluate("a => a.href")[len(served_site) :]
        fact = card.locator("dt", has_text="Counts for").locator("xpath=following-sibling::dd")
        shown[path] = " ".join(fact.inner_text().split())
    assert shown == expected


def test_a_credential_page_names_each_scheme_and_its_amount(page, served_site, district) -> None:  # noqa: ANN001
    # The credential that counts for the most points: an advanced one, worth the most of everything.
    credential = max(district.active, key=lambda c: [a.amount for a in recognition.counts_for(district, c)])
    expected = [f"{a.scheme.label}: {money(a.scheme, a.amount)}" for a in recognition.counts_for(district, credential)]
    assert len(expected) == len(district.schemes) == 3, "the sample shows pay, CEUs and points on its catalog"
    page.goto(served_site + page_path(credential.id))
    shown = [" ".join(t.split()) for t in page.locator(".cairn-counts li").all_inner_texts()]
    assert shown == expected


def test_a_teacher_keeps_the_credentials_worth_the_most_points_then_orders_them_by_ceus(
    page, served_site, district
) -> None:  # noqa: ANN001
    points, ceu = district.schemes["points"], district.schemes["ceu"]
    offered = district.active

    def worth(credential: Credential, scheme: Scheme) -> Decimal:
        return next((a.amount for a in recognition.counts_for(district, credential) if a.scheme == scheme), Decimal(0))

    # The largest amount of points any credential earns: some credentials, not all, earn it.
    most = max(worth(c, points) for c in offered)
    kept = [c for c in offered if worth(c, points) >= most]
    assert 1 < len(kept) < len(offered), "the sample should have a few credentials worth the most points"
    in_order = [page_path(c.id) for c in offered]

    page.goto(served_site + "credentials/")
    page.locator("#cairn-filters").wait_for(state="visible")
    wait_for_paths(page, served_site, in_order, "on arrival, every credential in stack order")
    page.get_by_label(points.label).select_option(label=f"{points.describe(most)} or more")
    wait_for_paths(page, served_site, [page_path(c.id) for c in kept], f"at least {points.describe(most)}")
    assert page.locator("#cairn-count").inner_text() == f"Showing {len(kept)} of {len(offered)} credentials"

    page.get_by_label("Order").select_option(label=f"{ceu.label}, most first")
    by_ceu = sorted(kept, key=lambda c: -worth(c, ceu))  # a stable sort: equal CEUs stay in stack order
    assert [worth(c, ceu) for c in by_ceu] != [worth(c, ceu) for c in kept], "the sort should change the order"
    wait_for_paths(page, served_site, [page_path(c.id) for c in by_ceu], "the most CEUs first")

    # The view is a link: opened cold, it shows the same cards in the same order.
    query = dict(re.findall(r"([\w-]+)=([^&]+)", page.url.split("?", 1)[1]))
    assert query == {"min-points": format(most.normalize(), "f"), "sort": "ceu"}, page.url
    page.goto(page.url)
    page.locator("#cairn-filters").wait_for(state="visible")
    wait_for_paths(page, served_site, [page_path(c.id) for c in by_ceu], "the shared link, opened cold")

    page.get_by_role("button", name="Clear filters").click()
    wait_for_paths(page, served_site, in_order, "after Clear filters, every credential in stack order again")
    assert "?" not in page.url


def test_without_javascript_the_catalog_lists_every_credential_and_every_milestone(browser, served_site, district):  # noqa: ANN001
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(served_site + "credentials/?min-points=1000&sort=ceu")
        assert page.locator("#cairn-filters").is_hidden()
        assert visible_paths(page, served_site) == [page_path(c.id) for c in district.active]
        milestones = page.locator("#milestones + p + ul .cairn-card__title a").evaluate_all(
            "links => links.map(a => a.href)"
        )
        active = [c.id for c in district.credentials.values() if c.is_milestone and c.status == "active"]
        assert sorted(h[len(served_site) :] for h in milestones) == sorted(page_path(m) for m in active)
    finally:
        context.close()


# --------------------------------------------------------------------------- milestones


def test_each_milestone_has_a_page_with_its_rule_competency_and_public_holders(page, served_site, district) -> None:  # noqa: ANN001
    files = milestone_files()
    assert set(files) == {c.id for c in district.credentials.values() if c.is_milestone}
    for milestone_id, spec in files.items():
        response = page.goto(served_site + page_path(milestone_id))
        assert response is not None and response.status == 200, f"/{page_path(milestone_id)} is missing"
        assert page.locator("h1").first.inner_text() == spec["title"]
        assert text_of(page, ".cairn-lead") == " ".join(spec["summary"].split())
        assert text_of(page, ".cairn-rule") == rule_words(district, milestone_id)
        assert spec["competency"] in text_of(page, ".cairn-spec")
        assert page.get_by_role("img", name=f"Badge for {spec['title']}").is_visible()
        holders = sorted(
            f"{e.name}, {district.schools[e.school].name}" if e.school else e.name
            for e in public_earners(district)
            if any(a.credential == milestone_id and a.revoked is None and a.public for a in e.awards)
        )
        listed = sorted(" ".join(t.split()) for t in page.locator("#who-holds-this ~ ul li").all_inner_texts())
        assert listed == holders, milestone_id


def test_the_stack_and_the_stacks_list_show_the_stacks_completion_credential(page, served_site, district) -> None:  # noqa: ANN001
    completing = [s for s in district.stacks.values() if s.completion]
    assert completing, "the sample's Formative Assessment stack has a completion credential"
    for stack in completing:
        milestone = district.credentials[stack.completion.credential]
        page.goto(served_site + f"stacks/{stack.id}/")
        box = page.locator(".cairn-completion")
        assert box.get_by_role("link", name=milestone.title).is_visible()
        assert rule_words(district, milestone.id) in " ".join(box.inner_text().split())
        box.get_by_role("link", name=milestone.title).click()
        page.wait_for_url(served_site + page_path(milestone.id))

        page.goto(served_site + "stacks/")
        section = page.locator(f"section[aria-labelledby='stack-{stack.id}']")
        assert section.get_by_role("link", name=milestone.title).is_visible()
    for stack in (s for s in district.stacks.values() if not s.completion):
        page.goto(served_site + f"stacks/{stack.id}/")
        assert page.locator(".cairn-completion").count() == 0, stack.id


def test_search_finds_a_milestone_by_its_name_and_says_it_is_one(page, served_site, district) -> None:  # noqa: ANN001
    from test_search import search

    milestone = district.credentials["district-associate"]
    page.goto(served_site)
    results = search(page, served_site, milestone.title)
    assert results[0].path == page_path(milestone.id), [r.path for r in results]
    assert results[0].title == f"Milestone: {milestone.title}"
    assert rule_words(district, milestone.id) in html.unescape(results[0].snippet)


def test_a_profiles_badge_of_a_milestone_opens_its_page(page, served_site, district) -> None:  # noqa: ANN001
    earner = next(e for e in public_earners(district) if milestone_awards(district, e))
    title, _ = milestone_awards(district, earner)[0]
    page.goto(served_site + f"earners/{earner.slug}/")
    page.locator("#badges ~ ul .cairn-badge h3").get_by_role("link", name=title).click()
    assert page.locator("h1").first.inner_text() == title


# --------------------------------------------------------------------------- profiles


def standing_text(page) -> dict[str, list[str]]:
    """What a profile's "What these badges count for" says: totals, milestones reached and next."""

    def texts(selector: str) -> list[str]:
        return [" ".join(t.split()) for t in page.locator(selector).all_inner_texts()]

    pairs = zip(texts(".cairn-totals dt"), texts(".cairn-totals dd"), strict=True)
    return {
        "totals": [f"{label}: {value}" for label, value in pairs],
        "reached": texts(".cairn-reached li"),
        "toward": texts(".cairn-toward__text"),
    }


def expected_standing(district: District, earner: Earner) -> dict[str, list[str]]:
    shown = as_shown(earner)
    return {
        "totals": [
            f"{t.scheme.label}: {money(t.scheme, t.amount)}"
            for t in recognition.totals(district, shown, today(), "profile")
        ],
        "reached": [f"{title}, reached {issued.isoformat()}" for title, issued in milestone_awards(district, earner)],
        "toward": [toward(p) for p in recognition.next_milestones(district, shown, today(), "profile")],
    }


def toward(progress: recognition.Progress) -> str:
    """ "225 of 300 points toward District Bachelor"; a stack's completion counts current credentials."""
    if isinstance(progress.rule, Completion):
        return f"{progress.have} of {progress.need} current credentials toward {progress.milestone.title}"
    return str(progress)


def test_a_profile_shows_points_and_ceus_the_milestones_reached_and_the_next(page, served_site, district) -> None:  # noqa: ANN001
    # The public earner with the most to show: milestones reached, and the most still ahead.
    earner = max(
        public_earners(district),
        key=lambda e: (
            len(milestone_awards(district, e)),
            len(recognition.next_milestones(district, e, today(), "profile")),
            e.slug,
        ),
    )
    expected = expected_standing(district, earner)
    assert expected["reached"] and expected["toward"] and len(expected["totals"]) == 2, expected
    page.goto(served_site + f"earners/{earner.slug}/")
    assert page.get_by_role("heading", name="What these badges count for").is_visible()
    assert standing_text(page) == expected
    bars = page.locator(".cairn-toward progress")
    progress = recognition.next_milestones(district, as_shown(earner), today(), "profile")
    for index, step in enumerate(progress):
        bar = bars.nth(index)
        assert (Decimal(bar.get_attribute("value")), Decimal(bar.get_attribute("max"))) == (step.have, step.need)
        assert bar.get_attribute("aria-label") == toward(step)


def test_every_profile_says_what_its_shown_badges_count_for(page, served_site, district) -> None:  # noqa: ANN001
    for earner in public_earners(district):
        page.goto(served_site + f"earners/{earner.slug}/")
        assert standing_text(page) == expected_standing(district, earner), earner.slug


def test_an_award_the_earner_hid_does_not_show_through_their_totals(page, served_site, district) -> None:  # noqa: ANN001
    hiding = [e for e in public_earners(district) if any(not a.public and a.revoked is None for a in e.awards)]
    assert hiding, "the sample should have a public earner who hid an award"
    for earner in hiding:
        everything = recognition.totals(district, earner, today(), "profile")
        shown = recognition.totals(district, as_shown(earner), today(), "profile")
        assert everything != shown, "the hidden award should count for something"
        page.goto(served_site + f"earners/{earner.slug}/")
        totals = standing_text(page)["totals"]
        assert totals == [f"{t.scheme.label}: {money(t.scheme, t.amount)}" for t in shown], earner.slug


def test_no_profile_shows_any_money(sample_site: Path, district: District) -> None:
    """Whatever pay the district's catalog shows, no profile says what a person is paid: no currency,
    no pay scheme's name, no figure of the earner's pay total (HR's private report has it)."""
    paid = [s for s in district.schemes.values() if s.kind == "money"]
    assert paid and all(recognition.shown(s, "catalog") for s in paid), "the sample shows pay on its catalog"
    by_slug = {e.slug: e for e in public_earners(district)}
    pages = [sample_site / "earners" / slug / "index.html" for slug in by_slug]  # (old slugs only redirect)
    for path in pages:
        text = html.unescape(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")))
        earner = by_slug[path.parent.name]
        pay = [t for t in recognition.totals(district, earner, None, "private") if t.scheme.kind == "money"]
        assert any(t.amount for t in pay), f"{earner.slug} should have earned some pay, privately"
        found = [s.label for s in paid if s.label.lower() in text.lower()]
        found += [s.unit for s in paid if re.search(rf"\b{re.escape(s.unit)}\b", text)]
        found += re.findall(r"[$€£]\s?\d[\d,]*(?:\.\d+)?", text)
        found += [t.scheme.figure(t.amount) for t in pay if t.scheme.figure(t.amount) in text]
        assert not found, f"/{path.relative_to(sample_site)} shows money: {found}"


# --------------------------------------------------------------------------- the feed


def test_the_credentials_feed_carries_what_each_credential_counts_for_and_the_milestones(
    sample_site: Path, district: District
) -> None:
    feed = json.loads((sample_site / "api" / "credentials.json").read_text(encoding="utf-8"))
    assert feed["version"] == 1, "adding fields is not a new version (docs/api.md)"
    shown = recognition.schemes_shown(district, "catalog")
    assert [s["id"] for s in feed["schemes"]] == [s.id for s in shown]
    for entry in feed["credentials"]:
        credential = district.credentials[entry["id"]]
        assert entry["kind"] == "micro-credential" and entry["stack"]["id"] == credential.stack
        expected = {
            a.scheme.id: Decimal(str(a.amount)) for a in recognition.counts_for(district, credential, "catalog")
        }
        assert {k: Decimal(str(v)) for k, v in entry["counts_for"].items()} == expected, entry["id"]
    published = [c for c in district.credentials.values() if c.is_milestone and c.published]
    assert sorted(m["id"] for m in feed["milestones"]) == sorted(c.id for c in published)
    for entry in feed["milestones"]:
        assert entry["kind"] == "milestone" and entry["rule_text"] == rule_words(district, entry["id"])
        rule = district.milestone_rules[entry["id"]]
        if isinstance(rule, Threshold):
            assert entry["rule"] == {"type": "threshold", "scheme": rule.scheme, "at": int(rule.at)}
        else:
            assert entry["rule"] == {"type": "completion", "stack": rule.stack, "of": rule.of or "all"}


# --------------------------------------------------------------------------- a credential's own amounts


def test_a_credentials_own_amount_is_what_its_page_and_card_say(project: Path) -> None:
    """The committee gives Wait Time 2.5 CEUs in its front matter, whatever its hours say."""
    spec = project / "catalog" / "formative-assessment" / "wait-time.md"
    text = spec.read_text(encoding="utf-8")
    spec.write_text(text.replace("\nlevel:", "\nrecognition: {ceu: 2.5}\nlevel:", 1), encoding="utf-8")
    assert run_cli(project, "build") == 0
    page = (project / "site" / "credentials" / "wait-time" / "index.html").read_text(encoding="utf-8")
    assert "Continuing education units: <strong>2.5 CEU</strong>" in page
    catalog = (project / "site" / "credentials" / "index.html").read_text(encoding="utf-8")
    card = catalog.split('href="wait-time/"', 1)[1].split("</li>", 1)[0]
    assert "2.5 CEU ·" in card and 'data-amount-ceu="2.5"' in catalog


# --------------------------------------------------------------------------- new and changed pages: desk and phone


def recognition_pages(district: District) -> list[str]:
    slug = max(public_earners(district), key=lambda e: (len(milestone_awards(district, e)), e.slug)).slug
    pages = ["credentials/", "stacks/", f"earners/{slug}/", page_path(district.active[-1].id)]
    pages += [f"stacks/{s.id}/" for s in district.stacks.values() if s.completion]
    pages += [page_path(c.id) for c in district.credentials.values() if c.is_milestone and c.published]
    return pages


@pytest.mark.parametrize("screen", ["desk", "phone"])
def test_the_recognition_pages_pass_axe_and_fit_a_phone(page, served_site, district, screen) -> None:  # noqa: ANN001
    page.set_viewport_size(PHONE if screen == "phone" else DESK)
    reports, too_wide = [], []
    for path in recognition_pages(district):
        response = page.goto(served_site + path)
        assert response is not None and response.status == 200, f"/{path}"
        page.wait_for_load_state("load")
        if path == "credentials/":
            page.locator("#cairn-filters").wait_for(state="visible")
        if sideways(page) > 0:
            too_wide.append(f"/{path}: {sideways(page)} px too wide")
        violations = axe_violations(page)
        if violations:
            reports.append(describe_violations(path, violations))
    assert not too_wide, f"on a {screen}, these pages scroll sideways:\n  " + "\n  ".join(too_wide)
    assert not reports, f"axe-core found WCAG 2.1 A/AA violations on a {screen}:\n" + "\n".join(reports)
