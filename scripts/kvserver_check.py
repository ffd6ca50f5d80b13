#!/usr/bin/python3
"""The correctness checks of jetsession-kv, as a client nobody here wrote
sees the server: Debian's python3-redis (run it with /usr/bin/python3, the
interpreter that has Debian's modules).

  kvserver_check.py nothing-lost --port P --sessions S --threads N --seconds T
      N threads, each with its own connection, for T seconds: INCR of a
      random counter among --counters, and SET then GET of the thread's own
      key. Then every counter must equal the INCRs acknowledged on it (a
      command answered -BUSY or "-ERR shutting down" must not have been
      applied, so it is not counted), and every GET must return the value
      of the thread's last acknowledged SET (a SET answered -BUSY must not
      have changed it). Last, INFO: sqlite_connections_opened and
      sessions_max_open at most S, slot_conflicts 0.

  kvserver_check.py exactness --port P --sessions S
      The INFO part of nothing-lost alone (after any load).

  kvserver_check.py incr-until-closed --port P --threads N --out FILE
      N threads INCR random counters until the server closes their
      connection (its shutdown), counting per counter the acknowledged
      INCRs and those in doubt (sent, no reply: the connection closed).
      Writes them to FILE (JSON) for verify-db.

  kvserver_check.py verify-db --db PATH --acked FILE
      After the server exited: PRAGMA integrity_check is "ok", and every
      counter holds at least its acknowledged INCRs and at most those plus
      the ones in doubt.

  kvserver_check.py slow-readers --port P --pid PID [--readers N]
                                 [--max_mb M]
      A 1 MB value, then N connections that pipeline GETs of it and never
      read a reply. Meanwhile a fresh connection's PING and INCR must be
      answered within 3 s each, and the server's resident memory (PID)
      must stay below --max_mb (400; more for a sanitizer build, whose
      allocator keeps freed memory in quarantine): a connection that does
      not read holds a bounded share of the server.

  kvserver_check.py early-signal --binary B --db PATH
      Starts B and sends it SIGTERM as soon as its main() has started
      (/proc/PID/status shows exactly the mask main() sets first: this
      process's own plus SIGTERM and SIGINT), before it is ready: it must
      exit 0, with the database's integrity check "ok" in its log.

Exit status 0 when every check passed, 1 otherwise; a summary line per
check is printed either way.
"""

import argparse
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time

import redis


def is_refusal(error):
    """A reply that says the command was not applied."""
    text = str(error)
    return text.startswith("BUSY") or text == "shutting down"


def client(port):
    # No retries: a command is sent once, so its reply (or its absence)
    # says exactly what happened to it.
    return redis.Redis(host="127.0.0.1", port=port, socket_timeout=60,
                       socket_connect_timeout=10)


def read_info(port):
    for _ in range(100):
        try:
            return client(port).info()
        except redis.exceptions.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError("INFO: no answer")


def nothing_lost(args):
    run = "%08x" % random.getrandbits(32)
    counters = ["nl:%s:c%d" % (run, i) for i in range(args.counters)]
    deadline = time.monotonic() + args.seconds
    lock = threading.Lock()
    totals = {"incr_acked": 0, "busy": 0, "set_acked": 0, "get_checked": 0,
              "errors": []}
    acked = {name: 0 for name in counters}

    def worker(index):
        rng = random.Random(index)
        r = client(args.port)
        own_key = "nl:%s:rt%d" % (run, index)
        expected = None  # the key is new: GET gives None
        mine = {name: 0 for name in counters}
        local = {"incr_acked": 0, "busy": 0, "set_acked": 0,
                 "get_checked": 0}
        errors = []
        try:
            while time.monotonic() < deadline and not errors:
                if rng.random() < 0.7:
                    name = rng.choice(counters)
                    try:
                        r.execute_command("INCR", name)  # r.incr sends INCRBY
                    except redis.exceptions.ResponseError as e:
                        if is_refusal(e):
                            local["busy"] += 1
                        else:
                            errors.append("INCR %s: %s" % (name, e))
                        continue
                    mine[name] += 1
                    local["incr_acked"] += 1
                else:
                    value = "%d-%d" % (index, rng.getrandbits(48))
                    try:
                        r.set(own_key, value)
                        expected = value.encode()
                        local["set_acked"] += 1
                    except redis.exceptions.ResponseError as e:
                        if is_refusal(e):
                            local["busy"] += 1
                        else:
                            errors.append("SET: %s" % e)
                    try:
                        got = r.get(own_key)
                    except redis.exceptions.ResponseError as e:
                        if is_refusal(e):
                            local["busy"] += 1
                        else:
                            errors.append("GET: %s" % e)
                        continue
                    local["get_checked"] += 1
                    if got != expected:
                        errors.append("GET %s: %r, last acknowledged SET %r"
                                      % (own_key, got, expected))
        except redis.exceptions.RedisError as e:
            errors.append("thread %d: %r" % (index, e))
        with lock:
            for name, n in mine.items():
                acked[name] += n
            for key, n in local.items():
                totals[key] += n
            totals["errors"].extend(errors)

    threads = [threading.Thread(target=worker, args=(i,))
               for i in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    failures = list(totals["errors"])
    r = client(args.port)
    for name in counters:
        for _ in range(1000):  # a tiny --wait_ms may answer BUSY here too
            try:
                value = int(r.get(name) or 0)
                break
            except redis.exceptions.ResponseError as e:
                if not is_refusal(e):
                    raise
                time.sleep(0.01)
        else:
            failures.append("GET %s: BUSY 1000 times" % name)
            continue
        if value != acked[name]:
            failures.append("%s = %d, acknowledged INCRs %d"
                            % (name, value, acked[name]))
    print("nothing-lost: %d threads, %.1f s: %d INCRs acknowledged on %d "
          "counters, %d SET and %d GET round trips, %d refused (-BUSY), "
          "counters equal acknowledged: %s"
          % (args.threads, args.seconds, totals["incr_acked"], len(counters),
             totals["set_acked"], totals["get_checked"], totals["busy"],
             "yes" if not failures else "NO"))
    if args.min_busy and totals["busy"] < args.min_busy:
        failures.append("only %d -BUSY replies, wanted at least %d"
                        % (totals["busy"], args.min_busy))
    failures += exactness(args.port, args.sessions)
    for failure in failures[:20]:
        print("  FAIL: " + failure)
    return 1 if failures else 0


def exactness(port, sessions):
    info = read_info(port)
    opened = info["sqlite_connections_opened"]
    max_open = info["sessions_max_open"]
    conflicts = info["slot_conflicts"]
    print("exactness: --sessions %d, sqlite_connections_opened %d, "
          "sessions_max_open %d, slot_conflicts %d, waits %d, "
          "wait_timeouts %d, busy_replies %d (session_core %s)"
          % (sessions, opened, max_open, conflicts, info["waits"],
             info["wait_timeouts"], info["busy_replies"],
             info["session_core"]))
    failures = []
    if opened > sessions:
        failures.append("sqlite_connections_opened %d > %d" % (opened, sessions))
    if max_open > sessions:
        failures.append("sessions_max_open %d > %d" % (max_open, sessions))
    if conflicts != 0:
        failures.append("slot_conflicts %d" % conflicts)
    return failures


def incr_until_closed(args):
    counters = ["sd:c%d" % i for i in range(args.counters)]
    acked = {name: 0 for name in counters}
    doubt = {name: 0 for name in counters}
    refused = [0]
    lock = threading.Lock()
    started = threading.Barrier(args.threads + 1)

    def worker(index):
        rng = random.Random(index)
        r = client(args.port)
        mine = {name: 0 for name in counters}
        my_refused = 0
        in_doubt = None
        r.ping()
        started.wait()
        while True:
            name = rng.choice(counters)
            try:
                r.execute_command("INCR", name)  # r.incr sends INCRBY
                mine[name] += 1
            except redis.exceptions.ResponseError as e:
                if not is_refusal(e):
                    raise
                my_refused += 1  # not applied; the server is stopping
            except (redis.exceptions.ConnectionError,
                    redis.exceptions.TimeoutError):
                in_doubt = name  # sent, and no reply: maybe applied
                break
        with lock:
            for key, n in mine.items():
                acked[key] += n
            if in_doubt is not None:
                doubt[in_doubt] += 1
            refused[0] += my_refused

    threads = [threading.Thread(target=worker, args=(i,))
               for i in range(args.threads)]
    for t in threads:
        t.start()
    started.wait()
    # Tells the caller that the load runs (it sends the signal then).
    print("incr-until-closed: running", flush=True)
    for t in threads:
        t.join()
    with open(args.out, "w") as f:
        json.dump({"acked": acked, "doubt": doubt}, f)
    print("incr-until-closed: %d threads: %d INCRs acknowledged before the "
          "shutdown, %d in doubt, %d answered 'shutting down'"
          % (args.threads, sum(acked.values()), sum(doubt.values()),
             refused[0]))
    return 0


def verify_db(args):
    with open(args.acked) as f:
        counts = json.load(f)
    db = sqlite3.connect("file:%s?mode=ro" % args.db, uri=True)
    integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    failures = []
    if integrity != "ok":
        failures.append("integrity_check: %s" % integrity)
    total_acked = total_stored = 0
    for name, n in counts["acked"].items():
        row = db.execute("SELECT v FROM kv WHERE k = ?",
                         (name.encode(),)).fetchone()
        value = int(row[0]) if row else 0
        total_acked += n
        total_stored += value
        high = n + counts["doubt"][name]
        if not n <= value <= high:
            failures.append("%s = %d, acknowledged %d, in doubt %d"
                            % (name, value, n, counts["doubt"][name]))
    print("verify-db: integrity_check %s; %d acknowledged INCRs, %d in the "
          "database (every counter between its acknowledged count and that "
          "plus its in-doubt ones: %s)"
          % (integrity, total_acked, total_stored,
             "yes" if not failures else "NO"))
    for failure in failures[:20]:
        print("  FAIL: " + failure)
    return 1 if failures else 0


def resident_mb(pid):
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    return 0


def slow_readers(args):
    big = b"x" * (1 << 20)
    client(args.port).set("big", big)
    request = b"*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n" * 200
    readers = []
    for _ in range(args.readers):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", args.port))
        s.setblocking(False)
        try:
            s.send(request)
        except BlockingIOError:
            pass
        readers.append(s)
    failures = []
    peak = 0
    for probe in range(4):
        time.sleep(0.5)
        peak = max(peak, resident_mb(args.pid))
        start = time.monotonic()
        try:
            fresh = redis.Redis(host="127.0.0.1", port=args.port,
                                socket_timeout=3, socket_connect_timeout=3)
            fresh.ping()
            fresh.execute_command("INCR", "probe")
        except redis.exceptions.RedisError as error:
            if not is_refusal(error):
                failures.append(f"probe {probe}: {error!r}")
        took = time.monotonic() - start
        if took > 3:
            failures.append(f"probe {probe} took {took:.1f} s")
    peak = max(peak, resident_mb(args.pid))
    if peak > args.max_mb:
        failures.append(f"resident memory {peak} MB with {args.readers} "
                        "connections that do not read")
    for s in readers:
        s.close()
    print(f"slow-readers: {args.readers} connections that do not read, "
          f"peak resident memory {peak} MB, probes answered: "
          f"{'yes' if not failures else 'no'}")
    for failure in failures:
        print("  FAIL: " + failure)
    return 1 if failures else 0


def early_signal(args):
    # The mask main() sets: this process's own (which the server inherits)
    # plus SIGTERM and SIGINT. Compared exactly: libc blocks nearly every
    # signal for a few instructions during start-up (SigBlk
    # fffffffe7ffbfeff), and a SIGTERM sent in such a window is delivered,
    # with its default action, as soon as the window closes.
    held = 0
    for sig in (set(signal.pthread_sigmask(signal.SIG_BLOCK, []))
                | {signal.SIGTERM, signal.SIGINT}):
        held |= 1 << (int(sig) - 1)
    for path in (args.db, args.db + "-wal", args.db + "-shm"):
        if os.path.exists(path):
            os.unlink(path)
    process = subprocess.Popen([args.binary, "--port=0", f"--db={args.db}"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    blocked = False
    deadline = time.monotonic() + 10
    while not blocked and time.monotonic() < deadline:
        try:
            with open(f"/proc/{process.pid}/status", encoding="ascii") as st:
                for line in st:
                    if line.startswith("SigBlk:"):
                        blocked = int(line.split()[1], 16) == held
        except OSError:
            break
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    del out  # "ready" is printed either way: a held signal comes later
    ok = (blocked and process.returncode == 0
          and b"integrity_check: ok" in err)
    print(f"early-signal: SIGTERM as soon as main() had started: exit "
          f"status {process.returncode}, "
          f"{'passed' if ok else 'FAILED (SIGTERM never held)' if not blocked else 'FAILED'}")
    if not ok:
        print(err.decode(errors="replace")[-2000:])
    return 0 if ok else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="check", required=True)
    p = sub.add_parser("nothing-lost")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--sessions", type=int, required=True)
    p.add_argument("--threads", type=int, default=64)
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--counters", type=int, default=8)
    p.add_argument("--min_busy", type=int, default=0,
                   help="fail unless at least this many -BUSY replies came")
    p = sub.add_parser("exactness")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--sessions", type=int, required=True)
    p = sub.add_parser("incr-until-closed")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--threads", type=int, default=16)
    p.add_argument("--counters", type=int, default=8)
    p.add_argument("--out", required=True)
    p = sub.add_parser("verify-db")
    p.add_argument("--db", required=True)
    p.add_argument("--acked", required=True)
    p = sub.add_parser("slow-readers")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--readers", type=int, default=40)
    p.add_argument("--max_mb", type=int, default=400)
    p = sub.add_parser("early-signal")
    p.add_argument("--binary", required=True)
    p.add_argument("--db", required=True)
    args = parser.parse_args()
    if args.check == "slow-readers":
        return slow_readers(args)
    if args.check == "early-signal":
        return early_signal(args)
    if args.check == "nothing-lost":
        return nothing_lost(args)
    if args.check == "exactness":
        failures = exactness(args.port, args.sessions)
        for failure in failures:
            print("  FAIL: " + failure)
        return 1 if failures else 0
    if args.check == "incr-until-closed":
        return incr_until_closed(args)
    return verify_db(args)


if __name__ == "__main__":
    sys.exit(main())
