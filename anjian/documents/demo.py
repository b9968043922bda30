"""Demo data for 公文收发: three months of the commission's documents, their receipts and replies,
the 督办函 of the escalation ladder, and submissions from the companies (收文).

Who sees what (the default demo, relative to today; the seasonal titles follow the date, e.g.
冬季施工 in late autumn and winter, 汛期 in summer):

- `pm` / `safety`: the 冬季施工安全专项检查 notice, sent by `chief` six working days ago to every
  active project's contractor (sign and reply required, the reply due in three working days),
  not yet opened by the first project: a to-do whose receipt is overdue. Older: the season's
  notice (汛期 three months ago) replied to by `pm` with an attachment; the 考评实施细则 (文件)
  and the quarter's ranking 通报 signed for the company; a notice withdrawn by `chief` with its
  reason. Submissions: the deep pit's 危大工程专项方案备案 and the tower crane's 情况报告
  (acknowledged with receipt numbers), and a report on the pit's monitoring alarm waiting for
  `supervisor`.
- `engineer`: the 危大工程 notice to every active project's 监理, signed for, its reply due in a
  few working days (a to-do), and the 考评实施细则.
- `pm2`: the inspection notice signed and replied to, the older ones, and a report returned by
  `chief` (the second project's supervisor) with the reason.
- `grouphq`: the season's notice and the ranking 通报 (both to every group HQ), signed and
  replied; its report on the ranking, acknowledged by `chief`.
- `chief`: `supervisor`'s notice waiting for approval (`leader` may approve it too), and the
  tracking of everything sent: some inboxes overdue, with the reminder job's reminders and
  overdue flags; the 函 to the company of the crane accident, replied to and closed.
- `supervisor`: a draft of their own, and the pit report to handle.

Every document, receipt, reply and submission goes through the real services, played in time
order (`_Timeline`); right after each call, the times it wrote are moved to the moment it
happened (documents, events, inbox rows, replies, attachments, submissions, notifications; the
change log keeps the time the demo was loaded). Deadlines in the past cannot pass the services'
checks, so a document is sent with deadlines ahead and given its real ones right after. The
reminder job (`send_reminders`) runs at each rung before a deadline and just after it, so the
reminders and overdue flags are the job's own. The 督办函 issued by the escalation ladder get
their document there; a letter without one (a database loaded before this app) gets it from
`document_from_letter`, dated when the letter was issued.

Idempotent: outgoing documents and submissions are made only while the agency has none; letters
only get a missing document. With --scale, documents to "every active project" go to the 40 base
projects by name instead, so documents, notifications and reminders stay bounded.
"""

from __future__ import annotations

import datetime
import heapq
import io
import random
import time
import zipfile
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from django.db.models import F
from django.utils import timezone

from anjian.core.context import acting_as
from anjian.core.seeding import register_demo_seeder

AGENCY_NAME = "北京市通州区住房和城乡建设委员会"
FIRST = "TZ-DEMO-00001"  # pm, safety, engineer, owner
SECOND = "TZ-DEMO-00002"  # pm2
ACCIDENT_PROJECT = "TZ-DEMO-00038"  # the crane accident of the evaluations demo
BASE_PROJECTS = 40  # only these sign and reply (the --scale projects only receive)
CONTACT = "联系人：安全监督科 {name}，电话：010-69546000。"


# --- time ----------------------------------------------------------------------------------------


class _Clock:
    """Today, working days, and aware times never later than a few minutes ago."""

    def __init__(self):
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.latest = self.now - datetime.timedelta(minutes=10)

    def workday(self, offset: int) -> datetime.date:
        """Today plus `offset` days, moved back to a Friday when it falls on a weekend."""
        day = self.today + datetime.timedelta(days=offset)
        while day.weekday() >= 5:
            day -= datetime.timedelta(days=1)
        return day

    @staticmethod
    def next_workday(day: datetime.date, days: int = 1) -> datetime.date:
        from .services import add_working_days

        return add_working_days(day, days)

    @staticmethod
    def previous_workday(day: datetime.date) -> datetime.date:
        day -= datetime.timedelta(days=1)
        while day.weekday() >= 5:
            day -= datetime.timedelta(days=1)
        return day

    def at(self, day: datetime.date, hour: float = 10.0) -> datetime.datetime:
        """`hour` o'clock on `day`, or a few minutes ago if that is later."""
        return min(self.maybe(day, hour), self.latest)

    def maybe(self, day: datetime.date, hour: float = 10.0) -> datetime.datetime:
        """`hour` o'clock on `day`, even in the future (the timeline leaves that out)."""
        midnight = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
        return midnight + datetime.timedelta(hours=hour)

    def office(self, when: datetime.datetime, rng: random.Random) -> datetime.datetime:
        """`when`, moved into office hours (08:30–18:00 on a working day)."""
        local = timezone.localtime(when)
        day, hour = local.date(), local.hour + local.minute / 60
        if hour >= 18:
            day, hour = day + datetime.timedelta(days=1), rng.uniform(8.5, 11)
        elif hour < 8.5:
            hour = rng.uniform(8.5, 10)
        while day.weekday() >= 5:
            day += datetime.timedelta(days=1)
            hour = rng.uniform(8.5, 11)
        midnight = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
        return midnight + datetime.timedelta(hours=hour)

    def later(self, when, rng, low: float, high: float) -> datetime.datetime:
        """Some office time `low`–`high` hours after `when`."""
        return self.office(when + datetime.timedelta(hours=rng.uniform(low, high)), rng)

    def read_at(self, when):
        """When an old notification was read (recent ones stay unread)."""
        if when < self.now - datetime.timedelta(days=2):
            return when + datetime.timedelta(hours=2)
        return None


DOCUMENT_TIMES = (
    "created_at",
    "updated_at",
    "submitted_at",
    "sent_at",
    "closed_at",
    "withdrawn_at",
)
RECIPIENT_TIMES = ("read_at", "signed_at", "replied_at")
SUBMISSION_TIMES = ("created_at", "updated_at", "submitted_at", "handled_at")


def _stamp(obj, names, since, when) -> None:
    """Move the times among `names` that the last call wrote (at or after `since`) to `when`."""
    moved = {n: when for n in names if getattr(obj, n, None) and getattr(obj, n) >= since}
    if moved:
        type(obj).objects.filter(pk=obj.pk).update(**moved)
        for name, value in moved.items():
            setattr(obj, name, value)


def _backdate_document(document, since, when) -> None:
    """A document's own times, its new events and attachments."""
    from .models import Attachment, DocumentEvent

    _stamp(document, DOCUMENT_TIMES, since, when)
    DocumentEvent.objects.filter(document=document, at__gte=since).update(at=when)
    Attachment.objects.filter(document=document, created_at__gte=since).update(
        created_at=when, updated_at=when
    )


def _backdate_notifications(clock: _Clock, since, when) -> None:
    """The notifications the last call wrote (and e-mailed), read later when old."""
    from anjian.notifications.models import Notification

    Notification.objects.filter(created_at__gte=since).update(
        created_at=when, read_at=clock.read_at(when)
    )
    Notification.objects.filter(emailed_at__gte=since).update(emailed_at=when)


class _Timeline:
    """Steps run in time order. A step moves the times its service call wrote to its own time
    (`_stamp`); the notifications it sent are moved here. A step may add later steps (a
    document's recipients exist only once it is sent)."""

    def __init__(self, clock: _Clock):
        self.clock = clock
        self.heap: list = []
        self.count = 0

    def add(self, when, step) -> None:
        if when is None or when > self.clock.latest:
            return  # has not happened yet
        heapq.heappush(self.heap, (when, self.count, step))
        self.count += 1

    def run(self) -> int:
        done = 0
        while self.heap:
            when, _order, step = heapq.heappop(self.heap)
            since = timezone.now()
            step(when, since)
            _backdate_notifications(self.clock, since, when)
            done += 1
        return done


# --- files -----------------------------------------------------------------------------------------


def _pdf(title, sections, *, when, author=AGENCY_NAME, seal=AGENCY_NAME, subtitle="") -> bytes:
    from anjian.dangerous_works.demo import demo_pdf

    return demo_pdf(title, sections, author=author, when=when, seal=seal, subtitle=subtitle)


def _docx(title: str, paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    """A small Word document Word and LibreOffice open: a title, paragraphs, an optional table."""
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'

    def para(text, bold=False, size=None):
        props = ""
        if bold or size:
            props = (
                "<w:rPr>"
                + ("<w:b/>" if bold else "")
                + (f'<w:sz w:val="{size}"/>' if size else "")
                + "</w:rPr>"
            )
        return f'<w:p><w:r>{props}<w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'

    body = [para(title, bold=True, size=32)] + [para(p) for p in paragraphs]
    if table:
        rows = []
        for index, row in enumerate(table):
            cells = "".join(
                '<w:tc><w:tcPr><w:tcW w:w="2000" w:type="dxa"/></w:tcPr>'
                + para(cell, bold=index == 0)
                + "</w:tc>"
                for cell in row
            )
            rows.append(f"<w:tr>{cells}</w:tr>")
        borders = "".join(
            f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
            for side in ("top", "left", "bottom", "right", "insideH", "insideV")
        )
        body.append(
            f'<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/><w:tblBorders>{borders}'
            "</w:tblBorders></w:tblPr>" + "".join(rows) + "</w:tbl>"
        )
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {ns}><w:body>'
        + "".join(body)
        + "</w:body></w:document>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        archive.writestr("word/document.xml", document)
    return buffer.getvalue()


# --- the cast --------------------------------------------------------------------------------------


class _Cast:
    """The demo accounts, and who acts for an inbox: a project team's member (an account is made
    for the key person of a demo project that has none) or the organisation's first user."""

    def __init__(self):
        from anjian.accounts.models import User

        names = ["supervisor", "chief", "leader", "pm", "safety", "engineer", "pm2", "grouphq"]
        self.users = {u.username: u for u in User.objects.filter(username__in=names)}
        self._project: dict[tuple, object] = {}
        self._org: dict[int, object] = {}

    def ready(self) -> bool:
        return {"supervisor", "chief", "leader", "pm"} <= set(self.users)

    def __getitem__(self, username):
        return self.users[username]

    def org_id(self, username):
        user = self.users.get(username)
        return user.organization_id if user else None

    def for_project(self, project, role):
        from anjian.hazards.demo import _account_for

        key = (project.pk, role)
        if key not in self._project:
            self._project[key] = _account_for(project, role)
        return self._project[key]

    def for_org(self, org_id):
        from anjian.accounts.models import User

        if org_id not in self._org:
            self._org[org_id] = (
                User.objects.filter(organization_id=org_id, is_active=True, agency_role="")
                .order_by("pk")
                .first()
            )
        return self._org[org_id]

    def actors(self, row):
        """(signer, replier) for an inbox row, or (None, None) when nobody can act for it."""
        if row.project_id is None:
            user = self.for_org(row.organization_id)
            return user, user
        role = {"supervision": "chief_engineer", "builder": "owner_lead"}.get(row.unit, "pm")
        replier = self.for_project(row.project, role)
        if replier is None or replier.organization_id != row.organization_id:
            return None, None
        signer = replier
        if role == "pm":
            safety = self.for_project_member(row.project, "safety_officer")
            if safety is not None and safety.organization_id == row.organization_id:
                signer = safety  # the 专职安全员 signs where they have an account (P1: safety)
        return signer, replier

    def for_project_member(self, project, role):
        from anjian.projects.models import ProjectMember

        key = (project.pk, f"member:{role}")
        if key not in self._project:
            member = (
                ProjectMember.objects.filter(
                    project=project, role=role, is_active=True, user__isnull=False
                )
                .select_related("user")
                .first()
            )
            self._project[key] = member.user if member else None
        return self._project[key]


# --- outgoing documents ----------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one inbox did, and when (None: not done)."""

    read: datetime.datetime | None = None
    sign: datetime.datetime | None = None
    reply: datetime.datetime | None = None
    attach: bool = False


@dataclass
class DocSpec:
    """One outgoing document and its life; times are the real ones."""

    key: str
    kind: str
    title: str
    body: str
    audience: dict
    drafter: str
    created: datetime.datetime
    submitted: datetime.datetime | None = None
    approver: str = ""  # empty: the drafter's own submission sends it (a chief's draft)
    approved: datetime.datetime | None = None
    approve_comment: str = ""
    sign_required: bool = True
    reply_required: bool = False
    sign_deadline: datetime.datetime | None = None
    reply_deadline: datetime.datetime | None = None
    files: list = field(default_factory=list)  # (name, bytes)
    closed: datetime.datetime | None = None
    closer: str = "chief"
    close_comment: str = ""
    withdrawn: datetime.datetime | None = None
    withdraw_reason: str = ""
    behaviour: object = None  # (row, rng, sent) -> Outcome
    reply_text: object = None  # (row, rng, when, user) -> (body, files)


class _Story:
    """Plays one DocSpec on the timeline through the services."""

    def __init__(self, spec: DocSpec, world: _World):
        self.spec, self.world = spec, world
        self.document = None

    def schedule(self, timeline: _Timeline):
        spec = self.spec
        timeline.add(spec.created, self.create)
        if spec.submitted:
            timeline.add(spec.submitted, self.submit)
        if spec.approver and spec.approved:
            timeline.add(spec.approved, self.approve)

    def _fields(self) -> dict:
        """The spec's fields; deadlines already past (the services want them ahead) are
        replaced by later ones, and the real ones are set once it is sent."""
        spec, now = self.spec, timezone.now()
        reply = spec.reply_deadline
        if reply and reply <= now + datetime.timedelta(hours=2):
            reply = now + datetime.timedelta(days=31)
        sign = spec.sign_deadline
        if sign and sign <= now + datetime.timedelta(hours=1):
            sign = min(
                now + datetime.timedelta(days=30), reply or now + datetime.timedelta(days=30)
            )
        return {
            "kind": spec.kind,
            "title": spec.title,
            "body": spec.body,
            "audience": spec.audience,
            "sign_required": spec.sign_required,
            "sign_deadline": sign,
            "reply_required": spec.reply_required,
            "reply_deadline": reply,
        }

    def create(self, when, since):
        from . import services as svc

        drafter = self.world.cast[self.spec.drafter]
        with acting_as(drafter):
            self.document = svc.document_save(
                by=drafter, fields=self._fields(), files=self.spec.files
            )
        _backdate_document(self.document, since, when)

    def submit(self, when, since):
        from . import services as svc

        drafter = self.world.cast[self.spec.drafter]
        with acting_as(drafter):
            self.document = svc.document_submit(document=self.document, by=drafter)
        _backdate_document(self.document, since, when)
        if self.document.status == "sent":
            self._sent(when, since)

    def approve(self, when, since):
        from . import services as svc

        approver = self.world.cast[self.spec.approver]
        with acting_as(approver):
            self.document = svc.document_approve(
                document=self.document, by=approver, comment=self.spec.approve_comment
            )
        _backdate_document(self.document, since, when)
        self._sent(when, since)

    def _sent(self, when, since):
        """The real deadlines and year, then the recipients' steps, the reminder job's runs and
        the closing or withdrawal."""
        from anjian.notifications.models import Notification

        from . import services as svc
        from .models import Document

        spec, world, document = self.spec, self.world, self.document
        document.sign_deadline = spec.sign_deadline if spec.sign_required else None
        document.reply_deadline = spec.reply_deadline if spec.reply_required else None
        Document.objects.filter(pk=document.pk).update(
            sign_deadline=document.sign_deadline, reply_deadline=document.reply_deadline
        )
        world.fix_year(document, "number", f"document_{document.kind}", when)
        Notification.objects.filter(
            created_at__gte=since,
            kind="document",
            object_id=document.pk,
            title=f"{document.get_kind_display()}：{document.title}",
        ).update(body=svc._deadline_text(document))
        timeline = world.timeline
        rows = list(document.recipients.select_related("project", "organization"))
        for row in rows:
            if row.project_id and row.project_id not in world.base_ids:
                continue  # the --scale projects only receive
            rng = random.Random(f"documents|{spec.key}|{row.organization_id}|{row.project_id}")
            outcome = spec.behaviour(row, rng, when) if spec.behaviour else None
            if outcome is None:
                continue
            end = spec.withdrawn or spec.closed or world.clock.latest
            self._schedule_row(timeline, row, outcome, end, rng)
        if spec.withdrawn:
            timeline.add(spec.withdrawn, self.withdraw)
            return
        rungs = world.reminder_hours
        for required, deadline in (
            (spec.sign_required, spec.sign_deadline),
            (spec.reply_required, spec.reply_deadline),
        ):
            if not required or deadline is None:
                continue
            for hours in rungs:
                rung = deadline - datetime.timedelta(hours=hours)
                if rung > when and (spec.closed is None or rung < spec.closed):
                    timeline.add(rung + datetime.timedelta(minutes=3), world.remind)
            if spec.closed is None or deadline < spec.closed:
                timeline.add(deadline + datetime.timedelta(minutes=5), world.remind)
        if spec.closed:
            timeline.add(spec.closed, self.close)

    def _schedule_row(self, timeline, row, outcome, end, rng):
        signer, replier = self.world.cast.actors(row)
        if signer is None:
            return
        steps = []
        if outcome.read and not outcome.sign:
            steps.append((outcome.read, "read", signer))
        if outcome.sign:
            steps.append((outcome.sign, "sign", signer))
        if outcome.reply and self.spec.reply_required:
            steps.append((outcome.reply, "reply", replier))
        for when, action, user in steps:
            if when < end:
                timeline.add(when, self._act(row, action, user, outcome.attach, rng))

    def _act(self, row, action, user, attach, rng):
        from . import services as svc

        def step(when, since):
            from .models import Attachment, Reply

            with acting_as(user):
                if action == "read":
                    done = svc.recipient_open(recipient=row, by=user)
                elif action == "sign":
                    done = svc.recipient_sign(recipient=row, by=user)
                else:
                    body, files = self.spec.reply_text(row, rng, when, user)
                    reply = svc.recipient_reply(
                        recipient=row, by=user, body=body, files=files if attach else ()
                    )
                    Reply.objects.filter(pk=reply.pk).update(at=when)
                    Attachment.objects.filter(reply=reply).update(created_at=when, updated_at=when)
                    done = reply.recipient
            _stamp(done, RECIPIENT_TIMES, since, when)

        return step

    def close(self, when, since):
        from . import services as svc

        closer = self.world.cast[self.spec.closer]
        with acting_as(closer):
            self.document = svc.document_close(
                document=self.document, by=closer, comment=self.spec.close_comment
            )
        _backdate_document(self.document, since, when)

    def withdraw(self, when, since):
        from . import services as svc

        chief = self.world.cast["chief"]
        with acting_as(chief):
            self.document = svc.document_withdraw(
                document=self.document, by=chief, comment=self.spec.withdraw_reason
            )
        _backdate_document(self.document, since, when)


class _World:
    """What the stories share: the clock, the cast, the timeline, the agency and its base demo
    projects (with their 危大工程 counts)."""

    def __init__(self, agency, clock, cast, scale=1):
        from anjian.accounts.models import AgencySettings
        from anjian.dangerous_works.models import DangerousWork
        from anjian.projects.models import Project

        self.agency, self.clock, self.cast, self.scale = agency, clock, cast, scale
        self.timeline = _Timeline(clock)
        self.reminder_hours = list(AgencySettings.for_agency(agency).document_reminder_hours or [])
        codes = [f"TZ-DEMO-{i:05d}" for i in range(1, BASE_PROJECTS + 1)]
        self.projects = {
            p.code: p
            for p in Project.objects.filter(agency=agency, code__in=codes).select_related(
                "lead_supervisor"
            )
        }
        self.base_ids = {p.pk for p in self.projects.values()}
        first = self.projects.get(FIRST)
        self.first_street_id = first.street_id if first else None
        counts: dict[int, list[int]] = {}
        for project_id, level in DangerousWork.objects.filter(
            project_id__in=self.base_ids
        ).values_list("project_id", "level"):
            row = counts.setdefault(project_id, [0, 0])
            row[0] += 1
            row[1] += level == "super"
        self.works_by_project = {k: tuple(v) for k, v in counts.items()}

    def every_project(self, units, street=None) -> dict:
        """Every active project's (of `street`, if given) teams of `units`; with --scale, the
        active base projects by name instead, so the documents (and their notifications and
        reminders) stay bounded."""
        from .services import active_projects

        if self.scale <= 1:
            if street:
                return {"streets": [street], "units": units}
            return {"all_projects": True, "units": units}
        projects = active_projects(self.agency).filter(pk__in=self.base_ids)
        if street:
            projects = projects.filter(street_id=street)
        return {"projects": sorted(projects.values_list("pk", flat=True)), "units": units}

    def ranking_table(self, start, end) -> str:
        return _ranking_table(self.agency, start, end)

    def accident_company(self):
        return _accident_company(self)

    def remind(self, when, since):
        """The reminder job, as it ran at `when`."""
        from . import services as svc
        from .models import DocumentEvent, Recipient

        svc.send_reminders(now=when)
        DocumentEvent.objects.filter(at__gte=since).update(at=when)
        Recipient.objects.filter(reminded_at__gte=since).update(reminded_at=when)

    def fix_year(self, obj, number_field, kind, when):
        """A number drawn today for something that happened last year is drawn again in that
        year (and today's given back), so numbers and years agree across New Year."""
        from anjian.core.models import DocumentSequence
        from anjian.core.numbering import next_number

        year = timezone.localtime(when).year
        drawn_year = timezone.localtime().year  # the services draw in the year they run
        if year == drawn_year:
            return
        number = next_number(agency=self.agency, kind=kind, year=year)
        DocumentSequence.objects.filter(agency=self.agency, kind=kind, year=drawn_year).update(
            last=F("last") - 1
        )
        fields = {number_field: number}
        if hasattr(obj, "year"):
            fields["year"] = year
        type(obj).objects.filter(pk=obj.pk).update(**fields)
        for name, value in fields.items():
            setattr(obj, name, value)


# --- behaviour of the inboxes ----------------------------------------------------------------------


def _behaviour(clock, *, reply=0.0, sign=0.0, read=0.0, late=0.1, sign_hours=(1, 30)):
    """An inbox that replies, signs, only reads or does nothing, with office-hour times."""

    def decide(row, rng, sent):
        roll = rng.random()
        outcome = Outcome()
        if roll >= reply + sign + read:
            return outcome
        outcome.read = clock.later(sent, rng, 0.3, 6)
        if roll >= reply + sign:
            return outcome
        outcome.sign = clock.later(sent, rng, *sign_hours)
        outcome.read = min(outcome.read, outcome.sign)
        if roll < reply:
            outcome.reply = clock.later(outcome.sign, rng, 20, 90)
            if rng.random() < late:
                outcome.reply += datetime.timedelta(days=rng.randint(3, 6))
            outcome.attach = rng.random() < 0.4
        return outcome

    return decide


def _special(base, rules: dict):
    """`base`, except for the rows matched by `rules`: {(project code or org id, unit): fn}."""

    def decide(row, rng, sent):
        key = (row.project.code if row.project_id else row.organization_id, row.unit)
        if key in rules:
            return rules[key](sent)
        return base(row, rng, sent)

    return decide


# --- reply texts -----------------------------------------------------------------------------------

# The seasonal content: the notice about a season or holiday (three months ago) and the
# inspection notice (last week), each picked by the month it is sent in.
SEASONS = {
    "flood": {
        "months": (5, 6, 7, 8, 9),
        "title": "关于做好汛期建筑施工安全生产工作的通知",
        "intro": (
            "当前我区已进入主汛期，强降雨、雷电、大风等极端天气多发，建筑施工安全生产面临严峻考验。"
            "为切实做好汛期建筑施工安全生产工作，现将有关要求通知如下："
        ),
        "items": [
            ("基坑工程", "加强基坑周边截排水，严禁坑边堆载，雨后及时组织监测并复核支护结构安全"),
            ("临时用电", "配电箱、开关箱设置防雨措施，箱底距地面不小于1.4m，雨后检查漏电保护"),
            ("起重机械", "塔吊基础做好排水，遇六级以上大风、雷雨天气停止作业"),
            ("临建设施", "彩钢板房、围挡等逐一检查加固，低洼处宿舍人员提前转移"),
            ("应急准备", "成立防汛抢险队伍，储备水泵、编织袋、发电机等物资，汛期24小时值班"),
        ],
        "report": "防汛准备及隐患排查情况",
        "lead": "已完成防汛物资储备（水泵{a}台、编织袋{b}00条、发电机1台），成立防汛抢险队{c}人并开展应急演练",
        "findings": [
            "基坑周边截水沟局部淤堵",
            "地下室出入口未设挡水设施",
            "配电箱底部距地面不足",
            "防汛物资储备不足",
            "临建屋面排水不畅",
            "塔吊基础排水井积水",
        ],
    },
    "winter": {
        "months": (10, 11),
        "title": "关于做好冬期施工安全生产工作的通知",
        "intro": (
            "入冬在即，我区即将进入冬期施工阶段，大风、降温、降雪天气增多，火灾、煤气中毒、"
            "高处坠落等事故风险上升。为切实做好冬期施工安全生产工作，现将有关要求通知如下："
        ),
        "items": [
            ("冬施方案", "编制冬期施工专项方案，经监理单位审批后实施"),
            ("防火", "动火作业严格审批，易燃保温材料集中存放并配置灭火器材"),
            ("防中毒", "宿舍严禁使用明火取暖，加热养护的封闭空间设置通风和一氧化碳报警装置"),
            ("防滑", "脚手架、马道、作业平台及时清除冰雪，设置防滑条"),
            ("防大风", "起重机械遇六级及以上大风停止作业，做好附着和锚固检查"),
        ],
        "report": "冬期施工准备情况",
        "lead": "已编制冬期施工方案并经监理单位审批，储备保温、防滑材料及灭火器{a}具，开展冬施安全教育{c}人次",
        "findings": [
            "宿舍区私拉电线使用电暖器",
            "易燃保温材料露天堆放未覆盖",
            "消防水管未做保温",
            "马道未设防滑条",
        ],
    },
    "holiday": {
        "months": (12, 1),
        "title": "关于做好元旦、春节期间建筑施工安全生产工作的通知",
        "intro": (
            "元旦、春节临近，施工现场赶工期、抢进度现象易发，农民工返乡前后人员流动大。"
            "为确保节日期间全区建筑施工安全形势稳定，现将有关要求通知如下："
        ),
        "items": [
            ("严控赶工", "严禁压缩合理工期，节前停工项目做好临电切断、机械停放和现场封闭"),
            ("防火防中毒", "宿舍严禁使用明火和大功率电器取暖，动火作业严格审批"),
            ("值班值守", "节日期间安排项目负责人带班，落实24小时值班和信息报送"),
            ("节后复工", "复工前开展全面安全检查和全员安全教育，经监理单位确认后方可复工"),
        ],
        "report": "节日期间安全工作安排",
        "lead": "已制定节日期间值班表（项目负责人带班，值班人员{a}名），停工区域已切断临时用电并封闭现场，节前组织全员安全教育{c}人次",
        "findings": ["宿舍区使用电暖器", "停工区域未切断临时用电", "值班记录不全"],
    },
    "restart": {
        "months": (2, 3, 4),
        "title": "关于做好节后复工复产建筑施工安全生产工作的通知",
        "intro": (
            "节后各在建项目陆续复工，人员流动大、新进场人员多，设备设施停用后重新启用，"
            "安全风险集中。为确保复工复产安全有序，现将有关要求通知如下："
        ),
        "items": [
            ("复工检查", "复工前对基坑、脚手架、模板支撑、临时用电进行全面检查"),
            ("安全教育", "新进场及返岗人员全部接受三级安全教育后方可上岗"),
            ("起重机械", "塔吊、施工升降机停用期间的维护保养记录齐全，复检合格后方可使用"),
            ("复工确认", "复工前报监理单位检查确认"),
        ],
        "report": "复工复产安全检查情况",
        "lead": "已完成复工前安全检查，塔吊、施工升降机{a}台经检测合格后恢复使用，返岗人员三级安全教育{c}人",
        "findings": ["脚手架连墙件松动", "基坑边坡局部冻融剥落", "配电箱漏电保护器失灵"],
    },
}
INSPECTIONS = {
    "winter": {
        "months": (11, 12, 1, 2),
        "name": "冬季施工",
        "intro": "入冬以来，我区气温持续走低，大风、降雪天气增多，建筑施工进入冬期施工阶段。",
        "items": [
            (
                "防火",
                "动火作业审批、消防器材配置、易燃可燃材料堆放，宿舍取暖严禁使用明火及大功率电器",
            ),
            (
                "防煤气中毒",
                "采用燃煤、燃气加热养护的封闭空间设置通风和一氧化碳报警装置，严禁人员在内休息",
            ),
            (
                "防滑防冻",
                "及时清除脚手架、作业平台、马道的冰雪并采取防滑措施，临时用水管线做好保温",
            ),
            ("防大风", "塔式起重机、施工升降机遇六级及以上大风停止作业，做好附着和锚固检查"),
            (
                "深基坑及高支模",
                "冻融交替期间加强基坑变形监测，冬期施工的模板支撑拆除前须经同条件试块强度确认",
            ),
        ],
        "findings": [
            "宿舍区私拉电线使用电暖器",
            "混凝土养护暖棚未设一氧化碳报警器",
            "外架马道未设防滑条",
            "消防水管未做保温，冬季无法使用",
            "动火作业未办理审批手续",
            "易燃保温材料露天堆放未覆盖",
            "塔吊附着装置螺栓松动",
            "临时用电电缆拖地、浸泡于积雪中",
        ],
        "next": "落实冬施方案，每日班前检查取暖及用电设施，大风天气停止起重吊装作业。",
    },
    "spring": {
        "months": (3, 4),
        "name": "春季施工",
        "intro": "春季气候干燥、大风天气多发，节后复工项目集中，新进场人员多。",
        "items": [
            ("防大风", "塔吊、施工升降机附着装置检查，大风天气停止高处和吊装作业"),
            ("防火", "易燃材料堆放、动火审批和消防器材配置"),
            ("深基坑", "冻融后基坑边坡和支护结构检查、监测"),
            ("临时用电", "复工后配电系统检查，漏电保护器测试"),
            ("安全教育", "新进场人员三级安全教育和安全技术交底"),
        ],
        "findings": [
            "塔吊附着装置螺栓松动",
            "基坑边坡局部冻融剥落",
            "漏电保护器动作失灵",
            "新进场工人安全教育记录缺失",
            "易燃材料堆放区未配灭火器",
            "围挡局部倾斜",
        ],
        "next": "加强大风天气预警，落实新进场人员教育，每周开展一次综合检查。",
    },
    "flood": {
        "months": (5, 6, 7, 8, 9),
        "name": "汛期施工",
        "intro": "我区已进入汛期，强降雨、雷电、大风等极端天气多发。",
        "items": [
            ("基坑工程", "截排水设施、支护结构、监测预警"),
            ("临时用电", "配电箱防雨、漏电保护、电缆架设"),
            ("起重机械", "塔吊基础排水、附着装置、防雷接地"),
            ("临建设施", "彩钢板房、围挡加固，低洼处宿舍"),
            ("应急准备", "防汛物资、抢险队伍、值班值守"),
        ],
        "findings": [
            "基坑周边截水沟局部淤堵",
            "地下室出入口未设挡水设施",
            "配电箱底部距地面不足",
            "防汛物资储备不足",
            "临建屋面排水不畅",
            "塔吊基础排水井积水",
        ],
        "next": "汛期实行24小时值班，强降雨前后组织专项检查。",
    },
}


INSPECTIONS["autumn"] = {
    **INSPECTIONS["winter"],
    "months": (10,),
    "name": "秋冬季施工",
    "intro": "秋冬季节交替，气温逐步走低，大风天气增多，各项目陆续进入冬期施工准备阶段。",
}


def _variant(table: dict, day: datetime.date) -> dict:
    return next(v for v in table.values() if day.month in v["months"])


DANGER_ITEMS = [
    "专项方案交底记录缺少作业人员签字",
    "监测数据未按规定频次报送",
    "盘扣架可调托撑伸出长度超过方案要求",
    "验收标识牌未及时悬挂",
    "危大工程公告牌信息未更新",
    "悬挑架型钢锚固段未按方案设置",
]


def _report_files(row, title, lines, when, signer) -> list:
    org = row.organization
    head = row.project.name if row.project_id else org.name
    return [
        (
            f"{title}.pdf",
            _pdf(
                f"{head}{title}",
                [(f"{i}. ", line) for i, line in enumerate(lines, 1)],
                when=when,
                author=signer.name or org.name,
                seal=org.name,
            ),
        )
    ]


def _inspection_reply(variant):
    def reply(row, rng, when, user):
        found = rng.randint(5, 16)
        fixed = found - rng.choice([0, 0, 1, 2])
        items = rng.sample(variant["findings"], 3)
        due = (timezone.localtime(when) + datetime.timedelta(days=3)).strftime("%m月%d日")
        text = (
            f"已组织项目部开展{variant['name']}安全专项自查，发现问题{found}项，已整改{fixed}项"
            + (
                f"，剩余{found - fixed}项（{items[0]}）正在整改，预计{due}前完成。"
                if fixed < found
                else "，已全部整改完毕。"
            )
            + f"主要问题：{items[1]}、{items[2]}等。自查报告及问题台账见附件。"
        )
        lines = [
            f"检查范围：施工现场、生活区、加工区，检查人员：{user.name or user.username}等5人。",
            f"发现问题{found}项，已整改{fixed}项。",
            "主要问题：" + "；".join(items) + "。",
            "下一步：" + variant["next"],
        ]
        return text, _report_files(row, f"{variant['name']}安全自查报告", lines, when, user)

    return reply


def _season_reply(variant):
    def reply(row, rng, when, user):
        if row.project_id is None:
            text = (
                f"集团已转发通知并组织所属{rng.randint(5, 12)}个在建项目逐项落实，"
                "集团安全管理部对重点项目进行了抽查，"
                f"发现问题{rng.randint(6, 15)}项，已督促整改完毕。"
            )
        else:
            lead = variant["lead"].format(
                a=rng.randint(3, 12), b=rng.choice([2, 3, 5, 8]), c=rng.randint(15, 60)
            )
            text = (
                f"{lead}；排查发现{rng.choice(variant['findings'])}等问题"
                f"{rng.randint(3, 8)}项，均已整改。"
            )
        lines = [text, "附：检查记录、整改前后照片、值班表。"]
        return text, _report_files(row, f"{variant['report']}报告", lines, when, user)

    return reply


def _danger_reply(world):
    def reply(row, rng, when, user):
        works = world.works_by_project.get(row.project_id, (0, 0))
        total, over = works if works[0] else (rng.randint(2, 5), rng.randint(0, 2))
        problems = rng.randint(1, 4)
        items = rng.sample(DANGER_ITEMS, min(problems, 2))
        text = (
            f"我监理部已对本项目{total}项危大工程（其中超过一定规模的{over}项）进行全面排查，"
            "专项施工方案均已按规定审查并经总监理工程师签字，"
            f"发现{problems}项问题（{'、'.join(items)}），已下发监理通知单督促施工单位整改，"
            "并将危大工程纳入监理日志专项巡视。"
        )
        lines = [text, "附：危大工程清单、监理通知单及回复单。"]
        return text, _report_files(row, "危大工程专项排查情况报告", lines, when, user)

    return reply


def _letter_reply(row, rng, when, user):
    text = (
        "我公司已于约谈后召开全公司安全生产专题会议，对事故暴露出的吊索具管理问题进行全面整改："
        "一是对所有在建项目的吊索具进行全数检查，报废钢丝绳37根、卸扣12个；"
        "二是修订《起重吊装作业安全管理制度》，吊索具实行编号、台账和每日班前检查；"
        "三是对公司主要负责人、项目负责人及专职安全员进行处理，并组织起重司索信号工重新培训考核。"
        "整改报告见附件，请审阅。"
    )
    lines = [
        "一、事故基本情况及原因分析",
        "二、已采取的整改措施：吊索具全数检查、制度修订、人员处理与培训",
        "三、举一反三排查情况：公司所属在建项目3个，排查隐患21项，已整改21项",
        "四、下一步工作安排",
    ]
    return text, _report_files(row, "安全生产整改情况报告", lines, when, user)


# --- the documents ---------------------------------------------------------------------------------


def _quarter(clock) -> tuple:
    """(start, end, label, day its ranking was published) of the last quarter that ended a
    month ago; the ranking was published half a month after it ended."""
    shifted = clock.today - datetime.timedelta(days=30)
    end = shifted.replace(month=(shifted.month - 1) // 3 * 3 + 1, day=1)
    end -= datetime.timedelta(days=1)
    start = end.replace(month=end.month - 2, day=1)
    label = f"{end.year}年第{'一二三四'[(end.month - 1) // 3]}季度"
    published = clock.workday((end + datetime.timedelta(days=15) - clock.today).days)
    return start, end, label, published


def _summary_period(today: datetime.date) -> str:
    """The period whose work summary is asked for around `today`."""
    if today.month <= 2:
        return f"{today.year - 1}年度"
    if today.month >= 11:
        return f"{today.year}年度"
    return f"{today.year}年上半年" if today.month <= 7 else f"{today.year}年前三季度"


def _date(day) -> str:
    if isinstance(day, datetime.datetime):
        day = timezone.localtime(day).date()
    return f"{day.year}年{day.month}月{day.day}日"


def _specs(world) -> list[DocSpec]:
    from . import services as svc

    clock, cast = world.clock, world.cast
    deadline = svc.deadline_on
    chief_name = cast["chief"].name or "陈立华"
    contact = CONTACT.format(name=chief_name)
    specs = []
    all_projects = world.every_project(["contractor"])

    # -- 1. the season's (or holiday's) notice, about three months ago; closed -------------------
    sent_day = clock.workday(-85)
    draft_day = clock.previous_workday(sent_day)
    sent = clock.at(sent_day, 9.5)
    reply_day = clock.next_workday(sent_day, 7)
    season = _variant(SEASONS, sent_day)
    title = season["title"]
    body = (
        "各施工单位、各集团公司：\n\n"
        + season["intro"]
        + "\n\n## 一、工作要求\n\n"
        + "".join(
            f"{i}. **{name}**：{text}；\n" for i, (name, text) in enumerate(season["items"], 1)
        )
        + "\n## 二、报送要求\n\n"
        + f"请于{_date(reply_day)}前通过本系统回复{season['report']}。\n\n"
        + contact
    )
    specs.append(
        DocSpec(
            key="season",
            kind="notice",
            title=title,
            body=body,
            audience={**all_projects, "all_groups": True},
            drafter="supervisor",
            created=clock.at(draft_day, 15),
            submitted=clock.at(draft_day, 16.5),
            approver="chief",
            approved=sent,
            approve_comment="同意，即发。",
            reply_required=True,
            sign_deadline=deadline(clock.next_workday(sent_day, 2)),
            reply_deadline=deadline(reply_day),
            files=[
                (
                    f"{season['report']}检查要点.pdf",
                    _pdf(
                        title.replace("关于", "").replace("的通知", "检查要点"),
                        [
                            (f"{'一二三四五'[i]}、{name}：", text + "。")
                            for i, (name, text) in enumerate(season["items"])
                        ],
                        when=sent,
                    ),
                )
            ],
            closed=clock.maybe(clock.next_workday(reply_day, 8), 10),
            close_comment=f"{season['report']}已收齐。未按期回复的单位已电话督促，纳入月度考评。",
            behaviour=_special(
                _behaviour(clock, reply=0.85, sign=0.05, read=0.02, late=0.12),
                {
                    (FIRST, "contractor"): lambda s: Outcome(
                        sign=clock.later(s, random.Random(1), 1, 2),
                        reply=clock.office(
                            clock.at(clock.next_workday(sent_day, 4), 15.2), random.Random(1)
                        ),
                        attach=True,
                    ),
                    (SECOND, "contractor"): lambda s: Outcome(
                        sign=clock.later(s, random.Random(8), 2, 5),
                        reply=clock.at(clock.next_workday(sent_day, 6), 10.4),
                    ),
                    (cast.org_id("grouphq"), ""): lambda s: Outcome(
                        sign=clock.later(s, random.Random(2), 0.5, 1),
                        reply=clock.at(clock.next_workday(sent_day, 5), 11),
                        attach=True,
                    ),
                },
            ),
            reply_text=_season_reply(season),
        )
    )

    # -- 2. the 考评 rules (文件), about two months ago; closed -------------------------------------
    file_day = clock.workday(-61)
    rules = f"通州区建筑施工安全生产标准化考评工作实施细则（{file_day.year}年修订）"
    file_title = f"关于印发《{rules}》的通知"
    file_sent = clock.at(file_day, 9.7)
    specs.append(
        DocSpec(
            key="rules",
            kind="file",
            title=file_title,
            body=(
                "各施工单位、各监理单位：\n\n"
                "为进一步规范我区建筑施工安全生产标准化考评工作，依据《建筑施工安全检查标准》"
                "（JGJ 59-2011）和住房城乡建设部有关规定，我委对考评实施细则进行了修订，"
                "现印发给你们，请认真贯彻执行。\n\n"
                "本次修订的主要内容：\n\n"
                "1. 项目自评每月开展一次，经监理单位、建设单位审核确认；\n"
                "2. 保证项目任一项得零分的，该分项检查评分表按零分计；\n"
                "3. 优良项目比例不超过当年竣工项目的10%；\n"
                "4. 发生一般及以上生产安全责任事故的项目，考评结果为不合格。\n\n"
                "本细则自印发之日起施行。\n\n" + contact
            ),
            audience={"org_kinds": ["contractor", "supervision"]},
            drafter="chief",
            created=clock.at(file_day, 9),
            submitted=file_sent,
            sign_deadline=deadline(clock.next_workday(file_day, 3)),
            files=[
                (
                    f"考评工作实施细则（{file_day.year}年修订）.pdf",
                    _pdf(
                        rules,
                        [
                            ("第一条 ", "为规范本区建筑施工安全生产标准化考评工作，制定本细则。"),
                            ("第二条 ", "项目自评每月开展一次，经监理、建设单位审核确认。"),
                            ("第三条 ", "保证项目任一项得零分的，该分项检查评分表按零分计。"),
                            ("第四条 ", "发生一般及以上生产安全责任事故的项目考评为不合格。"),
                            ("第五条 ", "本细则自印发之日起施行。"),
                        ],
                        when=file_sent,
                    ),
                ),
                (
                    f"考评工作实施细则（{file_day.year}年修订）.docx",
                    _docx(
                        rules,
                        [
                            "第一条 为规范本区建筑施工安全生产标准化考评工作，制定本细则。",
                            "第二条 项目自评每月开展一次，经监理、建设单位审核确认。",
                            "第三条 保证项目任一项得零分的，该分项检查评分表按零分计。",
                        ],
                    ),
                ),
            ],
            closed=clock.maybe(clock.next_workday(file_day, 12), 16),
            close_comment="已全部印发，签收情况已核对。",
            behaviour=_special(
                _behaviour(clock, sign=0.92, read=0.04, sign_hours=(0.5, 40)),
                {
                    (cast.org_id("pm"), ""): lambda s: Outcome(
                        sign=clock.later(s, random.Random(3), 1, 3)
                    ),
                    (cast.org_id("engineer"), ""): lambda s: Outcome(
                        sign=clock.later(s, random.Random(4), 2, 5)
                    ),
                },
            ),
        )
    )

    # -- 3. withdrawn: sent to one street with an outdated checklist -------------------------------
    street = world.first_street_id
    if street:
        wd_day = clock.workday(-50)
        wd_draft = clock.previous_workday(wd_day)
        wd_sent = clock.at(wd_day, 9.5)
        specs.append(
            DocSpec(
                key="fire",
                kind="notice",
                title="关于开展建筑施工消防安全专项检查的通知",
                body=(
                    "各施工单位：\n\n"
                    "为防范施工现场火灾事故，决定在本镇在建项目开展消防安全专项检查。"
                    "请对照附件检查表开展自查，并于规定时间内回复自查情况。\n\n" + contact
                ),
                audience=world.every_project(["contractor"], street=street),
                drafter="supervisor",
                created=clock.at(wd_draft, 14),
                submitted=clock.at(wd_draft, 15),
                approver="chief",
                approved=wd_sent,
                reply_required=True,
                sign_deadline=deadline(clock.next_workday(wd_day, 2)),
                reply_deadline=deadline(clock.next_workday(wd_day, 8)),
                files=[
                    (
                        "消防安全专项检查表.pdf",
                        _pdf(
                            "建筑施工消防安全专项检查表",
                            [("检查依据：", "《建设工程施工现场消防安全技术规范》GB 50720")],
                            when=wd_sent,
                        ),
                    )
                ],
                withdrawn=clock.at(wd_day, 15.5),
                withdraw_reason=(
                    "附件《消防安全专项检查表》误用了旧版本，检查项目与现行标准不一致，"
                    "现予撤回，更正后另行印发。已签收的单位无需回复。"
                ),
                behaviour=_special(
                    _behaviour(clock, sign=0.2, read=0.4, sign_hours=(0.5, 4)),
                    {
                        (FIRST, "contractor"): lambda s: Outcome(
                            read=s + datetime.timedelta(minutes=80)
                        )
                    },
                ),
            )
        )

    # -- 4. the quarter's ranking 通报, to every group HQ and contractor; closed ---------------------
    quarter_start, quarter_end, quarter, b_day = _quarter(clock)
    b_sent = clock.at(b_day, 10)
    table = world.ranking_table(quarter_start, quarter_end)
    b_title = f"关于{quarter}建筑施工安全生产考核排名情况的通报"
    specs.append(
        DocSpec(
            key="bulletin",
            kind="bulletin",
            title=b_title,
            body=(
                "各集团公司、各施工单位：\n\n"
                f"根据{quarter}监督检查评分情况，按照《通州区建筑施工安全生产考核排名办法》，"
                "我委对在施工程的施工企业和集团公司进行了考核排名，现将排名情况通报如下：\n\n"
                + table
                + "\n\n排名靠后的企业要深刻分析原因，举一反三落实整改，"
                "于通报印发后10个工作日内将整改情况书面报送我委。"
                "我委将对排名后三位企业的在施项目加大监督检查频次。\n\n" + contact
            ),
            audience={"all_groups": True, "org_kinds": ["contractor"]},
            drafter="supervisor",
            created=clock.at(clock.previous_workday(b_day), 15),
            submitted=clock.at(clock.previous_workday(b_day), 16),
            approver="leader",
            approved=b_sent,
            approve_comment="同意印发。",
            sign_deadline=deadline(clock.next_workday(b_day, 3)),
            files=[
                (
                    f"{quarter}考核排名表.pdf",
                    _pdf(
                        f"{quarter}建筑施工安全生产考核排名表",
                        [
                            (line.strip("|").replace("|", "  "), "")
                            for line in table.splitlines()[2:14]
                        ]
                        or [("", "本季度无排名数据。")],
                        when=b_sent,
                    ),
                )
            ],
            closed=clock.maybe(clock.next_workday(b_day, 10), 17),
            closer="supervisor",
            close_comment="签收情况已核对。",
            behaviour=_special(
                _behaviour(clock, sign=0.9, read=0.05, sign_hours=(0.5, 30)),
                {
                    (cast.org_id("pm"), ""): lambda s: Outcome(
                        sign=clock.later(s, random.Random(5), 1, 2)
                    ),
                    (cast.org_id("grouphq"), ""): lambda s: Outcome(
                        sign=clock.later(s, random.Random(6), 0.3, 1)
                    ),
                },
            ),
        )
    )

    # -- 5. a 函 to the company of the crane accident; replied, closed ------------------------------
    company, project, accident_day = world.accident_company()
    if company is not None:
        l_day = clock.workday(max((accident_day - clock.today).days + 4, -80))
        l_sent = clock.at(l_day, 11)
        l_reply = clock.maybe(clock.next_workday(l_day, 4), 16)
        specs.append(
            DocSpec(
                key="letter",
                kind="letter",
                title=f"关于约谈{company.name}主要负责人的函",
                body=(
                    f"{company.name}：\n\n"
                    f"{_date(accident_day)}，你公司承建的{project.name}发生一起起重伤害事故，"
                    "2#塔吊吊运钢筋时吊索具断裂，造成2名作业人员重伤。事故暴露出你公司安全生产主体责任"
                    "落实不到位、吊索具管理混乱、现场安全管理缺失等问题。\n\n"
                    "根据《中华人民共和国安全生产法》有关规定，我委定于"
                    f"{_date(clock.next_workday(l_day, 2))}上午9:30在区住建委三楼会议室"
                    "约谈你公司主要负责人。请你公司主要负责人、分管安全负责人、项目负责人参加，"
                    "并准备以下材料：\n\n"
                    "1. 事故经过及原因分析；\n"
                    "2. 公司所属在建项目起重机械及吊索具排查情况；\n"
                    "3. 整改措施及责任追究情况。\n\n"
                    f"请于{_date(clock.next_workday(l_day, 5))}前将整改情况书面回复。\n\n" + contact
                ),
                audience={"organizations": [company.pk]},
                drafter="chief",
                created=clock.at(l_day, 9.5),
                submitted=l_sent,
                reply_required=True,
                sign_deadline=deadline(clock.next_workday(l_day, 1)),
                reply_deadline=deadline(clock.next_workday(l_day, 5)),
                closed=clock.maybe(clock.next_workday(l_day, 7), 10),
                close_comment="整改报告已审阅，约谈记录及整改材料归档。",
                behaviour=lambda row, rng, s: Outcome(
                    sign=clock.later(s, rng, 0.5, 2), reply=l_reply, attach=True
                ),
                reply_text=_letter_reply,
            )
        )

    # -- 6. 危大工程 notice to the 监理 of every active project; reply due in a few days ------------
    d_day = clock.workday(-12)
    d_draft = clock.previous_workday(d_day)
    d_sent = clock.at(d_day, 9)
    d_reply = clock.next_workday(clock.today, 4)
    specs.append(
        DocSpec(
            key="danger",
            kind="notice",
            title="关于进一步加强危险性较大的分部分项工程安全管理的通知",
            body=(
                "各监理单位：\n\n"
                "近期，外省市接连发生深基坑坍塌、高支模坍塌等较大事故。为深刻吸取事故教训，"
                "进一步落实《危险性较大的分部分项工程安全管理规定》（住建部令第37号），"
                "现就加强危大工程监理工作通知如下：\n\n"
                "## 一、开展危大工程专项排查\n\n"
                "1. 对所监理项目的危大工程逐项建立清单，核实专项施工方案编制、审核、论证情况；\n"
                "2. 超过一定规模的危大工程，核查专家论证意见的修改落实情况；\n"
                "3. 检查方案交底、现场公告、验收及第三方监测的实施情况。\n\n"
                "## 二、落实监理职责\n\n"
                "1. 编制危大工程监理实施细则，实施专项巡视检查；\n"
                "2. 发现未按方案施工的，要求立即整改；情节严重的，要求暂停施工并及时报告；\n"
                "3. 施工单位拒不整改或不停止施工的，及时报告建设单位和我委。\n\n"
                "## 三、报送要求\n\n"
                f"请于{_date(d_reply)}前通过本系统回复排查情况，附危大工程清单。\n\n"
                "| 报送内容 | 格式 | 备注 |\n"
                "|---|---|---|\n"
                "| 危大工程清单 | Excel | 含超过一定规模的危大工程 |\n"
                "| 排查情况报告 | PDF | 总监理工程师签字 |\n"
                "| 监理通知单及回复 | PDF | 如有 |\n\n" + contact
            ),
            audience=world.every_project(["supervision"]),
            drafter="supervisor",
            created=clock.at(d_draft, 14.5),
            submitted=clock.at(d_draft, 16),
            approver="chief",
            approved=d_sent,
            reply_required=True,
            sign_deadline=deadline(clock.next_workday(d_day, 2)),
            reply_deadline=deadline(d_reply),
            files=[
                (
                    "危大工程排查清单（模板）.docx",
                    _docx(
                        "危险性较大的分部分项工程排查清单",
                        ["项目名称：", "监理单位：", "总监理工程师："],
                        [
                            ["序号", "危大工程名称", "规模", "方案审批", "论证", "验收"],
                            ["1", "", "", "", "", ""],
                            ["2", "", "", "", "", ""],
                        ],
                    ),
                )
            ],
            behaviour=_special(
                _behaviour(clock, reply=0.35, sign=0.5, read=0.05, late=0.0),
                {
                    (FIRST, "supervision"): lambda s: Outcome(
                        sign=clock.at(clock.next_workday(d_day, 1), 10.2)
                    ),
                },
            ),
            reply_text=_danger_reply(world),
        )
    )

    # -- 7. the season's inspection notice (冬季施工 now), by chief, six working days ago --------
    w_day = clock.workday(-6)
    w_sent = clock.at(w_day, 10.5)
    w_reply = clock.next_workday(clock.today, 3)
    check = _variant(INSPECTIONS, w_day)
    w_title = f"关于开展{check['name']}安全专项检查的通知"
    w_body = (
        "各施工单位：\n\n"
        + check["intro"]
        + f"为有效防范{check['name']}各类生产安全事故，经研究，决定在全区在建房屋建筑和市政基础"
        f"设施工程中开展{check['name']}安全专项检查。现将有关事项通知如下：\n\n"
        "## 一、检查重点\n\n"
        + "".join(
            f"{i}. **{name}**：{text}；\n" for i, (name, text) in enumerate(check["items"], 1)
        )
        + "\n## 二、工作安排\n\n"
        "| 阶段 | 时间 | 责任单位 |\n"
        "|---|---|---|\n"
        f"| 企业自查 | 即日起至{_date(w_reply)} | 施工单位、监理单位 |\n"
        f"| 监督抽查 | {_date(clock.next_workday(w_reply, 1))}起 | 区住建委安全监督科 |\n"
        f"| 总结通报 | {_date(clock.next_workday(w_reply, 15))}前 | 区住建委 |\n\n"
        "## 三、工作要求\n\n"
        "1. 收到本通知后2个工作日内签收，并组织项目部对照附件检查表开展全面自查；\n"
        "2. 自查发现的问题建立台账，明确责任人和整改期限，做到闭环管理；\n"
        f"3. 自查报告（含问题台账及整改照片）于{_date(w_reply)}前通过本系统回复；\n"
        "4. 对自查走过场、隐患整改不到位的，我委将依法依规严肃处理。\n\n" + contact + "\n\n"
        f"附件：1. {check['name']}安全专项检查表\n2. 自查情况汇总表"
    )
    specs.append(
        DocSpec(
            key="inspection",
            kind="notice",
            title=w_title,
            body=w_body,
            audience=all_projects,
            drafter="chief",
            created=clock.at(w_day, 9),
            submitted=w_sent,
            reply_required=True,
            sign_deadline=deadline(clock.next_workday(w_day, 2)),
            reply_deadline=deadline(w_reply),
            files=[
                (
                    f"{check['name']}安全专项检查表.pdf",
                    _pdf(
                        f"{check['name']}安全专项检查表",
                        [
                            (f"{'一二三四五'[i]}、{name}：", text + "。检查记录：")
                            for i, (name, text) in enumerate(check["items"])
                        ],
                        when=w_sent,
                    ),
                ),
                (
                    "自查情况汇总表.docx",
                    _docx(
                        "自查情况汇总表",
                        ["项目名称：", "施工单位（盖章）：", "填报人：", "填报日期："],
                        [["检查项目", "发现问题（项）", "已整改（项）", "整改责任人"]]
                        + [[name, "", "", ""] for name, _text in check["items"]],
                    ),
                ),
            ],
            behaviour=_special(
                _behaviour(clock, reply=0.45, sign=0.3, read=0.1, late=0.0),
                {
                    (FIRST, "contractor"): lambda s: None,  # pm's to-do
                    (SECOND, "contractor"): lambda s: Outcome(
                        sign=clock.later(s, random.Random(7), 2, 4),
                        reply=clock.at(clock.workday(-1), 16),
                        attach=True,
                    ),
                },
            ),
            reply_text=_inspection_reply(check),
        )
    )

    # -- 8. waiting for chief's approval; 9. supervisor's draft ---------------------------------------
    p_day = clock.workday(-1)
    specs.append(
        DocSpec(
            key="pending",
            kind="notice",
            title="关于开展建筑起重机械安全专项整治的通知",
            body=(
                "各施工单位、各监理单位：\n\n"
                "为遏制建筑起重机械事故多发势头，决定在全区开展建筑起重机械安全专项整治，"
                "重点检查塔式起重机、施工升降机的产权备案、安装拆卸告知、检测验收、使用登记，"
                "以及司机、信号司索工持证上岗情况。\n\n"
                "1. 施工单位对在用起重机械逐台自查，建立台账；\n"
                "2. 监理单位对起重机械安装拆卸实施旁站监理；\n"
                "3. 我委将组织专项抽查，对违法违规行为依法查处。\n\n" + contact
            ),
            audience=world.every_project(["contractor", "supervision"]),
            drafter="supervisor",
            created=clock.at(p_day, 14),
            submitted=clock.at(p_day, 16.7),
            reply_required=True,
            sign_deadline=deadline(clock.next_workday(clock.today, 3)),
            reply_deadline=deadline(clock.next_workday(clock.today, 12)),
            files=[
                (
                    "建筑起重机械检查台账.docx",
                    _docx(
                        "建筑起重机械检查台账",
                        ["项目名称：", "施工单位："],
                        [
                            ["设备类型", "规格型号", "备案编号", "使用登记", "检测日期"],
                            ["塔式起重机", "", "", "", ""],
                            ["施工升降机", "", "", "", ""],
                        ],
                    ),
                )
            ],
        )
    )
    specs.append(
        DocSpec(
            key="draft",
            kind="notice",
            title=f"关于报送{_summary_period(clock.today)}建筑施工安全生产工作总结的通知",
            body=(
                "各施工单位：\n\n"
                f"请各单位认真总结{_summary_period(clock.today)}安全生产工作，内容包括：\n\n"
                "1. 安全生产责任制落实情况；\n"
                "2. 隐患排查治理及危大工程管理情况；\n"
                "3. 存在的问题及下一年度工作计划。\n\n"
                "（草稿，待补充报送要求）"
            ),
            audience=all_projects,
            drafter="supervisor",
            created=clock.at(clock.today, 9.2),
            reply_required=True,
            reply_deadline=deadline(clock.next_workday(clock.today, 20)),
        )
    )
    return specs


# --- submissions (收文) ------------------------------------------------------------------------------


@dataclass
class SubSpec:
    key: str
    by: object
    when: datetime.datetime
    fields: dict
    files: list = field(default_factory=list)
    handler: object = None
    handled: datetime.datetime | None = None
    outcome: str = ""  # acknowledge, return, or empty (waiting)
    comment: str = ""


def _submission_specs(world) -> list[SubSpec]:
    from anjian.dangerous_works.models import DangerousWork, WorkStep

    clock, cast = world.clock, world.cast
    rng = random.Random("submissions")
    first, second = world.projects.get(FIRST), world.projects.get(SECOND)
    specs = []
    if first is not None:
        works = {
            w.name: w
            for w in DangerousWork.objects.filter(project=first).prefetch_related("documents")
        }
        pit = next(
            (
                w
                for w in works.values()
                if w.approved_at
                and w.category == "PIT"
                and any(d.kind == "scheme" for d in w.documents.all())
            ),
            None,
        )
        if pit is not None:
            day = clock.next_workday(timezone.localtime(pit.approved_at).date(), 1)
            when = clock.at(day, 10)
            specs.append(
                SubSpec(
                    key="filing",
                    by=cast["pm"],
                    when=when,
                    fields={
                        "kind": "scheme_filing",
                        "title": f"{pit.name}专项施工方案备案",
                        "body": (
                            f"{first.name}{pit.name}（{pit.get_level_display()}）专项施工方案已经"
                            "施工单位技术负责人审核、总监理工程师审查，并经专家论证、按论证意见修改完善，"
                            "现报送备案。"
                        ),
                        "project": first,
                        "dangerous_work": pit,
                    },
                    files=[
                        (
                            "危大工程专项方案备案登记表.pdf",
                            _pdf(
                                "危险性较大的分部分项工程专项施工方案备案登记表",
                                [
                                    ("工程名称：", first.name),
                                    ("危大工程：", f"{pit.name}（{pit.number}）"),
                                    ("方案审批：", "施工单位技术负责人审核，总监理工程师审查同意"),
                                    ("专家论证：", "修改后通过，已按论证意见修改完善"),
                                ],
                                when=when,
                                author=cast["pm"].name,
                                seal=cast["pm"].organization.name,
                            ),
                        )
                    ],
                    handler=first.lead_supervisor or cast["supervisor"],
                    handled=clock.maybe(clock.next_workday(day, 1), 15),
                    outcome="acknowledge",
                    comment="已备案。请严格按论证通过的方案组织施工，开挖期间加强第三方监测，"
                    "监测预警时立即停止作业并报告。",
                )
            )
        crane = next((w for w in works.values() if w.category == "LIFTING"), None)
        day = (
            clock.next_workday(timezone.localtime(crane.completed_at).date(), 2)
            if crane is not None and crane.completed_at
            else clock.workday(-45)
        )
        when = clock.at(day, 9.8)
        specs.append(
            SubSpec(
                key="crane",
                by=cast["pm"],
                when=when,
                fields={
                    "kind": "report",
                    "title": "关于1#塔式起重机安装验收及使用登记情况的报告",
                    "body": (
                        "我项目1#塔式起重机（QTZ125）已于"
                        f"{_date(day - datetime.timedelta(days=3))}安装完成，"
                        "经检测机构检测合格，施工、监理、租赁、安装单位共同验收合格，"
                        "已办理使用登记。司机、信号司索工均持证上岗。特此报告。"
                    ),
                    "project": first,
                    "dangerous_work": crane,
                },
                files=[
                    (
                        "塔式起重机验收及使用登记资料.pdf",
                        _pdf(
                            "1#塔式起重机安装验收及使用登记情况",
                            [
                                ("设备型号：", "QTZ125（TC6015），最大起重量8t"),
                                ("检测结论：", "合格"),
                                ("验收结论：", "施工、监理、租赁、安装单位共同验收合格"),
                            ],
                            when=when,
                            author=cast["pm"].name,
                            seal=cast["pm"].organization.name,
                        ),
                    )
                ],
                handler=first.lead_supervisor or cast["supervisor"],
                handled=clock.maybe(clock.next_workday(day, 1), 11),
                outcome="acknowledge",
                comment="已收悉。请做好塔吊日常维护保养和每月定期检查，大风天气停止作业。",
            )
        )
        pit_alarm = (
            WorkStep.objects.filter(work=pit, action="alarm").order_by("-at").first()
            if pit is not None
            else None
        )
        alarm_at = pit_alarm.at if pit_alarm else clock.at(clock.workday(-1), 9)
        when = min(clock.later(alarm_at, rng, 5, 7), clock.latest)
        specs.append(
            SubSpec(
                key="alarm",
                by=cast["pm"],
                when=when,
                fields={
                    "kind": "report",
                    "title": "关于地下车库基坑监测预警处置情况的报告",
                    "body": (
                        f"{_date(alarm_at)}，第三方监测单位报告地下车库基坑ZQS-3监测点"
                        "桩顶水平位移累计值达到预警值。项目部立即停止该区段开挖，卸除坑边堆载，"
                        "组织监测单位加密监测（每日2次），并邀请基坑设计单位现场复核。"
                        "目前位移速率已趋于稳定，处置情况详见附件。"
                    ),
                    "project": first,
                    "dangerous_work": pit,
                },
                files=[
                    (
                        "基坑监测预警处置报告.pdf",
                        _pdf(
                            "地下车库基坑监测预警处置报告",
                            [
                                ("预警情况：", "ZQS-3桩顶水平位移累计值达到预警值。"),
                                ("处置措施：", "停止开挖、卸除堆载、加密监测、设计复核。"),
                                ("当前状态：", "位移速率趋于稳定，继续加密监测。"),
                            ],
                            when=when,
                            author=cast["pm"].name,
                            seal=cast["pm"].organization.name,
                        ),
                    )
                ],
            )
        )
    if second is not None and "pm2" in cast.users:
        day = clock.workday(-20)
        specs.append(
            SubSpec(
                key="returned",
                by=cast["pm2"],
                when=clock.at(day, 14),
                fields={
                    "kind": "report",
                    "title": "关于DN1200再生水管道顶管下穿兴贸二街燃气管线安全防护措施的报告",
                    "body": (
                        "我项目DN1200再生水管道顶管段下穿兴贸二街DN300中压燃气管线，"
                        "垂直净距约2.6m。项目部已制定燃气管线保护措施，拟于下周开始顶进，特此报告。"
                    ),
                    "project": second,
                },
                handler=second.lead_supervisor or cast["chief"],
                handled=clock.maybe(clock.next_workday(day, 1), 10.5),
                outcome="return",
                comment=(
                    "报送材料不全：未附燃气管线权属单位的确认意见、管线沉降监测方案及应急预案。"
                    "请补齐后重新报送，未经确认不得开始顶进。"
                ),
            )
        )
    if "grouphq" in cast.users:
        day = min(clock.next_workday(_quarter(clock)[3], 8), clock.workday(-3))
        group = cast["grouphq"].organization.short_name or cast["grouphq"].organization.name
        specs.append(
            SubSpec(
                key="group",
                by=cast["grouphq"],
                when=clock.at(day, 15),
                fields={
                    "kind": "report",
                    "title": f"{group}关于{_quarter(clock)[2]}考核排名通报问题整改落实情况的报告",
                    "body": (
                        "收到考核排名通报后，集团召开安全生产专题会，对所属在施项目开展全覆盖检查，"
                        "共检查项目6个，发现隐患43项，已整改41项，其余2项限期整改。"
                        "集团将安全考核排名纳入子公司年度绩效考核。"
                    ),
                },
                files=[
                    (
                        "整改落实情况报告.docx",
                        _docx(
                            "京通建工集团考核排名通报问题整改落实情况",
                            ["一、检查情况", "二、整改情况", "三、长效机制"],
                            [
                                ["子公司", "检查项目", "发现隐患", "已整改"],
                                ["第一建筑工程有限公司", "2", "15", "15"],
                                ["市政工程有限公司", "2", "16", "15"],
                                ["安装工程有限公司", "2", "12", "11"],
                            ],
                        ),
                    )
                ],
                handler=cast["chief"],
                handled=clock.maybe(clock.next_workday(day, 2), 9.5),
                outcome="acknowledge",
                comment="已收悉，请持续抓好整改落实。",
            )
        )
    return specs


def _play_submission(world, spec: SubSpec):
    from . import services as svc

    state = {}

    def create(when, since):
        from .models import Attachment

        with acting_as(spec.by):
            state["submission"] = svc.submission_create(
                by=spec.by, fields=spec.fields, files=spec.files
            )
        _stamp(state["submission"], SUBMISSION_TIMES, since, when)
        Attachment.objects.filter(submission=state["submission"]).update(
            created_at=when, updated_at=when
        )

    def handle(when, since):
        submission = state["submission"]
        with acting_as(spec.handler):
            if spec.outcome == "acknowledge":
                submission = svc.submission_acknowledge(
                    submission=submission, by=spec.handler, comment=spec.comment
                )
                world.fix_year(submission, "number", "submission", when)
            else:
                submission = svc.submission_return(
                    submission=submission, by=spec.handler, comment=spec.comment
                )
        _stamp(submission, SUBMISSION_TIMES, since, when)

    world.timeline.add(spec.when, create)
    if spec.outcome and spec.handled:
        world.timeline.add(spec.handled, handle)


# --- what the stories read -------------------------------------------------------------------------


def _ranking_table(agency, start, end) -> str:
    """The quarter's contractor ranking as a Markdown table: the mean of the published monthly
    scores; invented scores for the active projects' contractors when nothing was published."""
    from django.db.models import Avg, Count

    from anjian.evaluations.models import RankingEntry

    rows = list(
        RankingEntry.objects.filter(
            snapshot__agency=agency,
            snapshot__unit="contractor",
            snapshot__period_type="month",
            snapshot__period_start__gte=start,
            snapshot__period_start__lte=end,
            ranked=True,
            score__isnull=False,
        )
        .values("name")
        .annotate(mean=Avg("score"), months=Count("id"))
        .order_by("-mean", "name")[:12]
    )
    if not rows:
        from anjian.projects.models import ProjectParticipant

        from .services import active_projects

        rng = random.Random(f"ranking|{start}")
        names = sorted(
            set(
                ProjectParticipant.objects.filter(
                    project__in=active_projects(agency), role="contractor"
                ).values_list("organization__name", flat=True)
            )
        )[:10]
        rows = sorted(
            ({"name": n, "mean": rng.uniform(72, 92), "months": 3} for n in names),
            key=lambda r: -r["mean"],
        )
    lines = ["| 排名 | 施工企业 | 季度平均得分 | 参评月数 |", "|---|---|---|---|"]
    for rank, row in enumerate(rows, 1):
        lines.append(f"| {rank} | {row['name']} | {float(row['mean']):.1f} | {row['months']} |")
    return "\n".join(lines)


def _accident_company(world):
    """(contractor, project, day) of the crane accident of the evaluations demo, if any."""
    from anjian.evaluations.models import Accident
    from anjian.projects.models import ProjectParticipant

    project = world.projects.get(ACCIDENT_PROJECT)
    if project is None:
        return None, None, None
    participant = (
        ProjectParticipant.objects.filter(project=project, role="contractor")
        .select_related("organization")
        .first()
    )
    if participant is None:
        return None, None, None
    accident = Accident.objects.filter(project=project).order_by("-occurred_on").first()
    day = accident.occurred_on if accident else world.clock.today - datetime.timedelta(days=40)
    return participant.organization, project, day


# --- letters -------------------------------------------------------------------------------------


def _letters(clock) -> int:
    """The document of every 督办函 that has none, dated when the letter was issued."""
    from anjian.hazards.models import SupervisionLetter

    from . import services as svc

    made = 0
    for letter in SupervisionLetter.objects.filter(document__isnull=True).select_related("project"):
        since = timezone.now()
        document = svc.document_from_letter(letter)
        _backdate_document(document, since, letter.issued_at)
        _backdate_notifications(clock, since, letter.issued_at)
        made += 1
    return made


# --- the seeder ----------------------------------------------------------------------------------


@register_demo_seeder("documents", order=50)
def seed(*, stdout, quiet=False, scale=1):
    """Outgoing documents with receipts and replies, submissions and the 督办函's documents
    (idempotent). Runs after the 危大工程 (5), hazards (20) and evaluations (40) seeders, whose
    works, letters and rankings it uses; with `--scale` only the base projects act."""
    from anjian.accounts.models import Organization

    from .models import Document, DocumentKind, Submission

    started = time.monotonic()
    agency = Organization.objects.filter(name=AGENCY_NAME).first()
    if agency is None:
        return
    clock = _Clock()
    letters = _letters(clock)
    cast = _Cast()
    if not cast.ready():
        return
    world = _World(agency, clock, cast, scale)
    documents = submissions = 0
    if (
        not Document.objects.filter(agency=agency)
        .exclude(kind=DocumentKind.SUPERVISION_LETTER)
        .exists()
    ):
        for spec in _specs(world):
            _Story(spec, world).schedule(world.timeline)
            documents += 1
    if not Submission.objects.filter(agency=agency).exists():
        for spec in _submission_specs(world):
            _play_submission(world, spec)
            submissions += 1
    steps = world.timeline.run()
    if not quiet and (documents or submissions or letters):
        stdout.write(
            f"Demo documents: {documents} documents, {submissions} submissions, {letters} "
            f"letters' documents ({steps} steps) in {time.monotonic() - started:.1f}s."
        )
