"""The sandbox's pure parts: reading /proc and cgroup files, the platform's log lines,
choosing an interpreter."""

from __future__ import annotations

from pathlib import Path

from workbench.runtime import cgroups, interpreters, logs, memory, peers

MOUNTINFO = """\
25 30 0:22 / /sys/fs/cgroup/memory rw,relatime shared:9 - cgroup cgroup rw,memory
26 30 0:23 / /sys/fs/cgroup/pids rw,relatime shared:10 - cgroup cgroup rw,pids
27 30 0:24 /docker/abc /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
28 30 0:25 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
29 30 0:26 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
"""
MEMBERSHIP = """\
9:memory:/process_api/7a1
8:pids:/
6:freezer:/docker/abc
1:cpu:/
0::/
"""


def test_our_cgroup_folders_follow_mount_roots() -> None:
    found = cgroups.parse_membership(MOUNTINFO, MEMBERSHIP)
    assert found == {"memory": Path("/sys/fs/cgroup/memory/process_api/7a1"),
                     "pids": Path("/sys/fs/cgroup/pids"),
                     "freezer": Path("/sys/fs/cgroup/freezer")}


def test_addresses_as_proc_net_tcp_writes_them() -> None:
    assert peers._hex(("127.0.0.1", 80)) == b"0100007F:0050"
    assert peers._hex(("10.1.2.3", 65535)) == b"0302010A:FFFF"


def test_status_and_memory_stat_fields() -> None:
    status = b"Name:\tpython\nThreads:\t3\nVmHWM:\t  120644 kB\nVmRSS:\t   9000 kB\n"
    assert memory.field_kb(status, b"VmHWM:") == 120644
    assert memory.field_kb(status, b"Threads:") == 3
    assert memory.field_kb(status, b"RssAnon:") == 0
    stat = b"cache 4096\nrss 1048576\nrss_huge 0\nshmem 7\n"
    assert memory.stat_bytes(stat, b"rss") == 1048576
    assert memory.stat_bytes(stat, b"cache") == 4096
    assert memory.stat_bytes(stat, b"shmem") == 7 and memory.stat_bytes(stat, b"swap") == 0


def test_init_report_lines_as_lambda_writes_them() -> None:
    assert logs.init_report_line(10000.0, "init", "timeout") == (
        "INIT_REPORT Init Duration: 10000.00 ms\tPhase: init\tStatus: timeout")
    assert logs.init_report_line(150.794, "invoke", "error", "Runtime.ImportModuleError") == (
        "INIT_REPORT Init Duration: 150.79 ms\tPhase: invoke\tStatus: error\t"
        "Error Type: Runtime.ImportModuleError")
    assert logs.init_report_line(1086.6) == "INIT_REPORT Init Duration: 1086.60 ms"


def test_report_lines_carry_the_platforms_status() -> None:
    timeout = logs.report_line("r", 3000.0, 128, 40, status="timeout")
    assert timeout.endswith("Max Memory Used: 40 MB\tStatus: timeout\t")
    crash = logs.report_line("r", 5.0, 128, 40, error_type="Runtime.ExitError", status="error")
    assert crash.endswith("\tStatus: error\tError Type: Runtime.ExitError\t")
    assert logs.parse_report(crash) is not None


def test_the_nearest_interpreter_prefers_the_newer_on_a_tie() -> None:
    assert interpreters.nearest((3, 14), [(3, 9), (3, 12), (3, 13)]) == (3, 13)
    assert interpreters.nearest((3, 11), [(3, 10), (3, 12)]) == (3, 12)
    assert interpreters.nearest((3, 9), [(3, 10), (3, 13)]) == (3, 10)
    assert interpreters.runtime_version("python3.12") == (3, 12)
