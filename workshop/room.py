"""Opening the server to the room: the address phones should use, and what the terminal says."""

import ipaddress
import json
import os
import socket
from collections.abc import Iterable, Mapping
from typing import NamedTuple

import psutil
import segno

# FOR TESTS ONLY: a JSON list of [name, address, is_up] that stands in for this machine's
# interfaces, so a test can start `run.py --room` as if the laptop were on a room's wifi.
FAKE_INTERFACES_ENV = "WORKSHOP_TEST_INTERFACES"

# Where phones on a room's wifi or a hotspot find the laptop. 100.64.0.0/10 (carrier-grade NAT)
# is what some phone hotspots hand out, but VPNs such as Tailscale use it too: a last resort.
_PRIVATE = [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]
_SHARED = ipaddress.ip_network("100.64.0.0/10")

# Containers, virtual machines, VPNs and tunnels: their addresses live inside this laptop or
# behind a tunnel, so a phone in the room cannot reach them. Names are compared in lower case;
# "veth" also covers Windows' "vEthernet (WSL)" and "vEthernet (Default Switch)".
_VIRTUAL_PREFIXES = (
    "docker", "br-", "veth", "virbr", "vmnet", "vboxnet", "lxc", "lxd", "cni", "flannel",
    "cali", "weave", "kube", "podman", "tun", "tap", "wg", "utun", "ipsec", "ppp", "tailscale",
    "zt", "ham", "nordlynx", "gpd", "bnep", "awdl", "llw",
)
_VIRTUAL_WORDS = (
    "virtual", "vmware", "virtualbox", "hyper-v", "vpn", "tailscale", "zerotier", "hamachi",
    "loopback", "pseudo", "bluetooth",
)
# Linux names wifi wl*, ethernet en* or eth*; macOS has en0, en1, ...; Windows has "Wi-Fi",
# "WLAN" (German) and "Ethernet", each perhaps with a number.
_WIFI_PREFIXES, _WIFI_WORDS = ("wl",), ("wi-fi", "wifi", "wlan", "wireless")
_ETHERNET_PREFIXES, _ETHERNET_WORDS = ("en", "eth"), ("ethernet",)


class Interface(NamedTuple):
    name: str
    address: str
    is_up: bool


def machine_interfaces(environ: Mapping[str, str] | None = None) -> list[Interface]:
    """This machine's IPv4 addresses with their interface and whether it is up."""
    environ = os.environ if environ is None else environ
    if environ.get(FAKE_INTERFACES_ENV):
        return [Interface(str(n), str(a), bool(up))
                for n, a, up in json.loads(environ[FAKE_INTERFACES_ENV])]
    stats = psutil.net_if_stats()
    return [Interface(name, addr.address, name in stats and stats[name].isup)
            for name, addrs in psutil.net_if_addrs().items()
            for addr in addrs if addr.family == socket.AF_INET]


def _kind(name: str) -> str:
    lowered = name.lower()

    def matches(prefixes, words):
        return lowered.startswith(prefixes) or any(word in lowered for word in words)

    if matches(_VIRTUAL_PREFIXES, _VIRTUAL_WORDS):
        return "virtual"
    if matches(_WIFI_PREFIXES, _WIFI_WORDS):
        return "wifi"
    if matches(_ETHERNET_PREFIXES, _ETHERNET_WORDS):
        return "ethernet"
    return "other"


def choose_address(interfaces: Iterable[tuple[str, str, bool]]) -> Interface | None:
    """The interface and address that phones in the room should use, or None.

    Candidates are IPv4 addresses in a private range (10/8, 172.16/12, 192.168/16) or in
    100.64/10 on an interface that is up and not virtual (containers, virtual machines, VPNs);
    loopback, link-local 169.254/16 and public addresses never qualify. Of the candidates:
    1. a private range beats 100.64/10, which some hotspots use but VPNs too;
    2. then wifi beats ethernet beats any other name: phones are on wifi;
    3. then the alphabetically first interface name, then the numerically lowest address,
       so that the same machine always gives the same answer, whatever the order listed.
    """
    kind_rank = {"wifi": 0, "ethernet": 1, "other": 2}
    ranked = []
    for name, address, is_up in interfaces:
        try:
            ip = ipaddress.IPv4Address(address)
        except ValueError:  # IPv6 or not an address at all
            continue
        kind = _kind(name)
        if not is_up or kind == "virtual":
            continue
        if any(ip in network for network in _PRIVATE):
            range_rank = 0
        elif ip in _SHARED:
            range_rank = 1
        else:
            continue
        ranked.append(((range_rank, kind_rank[kind], name, int(ip)),
                       Interface(name, address, is_up)))
    return min(ranked)[1] if ranked else None


# Fixed black and white from the 256-colour palette, which terminal themes do not change: the
# code must be dark on light in a dark terminal too, or many phones will not read it.
_DARK, _LIGHT = 16, 231


def terminal_qr(url: str, color: bool = True) -> str:
    """The QR code of url as terminal text, two modules a character (upper half blocks).

    Without colour the blocks are drawn in the terminal's text colour on its background, which
    is right only for light text on a dark background (segno's compact form does the same).
    """
    rows = [list(row) for row in segno.make(url, error="m").matrix_iter(scale=1, border=4)]
    if len(rows) % 2:
        rows.append([0] * len(rows[0]))  # the last half line: more quiet zone
    lines = []
    for top, bottom in zip(rows[::2], rows[1::2], strict=True):
        if not color:
            blocks = {(1, 1): " ", (0, 1): "\u2580", (1, 0): "\u2584", (0, 0): "\u2588"}
            lines.append("".join(blocks[pair] for pair in zip(top, bottom, strict=True)))
            continue
        cells, previous = [], None
        for pair in zip(top, bottom, strict=True):
            if pair != previous:  # a colour code only where the colours change
                fg, bg = (_DARK if bit else _LIGHT for bit in pair)
                cells.append(f"\033[38;5;{fg};48;5;{bg}m")
                previous = pair
            cells.append("\u2580")
        lines.append("".join(cells) + "\033[0m")
    return "\n".join(lines)


HOTSPOT_HOWTO = """\
Phones cannot join yet: this laptop has no address on a wifi or network that phones can use.
To let phones in:
  1. Open a hotspot on a phone, or join the room's wifi.
  2. Connect this laptop to that network.
  3. Stop this server (Ctrl+C) and run `make room` again.
Phones then join the same hotspot or wifi and scan the code shown here."""


def room_text(port: int, public_url: str, source: str, color: bool = True) -> str:
    """What `make room` prints: the join address and its QR code, or how to open a hotspot.

    source says where public_url came from (the interface, or WORKSHOP_PUBLIC_URL); an empty
    public_url means no address was found.
    """
    parts = [f"Workshop server for the room, listening on all interfaces, port {port}.", ""]
    if public_url:
        join = public_url.rstrip("/") + "/join"
        parts += [f"Phones join at  {join}", f"({source})", "", terminal_qr(join, color), "",
                  f"If phones cannot open it, allow incoming connections to port {port} in "
                  "this laptop's firewall.", ""]
    else:
        parts += [HOTSPOT_HOWTO, ""]
    parts += [f"Facilitator: on this laptop, open http://127.0.0.1:{port}/ to create a session;",
              "its projector page shows the session's own join code and QR code."]
    return "\n".join(parts)


def open_to_room(configured_url: str, port: int,
                 environ: Mapping[str, str] | None = None) -> tuple[str, str]:
    """The public URL the server should use in the room, and the text to print.

    A configured URL (WORKSHOP_PUBLIC_URL) wins; otherwise the chosen interface's address.
    """
    environ = os.environ if environ is None else environ
    color = not environ.get("NO_COLOR")  # https://no-color.org
    if configured_url:
        return configured_url, room_text(port, configured_url, "from WORKSHOP_PUBLIC_URL", color)
    chosen = choose_address(machine_interfaces(environ))
    if chosen is None:
        return "", room_text(port, "", "", color)
    url = f"http://{chosen.address}:{port}"
    source = f"this laptop's address on {chosen.name}; phones must be on the same network"
    return url, room_text(port, url, source, color)
