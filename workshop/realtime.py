"""Socket.IO handlers: authenticate at connect, validate each event, call the domain, and
broadcast only after the transaction committed. Tallies are coalesced by one background task."""

import json
import logging
import re
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import current_app, request
from flask_socketio import ConnectionRefusedError, join_room, leave_room
from socketio import packet
from sqlalchemy.exc import OperationalError

from workshop import payloads, voting
from workshop.errors import (
    Forbidden,
    Invalid,
    NotFound,
    RateLimited,
    Unauthorized,
    Unavailable,
    WorkshopError,
)
from workshop.exports import archive
from workshop.extensions import db, socketio
from workshop.limits import PerKey, TokenBucket
from workshop.models import Participant, WorkshopSession
from workshop.payloads import TooBig, check_json_text, parse
from workshop.presence import presence, sequence
from workshop.state import (
    choose_language,
    field_titles,
    ideas,
    live_state,
    load_rounds_without_texts,
    principle_group_titles,
    round_results,
    round_state,
    session_state,
    tally,
    timer_state,
)
from workshop.views import client_address

log = logging.getLogger(__name__)


# --- Who is connected -------------------------------------------------------------------------

@dataclass
class Client:
    role: str  # participant, facilitator or projector
    session_id: str
    language: str
    participant_id: int | None = None
    group: str | None = None


clients: dict[str, Client] = {}


def room(session_id: str, part: str = "") -> str:
    return f"s:{session_id}{':' + part if part else ''}"


def own_room(session_id: str, participant_id: int) -> str:
    """Every tab of one participant: news about their own ideas reach them on any worker."""
    return room(session_id, f"p:{participant_id}")


# --- Coalesced broadcasts ---------------------------------------------------------------------

Outgoing = tuple[str, dict, str]  # event, payload, room


class Broadcaster:
    """Collects what changed and sends it from one background task, a few times a second."""

    def __init__(self) -> None:
        self._rounds: dict[str, set[int]] = defaultdict(set)
        self._presence: set[str] = set()
        self._running = 0  # which start() the background task belongs to; 0: none
        self._starts = 0
        # An open round's results go out at most every results_interval seconds (they are
        # read from every vote); when they were last sent, per (session, round).
        self.results_interval = 0.0
        self._results_sent: dict[tuple[str, int], tuple[float, tuple]] = {}
        # Green under eventlet and gevent; guards the swap in flush() in threading mode.
        self._lock = threading.Lock()

    def start(self, interval: float) -> None:
        """Send at most every `interval` seconds; 0 leaves flushing to the caller (tests)."""
        if not self._running and interval > 0:
            self._starts += 1
            self._running = self._starts
            socketio.start_background_task(self._run, interval, self._running)

    def stop(self) -> None:
        """The background task ends at its next wake-up, without sending again."""
        self._running = 0

    def rounds_changed(self, session_id: str, round_id: int) -> None:
        with self._lock:
            self._rounds[session_id].add(round_id)

    def presence_changed(self, session_id: str) -> None:
        with self._lock:
            self._presence.add(session_id)

    def next_seq(self, session_id: str) -> int:
        return sequence.next(session_id)  # rises per session, across workers and restarts

    def _run(self, interval: float, run: int) -> None:
        while True:
            socketio.sleep(interval)
            if self._running != run:
                return
            try:
                self.flush()
            except OperationalError as exc:  # kept for the next flush
                log.warning("broadcast postponed: storage unavailable: %s", exc.orig)
            except Exception:  # keep broadcasting whatever one bad flush did
                log.exception("broadcast failed")

    def flush(self) -> None:
        with self._lock:
            rounds, self._rounds = self._rounds, defaultdict(set)
            present, self._presence = self._presence, set()
        # Workers take turns per session, so their updates go out in the order they were read.
        with sequence.turn(rounds.keys() | present):
            try:
                outgoing = self._updates(rounds, present)
            except OperationalError:
                # The database did not answer: what changed goes out once it does again.
                with self._lock:
                    for session_id, round_ids in rounds.items():
                        self._rounds[session_id] |= round_ids
                    self._presence |= present
                raise
            for event, payload, to in outgoing:  # after the read: nothing yields inside it
                socketio.emit(event, payload, to=to)

    def _results_due(self, session_id: str, rnd) -> bool:
        """Whether this flush sends the round's results: always, unless the round is an open
        rating or points round whose results went out less than results_interval ago, as
        they stand (same attempt, revealed or not); then a later flush owes them. Revealing
        sends them at once. (Ideas rounds' lists are short and awaited: never held.)"""
        key, now = (session_id, rnd.id), time.monotonic()
        sent_at, sent_as = self._results_sent.get(key, (-1e9, None))
        as_now = (rnd.attempt, rnd.revealed)
        if rnd.state == "open" and rnd.kind != "ideas" and sent_as == as_now \
                and now - sent_at < self.results_interval:
            with self._lock:
                self._rounds[session_id].add(rnd.id)  # owed: the next flush looks again
            return False
        if len(self._results_sent) > 4096:
            self._results_sent.clear()
        self._results_sent[key] = (now, as_now)
        return True

    def _updates(self, rounds: dict[str, set[int]], present: set[str]) -> list[Outgoing]:
        outgoing: list[Outgoing] = []
        # Numbered before anything is read: of two workers' updates the higher seq read later,
        # so the one a screen keeps holds everything committed before it (and with turns,
        # read after the other's read: what a screen keeps never goes backwards).
        seqs = {session_id: self.next_seq(session_id) for session_id in rounds.keys() | present}
        with db.read() as s:
            for session_id, round_ids in rounds.items():
                workshop = s.get(WorkshopSession, session_id)
                if workshop is None:
                    continue
                for rnd in (r for r in workshop.rounds if r.id in round_ids):
                    with_results = self._results_due(session_id, rnd)
                    outgoing += _round_updates(s, workshop, rnd, seqs[session_id],
                                               with_results)
            for session_id in present:
                workshop = s.get(WorkshopSession, session_id)
                if workshop is not None:
                    counts = presence.counts(session_id, [g.key for g in workshop.groups])
                    outgoing.append(("presence", {**counts, "seq": seqs[session_id]},
                                     room(session_id, "staff")))
        return outgoing


def _round_updates(s, workshop: WorkshopSession, rnd, seq: int,
                   with_results: bool = True) -> list[Outgoing]:
    counts = {**tally(s, workshop, rnd), "seq": seq}
    # The projector learns how many took part, never how many answered each item.
    public_counts = {k: v for k, v in counts.items() if k != "items"}
    out = [("tally", counts, room(workshop.id, "facilitator")),
           ("tally", public_counts, room(workshop.id, "projector"))]
    if rnd.state == "pending" or not with_results:
        return out
    results = {**round_results(s, workshop, rnd), "seq": seq}
    out.append(("results", results, room(workshop.id) if voting.results_visible(rnd, "projector")
                else room(workshop.id, "facilitator")))
    if rnd.kind == "ideas":
        # round_results of an ideas round already holds the visible ideas: not read twice.
        visible = {"round": rnd.id, "ideas": results["ideas"], "seq": seq}
        out.append(("ideas", visible, room(workshop.id, "participants")))
        out.append(("ideas", visible, room(workshop.id, "projector")))
        out.append(("ideas", {"round": rnd.id, "ideas": ideas(s, rnd, include_hidden=True),
                              "seq": seq}, room(workshop.id, "facilitator")))
    return out


broadcaster = Broadcaster()


def broadcast_rounds(session_id: str, round_ids: list[int]) -> None:
    """A round's state changed: every screen redraws it at once, each in its own language."""
    if not round_ids:
        return
    outgoing = []
    with db.read() as s:
        workshop = s.get(WorkshopSession, session_id)
        load_rounds_without_texts(s, workshop)
        for language in workshop.languages:
            titles = field_titles(workshop, language)
            group_titles = principle_group_titles(workshop, language)
            for rnd in (r for r in workshop.rounds if r.id in round_ids):
                payload = {"round": round_state(rnd, language, workshop.languages, titles,
                                                group_titles, workshop),
                           "current_round": workshop.current_round_id}
                outgoing.append(("round", payload, room(session_id, "lang:" + language)))
    for event, payload, to in outgoing:
        socketio.emit(event, payload, to=to)
    for round_id in round_ids:
        broadcaster.rounds_changed(session_id, round_id)


def broadcast_agenda(session_id: str) -> None:
    """The agenda was edited: every screen gets the whole new list of rounds at once."""
    outgoing = []
    with db.read() as s:
        workshop = s.get(WorkshopSession, session_id)
        if workshop is None:
            return
        for language in workshop.languages:
            state = session_state(workshop, language)
            outgoing.append(("agenda", {"rounds": state["rounds"],
                                        "current_round": workshop.current_round_id},
                             room(session_id, "lang:" + language)))
    for event, payload, to in outgoing:
        socketio.emit(event, payload, to=to)


def session_deleted(session_id: str) -> None:
    """Tell every screen of a deleted session, then let them go."""
    socketio.emit("deleted", {"session": session_id}, to=room(session_id))
    socketio.close_room(room(session_id))


# --- What the transport hands us ------------------------------------------------------------------

class _BoundedJSON:
    """The JSON of Socket.IO packets from clients: text over MAX_EVENT_BYTES or nested too
    deeply is not parsed, and text that is not JSON is not an event. Either still gets its
    acknowledgement when its event can be named: the packet decodes as the event with a
    refusal in place of its payload, which the event wrapper answers."""

    max_bytes = 64 * 1024
    _name = re.compile(r'\[\s*"([A-Za-z_]{1,40})"')

    @classmethod
    def loads(cls, text, **kwargs):
        try:
            check_json_text(text, cls.max_bytes)
            return json.loads(text, **kwargs)
        except (TooBig, ValueError) as exc:
            refusal = exc if isinstance(exc, TooBig) else Invalid(
                f"the message is not valid JSON: {exc}", code="bad_request")
            named = cls._name.match(text[:64] if isinstance(text, str) else text[:64].decode(
                "utf-8", "replace"))
            if named is None:
                raise ValueError(refusal.message) from None
            return [named.group(1), refusal]

    dumps = staticmethod(json.dumps)


class GuardedPacket(packet.Packet):
    """The server's packets (the client library keeps its own class and limits)."""

    json = _BoundedJSON

    @classmethod
    def data_is_binary(cls, data) -> bool:
        """Whether a payload holds bytes, as python-socketio asks of every packet it sends;
        its own check builds a list and a reduce at every level of the payload, which for a
        phone's state (hundreds of values) was 6 % of a join. The same answer, walked once,
        stopping at the first bytes."""
        pending = [data]
        while pending:
            item = pending.pop()
            if isinstance(item, bytes | bytearray):
                return True
            if isinstance(item, list):
                pending.extend(item)
            elif isinstance(item, dict):
                pending.extend(item.values())
        return False


# Failed join codes per address: guessing a code is slowed down to a few tries a minute.
join_failures = PerKey(rate=20 / 60, burst=20)


def configure(config) -> None:
    """Take the limits from the app's settings (called by create_app)."""
    global join_failures
    _BoundedJSON.max_bytes = config["MAX_EVENT_BYTES"]
    broadcaster.results_interval = config["LIVE_RESULTS_INTERVAL"]
    join_failures = PerKey(rate=config["JOIN_FAILURES_PER_MINUTE"] / 60,
                           burst=config["JOIN_FAILURES_PER_MINUTE"])


# --- Connecting -------------------------------------------------------------------------------

def _refuse(message: str, code: str) -> None:
    # The client's connect_error carries `message` and `data: {code, message}`.
    raise ConnectionRefusedError(message, {"code": code, "message": message})


def _authenticate(s, auth: Any) -> tuple[Client, WorkshopSession, Participant | None]:
    if not isinstance(auth, dict):
        raise Unauthorized("connect with auth: {join_code} or {session, facilitator_token} "
                           "or {session, projector_token}", code="bad_auth")
    language = auth.get("language") if isinstance(auth.get("language"), str) else None
    if "join_code" in auth:
        code = auth["join_code"]
        address = client_address()
        if join_failures.blocked(address):
            raise RateLimited("too many wrong join codes from this address; wait a minute",
                              code="too_many_attempts", retry_after=join_failures.wait(address))
        if not isinstance(code, str) or len(code) > 32:
            join_failures.allow(address)
            raise Unauthorized("the join code is not valid", code="unknown_join_code")
        try:
            workshop = voting.find_live_session_by_code(s, code)
        except NotFound:
            join_failures.allow(address)
            # A phone coming back after the end: say so, rather than "unknown code".
            voting.refuse_ended_participant(s, code, auth.get("participant_token"))
            raise
        participant = None
        if auth.get("participant_token") is not None:
            participant = voting.participant_by_token(s, workshop, auth["participant_token"])
            language = participant.language
        client = Client("participant", workshop.id, choose_language(workshop, language))
        if participant is not None:
            client.participant_id = participant.id
            client.group = next(g.key for g in workshop.groups if g.id == participant.group_id)
        return client, workshop, participant
    for role in ("facilitator", "projector"):
        token_key = f"{role}_token"
        if token_key in auth:
            workshop, granted = voting.authenticate(s, auth.get("session"), auth[token_key],
                                                    (role,))
            return Client(granted, workshop.id, choose_language(workshop, language)), workshop, None
    raise Unauthorized("connect with auth: {join_code} or {session, facilitator_token} or "
                       "{session, projector_token}", code="bad_auth")


def _enter_rooms(sid: str, client: Client) -> None:
    join_room(room(client.session_id), sid=sid)
    join_room(room(client.session_id, "lang:" + client.language), sid=sid)
    if client.role == "participant":
        join_room(room(client.session_id, "participants"), sid=sid)
        if client.participant_id is not None:
            join_room(own_room(client.session_id, client.participant_id), sid=sid)
    else:
        join_room(room(client.session_id, "staff"), sid=sid)
        join_room(room(client.session_id, client.role), sid=sid)


@socketio.on("connect")
def on_connect(auth=None):
    try:
        with db.read() as s:
            client, workshop, participant = _authenticate(s, auth)
            load_rounds_without_texts(s, workshop)
            # Presence is for the console and the projector: a phone's state has none, and
            # counting every connection for each of a hall's phones joining grows with the hall.
            counts = None if client.role == "participant" else presence.counts(
                workshop.id, [g.key for g in workshop.groups])
            state = live_state(s, workshop, client.role, client.language, participant, counts)
            if client.role == "facilitator" and workshop.ended_at is not None:
                state["archive"] = archive.saved(current_app.config["DATA_DIR"], workshop.id)
    except WorkshopError as exc:
        _refuse(exc.message, exc.code)
    except OperationalError as exc:
        # The database does not answer: refused, not left waiting; the pages try again.
        log.warning("connect: storage unavailable: %s", exc.orig)
        refusal = Unavailable("the server cannot read its data just now; try again")
        _refuse(refusal.message, refusal.code)
    sid = request.sid
    clients[sid] = client
    _enter_rooms(sid, client)
    if client.participant_id is not None:
        presence.add(sid, client.session_id, client.participant_id, client.group)
        broadcaster.presence_changed(client.session_id)
    broadcaster.start(current_app.config["LIVE_FLUSH_INTERVAL"])
    socketio.emit("state", state, to=sid)


@socketio.on("disconnect")
def on_disconnect(*_args):
    client = clients.pop(request.sid, None)
    session_id = presence.remove(request.sid)
    if client is not None and session_id is not None:
        broadcaster.presence_changed(session_id)


# --- Events -----------------------------------------------------------------------------------

Handler = Callable[[Client, dict], tuple[dict, list[Callable[[], None]]]]


def event(name: str, *roles: str, joined: bool = False):
    """Register a client event: role check, payload check, one error shape, ack after commit."""
    def register(handler: Handler):
        @wraps(handler)
        def run(payload=None, *extra):
            client = clients.get(request.sid)
            try:
                if client is None:
                    raise Unauthorized("not connected to a session", code="bad_auth")
                if isinstance(payload, Invalid):  # refused by the packet's JSON (_BoundedJSON)
                    raise payload
                if client.role not in roles:
                    raise Forbidden(f"'{name}' is not allowed for a {client.role}",
                                    code="forbidden")
                if joined and client.participant_id is None:
                    raise Forbidden("join a group first", code="not_joined")
                if extra or not isinstance(payload, dict | None):
                    raise Invalid("send one JSON object", code="bad_request")
                reply, after = handler(client, payload or {})
            except WorkshopError as exc:
                if not isinstance(exc, RateLimited):  # a flood would flood the log too
                    # A client's mistake: one line, never a traceback.
                    log.info("event %s refused (%s): %s", name, exc.code, exc.message)
                return {"ok": False, "error": exc.as_dict()}
            except OperationalError as exc:
                # The disk is full or read-only, or the database went away: nothing was
                # stored, so nothing is acknowledged; the phone keeps it and sends it again.
                log.warning("event %s: storage unavailable: %s", name, exc.orig)
                return {"ok": False, "error": Unavailable(
                    "the server cannot store this just now; it is kept and sent again").as_dict()}
            except Exception:
                log.exception("event %s failed", name)
                return {"ok": False, "error": {"code": "internal",
                                               "message": "the server could not do this"}}
            assert not db.in_write(), "broadcast inside a transaction"
            for action in after:
                action()
            return {"ok": True, **reply}

        socketio.on_event(name, run)
        return run
    return register


class FairShare:
    """Each connection's share of events, taken where Engine.IO hands over a message: an
    event beyond it is answered `rate_limited` there, before it is decoded, given a task of
    its own or a request context, so a flood costs next to nothing. A connection that keeps
    sending while refused is dropped. Installed on the Socket.IO server by create_app."""

    # After the packet type ('2' event, '5' binary event): attachments, namespace, ack id.
    _head = re.compile(r"(?:\d+-)?(?:(/[^,]*),)?(\d*)")

    @dataclass
    class Share:
        bucket: TokenBucket
        refused: int = 0  # events refused in a row

    def __init__(self, server, config) -> None:
        self.server, self.config = server, config
        self.shares: dict[str, FairShare.Share] = {}  # by Engine.IO sid
        self.dispatch = server._handle_eio_message
        self.forget = server._handle_eio_disconnect
        # Engine.IO calls the registered handlers; Flask-SocketIO's test client the methods.
        server._handle_eio_message = self.message
        server._handle_eio_disconnect = self.disconnected
        server.eio.on("message", self.message)
        server.eio.on("disconnect", self.disconnected)

    def message(self, eio_sid: str, data) -> None:
        if not (isinstance(data, str) and data[:1] in ("2", "5")):
            return self.read(eio_sid, data)  # connect, acks, attachments
        share = self.shares.get(eio_sid)
        if share is None:
            share = self.shares[eio_sid] = self.Share(
                TokenBucket(self.config["EVENT_RATE"], self.config["EVENT_BURST"]))
        if share.bucket.take():
            share.refused = 0
            self.read(eio_sid, data)
            socketio.sleep(0)  # one connection's messages are read in turn with everyone's
            return None
        share.refused += 1
        namespace, ack = self._head.match(data, 1).groups()
        namespace = namespace or "/"
        if share.refused >= self.config["FLOOD_LIMIT"]:
            if share.refused == self.config["FLOOD_LIMIT"]:  # once; what follows is ignored
                self.drop(eio_sid, namespace)
        elif ack:
            refusal = RateLimited("too many events; wait a moment and send again",
                                  retry_after=share.bucket.wait())
            reply = self.server.packet_class(packet.ACK, namespace=namespace, id=int(ack),
                                             data=[{"ok": False, "error": refusal.as_dict()}])
            self.server._send_packet(eio_sid, reply)  # what Flask-SocketIO's test client sees
        return None

    def read(self, eio_sid: str, data) -> None:
        try:
            self.dispatch(eio_sid, data)
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            # Not a Socket.IO packet (python-socketio's decoding fails in these ways): a
            # client's mistake, one line.
            log.info("unreadable message refused: %s: %s", type(exc).__name__, exc)

    def drop(self, eio_sid: str, namespace: str) -> None:
        sid = self.server.manager.sid_from_eio_sid(eio_sid, namespace)
        client = clients.get(sid)
        log.warning("dropping a %s connection of session %s: %d events refused in a row",
                    client.role if client else "new", client.session_id if client else "-",
                    self.config["FLOOD_LIMIT"])
        if sid is not None:
            self.server.disconnect(sid, namespace=namespace)
        self.server.eio.disconnect(eio_sid)

    def disconnected(self, eio_sid: str, *reason) -> None:
        self.shares.pop(eio_sid, None)
        self.forget(eio_sid, *reason)


def _load(s, client: Client) -> tuple[WorkshopSession, Participant | None]:
    workshop = s.get(WorkshopSession, client.session_id)
    if workshop is None:
        raise NotFound("this session was deleted", code="session_not_found")
    participant = s.get(Participant, client.participant_id) if client.participant_id else None
    if client.participant_id and participant is None:
        raise NotFound("this participant was removed", code="participant_not_found")
    return workshop, participant


@event("join", "participant")
def on_join(client: Client, payload: dict):
    f = parse(payloads.Join, payload)
    if client.participant_id is not None:
        raise Invalid("you have joined already", code="already_joined")
    with db.write() as s:
        workshop, _ = _load(s, client)
        participant, token = voting.join(
            s, workshop, f["group"], f["language"] or client.language,
            max_participants=current_app.config["MAX_PARTICIPANTS"])
        participant_id, language = participant.id, participant.language
        # The new phone's state from the same transaction (no second one): what it reads is
        # what the commit keeps; the ack leaves only after the commit.
        load_rounds_without_texts(s, workshop)
        state = live_state(s, workshop, "participant", language, participant)
    sid = request.sid
    leave_room(room(client.session_id, "lang:" + client.language), sid=sid)
    client.participant_id, client.group = participant_id, f["group"]
    client.language = language
    join_room(room(client.session_id, "lang:" + client.language), sid=sid)
    join_room(own_room(client.session_id, participant_id), sid=sid)
    presence.add(sid, client.session_id, participant_id, client.group)
    return ({"participant_token": token, "state": state},
            [lambda: broadcaster.presence_changed(client.session_id)])


@event("language", "participant", joined=True)
def on_language(client: Client, payload: dict):
    f = parse(payloads.Language, payload)
    with db.write() as s:
        workshop, participant = _load(s, client)
        voting.set_language(workshop, participant, f["language"])
    sid = request.sid
    leave_room(room(client.session_id, "lang:" + client.language), sid=sid)
    client.language = f["language"]
    join_room(room(client.session_id, "lang:" + client.language), sid=sid)
    with db.read() as s:
        workshop, participant = _load(s, client)
        load_rounds_without_texts(s, workshop)
        state = live_state(s, workshop, "participant", client.language, participant)
    return {"state": state}, []


@event("vote", "participant", joined=True)
def on_vote(client: Client, payload: dict):
    f = parse(payloads.Vote, payload)
    # Votes come in hundreds a second: they share transactions (group commit).
    answer = db.write_grouped(lambda s: voting.record_vote(
        s, client.session_id, client.participant_id, f["round"], f["item"], f["value"]))
    return answer, [lambda: broadcaster.rounds_changed(client.session_id, f["round"])]


@event("idea", "participant", joined=True)
def on_idea(client: Client, payload: dict):
    f = parse(payloads.Idea, payload)
    with db.write() as s:
        workshop, participant = _load(s, client)
        idea = voting.submit_idea(s, workshop, participant, f["round"], f["text"])
        rnd = voting.get_round(s, workshop, f["round"])
        reply = {"idea": {"id": idea.id, "text": idea.text, "upvotes": 0, "mine": True,
                          "upvoted": False, "status": voting.idea_status(rnd, idea)}}
    return reply, [lambda: broadcaster.rounds_changed(client.session_id, f["round"])]


@event("upvote", "participant", joined=True)
def on_upvote(client: Client, payload: dict):
    f = parse(payloads.Upvote, payload)
    with db.write() as s:
        workshop, participant = _load(s, client)
        idea, count = voting.upvote(s, workshop, participant, f["idea"], f["on"])
        round_id = idea.round_id
    reply = {"idea": f["idea"], "upvotes": count, "upvoted": f["on"]}
    return reply, [lambda: broadcaster.rounds_changed(client.session_id, round_id)]


@event("done", "participant", joined=True)
def on_done(client: Client, payload: dict):
    f = parse(payloads.Done, payload)
    with db.write() as s:
        workshop, participant = _load(s, client)
        voting.mark_done(s, workshop, participant, f["round"], f["done"])
    return ({"round": f["round"], "done": f["done"]},
            [lambda: broadcaster.rounds_changed(client.session_id, f["round"])])


def _round_action(action: Callable) -> Handler:
    def handler(client: Client, payload: dict):
        f = parse(payloads.RoundAction, payload)
        with db.write() as s:
            workshop, _ = _load(s, client)
            had_timer = workshop.timer_ends_at is not None
            changed = [r.id for r in action(s, workshop, f["round"])]
            current = workshop.current_round_id
            timer_stopped = had_timer and workshop.timer_ends_at is None
        after = [lambda: broadcast_rounds(client.session_id, changed)]
        if timer_stopped:  # the countdown ran for the round that just closed
            after.append(lambda: socketio.emit("timer", {"timer": None},
                                               to=room(client.session_id)))
        return {"round": f["round"], "changed": changed, "current_round": current}, after
    return handler


event("open_round", "facilitator")(_round_action(voting.open_round))
event("close_round", "facilitator")(_round_action(voting.close_round))
event("reveal_round", "facilitator")(_round_action(voting.reveal_round))
event("hide_round", "facilitator")(_round_action(
    lambda s, workshop, round_id: voting.reveal_round(s, workshop, round_id, revealed=False)))
event("reopen_round", "facilitator")(_round_action(voting.reopen_round))


def _moderate(client: Client, idea, rnd) -> tuple[dict, list[Callable[[], None]]]:
    """After approving or hiding: everyone's idea lists, and the author hears what became of
    their idea."""
    status = voting.idea_status(rnd, idea)
    news = {"round": rnd.id, "idea": {"id": idea.id, "text": idea.text, "status": status}}
    author = own_room(client.session_id, idea.participant_id)
    return ({"idea": idea.id, "hidden": idea.hidden, "status": status},
            [lambda: broadcaster.rounds_changed(client.session_id, rnd.id),
             lambda: socketio.emit("idea_status", news, to=author)])


@event("hide_idea", "facilitator")
def on_hide_idea(client: Client, payload: dict):
    f = parse(payloads.HideIdea, payload)
    with db.write() as s:
        workshop, _ = _load(s, client)
        idea, rnd = voting.hide_idea(s, workshop, f["idea"], f["hidden"])
        return _moderate(client, idea, rnd)


@event("approve_idea", "facilitator")
def on_approve_idea(client: Client, payload: dict):
    f = parse(payloads.ApproveIdea, payload)
    with db.write() as s:
        workshop, _ = _load(s, client)
        idea, rnd = voting.approve_idea(s, workshop, f["idea"])
        return _moderate(client, idea, rnd)


@event("page", "facilitator")
def on_page(client: Client, payload: dict):
    """Turn the projector's pages of a long round's results (step 1 forward, -1 back)."""
    f = parse(payloads.Page, payload)
    with db.read() as s:
        workshop, _ = _load(s, client)
        voting.get_round(s, workshop, f["round"])
    news = {"round": f["round"], "step": f["step"]}
    return news, [lambda: socketio.emit("page", news, to=room(client.session_id, "projector"))]


@event("timer", "facilitator")
def on_timer(client: Client, payload: dict):
    f = parse(payloads.Timer, payload)
    with db.write() as s:
        workshop, _ = _load(s, client)
        voting.set_timer(workshop, f["seconds"])
        timer = timer_state(workshop)
    return ({"timer": timer},
            [lambda: socketio.emit("timer", {"timer": timer}, to=room(client.session_id))])


@event("end_session", "facilitator")
def on_end_session(client: Client, payload: dict):
    parse(payloads.Empty, payload)
    with db.write() as s:
        workshop, _ = _load(s, client)
        changed = [r.id for r in voting.end_session(s, workshop)]
    config = current_app.config
    folder = str(archive.folder(config["DATA_DIR"], client.session_id))
    return {"ended": True, "folder": folder}, [
        # Every round's actions change with the end, so every screen gets the whole agenda.
        lambda: broadcast_agenda(client.session_id),
        lambda: [broadcaster.rounds_changed(client.session_id, r) for r in changed],
        lambda: socketio.emit("ended", {"session": client.session_id},
                              to=room(client.session_id)),
        lambda: socketio.emit("timer", {"timer": None}, to=room(client.session_id)),
        # The JSON backup and the PDFs land in sessions/<id>/ for organisers to find.
        lambda: socketio.start_background_task(save_results, config["DATA_DIR"],
                                               client.session_id, config["SECRET_KEY"]),
    ]


def save_results(data_dir: str, session_id: str, secret_key: str) -> None:
    """Write the files of an ended session, then tell the console where they are."""
    archive.write_quietly(data_dir, session_id, secret_key)
    socketio.emit("archived", archive.saved(data_dir, session_id),
                  to=room(session_id, "facilitator"))
