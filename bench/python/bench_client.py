# Python client worker of the benchmark: Pyro4 4.82, or Pyro5 when BENCH_PYRO=5 (Pyro5 importable through
# PYTHONPATH; the micro op is Pyro4 only). Reads one JSON command per stdin line, answers one JSON line on
# stdout, so the orchestrator can keep a pool of these processes alive (Python start-up is paid once) and start
# several at the same moment for the concurrency rows. Also drives the name servers of the "Name server" section
# (kinds nsfill, nslookup, nsregister, nslist). Commands:
#   {"op": "open", "uri": U, "serializer": S}         -> {"ok": true}    (binds a proxy)
#   {"op": "run", "kind": K, "ms": T, "max": N, "arg": A} -> {"ops": n, "secs": s, "p50": us, "p99": us}
#   {"op": "close"}  {"op": "micro", "serializer": S, "case": C, "ms": T}  {"op": "quit"}
import json
import os
import sys
import time

if os.environ.get("BENCH_PYRO") == "5":
    import Pyro5.api

    Proxy = Pyro5.api.Proxy
    batch = Pyro5.api.BatchProxy
else:
    import Pyro4
    import Pyro4.util

    Proxy = Pyro4.Proxy
    batch = Pyro4.batch

proxy = None
uri = None
serializer = None
perf = time.perf_counter
reg_counter = 0

TYPICAL = {"name": "widget-42", "id": 123456, "price": 19.99, "tags": ["red", "green", "blue"], "active": True,
           "dims": [1.5, 2.5, 3.5], "owner": {"first": "Ann", "last": "Lee", "age": 37}}


def make_proxy():
    p = Proxy(uri)
    p._pyroSerializer = serializer
    return p


def run(kind, ms, maxops, arg):
    deadline = perf() + ms / 1000.0
    lat = []
    ops = 0
    t0 = perf()
    if kind == "connect":
        while ops < maxops and perf() < deadline:
            p = make_proxy()
            p.ping()
            p._pyroRelease()
            ops += 1
    elif kind == "ping":
        ping = proxy.ping
        while ops < maxops:
            a = perf()
            ping()
            b = perf()
            lat.append(b - a)
            ops += 1
            if b >= deadline:
                break
    elif kind == "oneway":
        # rounds of `arg` oneway calls, each round timed until the server has run them all
        tick = proxy.tick
        while ops < maxops and perf() < deadline:
            base = proxy.count()
            for _ in range(arg):
                tick()
            ops += arg
            while proxy.count() < base + arg:
                time.sleep(0.0002)
    elif kind == "batch":
        while ops < maxops and perf() < deadline:
            b = batch(proxy)
            for _ in range(100):
                b.ping()
            for _ in b():
                pass
            ops += 100
    elif kind == "stream":
        while ops < maxops and perf() < deadline:
            for _ in proxy.gen(arg):
                ops += 1
    elif kind == "echo":
        payload = b"x" * arg
        while ops < maxops and perf() < deadline:
            proxy.echo(payload)
            ops += 1
    elif kind == "nslookup":
        while ops < maxops and perf() < deadline:
            proxy.lookup("bench.object")
            ops += 1
    elif kind == "nsfill":
        # setup of the "Name server" section (not timed): bench.object for the lookups, `arg` names under
        # bench.list. for the prefix listing
        proxy.register("bench.object", "PYRO:bench@127.0.0.1:9999")
        for i in range(arg):
            proxy.register("bench.list.%04d" % i, "PYRO:obj%d@127.0.0.1:9999" % i)
        ops = arg + 1
    elif kind == "nsregister":
        # distinct names every call, across repeats too (a counter per worker process)
        global reg_counter
        register = proxy.register
        while ops < maxops and perf() < deadline:
            reg_counter += 1
            register("bench.reg.%d" % reg_counter, "PYRO:obj@127.0.0.1:9999")
            ops += 1
    elif kind == "nslist":
        while ops < maxops and perf() < deadline:
            proxy.list(prefix="bench.list.")
            ops += 1
    else:
        raise ValueError("unknown kind " + kind)
    secs = perf() - t0
    out = {"ops": ops, "secs": secs}
    if lat:
        lat.sort()
        out["p50"] = lat[min(len(lat) - 1, max(0, -(-len(lat) * 50 // 100) - 1))] * 1e6
        out["p99"] = lat[min(len(lat) - 1, max(0, -(-len(lat) * 99 // 100) - 1))] * 1e6
    return out


def micro(ser_name, case, ms):
    # ops/s of serialize and of deserialize for one case, each measured for `ms`.
    ser = Pyro4.util.get_serializer(ser_name)
    if case == "small":
        do_ser = lambda: ser.serializeCall("bench", "ping", (), {})[0]
        do_de = lambda d: ser.deserializeCall(d)
    elif case == "typical":
        do_ser = lambda: ser.serializeCall("bench", "store", ("widgets", 42, TYPICAL), {})[0]
        do_de = lambda d: ser.deserializeCall(d)
    elif case == "bytes64k":
        blob = bytes(range(256)) * 256
        do_ser = lambda: ser.serializeData(blob)[0]
        do_de = lambda d: ser.deserializeData(d)
    else:
        raise ValueError("unknown case " + case)
    data = do_ser()
    res = {}
    for name, fn in (("ser", do_ser), ("de", lambda: do_de(data))):
        warm_end = perf() + ms / 5000.0  # warm-up: a fifth of the timed span, as on the TS side
        i = 0
        while i < 20 or perf() < warm_end:
            fn()
            i += 1
        n = 0
        t0 = perf()
        end = t0 + ms / 1000.0
        while True:
            for _ in range(50):
                fn()
            n += 50
            t = perf()
            if t >= end:
                break
        res[name] = n / (t - t0)
    return res


def main():
    global proxy, uri, serializer
    for line in sys.stdin:
        cmd = json.loads(line)
        op = cmd["op"]
        try:
            if op == "open":
                uri, serializer = cmd["uri"], cmd["serializer"]
                proxy = make_proxy()
                proxy._pyroBind()
                out = {"ok": True}
            elif op == "run":
                out = run(cmd["kind"], cmd["ms"], cmd.get("max", 10 ** 9), cmd.get("arg"))
            elif op == "close":
                if proxy is not None:
                    proxy._pyroRelease()
                proxy = None
                out = {"ok": True}
            elif op == "micro":
                out = micro(cmd["serializer"], cmd["case"], cmd["ms"])
            elif op == "quit":
                break
            else:
                out = {"error": "unknown op " + op}
        except Exception as e:  # report, keep serving: one failed cell must not end the run
            out = {"error": "%s: %s" % (type(e).__name__, e)}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
