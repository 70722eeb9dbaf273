"""Everything a build issues besides pages: badge images, share images and QR codes, Open
Badges 2.0 and 3.0 files, feeds, the verify page's name shards, and the private award
links and delivery packages.

Each function returns (path, bytes) pairs, paths from urls.py; pipeline/stages.py decides
which folder they go to (the private ones never under site/) and publishes them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from cairn.issue import bake, images, ob2, ob3, share
from cairn.issue.keys import SigningKey
from cairn.issue.storedzip import stored_zip
from cairn.model import District, Earner, Issuer
from cairn.pages import feeds as api
from cairn.people import Profile, TopicExperts, published_awards
from cairn.pipeline.cache import ContentCache
from cairn.pipeline.workers import fork_map
from cairn.urls import PATHS, Urls, did_document_path

Job = tuple[tuple[str | bytes, ...], Callable[[], bytes]]  # (inputs that decide the result, how to make it)


def run_cached(cache: ContentCache | None, jobs: list[Job]) -> list[bytes]:
    """Each job's result, from the cache when its inputs were seen before; the rest are made,
    across the machine's cores (images cost 3-25 ms each, and a catalog has 2,000)."""
    keys = [cache.key(*inputs) if cache else "" for inputs, _ in jobs]
    results: list[bytes | None] = [cache.get(key) if cache else None for key in keys]
    missing = [i for i, r in enumerate(results) if r is None]
    made = fork_map(lambda n: jobs[missing[n]][1](), len(missing)) if len(missing) >= 20 else None
    for i, value in zip(missing, made or (jobs[i][1]() for i in missing), strict=True):
        results[i] = value
        if cache:
            cache.put(keys[i], value)
    return results  # type: ignore[return-value]


def badge_images(district: District, cache: ContentCache | None = None) -> dict[str, bytes]:
    """Each published credential's badge: the supplied image, or one generated from its facts."""
    generated = [c for c in district.published if c.image_png is None]
    jobs: list[Job] = []
    for credential in generated:
        family, color = district.family(credential)
        jobs.append(
            (
                ("badge", images.BADGE_LAYOUT, credential.title, color, credential.level, family),
                partial(images.generate_badge, credential.title, color, credential.level, family),
            )
        )
    made = dict(zip((c.id for c in generated), run_cached(cache, jobs), strict=True))
    return {c.id: c.image_png or made[c.id] for c in district.published}


def json_text(document: dict[str, Any]) -> str:
    # Compact: json's C encoder only runs without indent, about three times faster at 50,000 files.
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def json_bytes(document: dict[str, Any]) -> bytes:
    return (json_text(document) + "\n").encode("utf-8")


def ob2_shared_files(district: District, issuer: Issuer) -> Iterator[tuple[str, bytes]]:
    """The issuer, every BadgeClass and the revocation list: the files not tied to one award."""
    urls = Urls(issuer.site_url)
    yield PATHS.issuer(), json_bytes(ob2.issuer_profile(issuer, urls))
    if issuer.image_png:
        yield PATHS.issuer_image(), issuer.image_png
    for credential in district.published:
        yield PATHS.badge_class(credential.id), json_bytes(ob2.badge_class(credential, district, urls))
    revoked = [award for earner in district.earners for award in earner.awards if award.revoked]
    yield PATHS.revocations(), json_bytes(ob2.revocation_list(revoked, urls))


def ob2_award_files(district: District, issuer: Issuer, earner: Earner) -> Iterator[tuple[str, bytes]]:
    """One earner's hosted assertions. Baked PNGs are made in the browser from the badge
    image (theme/assets/cairn-bake.js), not hosted: one per award would double the site's
    files and add two thirds to its size."""
    urls = Urls(issuer.site_url)
    for award in earner.awards:
        credential = district.credentials[award.credential]
        yield PATHS.assertion(award.id or ""), json_bytes(ob2.assertion(award, earner, credential, urls))


def feed_files(district: District, issuer: Issuer, by_topic: list[TopicExperts]) -> Iterator[tuple[str, bytes]]:
    urls = Urls(issuer.site_url)
    yield PATHS.api_credentials(), json_bytes(api.credentials_feed(district, urls))
    yield PATHS.api_experts(), json_bytes(api.experts_feed(by_topic, urls))


def share_files(
    district: District, issuer: Issuer, badges: dict[str, bytes], cache: ContentCache | None = None
) -> list[tuple[str, bytes]]:
    """Per published credential: QR codes of its page (PNG, SVG) and its 1200×630 preview image."""
    urls = Urls(issuer.site_url)
    paths: list[tuple[str, ...]] = []
    jobs: list[Job] = []
    for credential in district.published:
        page = urls.credential(credential.id)
        family, color = district.family(credential)
        title = f"QR code: {credential.title}"
        badge = badges[credential.id]
        paths += [
            (PATHS.credential_qr_png(credential.id), PATHS.credential_qr_svg(credential.id)),
            (PATHS.share_image(credential.id),),
        ]
        jobs += [
            (("qr", page, title), partial(_qr_pair, page, title)),
            (
                ("share.png", badge, credential.title, family, issuer.name, color),
                partial(share.share_image, badge, credential.title, family, issuer.name, color),
            ),
        ]
    files = []
    for named, made in zip(paths, run_cached(cache, jobs), strict=True):
        if len(named) == 2:  # the QR pair
            png_size = int.from_bytes(made[:4], "big")
            files += [(named[0], made[4 : 4 + png_size]), (named[1], made[4 + png_size :])]
        else:
            files.append((named[0], made))
    return files


def _qr_pair(page: str, title: str) -> bytes:
    # One cached value for both QR files (they come from one encoding): the PNG's length, PNG, SVG.
    png, svg = share.qr_codes(page, title)
    return len(png).to_bytes(4, "big") + png + svg


@dataclass
class Signer:
    """Signs with the issuer's key."""

    key: SigningKey
    did: str
    cache: ContentCache

    @property
    def verification_method(self) -> str:
        return f"{self.did}#{self.key.public_multibase}"

    def sign(self, document: dict[str, Any], created: str) -> dict[str, Any]:
        return self.sign_many([(document, created)])[0]

    def sign_many(self, items: list[tuple[dict[str, Any], str]]) -> list[dict[str, Any]]:
        """Sign documents, each with its `created`, in the calling process: award files are
        made across the cores a batch of earners at a time (pipeline/stages.py), each worker
        signing its own earners' credentials. Signatures are not kept in the content cache: at
        about 8,500 a second (fastcanon.py) one costs less than a cache entry, and the files of
        earners whose records did not change are not made again at all (pipeline/publish.py)."""
        key, method = self.key.private, self.verification_method
        return [ob3.sign(document, key, method, created) for document, created in items]


@dataclass(frozen=True)
class EarnerFiles:
    """Everything issued for one earner's awards: files for site/ and for the private folder."""

    earner: Earner
    site: list[tuple[str, bytes]]
    private: list[tuple[str, bytes]]


def earner_files(
    earners: list[Earner], district: District, issuer: Issuer, signer: Signer, badges: dict[str, bytes]
) -> list[EarnerFiles]:
    """Each earner's OB 2.0 assertions and baked PNGs, their signed OB 3.0 credentials and baked
    PNGs (private), and /ob3/ copies of the credentials a public profile shows. The signatures
    of all of them are made together, so they can be shared between the cores."""
    shared = _shared_parts(district, issuer, signer.did)
    documents = [
        ob3.open_badge_credential(
            award, earner, district.credentials[award.credential], district, issuer, signer.did, shared
        )
        for earner in earners
        for award in earner.awards
    ]
    signed_documents = iter(signer.sign_many([(document, document["validFrom"]) for document in documents]))
    result = []
    for earner in earners:
        site = list(ob2_award_files(district, issuer, earner))
        shown = {a.id for a in published_awards(earner)}
        package = DeliveryPackage()
        for award in earner.awards:
            text = json_text(next(signed_documents))
            signed = (text + "\n").encode("utf-8")  # json_bytes; the PNG carries the text without "\n"
            package.add(f"{award.id}.json", signed)
            package.add(f"{award.id}.png", bake.bake_png(badges[award.credential], text, "openbadgecredential"))
            if award.id in shown:
                site.append((PATHS.ob3_credential(award.id or ""), signed))
        private = [(delivery_package_path(earner), package.finish())] if earner.awards else []
        result.append(EarnerFiles(earner, site, private))
    return result


# Each credential's achievement and the issuer's profile, made once for all their awards; kept
# across calls (a worker makes ~100 slices of 500 awards, and a district has 500 credentials)
# while they are for the same district and issuer objects: the model is never changed once
# loaded, and a build that loads it again gets new objects, so new parts.
_shared: tuple[District, Issuer, str, ob3.SharedParts] | None = None


def _shared_parts(district: District, issuer: Issuer, did: str) -> ob3.SharedParts:
    global _shared
    if _shared is None or _shared[0] is not district or _shared[1] is not issuer or _shared[2] != did:
        _shared = (district, issuer, did, {})
    return _shared[3]


def delivery_package_path(earner: Earner) -> str:
    """An earner's private package of signed credentials and baked PNGs, named after their file."""
    return f"credentials/{earner.source.stem}.zip"


class DeliveryPackage:
    """One earner's OB 3.0 credentials and baked PNGs as one zip: what the committee sends them.
    One file an earner rather than two an award: creating a file costs 80-400 µs on the disks
    measured here, and a district has 50,000 awards. The same files give the same bytes.

    Every file is stored, not deflated: a PNG is compressed already, and deflating a credential's
    JSON (to half) cost a tenth of issuing it, for a package 10% smaller."""

    def __init__(self) -> None:
        self._entries: list[tuple[str, bytes]] = []

    def add(self, name: str, content: bytes) -> None:
        self._entries.append((name, content))

    def finish(self) -> bytes:
        return stored_zip(self._entries)


def ob3_shared_files(
    district: District, issuer: Issuer, signer: Signer, retired_keys: list[str]
) -> Iterator[tuple[str, bytes]]:
    """The issuer's DID document and the signed status lists."""
    keys = [signer.key.public_multibase, *[k for k in retired_keys if k != signer.key.public_multibase]]
    yield did_document_path(issuer.site_url), json_bytes(ob3.did_document(signer.did, keys))
    revoked: dict[int, set[int]] = {}
    lists = {1}
    newest = None
    for earner in district.earners:
        for award in earner.awards:
            entry = ob3.StatusEntry(award.status_index or 0)
            lists.add(entry.list_number)
            if award.revoked:
                revoked.setdefault(entry.list_number, set()).add(entry.position)
            for day in (award.issued, award.revoked.date if award.revoked else None):
                newest = day if day and (newest is None or day > newest) else newest
    # The lists change only when an award or revocation does: dated by the newest of them.
    valid_from = f"{(newest or dt.date(2000, 1, 1)).isoformat()}T00:00:00Z"
    for number in sorted(lists):
        document = ob3.status_list_credential(
            issuer.site_url, number, revoked.get(number, set()), signer.did, issuer.name, valid_from
        )
        yield PATHS.status_list(number), json_bytes(signer.sign(document, valid_from))


def verify_name_files(people: list[Profile], site_url: str) -> Iterator[tuple[str, bytes]]:
    """For the verify page: award id -> the earner's name and profile, for public earners' shown
    awards only, sharded by the id's first two characters so a lookup fetches a small file."""
    urls = Urls(site_url)
    shards: dict[str, dict[str, dict[str, str]]] = {}
    for profile in people:
        for badge in profile.badges:
            award_id = badge.award.id or ""
            entry = {"name": profile.earner.name, "profile": urls.earner(profile.slug)}
            shards.setdefault(award_id[:2], {})[award_id] = entry
    # Every possible shard is written, empty or not: which prefixes exist would say something
    # about the ids of earners who are not public, and a missing file would be a 404.
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    for prefix in sorted({a + b for a in alphabet for b in alphabet} | set(shards)):
        yield PATHS.verify_names(prefix), json_bytes(dict(sorted(shards.get(prefix, {}).items())))


AWARD_LINK_COLUMNS = (
    "email",
    "name",
    "credential_id",
    "credential",
    "issued",
    "expires",
    "revoked_on",
    "assertion_url",
    "verify_url",
    "ob3_package",
    "ob3_credential_file",
    "ob3_badge_file",
    "ob3_credential_url",
)


def spreadsheet_text(value: str) -> str:
    # A cell starting with = + - @ is run as a formula by spreadsheets: keep it text.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def award_links_csv(district: District, issuer: Issuer, rows_of: Callable[[Earner], str] | None = None) -> bytes:
    """One row per award for a mail merge: who to send which links to. Private: it holds emails.
    `rows_of(earner)`, when given, is an earner's rows as award_link_rows makes them (the
    build keeps them between builds: 50,000 rows took a second to write each rebuild)."""
    urls = Urls(issuer.site_url)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(AWARD_LINK_COLUMNS)
    for earner in sorted(district.earners, key=lambda e: (e.name.lower(), e.email.lower())):
        out.write(rows_of(earner) if rows_of is not None else award_link_rows(district, urls, earner))
    return out.getvalue().encode("utf-8")


def award_link_rows(district: District, urls: Urls, earner: Earner) -> str:
    """An earner's rows of award-links.csv, as CSV text: made from the earner, the credentials
    they hold and the site's address."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    # A wallet adds a published credential from its URL; anyone else's from the package's file.
    published = {a.id for a in published_awards(earner)}
    for award in sorted(earner.awards, key=lambda a: (a.issued, a.id or "")):
        credential = district.credentials[award.credential]
        expires = ob2.expiry(award, credential)
        row = (
            earner.email,
            earner.name,
            credential.id,
            credential.title,
            award.issued.isoformat(),
            expires.isoformat() if expires else "",
            award.revoked.date.isoformat() if award.revoked else "",
            urls.assertion(award.id or ""),
            urls.verify_award(award.id or ""),
            delivery_package_path(earner),
            f"{award.id}.json",
            f"{award.id}.png",
            urls.ob3_credential(award.id or "") if award.id in published else "",
        )
        writer.writerow([spreadsheet_text(value) for value in row])
    return out.getvalue()


RENEWAL_COLUMNS = (
    "expires",
    "days_left",
    "email",
    "name",
    "school",
    "credential_id",
    "credential",
    "issued",
    "verify_url",
)


def renewals_csv(district: District, issuer: Issuer, today: dt.date, within_days: int) -> bytes:
    """Awards that expire within `within_days` of the build's day (or expired in as many days
    before it), soonest first, for the committee to remind their earners. Revoked awards are
    left out. Private: it holds emails."""
    urls = Urls(issuer.site_url)
    rows = []
    for earner in district.earners:
        for award in earner.awards:
            credential = district.credentials[award.credential]
            expires = ob2.expiry(award, credential)
            if award.revoked or expires is None or abs((expires - today).days) > within_days:
                continue
            rows.append(
                (
                    expires.isoformat(),
                    str((expires - today).days),
                    earner.email,
                    earner.name,
                    earner.school or "",
                    credential.id,
                    credential.title,
                    award.issued.isoformat(),
                    urls.verify_award(award.id or ""),
                )
            )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(RENEWAL_COLUMNS)
    for row in sorted(rows, key=lambda r: (r[0], r[3].lower(), r[5])):
        # What people typed is kept text; the numbers are ours (a negative one is a lapsed award).
        writer.writerow(
            [
                value if column == "days_left" else spreadsheet_text(value)
                for column, value in zip(RENEWAL_COLUMNS, row, strict=True)
            ]
        )
    return out.getvalue().encode("utf-8")
