"""The SCVMM gateway connection string, as the "Add Network Service" wizard takes it [S16].

``VMHost=EdgeCluster01.contoso.com;GatewayVM=GWCluster01.contoso.com;BackEndSwitch="ESU
Switch";DirectRoutingMode=true;FrontEndServerAddress=10.10.0.4`` with the optional
``MaxVMNetworksSupported`` and ``VPNServerAddress``. Keys are matched without regard to
case; values may be double-quoted (a quoted value may hold ``;``).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nvbench.scenario.schema import Gateway, Scenario

KEYS = {
    "vmhost": "VMHost",
    "gatewayvm": "GatewayVM",
    "backendswitch": "BackEndSwitch",
    "directroutingmode": "DirectRoutingMode",
    "frontendserveraddress": "FrontEndServerAddress",
    "maxvmnetworkssupported": "MaxVMNetworksSupported",
    "vpnserveraddress": "VPNServerAddress",
}
REQUIRED = ("VMHost", "GatewayVM")
MAX_VM_NETWORKS_DEFAULT = 50  # [S16]
MAX_VM_NETWORKS_LIMIT = 100  # [S16]


@dataclass(frozen=True)
class Connection:
    vm_host: str
    gateway_vm: str
    back_end_switch: str | None = None
    direct_routing: bool = False
    front_end_address: str | None = None
    max_vm_networks: int = MAX_VM_NETWORKS_DEFAULT
    vpn_server_address: str | None = None


def _split(text: str) -> list[str]:
    """Split on ``;`` outside double quotes; ValueError on an unclosed quote."""
    parts: list[str] = []
    cur: list[str] = []
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        elif ch == ";" and not quoted:
            parts.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    if quoted:
        raise ValueError("an opening double quote is never closed")
    parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]


def parse(text: str) -> tuple[Connection | None, list[str]]:
    """The connection, or None and every problem found (as sentences without key paths)."""
    problems: list[str] = []
    try:
        parts = _split(text)
    except ValueError as e:
        return None, [str(e)]
    values: dict[str, str] = {}
    for part in parts:
        key, eq, value = part.partition("=")
        canonical = KEYS.get(key.strip().lower())
        if not eq:
            problems.append(f"{part!r} is not Key=Value")
        elif canonical is None:
            problems.append(f"unknown key {key.strip()!r}; allowed: {', '.join(KEYS.values())}")
        elif canonical in values:
            problems.append(f"{canonical} is given twice")
        else:
            values[canonical] = value.strip().strip('"')
    problems += [f"{k} is required" for k in REQUIRED if k not in values]
    direct = values.get("DirectRoutingMode", "false").lower()
    if direct not in ("true", "false"):
        problems.append(f"DirectRoutingMode must be true or false, got {direct!r}")
    max_nets = MAX_VM_NETWORKS_DEFAULT
    if "MaxVMNetworksSupported" in values:
        raw = values["MaxVMNetworksSupported"]
        # isascii: a footnote mark pasted from a web page ("50¹") passes isdigit, not int
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_VM_NETWORKS_LIMIT:
            problems.append(
                f"MaxVMNetworksSupported must be 1..{MAX_VM_NETWORKS_LIMIT}, got {raw!r}"
            )
        else:
            max_nets = int(raw)
    for key in ("FrontEndServerAddress", "VPNServerAddress"):
        if key in values:
            try:
                ipaddress.IPv4Address(values[key])
            except ValueError:
                problems.append(f"{key} must be an IPv4 address, got {values[key]!r}")
    if direct == "true" and "FrontEndServerAddress" not in values:
        problems.append("DirectRoutingMode=true needs FrontEndServerAddress")
    if problems:
        return None, problems
    return (
        Connection(
            values["VMHost"],
            values["GatewayVM"],
            values.get("BackEndSwitch"),
            direct == "true",
            values.get("FrontEndServerAddress"),
            max_nets,
            values.get("VPNServerAddress"),
        ),  # fmt: skip
        [],
    )


def of_gateways(s: Scenario) -> dict[str, Connection]:
    """The parsed connection string of every gateway whose string is valid."""
    out = {}
    for g in s.gateways:
        conn, _ = parse(g.connection)
        if conn is not None:
            out[g.name] = conn
    return out


def vpn_server_address(g: Gateway) -> ipaddress.IPv4Address | None:
    """The address the gateway's connection string reports to tenants (VPNServerAddress:
    another endpoint in front of the gateway, such as a load balancer [S16]), if any."""
    conn, _ = parse(g.connection)
    if conn is None or conn.vpn_server_address is None:
        return None
    return ipaddress.IPv4Address(conn.vpn_server_address)
