"""Real python-socketio clients against run.py on eventlet: refusals, reconnects, a full room."""

import random
import threading
import time
from collections import defaultdict
from statistics import mean

import pytest
import requests
import socketio

from tests.servers import Phone, new_session, running_server

pytestmark = pytest.mark.slow
GROUPS = ["administration", "civil-society", "migrant-organisations"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("live")) as srv:
        yield srv


def refused_with(server, auth) -> dict:
    phone = Phone(server, auth)
    with pytest.raises(socketio.exceptions.ConnectionError):
        phone.connect()
    phone.close()
    assert phone.refused["message"] == phone.refused["data"]["message"]
    return phone.refused["data"]


def test_bad_credentials_are_refused_with_a_reason(server):
    created = new_session(server)
    assert refused_with(server, {"join_code": "ZZZZZZ"})["code"] == "unknown_join_code"
    assert refused_with(server, {"session": created["id"],
                                 "facilitator_token": "forged"})["code"] == "bad_token"
    assert refused_with(server, {"session": created["id"],
                                 "projector_token": created["facilitator_token"]})["code"] == \
        "bad_token"
    assert refused_with(server, {"join_code": created["join_code"],
                                 "participant_token": "forged"})["code"] == "bad_token"
    assert refused_with(server, {"nothing": 1})["code"] == "bad_auth"


def test_a_phone_coming_back_after_the_end_hears_it_ended(server):
    created = new_session(server)
    facilitator = Phone(server, {"session": created["id"],
                                 "facilitator_token": created["facilitator_token"]}).connect()
    phone = Phone(server, {"join_code": created["join_code"]}).connect()
    token = phone.call("join", {"group": "administration"})["participant_token"]
    phone.close()
    assert facilitator.call("end_session", {})["ok"]
    facilitator.close()
    assert refused_with(server, {"join_code": created["join_code"],
                                 "participant_token": token})["code"] == "session_ended"
    assert refused_with(server, {"join_code": created["join_code"]})["code"] == \
        "unknown_join_code"


def test_a_participant_reconnects_as_themselves(server):
    created = new_session(server)
    facilitator = Phone(server, {"session": created["id"],
                                 "facilitator_token": created["facilitator_token"]}).connect()
    rating = created["rounds"][0]["id"]
    facilitator.call("open_round", {"round": rating})
    phone = Phone(server, {"join_code": created["join_code"]}).connect()
    joined = phone.call("join", {"group": "migrant-organisations", "language": "en"})
    assert phone.call("vote", {"round": rating, "item": "governance-c3", "value": 5})["ok"]
    phone.close()  # the screen locks
    again = Phone(server, {"join_code": created["join_code"],
                           "participant_token": joined["participant_token"]}).connect()
    me = again.events["state"][0]["me"]
    assert me["id"] == joined["state"]["me"]["id"]
    assert me["votes"] == {str(rating): {"governance-c3": 5}}
    again.close()
    facilitator.close()


def test_thirty_phones_give_exactly_the_expected_results(server):
    """A scripted session: 30 phones in three groups, a rating round and a dots round."""
    created = new_session(server)
    token = created["facilitator_token"]
    facilitator = Phone(server, {"session": created["id"], "facilitator_token": token}).connect()
    rating, _, dots = created["rounds"][0], created["rounds"][1], created["rounds"][2]
    rating_items = [i["id"] for i in rating["items"]]
    dots_items = [i["id"] for i in dots["items"]]
    rng = random.Random(2026)

    phones = []
    for n in range(30):
        phone = Phone(server, {"join_code": created["join_code"]}).connect()
        group = GROUPS[n % 3]
        assert phone.call("join", {"group": group, "language": "de"})["ok"]
        phones.append((phone, group))

    facilitator.call("open_round", {"round": rating["id"]})
    cast = defaultdict(list)  # (item, group) -> values; group None = all
    def vote_all(phone, group):
        for item in rating_items:
            value = rng.choice([1, 2, 3, 4, 5, 5, "cant_judge"])
            ack = phone.call("vote", {"round": rating["id"], "item": item, "value": value})
            assert ack["ok"], ack
            if value != "cant_judge":
                cast[(item, group)].append(value)
                cast[(item, None)].append(value)
    for phone, group in phones:
        vote_all(phone, group)
    facilitator.call("close_round", {"round": rating["id"]})

    facilitator.call("open_round", {"round": dots["id"]})
    points = defaultdict(int)
    failures, lock = [], threading.Lock()

    # All phones at once, each spending its 5 points, to exercise concurrent writes.
    def spend(phone, group, seed):
        local = random.Random(seed)
        chosen = local.sample(dots_items, 4)
        for item, give in zip(chosen, (2, 2, 1), strict=False):
            ack = phone.call("vote", {"round": dots["id"], "item": item, "value": give})
            if not ack["ok"]:
                failures.append(ack)
                continue
            with lock:
                points[(item, group)] += give
                points[(item, None)] += give
        # A sixth point is refused: the budget holds.
        ack = phone.call("vote", {"round": dots["id"], "item": chosen[3], "value": 1})
        if ack.get("error", {}).get("code") != "over_budget":
            failures.append(ack)

    workers = [threading.Thread(target=spend, args=(p, g, i)) for i, (p, g) in enumerate(phones)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert failures == []
    facilitator.call("close_round", {"round": dots["id"]})

    results = requests.get(f"{server.base}/api/sessions/{created['id']}/results",
                           headers={"Authorization": f"Bearer {token}"}).json()
    by_id = {r["id"]: r for r in results["rounds"]}
    got_rating = by_id[rating["id"]]
    assert got_rating["voters"] == 30
    assert got_rating["voters_by_group"] == dict.fromkeys(GROUPS, 10)
    for entry in got_rating["items"]:
        values = cast[(entry["id"], None)]
        assert entry["votes"] == len(values)
        assert entry["mean"] == round(mean(values), 2)
        for group in GROUPS:
            group_values = cast[(entry["id"], group)]
            shown = entry["groups"][group]
            if len(group_values) < 3:
                assert shown == {"suppressed": True}
            else:
                assert shown["votes"] == len(group_values)
                assert shown["mean"] == round(mean(group_values), 2)
    got_dots = by_id[dots["id"]]
    for entry in got_dots["items"]:
        assert entry["points"] == points[(entry["id"], None)]
        for group in GROUPS:
            shown = entry["groups"][group]
            if "suppressed" not in shown:
                assert shown["points"] == points[(entry["id"], group)]
    assert sum(e["points"] for e in got_dots["items"]) == 150  # 30 phones x 5 points

    # The facilitator saw tallies with rising seq, the last one counting everybody.
    time.sleep(1)
    tallies = [t for t in facilitator.events["tally"] if t["round"] == rating["id"]]
    seqs = [t["seq"] for t in tallies]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert tallies[-1]["started"]["total"] == 30
    assert tallies[-1]["finished"]["total"] == 30  # every phone answered every item
    assert len(tallies) < 30 * len(rating_items)  # coalesced, not one per vote
    for phone, _ in phones:
        phone.close()
    facilitator.close()


def test_acknowledged_votes_survive_a_killed_server(tmp_path):
    with running_server(tmp_path) as srv:
        created = new_session(srv)
        facilitator = Phone(srv, {"session": created["id"],
                                  "facilitator_token": created["facilitator_token"]}).connect()
        rating = created["rounds"][0]
        facilitator.call("open_round", {"round": rating["id"]})
        phone = Phone(srv, {"join_code": created["join_code"]}).connect()
        joined = phone.call("join", {"group": "civil-society", "language": "de"})
        acked = {}
        for n, item in enumerate(rating["items"]):
            if phone.call("vote", {"round": rating["id"], "item": item["id"],
                                   "value": n % 5 + 1})["ok"]:
                acked[item["id"]] = n % 5 + 1
        srv.kill()  # SIGKILL right after the last acknowledgement: no clean shutdown
        srv.start()
        again = Phone(srv, {"join_code": created["join_code"],
                            "participant_token": joined["participant_token"]}).connect()
        assert again.events["state"][0]["me"]["votes"] == {str(rating["id"]): acked}
        assert len(acked) == len(rating["items"]) == 8
        again.close()
