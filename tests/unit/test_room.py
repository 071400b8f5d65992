"""make room: which address phones get, from faked interface lists, and what the terminal shows."""

import itertools
import json
import re
from pathlib import Path

import pytest
import segno

from workshop import room
from workshop.room import Interface, choose_address, open_to_room, room_text, terminal_qr

# A Linux laptop on a town hall's guest wifi, with Docker, a VM host and a VPN running.
BUSY_LAPTOP = [
    ("lo", "127.0.0.1", True),
    ("docker0", "172.17.0.1", True),
    ("br-3f2a9c1d7e6b", "172.18.0.1", True),
    ("veth1a2b3c", "10.200.0.1", True),
    ("wlp2s0", "169.254.7.7", True),  # link-local, beside the real one
    ("virbr0", "192.168.122.1", True),
    ("vboxnet0", "192.168.56.1", True),
    ("wg0", "10.8.0.2", True),
    ("tailscale0", "100.101.102.103", True),
    ("enp0s31f6", "10.0.0.5", False),  # the cable is unplugged
    ("wlp2s0", "fe80::1c2b:3aff:fe4d:5e6f", True),
    ("wlp2s0", "192.168.178.34", True),
]


def test_the_wifi_address_among_containers_vms_and_vpns():
    assert choose_address(BUSY_LAPTOP) == Interface("wlp2s0", "192.168.178.34", True)


def test_the_same_answer_in_any_order():
    answers = {choose_address(order) for order in itertools.permutations(BUSY_LAPTOP[5:])}
    assert answers == {Interface("wlp2s0", "192.168.178.34", True)}
    two_wifis = [("wlan1", "192.168.1.2", True), ("wlan0", "192.168.1.30", True),
                 ("wlan0", "192.168.1.4", True)]
    assert {choose_address(order) for order in itertools.permutations(two_wifis)} == {
        Interface("wlan0", "192.168.1.4", True)}


def test_wifi_beats_ethernet_beats_other_names():
    ethernet = ("eth0", "10.1.2.3", True)
    other = ("usb0", "10.0.0.2", True)
    assert choose_address([other, ethernet, ("wlan0", "192.168.0.7", True)]).name == "wlan0"
    assert choose_address([other, ethernet]).name == "eth0"
    assert choose_address([other]).name == "usb0"


def test_private_range_beats_the_hotspot_range_which_is_a_last_resort():
    hotspot = ("wlan0", "100.72.14.3", True)
    assert choose_address([hotspot, ("eth0", "172.20.1.2", True)]).address == "172.20.1.2"
    assert choose_address([hotspot]).address == "100.72.14.3"
    # Just outside 100.64/10 and 172.16/12 is public, not private.
    assert choose_address([("wlan0", "100.128.0.1", True), ("eth0", "172.32.0.1", True)]) is None


@pytest.mark.parametrize("interfaces", [
    [],
    [("lo", "127.0.0.1", True)],
    [("wlan0", "169.254.12.1", True)],  # link-local: no DHCP answered
    [("wlan0", "192.168.1.20", False)],  # down
    [("eth0", "192.0.2.2", True), ("eth1", "8.8.4.4", True)],  # public addresses
    [("docker0", "172.17.0.1", True), ("utun3", "10.7.0.1", True),
     ("veth1a2b3c", "10.200.0.1", True), ("vEthernet (Default Switch)", "172.21.16.1", True),
     ("VirtualBox Host-Only Network", "192.168.56.1", True), ("tailscale0", "100.64.0.7", True)],
    [("wlan0", "fd00::2", True), ("wlan0", "not an address", True)],
], ids=["nothing", "loopback", "link-local", "down", "public", "virtual", "not-ipv4"])
def test_no_address_phones_could_use(interfaces):
    assert choose_address(interfaces) is None


def test_windows_names():
    windows = [("vEthernet (WSL)", "172.29.80.1", True),
               ("vEthernet (Default Switch)", "172.21.16.1", True),
               ("VirtualBox Host-Only Network", "192.168.56.1", True),
               ("VMware Network Adapter VMnet8", "192.168.40.1", True),
               ("Loopback Pseudo-Interface 1", "127.0.0.1", True),
               ("Ethernet 2", "10.20.30.40", True),
               ("Wi-Fi", "192.168.43.120", True)]
    assert choose_address(windows).name == "Wi-Fi"
    assert choose_address(windows[:6]).name == "Ethernet 2"
    assert choose_address([("WLAN", "10.0.0.9", True), ("Ethernet", "10.0.0.8", True)]).name \
        == "WLAN"


def faked(interfaces, **environ) -> dict[str, str]:
    """An environment whose interface list is the given one (the test hook of room.py)."""
    return {room.FAKE_INTERFACES_ENV: json.dumps(interfaces), **environ}


def test_a_faked_interface_list_comes_from_the_test_variable():
    listed = room.machine_interfaces(faked([("wlan0", "192.168.4.2", True)]))
    assert listed == [Interface("wlan0", "192.168.4.2", True)]


def test_the_real_interface_list_has_this_machines_loopback():
    listed = room.machine_interfaces({})
    assert "127.0.0.1" in {interface.address for interface in listed}
    assert all(interface.address.count(".") == 3 for interface in listed)  # IPv4 only


def decode_terminal(text: str) -> list[list[int]]:
    """Modules (1 dark) read back from terminal_qr's colour codes, two rows per line."""
    rows = []
    for line in text.splitlines():
        top, bottom = [], []
        for codes, blocks in re.findall(r"\x1b\[([\d;]+)m(\u2580*)", line):
            numbers = codes.split(";")
            if numbers == ["0"]:
                assert blocks == ""
                continue
            fg, bg = int(numbers[2]), int(numbers[5])
            assert {fg, bg} <= {16, 231}
            top += [int(fg == 16)] * len(blocks)
            bottom += [int(bg == 16)] * len(blocks)
        rows += [top, bottom]
    return rows


def test_the_terminal_code_is_the_qr_code_of_the_url_dark_on_light():
    url = "http://192.168.178.34:5000/join"
    expected = [list(row) for row in segno.make(url, error="m").matrix_iter(border=4)]
    decoded = decode_terminal(terminal_qr(url))
    # An odd number of module rows gets one more light half line at the bottom.
    assert decoded[:len(expected)] == expected
    assert all(not any(row) for row in decoded[len(expected):])
    assert len(decoded) - len(expected) == len(expected) % 2
    # Small enough for a laptop's terminal: 4 modules of quiet zone around version 3.
    assert len(expected[0]) <= 40 and len(decoded) // 2 <= 20


def test_without_colour_the_blocks_stand_for_light_modules():
    url = "http://10.0.0.5:5000/join"
    expected = [list(row) for row in segno.make(url, error="m").matrix_iter(border=4)]
    lines = terminal_qr(url, color=False).splitlines()
    assert "\x1b" not in "".join(lines)
    top_halves = [[0 if ch in "\u2580\u2588" else 1 for ch in line] for line in lines]
    assert top_halves == expected[::2]


def plain(text: str) -> str:
    return re.sub(r"\x1b\[[\d;]*m", "", text)


def test_text_with_an_address_shows_the_join_link_its_code_and_the_local_address():
    text = room_text(5000, "http://192.168.178.34:5000", "this laptop's address on wlp2s0")
    lines = plain(text).splitlines()
    assert "Phones join at  http://192.168.178.34:5000/join" in lines
    assert "(this laptop's address on wlp2s0)" in lines
    assert "Facilitator: on this laptop, open http://127.0.0.1:5000/ to create a session;" \
        in lines
    assert terminal_qr("http://192.168.178.34:5000/join") in text
    assert "port 5000 in this laptop's firewall" in plain(text)
    assert "hotspot" not in text


def test_text_without_an_address_says_how_to_open_a_hotspot():
    text = room_text(5001, "", "")
    assert "\x1b" not in text and "\u2580" not in text  # no code to scan
    assert "/join" not in text
    assert room.HOTSPOT_HOWTO in text
    assert "Open a hotspot on a phone, or join the room's wifi." in text
    assert "run `make room` again" in text
    assert "open http://127.0.0.1:5001/ to create a session" in text


def test_open_to_room_uses_the_chosen_address():
    url, text = open_to_room("", 5050, faked(BUSY_LAPTOP))
    assert url == "http://192.168.178.34:5050"
    assert "Phones join at  http://192.168.178.34:5050/join" in text
    assert "address on wlp2s0" in text


def test_workshop_public_url_wins():
    url, text = open_to_room("http://workshop.local:8080/", 5050, faked(BUSY_LAPTOP))
    assert url == "http://workshop.local:8080/"
    assert "Phones join at  http://workshop.local:8080/join" in text
    assert "(from WORKSHOP_PUBLIC_URL)" in text
    assert "192.168.178.34" not in text


def test_no_address_leaves_the_links_to_the_browsers_address():
    url, text = open_to_room("", 5000, faked([("lo", "127.0.0.1", True)]))
    assert url == "" and room.HOTSPOT_HOWTO in text


def test_no_color_turns_the_colour_codes_off():
    _, text = open_to_room("", 5000, faked(BUSY_LAPTOP, NO_COLOR="1"))
    assert "\x1b" not in text
    assert terminal_qr("http://192.168.178.34:5000/join", color=False) in text


def test_docs_show_what_make_room_prints():
    """docs/room.md's example is this output, with a note standing in for the QR code."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "room.md").read_text(encoding="utf-8")
    shown = re.search(r"^<!-- example: room-output -->\n```text\n(.*?)^```$", doc,
                      re.M | re.S).group(1).splitlines()
    code = terminal_qr("http://192.168.178.34:5000/join").splitlines()
    _, text = open_to_room("", 5000, faked(BUSY_LAPTOP))
    printed = text.splitlines()
    at = printed.index(code[0])
    assert printed[at:at + len(code)] == code
    note = [line for line in shown if line.startswith("[a QR code")]
    assert plain("\n".join(printed[:at] + note + printed[at + len(code):])).splitlines() == shown
