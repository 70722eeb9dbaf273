"""Which pages a district's site has, and the data each page's template is given.

Pure data: no MkDocs, no HTML. The MkDocs plugin turns each PageSpec into a generated
page rendered by the theme's template of the same name.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup, escape

from cairn import recognition
from cairn.model import LEVELS, Award, Completion, Credential, District, Earner, Scheme, Stack, Topic
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
                    "stack_title": district.family(credential)[0],
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


# -- what credentials count for (recognition.py has the rules; this is how pages say them) ----

# How a money scheme's unit is written before its figure ("$400.00"); any other unit is written
# after it ("400.00 CHF").
CURRENCY_SIGNS = {"USD": "$", "EUR": "€", "GBP": "£"}
_FILTER_STEPS = 8  # a scheme's "at least" filter offers at most this many amounts


def _plain(amount: Decimal) -> str:
    """An amount as scripts read it: '1.5', '400', never '4E+2' or '1,250'."""
    return format(amount.normalize(), "f")


def amount_text(scheme: Scheme, amount: Decimal) -> str:
    """'1.5 CEU', '50 points', '$400.00'."""
    sign = CURRENCY_SIGNS.get(scheme.unit) if scheme.kind == "money" else None
    return f"{sign}{scheme.figure(amount)}" if sign else scheme.describe(amount)


def _in_sentence(label: str) -> str:
    """'Base-pay increase' as the middle of a sentence says it; 'CEU hours' stays as written."""
    return label if label[:2].isupper() else label[:1].lower() + label[1:]


@dataclass(frozen=True)
class Counted:
    """What a credential counts for in one scheme the catalog shows, as pages say it."""

    scheme: str  # the scheme's id
    label: str  # "Continuing education units"
    value: str  # the amount as a plain number, for the catalog's script: "1.5", "400"
    text: str  # "1.5 CEU", "$400.00"
    phrase: str  # in a line of several: "1.5 CEU"; where the unit alone is not enough to say what it
    # counts for (money; two schemes of one unit), with the label: "$400.00 base-pay increase"


def counted(district: District, credential: Credential) -> tuple[Counted, ...]:
    """What a credential counts for, in the schemes the catalog shows (file order, zeros left out)."""
    shown = recognition.schemes_shown(district, "catalog")
    units = [s.unit for s in shown]
    result = []
    for amount in recognition.counts_for(district, credential, "catalog"):
        scheme = amount.scheme
        text = amount_text(scheme, amount.amount)
        labelled = scheme.kind == "money" or units.count(scheme.unit) > 1
        phrase = f"{text} {_in_sentence(scheme.label)}" if labelled else text
        result.append(Counted(scheme.id, scheme.label, _plain(amount.amount), text, phrase))
    return tuple(result)


@dataclass(frozen=True)
class SchemeFilter:
    """The catalog's filter and sort for one scheme: "at least" one of the amounts it offers."""

    id: str
    label: str  # "District degree points"
    options: tuple[tuple[str, str], ...]  # (plain amount, "50 points or more"), smallest first
    sort_label: str  # "District degree points, most first"


def scheme_filters(district: District, offered: list[Card]) -> list[SchemeFilter]:
    """A filter for each scheme the catalog shows, over the amounts the credentials on offer earn
    (at most _FILTER_STEPS of them, spread from the smallest to the largest)."""
    result = []
    for scheme in recognition.schemes_shown(district, "catalog"):
        amounts = sorted({Decimal(c.value) for card in offered for c in card.counts if c.scheme == scheme.id})
        if not amounts:
            continue
        if len(amounts) > _FILTER_STEPS:
            last = len(amounts) - 1
            amounts = sorted({amounts[round(i * last / (_FILTER_STEPS - 1))] for i in range(_FILTER_STEPS)})
        options = tuple((_plain(a), f"{amount_text(scheme, a)} or more") for a in amounts)
        most = "highest" if scheme.kind == "money" else "most"
        result.append(SchemeFilter(scheme.id, scheme.label, options, f"{scheme.label}, {most} first"))
    return result


@dataclass(frozen=True)
class MilestoneCard:
    """What the catalog, a stack and a milestone's own page show of a milestone credential."""

    credential: Credential
    url: str
    badge: str
    rule: str  # "Earned by reaching 150 District degree points."
    stack: Stack | None  # the stack it completes, if it is a stack's completion credential
    earners: int
    counts: tuple[Counted, ...] = ()  # a milestone counts for what its own spec says, if anything


def milestone_cards(district: District) -> dict[str, MilestoneCard]:
    """Every published milestone: the thresholds in scheme order, then the stacks' completions in
    catalog order, then any other (a milestone with no rule yet, which check warns of)."""
    ordered = [t.credential for s in district.schemes.values() for t in s.milestones]
    ordered += [s.completion.credential for s in district.stacks.values() if s.completion]
    ordered += [c.id for c in district.credentials.values() if c.is_milestone]
    result = {}
    for credential_id in dict.fromkeys(ordered):
        credential = district.credentials.get(credential_id)
        if credential is None or not credential.published or not credential.is_milestone:
            continue
        rule = district.milestone_rules.get(credential_id)
        result[credential_id] = MilestoneCard(
            credential=credential,
            url=PATHS.credential(credential_id),
            badge=PATHS.badge_image(credential_id),
            rule=recognition.rule_sentence(district, credential_id)
            or "Awarded by the district's credential committee.",
            stack=district.stacks.get(rule.stack) if isinstance(rule, Completion) else None,
            earners=district.earner_count(credential_id),
            counts=counted(district, credential),
        )
    return result


def completion_of(stack: Stack, milestones: dict[str, MilestoneCard]) -> MilestoneCard | None:
    """The published milestone that completing the stack earns, if any."""
    return milestones.get(stack.completion.credential) if stack.completion else None


@dataclass(frozen=True)
class Total:
    """An earner's total in one scheme a profile shows: 'District degree points: 225 points'."""

    label: str
    text: str


@dataclass(frozen=True)
class Reached:
    """A milestone on a profile: its award, as the earner shows it."""

    title: str
    url: str
    issued: dt.date


@dataclass(frozen=True)
class Toward:
    """How far the earner is toward a milestone: '225 of 300 points toward District Bachelor'."""

    title: str
    url: str
    lead: str  # "225 of 300 points toward", which the title follows
    have: str  # plain numbers, for a <progress> bar
    need: str

    @property
    def text(self) -> str:
        return f"{self.lead} {self.title}"


@dataclass(frozen=True)
class Standing:
    """What a public profile shows of what its badges count for: the totals the district publishes
    on profiles (never money: recognition.shown), the milestones reached and the next ones."""

    totals: tuple[Total, ...]
    reached: tuple[Reached, ...]
    toward: tuple[Toward, ...]


def profile_standing(district: District, profile: Profile, today: dt.date) -> Standing | None:
    """A profile's Standing; None when the district counts nothing a profile may show and has no
    milestone. Counted from the awards the profile shows only: an award the earner hid (`public:
    false`) must not show through a total, a milestone or a distance to one."""
    if not recognition.schemes_shown(district, "profile") and not district.milestone_rules:
        return None
    shown = dataclasses.replace(profile.earner, awards=tuple(a for a in profile.earner.awards if a.public))
    totals = tuple(
        Total(t.scheme.label, amount_text(t.scheme, t.amount))
        for t in recognition.totals(district, shown, today, "profile")
    )
    reached = tuple(
        Reached(b.credential.title, PATHS.credential(b.credential.id), b.award.issued)
        for b in sorted(profile.badges, key=lambda b: (b.award.issued, b.credential.title))
        if b.credential.is_milestone
    )
    toward = tuple(
        Toward(p.milestone.title, PATHS.credential(p.milestone.id), _toward(p), _plain(p.have), _plain(p.need))
        for p in recognition.next_milestones(district, shown, today, "profile")
        if p.milestone.status == "active"
    )
    return Standing(totals, reached, toward)


def _toward(progress: recognition.Progress) -> str:
    """'225 of 300 points toward'; a stack's completion counts *current* credentials, which the
    profile's stack progress above it ("4 of 5", expired ones too) does not: it says so."""
    if isinstance(progress.rule, Completion):
        return f"{progress.have:,} of {progress.need:,} current credentials toward"
    return str(progress).removesuffix(progress.milestone.title).rstrip()


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
    counts: tuple[Counted, ...] = ()  # what it counts for, in the schemes the catalog shows


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
                counts=counted(district, credential),
            )
    return result


def site_pages(
    district: District, sharing: Sharing, people: list[Profile], by_topic: list[TopicExperts]
) -> list[PageSpec]:
    """Every generated page, in a stable order; `people` and `by_topic` come from people.py."""
    all_cards = cards(district)
    milestones = milestone_cards(district)
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
                "schemes": scheme_filters(district, active),
                # Listed apart: they are earned by a rule, not chosen and worked for like the others.
                "milestones": [m for m in milestones.values() if m.credential.status == "active"],
            },
        ),
        PageSpec(
            source_of(PATHS.stacks()),
            "stacks.html",
            "Stacks",
            "Stacks of micro-credentials, each a path from first steps to expertise.",
            data={
                "stacks": [
                    (s, [all_cards[c.id] for c in district.stack_credentials(s.id)], completion_of(s, milestones))
                    for s in district.stacks.values()
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
                    "completion": completion_of(stack, milestones),
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
        # Its place among the credentials that can be earned, and its neighbours on that path: a
        # retired credential is neither counted nor offered as the next one to earn.
        earnable = [c for c in siblings if c.status == "active"]
        before = [c for c in siblings[:index] if c.status == "active"]
        after = [c for c in siblings[index + 1 :] if c.status == "active"]
        pages.append(
            PageSpec(
                source_of(PATHS.credential(credential.id)),
                "credential.html",
                credential.title,
                credential.summary,
                markdown=credential_markdown(credential),
                tags=tuple(t.label for t in card.topics),
                data={
                    "card": card,
                    "previous": all_cards[before[-1].id] if before else None,
                    "next": all_cards[after[0].id] if after else None,
                    "place": earnable.index(credential) + 1 if credential in earnable else None,
                    "stack_size": len(earnable),
                    "completion": completion_of(card.stack, milestones),
                    "holders": holders.get(credential.id, []),
                    "share": _share(credential, sharing),
                    "preview": preview(sharing.urls.share_image(credential.id), f"{credential.title}: badge and title"),
                },
            )
        )
    # A milestone's page is at the address of every credential's: badges and profiles link to it.
    for milestone in milestones.values():
        credential = milestone.credential
        pages.append(
            PageSpec(
                source_of(PATHS.credential(credential.id)),
                "milestone.html",
                credential.title,
                credential.summary,
                markdown=credential_markdown(credential),
                tags=tuple(district.topics[t].label for t in credential.topics),
                data={
                    "milestone": milestone,
                    "topics": [district.topics[t] for t in credential.topics],
                    "holders": holders.get(credential.id, []),
                    "share": _share(credential, sharing),
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


def _share(credential: Credential, sharing: Sharing) -> dict[str, str]:
    """What "Link, embed or print" on a credential's page offers (partials/cairn-share.html)."""
    return {
        "url": sharing.urls.credential(credential.id),
        "embed_url": sharing.urls.embed(credential.id),
        "image_url": sharing.urls.badge_image(credential.id),
        "title": credential.title,
        "kind": "a milestone" if credential.is_milestone else "a micro-credential",  # the iframe's title
        "qr_png": PATHS.credential_qr_png(credential.id),
        "qr_svg": PATHS.credential_qr_svg(credential.id),
    }


def credential_markdown(credential: Credential) -> str:
    """A credential page's body: its sections under the headings the spec chose, in their accepted
    spelling ("key methods" → "Key Methods", "Part 2: Work Examples" → "Part 2. Work Examples /
    Artifacts"; see sources/spec.py ACCEPTED_HEADINGS), so pages and search entries name them alike."""
    shown = (f"## {s.title}\n\n{s.markdown}" if s.page is None else s.page for s in credential.sections)
    return "\n\n".join(part for part in shown if part) + "\n"


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
    Markup is a str (it goes into JSON as the escaped text), and escaping it again is a no-op.

    The text is what a result shows under its title (sentences, in paragraphs); the tags show
    as labels under it and weigh most in the ranking (Material's `tags` field), so they hold
    the names a page is looked for by: a topic's label and aliases. `boost` ranks the kinds of
    page: for "PBL", the topic's page, then its stacks and credentials, then the people."""

    title: Markup
    text: Markup
    tags: tuple[Markup, ...]
    boost: float = 1.0

    def document(self, location: str) -> dict[str, Any]:
        """The entry as Material's search_index.json holds it."""
        document: dict[str, Any] = {"location": location, "title": self.title, "text": self.text}
        if self.tags:
            document["tags"] = list(self.tags)
        if self.boost != 1:
            document["boost"] = self.boost
        return document


# How the kinds of page rank when their tags match alike (Material multiplies each score by it).
BOOST = {"topic": 8.0, "stack": 4.0, "school": 4.0, "credential": 2.0, "retired": 0.5}
_LISTED_TITLES = 5  # a topic's or stack's entry names this many credentials, then "and N more"


def _paragraph(*sentences: str) -> Markup:
    """Escaped sentences in one paragraph. Material shows only the paragraphs of a result that
    hold the words searched for: one paragraph keeps a topic's description with its credentials."""
    text = " ".join(" ".join(s.split()) for s in sentences if s.strip())
    return Markup("<p>{}</p>").format(text) if text else Markup("")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _titles(cards: list[Card]) -> str:
    names = [c.credential.title for c in cards[:_LISTED_TITLES]]
    more = len(cards) - len(names)
    return _and([*names, f"{more} more"]) if more else _and(names)


def topic_tag(topic: Topic) -> Markup:
    """A topic as search and its results name it: its label, then what else people call it
    ("Project-based learning / PBL"); its id too when neither spells it ("ct" for
    "Computational thinking"). Material splits on spaces and hyphens and matches the start of
    words, so each name is found as typed, in capitals or not."""
    names = [topic.label, *topic.aliases]
    words = {w for name in names for w in re.split(r"[\s\-/]+", name.casefold())}
    if not set(re.split(r"[\s\-]+", topic.id)) <= words:
        names.append(topic.id)
    return escape(" / ".join(names))


def search_entry(spec: PageSpec) -> SearchEntry:
    """What a result shows for a generated page, and what it is found by: a sentence or two
    from the page's data (a credential's summary and facts, a topic's description, credentials
    and experts), never the page's tables."""
    data = spec.data
    if spec.template == "credential.html":
        return _credential_entry(data["card"], data.get("place"), data.get("stack_size"))
    if spec.template == "milestone.html":
        return _milestone_entry(data["milestone"], data["topics"])
    # A topic, its stack and a school can share a name: the result says which it is.
    if spec.template == "topic.html":
        topic, cards, experts = data["topic"], _offered(data["cards"]), data["experts"]
        return SearchEntry(
            escape(f"Topic: {spec.title}"),
            _paragraph(
                topic.description,
                f"{_plural(len(cards), 'credential')} on offer: {_titles(cards)}." if cards else "",
                f"{_plural(len(experts), 'educator')} listed as holding it." if experts else "",
            ),
            (topic_tag(topic),),
            BOOST["topic"],
        )
    if spec.template == "stack.html":
        cards = _offered(data["cards"])
        counts: dict[str, tuple[int, Topic]] = {}
        for card in cards:
            for topic in card.topics:
                counts[topic.id] = (counts.get(topic.id, (0, topic))[0] + 1, topic)
        # The topics most of its credentials are on: what the stack is about.
        about = [topic for count, topic in counts.values() if count * 2 > len(cards)]
        completion = data.get("completion")
        return SearchEntry(
            escape(f"Stack: {spec.title}"),
            _paragraph(
                spec.description,
                f"{_plural(len(cards), 'credential')} on offer, in order: {_titles(cards)}." if cards else "",
                f"Completing it earns the milestone {completion.credential.title}." if completion else "",
            ),
            tuple(topic_tag(t) for t in about),
            BOOST["stack"],
        )
    if spec.template == "school.html":
        school, staff, covered = data["school"], data["profiles"], data["covered"]
        topics = [topic.label for topic, _ in covered]
        return SearchEntry(
            escape(f"School: {spec.title}"),
            _paragraph(
                f"{_plural(len(staff), 'educator')} listed here"
                + (f", holding credentials on {_and(topics)}." if topics else "."),
            ),
            (escape(school.name),),
            BOOST["school"],
        )
    return SearchEntry(escape(spec.title), _paragraph(spec.description), ())


def _offered(cards: list[Card]) -> list[Card]:
    """The cards of credentials on offer: a retired one is not named as one to earn."""
    return [card for card in cards if card.credential.status == "active"]


def _credential_entry(card: Card, place: int | None, stack_size: int | None) -> SearchEntry:
    credential = card.credential
    level = f"{credential.level.capitalize()} level, about {credential.estimated_hours:g} hours"
    stack = f"the {card.stack.title} stack"
    if credential.status != "active":
        return SearchEntry(
            escape(f"Retired: {credential.title}"),
            _paragraph(
                credential.summary,
                f"No longer offered; badges already earned stay valid. {level}; was part of {stack}.",
            ),
            tuple(topic_tag(t) for t in card.topics),
            BOOST["retired"],
        )
    where = f"step {place} of {stack_size} in {stack}" if place and stack_size else f"part of {stack}"
    earned = f"Earned by {_plural(card.earners, 'educator')}." if card.earners else ""
    return SearchEntry(
        escape(credential.title),
        _paragraph(credential.summary, f"{level}; {where}. {earned}"),
        tuple(topic_tag(t) for t in card.topics),
        BOOST["credential"],
    )


def _milestone_entry(milestone: MilestoneCard, topics: list[Topic]) -> SearchEntry:
    credential = milestone.credential
    retired = credential.status != "active"
    earned = f"Awarded to {_plural(milestone.earners, 'educator')}." if milestone.earners else ""
    # Tagged with its name: a milestone is looked for by the name profiles show ("District
    # Associate"), whose words a school ("District Office") or a role ("Associate principal") shares.
    return SearchEntry(
        escape(f"{'Retired milestone' if retired else 'Milestone'}: {credential.title}"),
        _paragraph(credential.summary, milestone.rule, "No longer awarded." if retired else earned),
        (escape(credential.title), *(topic_tag(t) for t in topics)),
        BOOST["retired" if retired else "credential"],
    )


def rubric_sentence(card: Card) -> Markup:
    """A rubric as search shows it: its criteria and levels in a sentence, not its cells in a row."""
    rubric = card.credential.rubric
    criteria = [criterion for criterion, _ in rubric.rows]
    return _paragraph(f"Scored on {_and(criteria)}, at the levels {_and(list(rubric.levels))}." if criteria else "")


def page_search_entries(spec: PageSpec, location: str, rendered: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The search index entries of a generated page at `location`: Cairn's own for the page
    (search_entry), then the generator's entries of the sections of its Markdown (a credential's
    Competency, Key Method, ...; their tables left out as the generator read the page), without
    the page's tags the generator copies onto each (a section must not outrank its page on a
    topic, and at 500 credentials they weighed 6 copies each). The rubric's section says its
    criteria and levels in a sentence. A pure function of its arguments: the entries a rendered
    page gave are cached, and a page kept from the last build gives these same entries."""
    entries = [search_entry(spec).document(location)]
    card = spec.data.get("card") if spec.template == "credential.html" else None
    for rendered_entry in rendered:
        if "#" not in rendered_entry["location"]:
            continue  # the page's own: Cairn's above
        section = {key: value for key, value in rendered_entry.items() if key != "tags"}
        if card is not None and section["title"] == "Scoring Rubric":
            section["text"] = rubric_sentence(card)
        entries.append(section)
    return entries


def profile_search_entry(profile: Profile) -> SearchEntry:
    """What search finds a person by: name, role, school and the topics of what they hold
    (each with its aliases: a principal asking for "SEL" finds who holds it)."""
    school = profile.school.name if profile.school else ""
    role = profile.earner.role
    held = len({badge.credential.id for badge in profile.badges})
    where = f"{role} at {school}" if role and school else role or school
    text = _paragraph(f"{where}." if where else "", f"Holds {_plural(held, 'credential')}." if held else "")
    tags = tuple(escape(tag) for tag in filter(None, [school, role]))
    return SearchEntry(escape(profile.earner.name), text, tags + tuple(topic_tag(t) for t in profile.topics))


def profile_page(profile: Profile, sharing: Sharing, standing: Standing | None = None) -> PageSpec:
    """A public earner's page. Profiles are rendered outside MkDocs' page pipeline (see
    pipeline/stages.py): at 5,000 earners the pipeline's cost per page was most of a rebuild.
    `standing` (profile_standing): what the badges count for, where the district publishes it."""
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
            "standing": standing,
            "shares": {
                b.award.id: {
                    "link": badge_link(profile, b, sharing),
                    "linkedin": linkedin_url(profile, b, sharing),
                    "assertion": sharing.urls.assertion(b.award.id or ""),
                    "credential": sharing.urls.ob3_credential(b.award.id or ""),  # what a wallet adds
                }
                for b in profile.badges
            },
        },
    )


def home_data(district: District) -> dict[str, Any]:
    active = district.active
    offered = {c.id for c in active}

    def held(earner: Earner) -> list[Award]:
        """Badges the earner holds for credentials on offer (a retired one is not counted)."""
        return [a for a in earner.awards if a.revoked is None and a.credential in offered]

    return {
        "stacks": [
            (s, [c for c in district.stack_credentials(s.id) if c.status == "active"]) for s in district.stacks.values()
        ],
        "credential_count": len(active),
        "topic_count": len(district.topics),
        # District-wide counts only: they name no one.
        "earner_count": sum(1 for e in district.earners if held(e)),
        "award_count": sum(len(held(e)) for e in district.earners),
    }


def _one_line(text: str) -> str:
    return " ".join(text.split())
