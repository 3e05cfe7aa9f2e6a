# Python side of the benchmark: serves the bench object the TypeScript and Python clients call, with Pyro4 4.82, or
# with Pyro5 when BENCH_PYRO=5 (Pyro5 importable through PYTHONPATH). Configure with the usual environment variables
# (PYRO_SERVERTYPE=thread|multiplex, PYRO_SERIALIZERS_ACCEPTED=serpent,json,marshal,msgpack,pickle (Pyro4 only: Pyro5
# accepts all its serializers), PYRO_THREADPOOL_SIZE=...). Prints "URI <uri>" when ready.
import os
import sys
import threading

if os.environ.get("BENCH_PYRO") == "5":
    import Pyro5.api as pyro  # expose, behavior, oneway and Daemon have the same names in both
    import Pyro5.nameserver

    def start_ns():
        return Pyro5.nameserver.start_ns(host="127.0.0.1", port=0, enableBroadcast=False)
else:
    import Pyro4 as pyro
    import Pyro4.naming

    def start_ns():
        return Pyro4.naming.startNS(host="127.0.0.1", port=0, enableBroadcast=False)


@pyro.expose
@pyro.behavior(instance_mode="single")
class Bench(object):
    def __init__(self):
        self._count = 0
        self._lock = threading.Lock()

    def ping(self):
        return None

    def echo(self, x):
        return x

    @pyro.oneway
    def tick(self):
        with self._lock:
            self._count += 1

    def count(self):
        return self._count

    def gen(self, n):
        for i in range(n):
            yield i


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "daemon"
    if mode == "ns":
        # A name server with one registered name, for the lookups/s row.
        uri, daemon, _bc = start_ns()
        daemon.nameserver.register("bench.object", "PYRO:bench@127.0.0.1:9999")
        print("URI %s" % uri, flush=True)
        daemon.requestLoop()
        return
    daemon = pyro.Daemon(host="127.0.0.1", port=0)
    uri = daemon.register(Bench(), "bench")
    print("URI %s" % uri, flush=True)
    daemon.requestLoop()


if __name__ == "__main__":
    main()
