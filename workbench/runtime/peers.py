"""Who is on the other end of a loopback TCP connection: the Runtime API admits only its
environment's processes.

awslambdaric reaches the Runtime API by `host:port` only, so it must be TCP, and any local
process can connect to a loopback port. On accept the server finds the client's socket in
/proc/net/tcp (local address = the client's, remote = ours) and its inode among the file
descriptors of the environment's processes; a connection nobody in the environment holds
is closed before a byte of it is read. Where /proc is not there (macOS) nothing can be
checked and every connection is admitted (the README says so).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable

PROC_NET_TCP = "/proc/net/tcp"
SUPPORTED = os.path.exists(PROC_NET_TCP)


def _hex(address: tuple[str, int]) -> bytes:
    """An IPv4 address as /proc/net/tcp writes it: little-endian hex, then the port."""
    host, port = address[0], address[1]
    packed = int.from_bytes(socket.inet_aton(host), "little")
    return b"%08X:%04X" % (packed, port)


def client_inode(server_side: socket.socket) -> int | None:
    """The inode of the client's end of the connection `server_side` accepted."""
    try:
        client, ours = _hex(server_side.getpeername()), _hex(server_side.getsockname())
        with open(PROC_NET_TCP, "rb") as table:
            for line in table:
                fields = line.split()
                if len(fields) > 9 and fields[1] == client and fields[2] == ours:
                    return int(fields[9])
    except (OSError, ValueError):
        return None
    return None


def held_by(inode: int, pids: Iterable[int]) -> bool:
    """Does one of `pids` have the socket `inode` open?"""
    target = f"socket:[{inode}]"
    for pid in pids:
        folder = f"/proc/{pid}/fd"
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            try:
                if os.readlink(f"{folder}/{name}") == target:
                    return True
            except OSError:
                continue
    return False


def admitted(server_side: socket.socket, members: Iterable[int]) -> bool:
    if not SUPPORTED:
        return True
    inode = client_inode(server_side)
    return inode is not None and inode != 0 and held_by(inode, members)
