"""A live session driven through Flask-SocketIO's test client: a facilitator and phones."""

from tests.factories import api_session
from workshop.extensions import socketio

AGENDA = [
    {"kind": "rating", "field": "health", "target": "challenges"},
    {"kind": "dots", "field": "health", "target": "principles", "budget": 5, "max_per_item": 2},
    {"kind": "ideas", "field": "health", "moderation": "post"},
    {"kind": "rating", "field": "housing", "target": "challenges"},
]


class Room:
    """A session with a facilitator connected, and phones on demand."""

    def __init__(self, app, client, **attrs):
        self.app = app
        attrs.setdefault("agenda", AGENDA)
        self.created = api_session(client, **attrs)
        self.rounds = [r["id"] for r in self.created["rounds"]]
        if attrs["agenda"] is AGENDA:
            self.rating, self.dots, self.ideas, self.later = self.rounds
        self.facilitator = self.connect(session=self.created["id"],
                                        facilitator_token=self.created["facilitator_token"])
        assert self.facilitator.is_connected()

    def connect(self, **auth):
        return socketio.test_client(self.app, auth=auth)

    def phone(self, group="administration", language="de"):
        phone = self.connect(join_code=self.created["join_code"])
        assert phone.is_connected()
        ack = phone.emit("join", {"group": group, "language": language}, callback=True)
        assert ack["ok"], ack
        phone.token = ack["participant_token"]
        phone.get_received()
        return phone

    def act(self, event, **payload):
        ack = self.facilitator.emit(event, payload, callback=True)
        assert ack["ok"], ack
        return ack

    def events(self, test_client, name):
        return [m["args"][0] for m in test_client.get_received() if m["name"] == name]
