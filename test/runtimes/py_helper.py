"""Python Pyro4 side of the runtime matrix (test/runtimes/driver.mjs). usage: py_helper.py MODE ARGS...
Prints 'OK <text>' or 'ERROR <type>: <message>' and exits 0 either way (the driver reads the line)."""
import sys
import warnings

warnings.simplefilter("ignore")
import Pyro4
import Pyro4.errors
import Pyro4.naming
import time
from Pyro4.configuration import config

mode, args = sys.argv[1], sys.argv[2:]


def out(*parts):
    print("OK", *parts, flush=True)


try:
    if mode == "call":  # URI: echo, generator, oneway, attribute on the runtime's daemon
        with Pyro4.Proxy(args[0]) as p:
            p._pyroTimeout = 10
            r = [p.echo("hello"), p.echo([1, 2.5, {"k": (3, 4)}]), list(p.gen(3)), p.add(2, 3)]
            p.fire("x")
            for _ in range(50):  # a oneway call: the daemon may still be running it
                seen = p.seen()
                if seen:
                    break
                time.sleep(0.05)
            r.append(seen)
            out(repr(r))
    elif mode == "callback":  # URI: pass a proxy of our own Python object; the runtime's daemon calls it back
        class Listener(object):
            got = []

            @Pyro4.expose
            @Pyro4.callback
            def notify(self, v):
                Listener.got.append(v)
                return "ack " + str(v)

        with Pyro4.Daemon(host="127.0.0.1") as d:
            cb = Listener()
            d.register(cb)
            import threading

            threading.Thread(target=d.requestLoop, daemon=True).start()
            with Pyro4.Proxy(args[0]) as p:
                p._pyroTimeout = 10
                r = p.call_me(cb, 7)
            out(repr([r, Listener.got]))
    elif mode == "tls":  # URI CACERTS [CLIENTCERT CLIENTKEY]
        config.SSL = True
        config.SSL_CACERTS = args[1]
        if len(args) > 3:
            config.SSL_CLIENTCERT = args[2]
            config.SSL_CLIENTKEY = args[3]
        with Pyro4.Proxy(args[0]) as p:
            p._pyroTimeout = 10
            out(p.echo("hello tls"))
    elif mode == "ns":  # HOST PORT OBJURI: register, lookup, list, remove on the runtime's name server
        ns = Pyro4.locateNS(args[0], int(args[1]))
        ns._pyroTimeout = 10
        ns.register("rt.thing", args[2], metadata={"m1"})
        lk = str(ns.lookup("rt.thing"))
        names = sorted(ns.list(prefix="rt.").keys())
        meta = sorted(ns.list(metadata_all={"m1"}).keys())
        with Pyro4.Proxy("PYRONAME:rt.thing@%s:%s" % (args[0], args[1])) as p:
            p._pyroTimeout = 10
            echoed = p.echo("via ns")
        ns.remove("rt.thing")
        out(repr([lk == args[2], names, meta, echoed, ns.count()]))
    elif mode == "nslist":  # HOST PORT
        ns = Pyro4.locateNS(args[0], int(args[1]))
        out(repr(sorted(ns.list().keys())))
    elif mode == "broadcast":  # BCPORT: locate the name server by UDP broadcast only
        config.NS_HOST = "192.0.2.1"  # nothing there: only the broadcast can find it
        config.BROADCAST_ADDRS = "127.255.255.255"
        config.COMMTIMEOUT = 3
        ns = Pyro4.naming.locateNS(port=int(args[0]), broadcast=True)
        out(str(ns._pyroUri))
    elif mode == "echo":  # URI: plain echo (the echoserver CLI)
        with Pyro4.Proxy(args[0]) as p:
            p._pyroTimeout = 10
            out(repr([p.echo("cli"), list(p.generator())]))
    else:
        raise ValueError("unknown mode " + mode)
except Exception as x:
    print("ERROR %s: %s" % (type(x).__name__, x), flush=True)
