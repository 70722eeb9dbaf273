"""Principals find in-house experts; earners who did not opt in appear nowhere by name."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import yaml
from cairn.people import slug_for
from conftest import REPO, run_cli

TODAY = dt.date.today()


def earners() -> list[dict]:
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((REPO / "earners").glob("[!_]*.yml"))]


def specs() -> dict[str, dict]:
    return {
        # Milestones too (catalog/_milestones/): earners hold them, and one has a topic.
        p.stem: yaml.safe_load(p.read_text(encoding="utf-8").split("---")[1])
        for p in (REPO / "catalog").glob("*/*.md")
    }


def shown(earner: dict) -> list[dict]:
    return [a for a in earner["awards"] if "revoked" not in a and a.get("public", True)]


def spellings(text: str) -> set[str]:
    """Every way a name could be written into a file: plain, HTML-escaped, JSON-escaped, URL-encoded, as a slug."""
    return {
        text,
        html.escape(text),
        html.escape(text, quote=False),
        json.dumps(text)[1:-1],
        json.dumps(text, ensure_ascii=False)[1:-1],
        quote(text),
        quote(text).replace("%20", "+"),
        f"/{slug_for(text)}/",
    }


def test_no_private_earner_name_and_no_email_appears_anywhere_in_the_site(sample_site: Path) -> None:
    private = [e for e in earners() if not e.get("public")]
    assert len(private) >= 5
    needles = {s.lower() for e in private for s in spellings(e["name"])}
    needles |= {e["email"].lower() for e in earners()}
    files = [f for f in sample_site.rglob("*") if f.is_file()]
    assert any(f.name == "search_index.json" for f in files) and any(f.name == "sitemap.xml" for f in files)
    for file in files:
        text = file.read_bytes().decode("utf-8", errors="ignore").lower()
        found = [n for n in needles if n in text]
        assert not found, (file, found)


def test_every_public_earner_has_a_profile_and_no_one_else_does(sample_site: Path) -> None:
    public = {e["slug"] for e in earners() if e.get("public")}
    assert len(public) >= 15
    aliases = {a for e in earners() for a in e.get("aliases", [])}
    assert {p.name for p in (sample_site / "earners").iterdir()} == public | aliases
    for alias in aliases:  # old slugs only redirect
        assert 'http-equiv="refresh"' in (sample_site / "earners" / alias / "index.html").read_text(encoding="utf-8")


def test_a_profile_shows_current_and_expired_badges_but_not_revoked_or_hidden_ones(sample_site: Path) -> None:
    catalog = specs()
    for earner in earners():
        if not earner.get("public"):
            continue
        page = (sample_site / "earners" / earner["slug"] / "index.html").read_text(encoding="utf-8")
        assert html.unescape(re.search(r"<h1>(.*?)</h1>", page).group(1)) == earner["name"]
        for award in earner["awards"]:
            if award in shown(earner):
                start = page.find(f'<li class="cairn-badge" id="badge-{award["id"]}">')
                assert start >= 0, (earner["slug"], award["credential"])
                end = page.find('<li class="cairn-badge"', start + 1)
                text = page[
                    start : end if end > 0 else page.index('id="__footer"' if 'id="__footer"' in page else "</body>")
                ]
                assert f"Issued {award['issued']}" in text
                expires = award.get("expires")
                if expires is None and catalog[award["credential"]].get("expires_after"):
                    continue
                if expires is not None and expires <= TODAY:
                    assert f"Expired {expires}" in text
                else:
                    assert "Current" in text
            else:
                assert award["id"] not in page, (earner["slug"], award["credential"])
    assert any(not a.get("public", True) for e in earners() if e.get("public") for a in e["awards"]), (
        "sample needs a hidden award"
    )


def stack_orders() -> dict[str, list[str]]:
    catalog = specs()
    orders = {}
    for folder in (REPO / "catalog").iterdir():
        if folder.is_dir() and not folder.name.startswith("_"):  # _milestones/ is no stack
            order = yaml.safe_load((folder / "_stack.yml").read_text(encoding="utf-8"))["credentials"]
            orders[folder.name] = [c for c in order if catalog[c].get("status", "active") == "active"]
    return orders


def test_stack_progress_counts_held_credentials_and_marks_complete_stacks(sample_site: Path) -> None:
    complete_seen = False
    for earner in earners():
        if not earner.get("public"):
            continue
        page = (sample_site / "earners" / earner["slug"] / "index.html").read_text(encoding="utf-8")
        held = {a["credential"] for a in shown(earner)}
        for stack, order in stack_orders().items():
            count = len(held & set(order))
            marker = f'data-held="{count}" data-total="{len(order)}">{count} of {len(order)}</span>'
            if count:
                assert f"stacks/{stack}/" in page and marker in page, (earner["slug"], stack)
                item = page[page.index(marker) : page.index("</li>", page.index(marker))]
                assert ("Stack complete" in item) == (count == len(order))
                complete_seen |= count == len(order)
    assert complete_seen, "the sample should have a completed stack"


def experts_expected(topic: str) -> dict[str, set[str]]:
    """school -> slugs of public earners showing an award of a credential on the topic."""
    catalog = specs()
    result: dict[str, set[str]] = {}
    for earner in earners():
        if earner.get("public") and any(topic in catalog[a["credential"]].get("topics", []) for a in shown(earner)):
            result.setdefault(earner.get("school", ""), set()).add(earner["slug"])
    return result


def test_the_expert_directory_lists_holders_by_topic_and_school_and_shows_gaps(sample_site: Path) -> None:
    page = (sample_site / "experts" / "index.html").read_text(encoding="utf-8")
    topics = yaml.safe_load((REPO / "catalog" / "_topics.yml").read_text(encoding="utf-8"))
    for topic in topics:
        start = page.index(f'data-topic="{topic}"')
        end = page.find('<section class="cairn-topic-experts"', start)
        section = page[start : end if end > 0 else len(page)]
        expected = experts_expected(topic)
        groups = re.findall(r'data-school="([^"]*)">(.*?)</ol>', section, re.S)
        found = {school: set(re.findall(r'data-earner="([^"]+)"', body)) for school, body in groups}
        assert found == expected, topic
        if not expected:
            assert "A gap" in section


def test_topic_and_credential_pages_say_who_holds_them(sample_site: Path) -> None:
    catalog = specs()
    for cid, spec in catalog.items():
        if spec.get("status", "active") == "draft":
            continue
        page = (sample_site / "credentials" / cid / "index.html").read_text(encoding="utf-8")
        section = page[page.index('id="who-holds-this"') :]
        holders = {e["slug"] for e in earners() if e.get("public") and any(a["credential"] == cid for a in shown(e))}
        assert set(re.findall(r'href="../../earners/([^/]+)/"', section)) == holders, cid
    page = (sample_site / "topics" / "sel" / "index.html").read_text(encoding="utf-8")
    listed = set(re.findall(r'href="../../earners/([^/]+)/"', page[page.index('id="who-holds-this"') :]))
    assert listed == set().union(*experts_expected("sel").values())


def test_a_school_page_lists_its_experts_and_the_topics_it_lacks(sample_site: Path) -> None:
    catalog = specs()
    offered = {t for s in catalog.values() if s.get("status", "active") == "active" for t in s.get("topics", [])}
    topics = yaml.safe_load((REPO / "catalog" / "_topics.yml").read_text(encoding="utf-8"))
    for school in yaml.safe_load((REPO / "earners" / "_schools.yml").read_text(encoding="utf-8")):
        page = (sample_site / "schools" / school / "index.html").read_text(encoding="utf-8")
        covered = {t for t in offered if school in experts_expected(t)}
        lacking_part = page[page.index('id="lacking"') :]
        for topic in offered:
            assert (f'href="../../topics/{topic}/"' in lacking_part) == (topic not in covered), (school, topic)
        assert html.escape(topics[next(iter(offered))]["label"], quote=False) in page


def test_feeds_carry_a_version_and_only_public_people(sample_site: Path) -> None:
    credentials = json.loads((sample_site / "api" / "credentials.json").read_text(encoding="utf-8"))
    experts = json.loads((sample_site / "api" / "experts.json").read_text(encoding="utf-8"))
    assert credentials["version"] == 1 and experts["version"] == 1
    published = {cid for cid, s in specs().items() if s.get("status", "active") != "draft"}
    milestones = {cid for cid, s in specs().items() if s.get("kind") == "milestone"}
    assert {c["id"] for c in credentials["credentials"]} == published - milestones
    assert {m["id"] for m in credentials["milestones"]} == published & milestones
    first = credentials["credentials"][0]
    assert set(first) >= {
        "id",
        "title",
        "summary",
        "url",
        "image",
        "badge_class",
        "stack",
        "level",
        "topics",
        "estimated_hours",
        "status",
        "earners",
    }
    public = {e["name"] for e in earners() if e.get("public")}
    people = {x["name"] for t in experts["topics"] for x in t["experts"]}
    assert people and people <= public
    for topic in experts["topics"]:
        expected = set().union(*experts_expected(topic["id"]).values()) if experts_expected(topic["id"]) else set()
        assert {urlsplit(x["profile"]).path.strip("/").split("/")[-1] for x in topic["experts"]} == expected
        keys = [(-x["current"], -x["completed_stacks"], -x["expired"], x["name"].lower()) for x in topic["experts"]]
        assert keys == sorted(keys), topic["id"]


def test_search_finds_public_earners_by_name_and_school(sample_site: Path) -> None:
    index = json.loads((sample_site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    schools = yaml.safe_load((REPO / "earners" / "_schools.yml").read_text(encoding="utf-8"))
    for earner in earners():
        if earner.get("public"):
            entry = next(d for d in index if d["location"] == f"earners/{earner['slug']}/")
            assert html.unescape(entry["title"]) == earner["name"]
            assert schools[earner["school"]]["name"] in [html.unescape(t) for t in entry.get("tags", [])]
            assert schools[earner["school"]]["name"] in html.unescape(entry["text"])


def test_linkedin_links_carry_the_certification(sample_site: Path) -> None:
    earner = next(e for e in earners() if e.get("public") and shown(e))
    award = shown(earner)[0]
    page = (sample_site / "earners" / earner["slug"] / "index.html").read_text(encoding="utf-8")
    link = html.unescape(
        re.search(rf'badge-{award["id"]}".*?class="md-button cairn-linkedin" href="([^"]+)"', page, re.S).group(1)
    )
    params = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    assert link.startswith("https://www.linkedin.com/profile/add?")
    assert params["startTask"] == "CERTIFICATION_NAME" and params["name"] == specs()[award["credential"]]["title"]
    assert params["organizationName"] == "Maple Valley Unified School District"
    assert (params["issueYear"], params["issueMonth"]) == (str(award["issued"].year), str(award["issued"].month))
    assert params["certId"] == award["id"]
    assert params["certUrl"] == f"http://127.0.0.1:8000/earners/{earner['slug']}/#badge-{award['id']}"


def test_a_slug_survives_a_name_change_and_new_public_earners_get_unique_ones(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ana = project / "earners" / "ana-ruiz.yml"
    ana.write_text(ana.read_text(encoding="utf-8").replace("name: Ana Ruiz", "name: Ana Ruiz-Okafor"), encoding="utf-8")
    for name in ("twin-a", "twin-b"):
        (project / "earners" / f"{name}.yml").write_text(
            f"name: Ana Ruiz\nemail: {name}@example.org\npublic: true\nawards:\n  - credential: wait-time\n"
            "    issued: 2025-01-02\n",
            encoding="utf-8",
        )
    assert run_cli(project, "check") == 1
    assert "a public earner needs a slug" in capsys.readouterr().err
    assert run_cli(project, "ids") == 0
    slugs = sorted(yaml.safe_load((project / "earners" / f"{n}.yml").read_text())["slug"] for n in ("twin-a", "twin-b"))
    assert slugs == ["ana-ruiz-2", "ana-ruiz-3"]
    assert run_cli(project, "build") == 0
    assert "Ana Ruiz-Okafor" in (project / "site" / "earners" / "ana-ruiz" / "index.html").read_text(encoding="utf-8")
