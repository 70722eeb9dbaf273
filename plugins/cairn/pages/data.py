"""Which pages a district's site has, and the data each page's template is given.

Pure data: no MkDocs, no HTML. The MkDocs plugin turns each PageSpec into a generated
page rendered by the theme's template of the same name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup, escape

from cairn.model import LEVELS, Credential, District, Stack, Topic
from cairn.people import Badge, Profile, TopicExperts, holders_by_credential
from cairn.urls import PATHS, Urls, file_of, source_of

HOURS_BUCKETS = (
    ("up-to-5", "Up to 5 hours", 0, 5),
    ("6-10", "6 to 10 hours", 5, 10),
    ("11-20", "11 to 20 hours", 10, 20),
    ("over-20", "Over 20 hours", 20, float("inf")),
)


# Site-relative paths pipeline/stages.py asks for by these names; the scheme is urls.py's.
badge_path = PATHS.badge_image
profile_url = PATHS.earner


def preview(image_url: str, alt: str, wide: bool = True) -> dict[str, Any]:
    """What link previews (Open Graph, Twitter) show: an absolute image URL and its description."""
    return {"image": image_url, "alt": alt, "wide": wide}


@dataclass(frozen=True)
class Standalone:
    """A page outside MkDocs' pipeline (no site chrome): rendered from a template, written as is."""

    path: str
    template: str
    context: dict[str, Any]


def standalone_pages(district: District, people: list[Profile], sharing: Sharing) -> list[Standalone]:
    """Embeddable cards for other sites' iframes, and redirects from old URLs to new ones."""
    result = []
    for credential in district.published:
        result.append(
            Standalone(
                file_of(PATHS.embed(credential.id)),
                "embed-card.html",
                {
                    "credential": credential,
                    "stack_title": district.stacks[credential.stack].title,
                    "issuer_name": sharing.organisation_name,
                    "page_url": sharing.urls.credential(credential.id),
                    "image_url": sharing.urls.badge_image(credential.id),
                },
            )
        )
        for alias in credential.aliases:
            result.append(
                _redirect(PATHS.credential(alias), PATHS.credential(credential.id), credential.title, sharing)
            )
    for profile in people:
        for alias in profile.earner.aliases:
            result.append(_redirect(PATHS.earner(alias), PATHS.earner(profile.slug), profile.earner.name, sharing))
    return result


def _redirect(old: str, new: str, title: str, sharing: Sharing) -> Standalone:
    # Relative, so the redirect works wherever the site is served; both are two folders deep.
    return Standalone(
        file_of(old),
        "redirect.html",
        {"target": f"../../{new}", "canonical": sharing.site_url + new, "title": title},
    )


@dataclass(frozen=True)
class Sharing:
    """What share links need: the site's address and the organisation LinkedIn should show."""

    site_url: str
    organisation_name: str
    linkedin_organisation_id: int | None = None

    @property
    def urls(self) -> Urls:
        """Absolute URLs under the site's address."""
        return Urls(self.site_url)


def badge_link(profile: Profile, badge: Badge, sharing: Sharing) -> str:
    """The public link to one badge: its place on the earner's profile."""
    return sharing.urls.profile_badge(profile.slug, badge.award.id or "")


def linkedin_url(profile: Profile, badge: Badge, sharing: Sharing) -> str:
    """LinkedIn's "add to profile" link for a certification, prefilled."""
    params: dict[str, Any] = {"startTask": "CERTIFICATION_NAME", "name": badge.credential.title}
    if sharing.linkedin_organisation_id is not None:
        params["organizationId"] = sharing.linkedin_organisation_id
    else:
        params["organizationName"] = sharing.organisation_name
    params.update(issueYear=badge.award.issued.year, issueMonth=badge.award.issued.month)
    if badge.expires:
        params.update(expirationYear=badge.expires.year, expirationMonth=badge.expires.month)
    params.update(certUrl=badge_link(profile, badge, sharing), certId=badge.award.id)
    return "https://www.linkedin.com/profile/add?" + urlencode(params)


def hours_bucket(hours: float) -> str:
    return next(key for key, _, low, high in HOURS_BUCKETS if low < hours <= high or (low == 0 and hours <= high))


@dataclass(frozen=True)
class Card:
    """What the catalog, stack and topic pages show of one credential."""

    credential: Credential
    stack: Stack
    topics: tuple[Topic, ...]
    earners: int
    url: str
    badge: str
    hours_bucket: str
    position: int  # 1-based place in its stack


@dataclass(frozen=True)
class PageSpec:
    src_uri: str
    template: str
    title: str
    description: str
    markdown: str = ""
    tags: tuple[str, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)


def cards(district: District) -> dict[str, Card]:
    result = {}
    for stack in district.stacks.values():
        for position, credential in enumerate(district.stack_credentials(stack.id), start=1):
            result[credential.id] = Card(
                credential=credential,
                stack=stack,
                topics=tuple(district.topics[t] for t in credential.topics),
                earners=district.earner_count(credential.id),
                url=PATHS.credential(credential.id),
                badge=PATHS.badge_image(credential.id),
                hours_bucket=hours_bucket(credential.estimated_hours),
                position=position,
            )
    return result


def site_pages(
    district: District, sharing: Sharing, people: list[Profile], by_topic: list[TopicExperts]
) -> list[PageSpec]:
    """Every generated page, in a stable order; `people` and `by_topic` come from people.py."""
    all_cards = cards(district)
    topic_experts = {entry.topic.id: entry for entry in by_topic}
    holders = holders_by_credential(people)
    active = [all_cards[c.id] for c in district.active]
    common = {"levels": LEVELS, "hours_buckets": HOURS_BUCKETS}
    pages = [
        PageSpec(
            source_of(PATHS.catalog()),
            "catalog.html",
            "Credentials",
            f"All {len(active)} micro-credentials the district offers, by stack, topic, level and hours.",
            data={
                **common,
                "cards": active,
                "stacks": list(district.stacks.values()),
                "topics": list(district.topics.values()),
            },
        ),
        PageSpec(
            source_of(PATHS.stacks()),
            "stacks.html",
            "Stacks",
            "Stacks of micro-credentials, each a path from first steps to expertise.",
            data={
                "stacks": [
                    (s, [all_cards[c.id] for c in district.stack_credentials(s.id)]) for s in district.stacks.values()
                ]
            },
        ),
        PageSpec(
            source_of(PATHS.topics()),
            "topics.html",
            "Topics",
            "Every topic in the district's catalog, with its credentials.",
            data={"topics": [(t, [c for c in active if t in c.topics]) for t in district.topics.values()]},
        ),
    ]
    for stack in district.stacks.values():
        stack_cards = [all_cards[c.id] for c in district.stack_credentials(stack.id)]
        pages.append(
            PageSpec(
                source_of(PATHS.stack(stack.id)),
                "stack.html",
                stack.title,
                _one_line(stack.description),
                data={
                    "stack": stack,
                    "cards": stack_cards,
                    "preview": preview(sharing.urls.share_image(stack_cards[0].credential.id), stack.title)
                    if stack_cards
                    else None,
                },
            )
        )
    for topic in district.topics.values():
        pages.append(
            PageSpec(
                source_of(PATHS.topic(topic.id)),
                "topic.html",
                topic.label,
                topic.description,
                data={
                    "topic": topic,
                    "cards": [c for c in active if topic in c.topics],
                    "experts": topic_experts[topic.id].experts,
                },
            )
        )
    for credential in district.in_stack_order():
        card = all_cards[credential.id]
        siblings = district.stack_credentials(credential.stack)
        index = siblings.index(credential)
        pages.append(
            PageSpec(
                source_of(PATHS.credential(credential.id)),
                "credential.html",
                credential.title,
                credential.summary,
                # Headings are written out in their canonical form ("key method" → "Key Method"), so
                # every page and search entry names the six sections alike.
                markdown="\n\n".join(f"## {s.title}\n\n{s.markdown}" for s in credential.sections) + "\n",
                tags=tuple(t.label for t in card.topics),
                data={
                    "card": card,
                    "previous": all_cards[siblings[index - 1].id] if index > 0 else None,
                    "next": all_cards[siblings[index + 1].id] if index + 1 < len(siblings) else None,
                    "stack_size": len(siblings),
                    "holders": holders.get(credential.id, []),
                    "share": {
                        "url": sharing.urls.credential(credential.id),
                        "embed_url": sharing.urls.embed(credential.id),
                        "image_url": sharing.urls.badge_image(credential.id),
                        "title": credential.title,
                        "qr_png": PATHS.credential_qr_png(credential.id),
                        "qr_svg": PATHS.credential_qr_svg(credential.id),
                    },
                    "preview": preview(sharing.urls.share_image(credential.id), f"{credential.title}: badge and title"),
                },
            )
        )
    pages += _people_pages(district, people, by_topic, sharing)
    pages.append(
        PageSpec(
            source_of(PATHS.verify()),
            "verify.html",
            "Verify a badge",
            "Check that a badge is authentic, current and not revoked, in your browser.",
            data={"site_url": sharing.site_url, "issuer_name": sharing.organisation_name},
        )
    )
    return pages


def _people_pages(
    district: District, people: list[Profile], by_topic: list[TopicExperts], sharing: Sharing
) -> list[PageSpec]:
    schools = list(district.schools.values())
    pages = [
        PageSpec(
            source_of(PATHS.experts()),
            "experts.html",
            "Experts",
            "Educators in the district who hold micro-credentials, by topic and school.",
            data={"by_topic": by_topic, "schools": schools, "topics": list(district.topics.values())},
        ),
        PageSpec(
            source_of(PATHS.schools()),
            "schools.html",
            "Schools",
            "The district's schools and the topics their educators hold credentials in.",
            data={"schools": [(s, sum(1 for p in people if p.earner.school == s.id)) for s in schools]},
        ),
    ]
    offered = [entry for entry in by_topic if entry.credentials]
    for school in schools:
        staff = [p for p in people if p.earner.school == school.id]
        covered = [(e.topic, list(e.at_school(school.id))) for e in offered]
        pages.append(
            PageSpec(
                source_of(PATHS.school(school.id)),
                "school.html",
                school.name,
                f"Educators at {school.name} who hold micro-credentials, and the topics they cover.",
                tags=(school.name,),
                data={
                    "school": school,
                    "profiles": staff,
                    "covered": [(topic, experts) for topic, experts in covered if experts],
                    "lacking": [topic for topic, experts in covered if not experts],
                },
            )
        )
    return pages


@dataclass(frozen=True)
class SearchEntry:
    """A search index entry, already escaped: Material's search inserts the title, text and
    tags of its results as HTML, so a name like "<img onerror=...>" must arrive as text.
    Markup is a str (it goes into JSON as the escaped text), and escaping it again is a no-op."""

    title: Markup
    text: Markup
    tags: tuple[Markup, ...]


def profile_search_entry(profile: Profile) -> SearchEntry:
    """What search finds a person by: name, role, school and topics."""
    school = profile.school.name if profile.school else ""
    text = ". ".join(filter(None, [profile.earner.role, school, ", ".join(t.label for t in profile.topics)]))
    tags = tuple(escape(tag) for tag in filter(None, [school, profile.earner.role]))
    return SearchEntry(escape(profile.earner.name), escape(text), tags)


def profile_page(profile: Profile, sharing: Sharing) -> PageSpec:
    """A public earner's page. Profiles are rendered outside MkDocs' page pipeline (see
    pipeline/stages.py): at 5,000 earners the pipeline's cost per page was most of a rebuild."""
    school = profile.school.name if profile.school else ""
    return PageSpec(
        source_of(PATHS.earner(profile.slug)),
        "profile.html",
        profile.earner.name,
        " ".join(filter(None, [profile.earner.role, school and f"at {school}"])) or "Micro-credentials held",
        tags=profile_search_entry(profile).tags,
        data={
            "preview": preview(
                sharing.urls.badge_image(profile.badges[0].credential.id),
                f"Badge: {profile.badges[0].credential.title}",
                wide=False,
            )
            if profile.badges
            else None,
            "profile": profile,
            "shares": {
                b.award.id: {
                    "link": badge_link(profile, b, sharing),
                    "linkedin": linkedin_url(profile, b, sharing),
                    "assertion": sharing.urls.assertion(b.award.id or ""),
                }
                for b in profile.badges
            },
        },
    )


def home_data(district: District) -> dict[str, Any]:
    active = district.active
    return {
        "stacks": [
            (s, [c for c in district.stack_credentials(s.id) if c.status == "active"]) for s in district.stacks.values()
        ],
        "credential_count": len(active),
        "topic_count": len(district.topics),
        # District-wide counts only: they name no one.
        "earner_count": sum(1 for e in district.earners if any(a.revoked is None for a in e.awards)),
        "award_count": sum(1 for e in district.earners for a in e.awards if a.revoked is None),
    }


def _one_line(text: str) -> str:
    return " ".join(text.split())
