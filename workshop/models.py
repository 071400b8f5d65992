"""The data model: sessions, groups, rounds, anonymous participants, votes, ideas."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ROUND_KINDS = ("rating", "dots", "ideas")
ROUND_STATES = ("pending", "open", "closed")
# Ideas rounds: "pre" shows an idea only once the facilitator approved it, "post" at once.
MODERATION = ("pre", "post")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Catalogue(Base):
    """A catalogue an organiser uploaded; the built-in ones live as files in the package."""

    __tablename__ = "catalogues"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    content: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WorkshopSession(Base):
    __tablename__ = "workshop_sessions"
    __table_args__ = (
        # Join codes are unique among live sessions; an ended session keeps its code.
        Index(
            "uq_workshop_sessions_live_join_code",
            "join_code",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(String(200), default="")
    date: Mapped[str] = mapped_column(String(10), default="")  # ISO date, or empty
    catalogue_id: Mapped[str] = mapped_column(String(64))
    # A copy of the catalogue as it was when the session was created: the session's
    # texts must not change when the catalogue file does. Loaded only when read (it is the
    # whole toolbox in every language: decoding it for every vote would cost most of a vote).
    catalogue: Mapped[dict[str, Any]] = mapped_column(deferred=True)
    languages: Mapped[list[Any]] = mapped_column()
    join_code: Mapped[str] = mapped_column(String(16))
    facilitator_token_hash: Mapped[str] = mapped_column(String(64))
    projector_token_hash: Mapped[str] = mapped_column(String(64))
    # The organiser link's token is derived from the facilitator's and this salt, so the
    # console can show it again; a new salt ends the old link. Empty: no link issued yet.
    organiser_salt: Mapped[str | None] = mapped_column(String(32))
    organiser_token_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The round the projector shows; set when a round is opened, reopened or revealed.
    current_round_id: Mapped[int | None] = mapped_column(Integer)
    # The facilitator's countdown, shown on every screen.
    timer_ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    timer_seconds: Mapped[int | None] = mapped_column(Integer)
    # Raised by every edit of the agenda: the rounds' texts as screens are sent them are kept
    # per version (state.round_texts), not decoded again for every phone that connects.
    agenda_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    groups: Mapped[list["Group"]] = relationship(
        back_populates="session",
        order_by="Group.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    rounds: Mapped[list["Round"]] = relationship(
        back_populates="session",
        order_by="Round.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    participants: Mapped[list["Participant"]] = relationship(
        back_populates="session", cascade="all, delete-orphan", passive_deletes=True
    )


class Group(Base):
    """A stakeholder group; `key` is its public id within the session."""

    __tablename__ = "groups"
    __table_args__ = (UniqueConstraint("session_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("workshop_sessions.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(40))
    name: Mapped[dict[str, Any]] = mapped_column()  # {language: name}
    position: Mapped[int] = mapped_column(Integer)

    session: Mapped[WorkshopSession] = relationship(back_populates="groups")


class Round(Base):
    __tablename__ = "rounds"
    __table_args__ = (
        UniqueConstraint("session_id", "position"),
        CheckConstraint("kind IN ('rating', 'dots', 'ideas')", name="kind"),
        CheckConstraint("state IN ('pending', 'open', 'closed')", name="state"),
        CheckConstraint("attempt >= 1", name="attempt"),
        CheckConstraint("moderation IS NULL OR moderation IN ('pre', 'post')",
                        name="moderation"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("workshop_sessions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    field: Mapped[str | None] = mapped_column(String(64))  # action field id
    target: Mapped[str] = mapped_column(String(32))  # challenges, principles or ideas
    question: Mapped[dict[str, Any]] = mapped_column()  # {language: text}
    # The items voted on, copied from the catalogue: [{"id", "text": {language: text}}].
    items: Mapped[list[Any]] = mapped_column()
    budget: Mapped[int | None] = mapped_column(Integer)  # dots: points per participant
    max_per_item: Mapped[int | None] = mapped_column(Integer)  # dots: cap per item
    state: Mapped[str] = mapped_column(String(16), default="pending")
    revealed: Mapped[bool] = mapped_column(Boolean, default=False)
    # Raised when a closed round is reopened for a second vote; earlier votes are kept.
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    moderation: Mapped[str | None] = mapped_column(String(8))  # ideas rounds only

    session: Mapped[WorkshopSession] = relationship(back_populates="rounds")


class Participant(Base):
    """Anonymous: a random public id, a group, a language; no name, address or device."""

    __tablename__ = "participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("workshop_sessions.id", ondelete="CASCADE"), index=True
    )
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(16))
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    session: Mapped[WorkshopSession] = relationship(back_populates="participants")
    group: Mapped[Group] = relationship()


class Vote(Base):
    """One participant's value for one item in one attempt of a round.

    rating: 1..5, or 0 for "can't judge"; dots: the points given (rows with 0 are deleted).
    """

    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("round_id", "attempt", "participant_id", "item_id"),
        CheckConstraint("value >= 0", name="value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), index=True
    )
    attempt: Mapped[int] = mapped_column(Integer)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[str] = mapped_column(String(64))
    value: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Idea(Base):
    __tablename__ = "ideas"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), index=True
    )
    attempt: Mapped[int] = mapped_column(Integer)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    # Hidden by the facilitator; in a "pre" round an idea is shown only once approved.
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    approved: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Upvote(Base):
    __tablename__ = "upvotes"
    __table_args__ = (UniqueConstraint("idea_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Completion(Base):
    """A participant said they are done with the current attempt of a round (e.g. an ideas
    round, or points they do not want to spend): they count as finished."""

    __tablename__ = "completions"
    __table_args__ = (UniqueConstraint("round_id", "attempt", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), index=True
    )
    attempt: Mapped[int] = mapped_column(Integer)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
