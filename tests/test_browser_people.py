"""A principal asks "who at Lincoln holds an SEL credential?" and gets the answer in the browser."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import yaml
from browser_support import axe_violations, describe_violations
from conftest import REPO


def earners() -> list[dict]:
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((REPO / "earners").glob("[!_]*.yml"))]


def topics_of() -> dict[str, list[str]]:
    return {
        p.stem: yaml.safe_load(p.read_text(encoding="utf-8").split("---")[1]).get("topics", [])
        for p in (REPO / "catalog").glob("*/*.md")  # milestones too: earners hold them
    }


def holders(topic: str, school: str) -> set[str]:
    topics = topics_of()
    return {
        e["name"]
        for e in earners()
        if e.get("public")
        and e.get("school") == school
        and any(topic in topics[a["credential"]] for a in e["awards"] if "revoked" not in a and a.get("public", True))
    }


def visible_experts(tab) -> set[str]:  # noqa: ANN001
    return set(
        tab.eval_on_selector_all(
            ".cairn-expert",
            "items => items.filter(li => li.offsetParent !== null).map(li => li.querySelector('a').textContent)",
        )
    )


def test_a_principal_filters_experts_by_topic_and_school_and_opens_a_profile(page, served_site) -> None:  # noqa: ANN001
    expected = holders("sel", "lincoln-ms")
    assert len(expected) >= 2, "the sample should have several SEL holders at Lincoln"
    page.goto(served_site)
    page.get_by_role("link", name="Experts").first.click()
    page.get_by_label("Topic").select_option(label="Social-emotional learning")
    page.get_by_label("School").select_option(label="Lincoln Middle School")
    assert visible_experts(page) == expected
    assert parse_qs(urlsplit(page.url).query) == {"topic": ["sel"], "school": ["lincoln-ms"]}
    assert page.locator("#cairn-expert-count").inner_text() == f"{len(expected)} educators shown"
    private = {e["name"] for e in earners() if not e.get("public")}
    assert not private & set(page.locator("body").inner_text().split("\n"))

    # The shared link opens the same view from cold.
    page.goto(page.url)
    assert visible_experts(page) == expected

    # Open the first expert's profile: stack progress and the LinkedIn link.
    first = page.locator(".cairn-expert:visible a").first
    name = first.inner_text()
    first.click()
    assert page.locator("h1").inner_text() == name
    earner = next(e for e in earners() if e["name"] == name)
    shown = [a for a in earner["awards"] if "revoked" not in a and a.get("public", True)]
    for folder in (REPO / "catalog").iterdir():
        if not folder.is_dir() or folder.name.startswith("_"):  # _milestones/ is no stack
            continue
        specs = {p.stem: yaml.safe_load(p.read_text().split("---")[1]) for p in folder.glob("*.md")}
        active = [
            c
            for c in yaml.safe_load((folder / "_stack.yml").read_text())["credentials"]
            if specs[c].get("status", "active") == "active"
        ]
        held = len({a["credential"] for a in shown} & set(active))
        if held:
            item = page.locator(".cairn-progress li", has=page.locator(f'a[href$="stacks/{folder.name}/"]'))
            assert f"{held} of {len(active)}" in item.inner_text()
            assert ("Stack complete" in item.inner_text()) == (held == len(active))
    award = shown[0]
    badge = page.locator(f"#badge-{award['id']}")
    link = badge.locator("a.cairn-linkedin").get_attribute("href")
    params = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    assert params["certId"] == award["id"] and params["startTask"] == "CERTIFICATION_NAME"
    assert params["issueYear"] == str(award["issued"].year) and params["issueMonth"] == str(award["issued"].month)
    assert params["certUrl"].endswith(f"/earners/{earner['slug']}/#badge-{award['id']}")


def test_a_topic_without_a_holder_at_a_school_is_shown_as_a_gap(page, served_site) -> None:  # noqa: ANN001
    topics = yaml.safe_load((REPO / "catalog" / "_topics.yml").read_text(encoding="utf-8"))
    schools = yaml.safe_load((REPO / "earners" / "_schools.yml").read_text(encoding="utf-8"))
    topic, school = next(
        (t, s) for t in topics for s in schools if not holders(t, s) and any(holders(t, x) for x in schools)
    )
    page.goto(f"{served_site}experts/?topic={topic}&school={school}")
    assert visible_experts(page) == set()
    assert page.locator(f'section[data-topic="{topic}"] .cairn-gap--school').is_visible()


def test_people_pages_pass_axe(page, served_site) -> None:  # noqa: ANN001
    slug = next(e["slug"] for e in earners() if e.get("public"))
    reports = []
    for path in (
        "experts/",
        "experts/?topic=sel&school=lincoln-ms",
        f"earners/{slug}/",
        "schools/",
        "schools/lincoln-ms/",
    ):
        page.goto(served_site + path)
        violations = axe_violations(page)
        if violations:
            reports.append(describe_violations(path, violations))
    assert not reports, "\n".join(reports)
