# Python Pyro4 side of the benchmark: serves the bench object the TypeScript and Python clients call.
# Configure with the usual Pyro4 environment variables (PYRO_SERVERTYPE=thread|multiplex,
# PYRO_SERIALIZERS_ACCEPTED=serpent,json,marshal,msgpack,pickle, PYRO_THREADPOOL_SIZE=...). Prints "URI <uri>" when ready.
import sys
import threading

import Pyro4


@Pyro4.expose
@Pyro4.behavior(instance_mode="single")
class Bench(object):
    def __init__(self):
        self._count = 0
        self._lock = threading.Lock()

    def ping(self):
        return None

    def echo(self, x):
        return x

    @Pyro4.oneway
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
        uri, daemon, _bc = Pyro4.naming.startNS(host="127.0.0.1", port=0, enableBroadcast=False)
        daemon.nameserver.register("bench.object", "PYRO:bench@127.0.0.1:9999")
        print("URI %s" % uri, flush=True)
        daemon.requestLoop()
        return
    daemon = Pyro4.Daemon(host="127.0.0.1", port=0)
    uri = daemon.register(Bench(), "bench")
    print("URI %s" % uri, flush=True)
    daemon.requestLoop()


if __name__ == "__main__":
    import Pyro4.naming  # noqa: F401
    main()
