"""A gateway VM's work on each tenant's packets: forwarding, NAT44 or ESP, by tenant.

A multi-tenant gateway runs each VM network in its own compartment [S11][S15], so one
quantum's packets may need different functions; each function runs on its own rows of a
view (the kernels take the rows to work on), in the view's order.
"""

from __future__ import annotations

import numpy as np

from nvbench.fastpath import esp, vlan
from nvbench.fastpath.nat_table import NatTable
from nvbench.fastpath.sa import SA_NATT, SA_SUITE, SUITES, SaTable, inner_mtu
from nvbench.fastpath.tunnels import TunnelRoutes
from nvbench.fastpath.verdict import TOO_BIG
from nvbench.model.costs import Profile
from nvbench.model.nat_books import NatNotes, translate
from nvbench.packet.batch import PacketBatch
from nvbench.packet.layouts import ETHERNET, IPPROTO_ESP, IPPROTO_UDP, IPV4, NAT_T_PORT, UDP

MODES = ("forward", "nat", "esp")  # the functions (nvbench.patterns.table)
FORWARD, NAT, ESP = 0, 1, 2
CODE = {"forward": FORWARD, "nat": NAT, "esp": ESP}
INSIDE, OUTSIDE = 0, 1  # the port a packet came in by
# Where a frame shows ESP: its IPv4 protocol, or a UDP destination port of 4500 (NAT-T).
PROTO_AT = ETHERNET.length + IPV4.offset("proto")
DPORT_AT = ETHERNET.length + IPV4.length + UDP.offset("dport")


class TenantFunctions:
    """The function of each routing domain, and the state the functions keep.

    Parameters
    ----------
    codes : int8 array
        FORWARD, NAT or ESP by routing domain.
    nat : NatTable, optional
        For NAT.
    sas, routes : SaTable and TunnelRoutes, optional
        For ESP: the SAs, and which outbound SA each tenant's packet goes into (by its
        inner destination: a site's prefix, a remote-access client's address).
    mtu, clear_df : int, bool
        The external path MTU, and whether the tunnels clear DF: an ESP packet over the
        MTU with DF set is dropped as TOO_BIG (and answered, see ``addresses``); with DF
        clear it is sealed whole and cut by the gateway.
    vlans : int array, optional
        The 802.1Q VLAN of each forwarded tenant's external traffic (0: untagged).
    addresses : int array, optional
        The gateway's own address in each tenant's network: where its ICMP errors come
        from (a tunnel packet refused as TOO_BIG is answered "fragmentation needed", with
        the tunnel's inner MTU, RFC 1191). None: no errors are sent.
    """

    def __init__(
        self, codes: np.ndarray, nat: NatTable | None = None, sas: SaTable | None = None,
        routes: TunnelRoutes | None = None, mtu: int = 1500, vlans: np.ndarray | None = None,
        clear_df: bool = False, addresses: np.ndarray | None = None,
    ) -> None:  # fmt: skip
        self.codes, self.nat, self.sas, self.routes = codes, nat, sas, routes
        self.mtu, self.clear_df = mtu, clear_df  # the external path's, and the DF policy
        self.addresses = addresses
        self._refused: list[tuple[PacketBatch, np.ndarray]] = []  # TOO_BIG, to answer
        self.vlans = vlans if vlans is not None and vlans.any() else None

    def of_tenants(self, v: PacketBatch) -> np.ndarray:
        """The function code of each packet's tenant."""
        return self.codes[np.clip(v.rd[: v.n], 0, self.codes.shape[0] - 1)]

    def of(self, v: PacketBatch, rows: np.ndarray, side: int) -> np.ndarray:
        """The function code of packets ``rows``: an ESP packet from outside is known by its
        SA (set by decapsulation), the rest by their tenant."""
        if self.sas is not None and side == OUTSIDE:
            return np.where(v.sa[rows] >= 0, ESP, self.codes[v.rd[rows]])
        return self.codes[np.clip(v.rd[rows], 0, self.codes.shape[0] - 1)]

    def outbound(self, v: PacketBatch, counts: np.ndarray) -> None:
        """Each live tunnelled packet of ``v`` from a VM network into its tunnel; forwarding
        has nothing to do, and NAT runs both ways at once (:meth:`translate`)."""
        if self.sas is None:
            return
        rows = np.flatnonzero(self.of_tenants(v) == ESP)
        if rows.shape[0] == 0:
            return
        assert self.routes is not None
        self.routes.assign(v, counts, rows)
        live = v.verdict[rows] == 0
        esp.encapsulate(v, self.sas, counts, mtu=self.mtu, rows=rows, clear_df=self.clear_df)
        big = rows[live & (v.verdict[rows] == TOO_BIG)]
        if big.shape[0] and self.addresses is not None:
            self._refused.append((v, big))

    def nat_ways(self, v: PacketBatch, side: int) -> np.ndarray:
        """Per packet of ``v`` (that came in by ``side``), the way the NAT takes it: -1 not
        at all (not a NAT tenant's, or a tunnel's), 0 out, 1 in."""
        rows = np.arange(v.n)
        mine = self.of(v, rows, side) == NAT
        if side == OUTSIDE:
            mine &= ~esp_frames(v)
        return np.where(mine, np.int8(side), np.int8(-1))

    def translate(self, v: PacketBatch, counts: np.ndarray, ways: np.ndarray) -> NatNotes:
        """The NAT on the live packets of ``v`` with ``ways[i] >= 0``, in row order, each
        its way (see :meth:`nat_ways`): mappings are looked up as they were when each came."""
        assert self.nat is not None
        rows = np.flatnonzero(ways[: v.n] >= 0)
        return translate(self.nat, v, counts, rows, ways[rows] == OUTSIDE)

    def take_refused(self) -> list[tuple[PacketBatch, np.ndarray, np.ndarray, np.ndarray]]:
        """The tunnel packets refused as TOO_BIG since the last call: (view, rows, the
        inner MTU of each one's tunnel, the gateway's address in its tenant's network)."""
        refused, self._refused = self._refused, []
        if not refused:
            return []
        sas, addresses = self.sas, self.addresses
        assert sas is not None and addresses is not None
        out = []
        for v, rows in refused:
            sa = np.maximum(v.sa[rows], 0)
            mtu = [inner_mtu(SUITES[k].name, self.mtu, bool(x)) for k, x in
                   zip(sas.cols[SA_SUITE][sa].tolist(), sas.cols[SA_NATT][sa].tolist(),
                       strict=True)]  # fmt: skip
            out.append((v, rows, np.array(mtu), addresses[np.maximum(v.rd[rows], 0)]))
        return out

    def inbound(self, v: PacketBatch, counts: np.ndarray) -> None:
        """The ESP packets of ``v`` (IPv4 protocol 50, or NAT-T on UDP 4500) decrypted; the
        rest is forwarded as it is, or NATed (:meth:`translate`)."""
        is_esp = esp_frames(v)
        if is_esp.any():
            assert self.sas is not None
            esp.decapsulate(v, self.sas, counts, rows=np.flatnonzero(is_esp))

    def vcpus(self, v: PacketBatch, rows: np.ndarray, side: int, servers: int,
              no_tunnels: bool, spread: dict[str, str]) -> np.ndarray:  # fmt: skip
        """The vCPU of each of packets ``rows`` (that came in by ``side``) among ``servers``:
        a tunnel's, both ways, its connection's (its SAs' pin), the others' by flow (vRSS);
        a function that ``spread`` (a profile's) keeps on ``"one"`` vCPU, vCPU 0."""
        single = [CODE[fn] for fn, way in spread.items() if way == "one"]
        if no_tunnels and not single:
            return v.flow[rows] % servers
        code = self.of(v, rows, side)
        out = v.flow[rows] % servers
        if not no_tunnels:
            assert self.sas is not None
            pin = self.sas.pin[np.maximum(v.sa[rows], 0)]
            out = np.where(code == ESP, pin % servers, out)
        return np.where(np.isin(code, single), 0, out) if single else out

    def tunnel_rows(self, v: PacketBatch, side: int, lo: int, hi: int) -> np.ndarray:
        """The live tunnel packets of ``v`` (that came in by ``side``) in [lo, hi) ns: a
        tenant's packet for a tunnel, or an ESP frame from outside."""
        rows = np.flatnonzero(v.verdict[: v.n] == 0)
        t = v.time[rows]
        tunnel = self.of(v, rows, side) == ESP if side == INSIDE else esp_frames(v)[rows]
        return rows[tunnel & (t >= lo) & (t < hi)]

    def cost_ns(self, v: PacketBatch, rows: np.ndarray, side: int, opened: np.ndarray | None,
                costs: Profile, clock_hz: float, one: int | None) -> np.ndarray:  # fmt: skip
        """Service time of packets ``rows`` (that came in by ``side``) on a vCPU at
        ``clock_hz``: each by its function, ESP by its SA's cipher suite (sites and client
        populations may each negotiate their own), a packet that ``opened`` a NAT mapping
        at ``nat_new``. ``one``: the function of every packet, if known (never ESP)."""
        nbytes = v.length[rows]
        names = {FORWARD: "forward", NAT: "nat_existing"}
        if one is not None:
            ns = costs.service_ns(names[one], nbytes, clock_hz)
        else:
            code = self.of(v, rows, side)
            ns = np.zeros(rows.shape[0], np.int64)
            for c, fname in names.items():
                mine = code == c
                if mine.any():
                    ns[mine] = costs.service_ns(fname, nbytes[mine], clock_hz)
            tunnel = np.flatnonzero(code == ESP)
            if tunnel.shape[0]:
                assert self.sas is not None
                way = "encap" if side == INSIDE else "decap"
                suite = self.sas.cols[SA_SUITE][np.maximum(v.sa[rows[tunnel]], 0)]
                for k in np.unique(suite).tolist():
                    mine = tunnel[suite == k]
                    name = f"esp_{way}:{SUITES[k].name}"
                    ns[mine] = costs.service_ns(name, nbytes[mine], clock_hz)
        if opened is not None and opened.any():
            ns[opened] = costs.service_ns("nat_new", nbytes[opened], clock_hz)
        return ns

    def tag(self, v: PacketBatch, counts: np.ndarray) -> None:
        """Outbound: each forwarded packet onto its tenant's VLAN."""
        assert self.vlans is not None
        vlan.push(v, self.vlans, counts, rows=np.flatnonzero(self.of_tenants(v) == FORWARD))

    def untag(self, v: PacketBatch, counts: np.ndarray) -> None:
        """Inbound: each forwarded packet off its tenant's VLAN (another VLAN: NO_ROUTE)."""
        assert self.vlans is not None
        vlan.pop(v, self.vlans, counts, rows=np.flatnonzero(self.of_tenants(v) == FORWARD))


def esp_frames(v: PacketBatch) -> np.ndarray:
    """Which frames carry ESP: IPv4 protocol 50, or UDP to port 4500 (NAT-T) [S29]."""
    o = v.offset[: v.n].astype(np.int64)
    rows = np.arange(v.n)
    proto = v.buf[rows, o + PROTO_AT]
    dport = (v.buf[rows, o + DPORT_AT].astype(np.int64) << 8) | v.buf[rows, o + DPORT_AT + 1]
    return (proto == IPPROTO_ESP) | ((proto == IPPROTO_UDP) & (dport == NAT_T_PORT))
