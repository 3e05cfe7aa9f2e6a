// Version strings shown by the CLI and sent nowhere on the wire.
export const VERSION = "0.1.0";
/** The Python Pyro4 release whose behaviour this package reproduces. */
export const PYRO4_COMPAT_VERSION = "4.82";
/** The Python Pyro5 version whose behaviour our protocol-5 side reproduces (the vendored test oracle). */
export const PYRO5_COMPAT_VERSION = "5.17-dev0";
